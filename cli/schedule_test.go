package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// runsJSON runs `caseload runs --format json` in dir.
func runsJSON(t *testing.T, dir string, args ...string) []runJSON {
	t.Helper()
	out, errs, code := run(t, dir, append([]string{"runs", "--format", "json", "--limit", "0"}, args...)...)
	if code != 0 {
		t.Fatalf("runs: %d %s", code, errs)
	}
	var rs []runJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("runs JSON: %v\n%s", err, out)
	}
	return rs
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// alertSink is a local HTTP server standing in for the alerts' webhook.
type alertSink struct {
	srv  *httptest.Server
	mu   sync.Mutex
	msgs []map[string]any
}

func newAlertSink(t *testing.T) *alertSink {
	a := &alertSink{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		a.mu.Lock()
		a.msgs = append(a.msgs, m)
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *alertSink) all() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, _ := json.Marshal(a.msgs)
	return string(b)
}

// lineWatcher collects a process's stderr lines and tells when one contains a text.
type lineWatcher struct {
	mu    sync.Mutex
	lines []string
}

func watchLines(r io.Reader) *lineWatcher {
	w := &lineWatcher{}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
		}
	}()
	return w
}

func (w *lineWatcher) count(text string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.lines {
		if strings.Contains(l, text) {
			n++
		}
	}
	return n
}

func (w *lineWatcher) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited %s for %s", d, what)
}

// TestScheduleEndToEnd runs `caseload schedule` (a real process) with an every-minute job:
// each tick's run writes its reports; /healthz and /metrics answer; sql, runs and run work
// from a terminal between runs; a pull while a run writes names the run; SIGTERM during a
// run ends the scheduler within the grace with exit 0, the run recorded canceled, no partial
// file, the warehouse as before that run's pull; a `run --wait` waiting meanwhile goes on
// (issue 9, acceptance 1 and 6).
func TestScheduleEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: waits for real minute ticks")
	}
	bin := caseloadBinary(t)
	dir := newDir(t)
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(items+"QB02,b,,0,20,,\nQB03,c,,20,60,,\nQB04,d,,0,20,,\nQB05,e,,0,20,,\nQB06,f,,0,20,,\nQB07,g,,0,20,,\nQB08,h,,0,20,,\n"), 0o644)
	sink := newAlertSink(t)
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(`office: 测试侨办
items: items.csv
sources:
  - name: a
    path: incoming/*.csv
jobs:
  - name: minutely
    schedule: "* * * * *"
    period: 2022-10
    steps: [pull, report]
    formats: [xlsx, html, json]
    out: reports/{period}
deliveries:
  - name: it
    kind: webhook
    url_env: CASELOAD_TEST_ALERT_URL
alerts: [it]
`), 0o644)
	t.Setenv("CASELOAD_TEST_ALERT_URL", sink.srv.URL+"/hook")
	addr := freePort(t)
	cmd := exec.Command(bin, "schedule", "--http", addr, "--grace", "100ms", "--log-format", "json", "-v")
	cmd.Dir = dir
	cmd.Env = os.Environ()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := watchLines(stderr)
	waitUntil(t, 30*time.Second, "the scheduler to start", func() bool { return logs.count("scheduler running") > 0 })

	// /healthz answers at once; the first tick's run writes the reports.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Status string `json:"status"`
		Jobs   []struct {
			Job      string   `json:"job"`
			NextRuns []string `json:"next_runs"`
		} `json:"jobs"`
	}
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != 200 || health.Status != "ok" || len(health.Jobs) != 1 || len(health.Jobs[0].NextRuns) != 5 {
		t.Errorf("/healthz: %d %+v", resp.StatusCode, health)
	}
	waitUntil(t, 150*time.Second, "a scheduled run to succeed", func() bool { return logs.count(`"status":"succeeded"`) > 0 })
	for _, f := range []string{"report-2022-10.xlsx", "report-2022-10.html", "report-2022-10.json"} {
		if _, err := os.Stat(filepath.Join(dir, "reports", "2022-10", f)); err != nil {
			t.Errorf("the run's report: %v", err)
		}
	}
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`caseload_job_runs_total{job="minutely",status="succeeded"}`, `caseload_job_next_run_timestamp_seconds{job="minutely"}`, `caseload_job_last_success_timestamp_seconds{job="minutely"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Between runs the terminal commands work.
	if out, errs, code := run(t, dir, "sql", "SELECT count(*) AS n FROM cases", "--format", "csv"); code != 0 || !strings.Contains(out, "1") {
		t.Errorf("sql while the scheduler runs: %d %s %s", code, out, errs)
	}
	rs := runsJSON(t, dir)
	if len(rs) == 0 || rs[0].Trigger != "schedule" || rs[0].ScheduledFor == nil {
		t.Fatalf("runs: %+v", rs)
	}
	waitUntil(t, 30*time.Second, "the scheduler to be idle", func() bool {
		held, _ := warehouseHeld(dir)
		return !held
	})
	if out, errs, code := run(t, dir, "run", "minutely", "--wait", "2m"); code != 0 || !strings.Contains(out, "succeeded") {
		t.Errorf("run while the scheduler is idle: %d\n%s%s", code, out, errs)
	}

	// A big file makes the next run's pull long; SIGTERM during it.
	big := filepath.Join(dir, "incoming", "big.csv")
	if out, err := exec.Command(bin, "gen", "--cases", "400000", "-o", big).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	steps := logs.count(`"msg":"step started"`)
	waitUntil(t, 90*time.Second, "the next run's pull", func() bool { return logs.count(`"msg":"step started"`) > steps })
	// A writer from the terminal is told which run holds the warehouse.
	_, errs, code := run(t, dir, "pull")
	if code == 0 || !strings.Contains(errs, "caseload run minutely 2022-10 (run ") {
		t.Errorf("pull during a run: %d %s", code, errs)
	}
	// A run that waits for the warehouse goes on once it is free.
	waited := make(chan string, 1)
	go func() {
		c := exec.Command(bin, "run", "minutely", "--wait", "5m")
		c.Dir = dir
		out, err := c.CombinedOutput()
		waited <- fmt.Sprintf("%v\n%s", err, out)
	}()
	time.Sleep(300 * time.Millisecond)
	stop := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err = cmd.Wait()
	if err != nil || time.Since(stop) > 30*time.Second {
		t.Errorf("SIGTERM: %v after %v\n%s", err, time.Since(stop), logs.text())
	}
	if !strings.Contains(logs.text(), `"status":"canceled"`) {
		t.Errorf("no run was recorded canceled:\n%s", logs.text())
	}
	select {
	case out := <-waited:
		if !strings.HasPrefix(out, "<nil>") || !strings.Contains(out, "succeeded") {
			t.Errorf("run --wait: %s", out)
		}
	case <-time.After(4 * time.Minute):
		t.Fatal("run --wait never got the warehouse")
	}
	var canceled *runJSON
	for _, r := range runsJSON(t, dir) {
		if r.Status == "canceled" {
			r := r
			canceled = &r
		}
	}
	if canceled == nil || canceled.Error == nil || !strings.Contains(*canceled.Error, "SIGTERM") {
		t.Errorf("the canceled run: %+v", canceled)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "reports", "*", ".*tmp*")); len(tmp) > 0 {
		t.Errorf("partial files: %v", tmp)
	}
	if got := sink.all(); got != "null" && got != "[]" {
		t.Errorf("alerts although no run failed: %s", got)
	}
}

// warehouseHeld reports whether a writer holds the project's warehouse.
func warehouseHeld(dir string) (bool, string) {
	b, err := os.ReadFile(filepath.Join(dir, "caseload.duckdb.lock"))
	if err != nil {
		return false, ""
	}
	f, err := os.OpenFile(filepath.Join(dir, "caseload.duckdb.lock"), os.O_RDWR, 0)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true, string(b)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, ""
}

// TestRunKilledMidPull: SIGKILL of `caseload run` in its pull; the next command shows the
// run interrupted and the warehouse as before the pull; the next writer records it and the
// alert goes out (issue 9, acceptance 3).
func TestRunKilledMidPull(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the binary and pulls 400,000 rows")
	}
	bin := caseloadBinary(t)
	dir := newDir(t)
	sink := newAlertSink(t)
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(items+"QB02,b,,0,20,,\nQB03,c,,20,60,,\nQB04,d,,0,20,,\nQB05,e,,0,20,,\nQB06,f,,0,20,,\nQB07,g,,0,20,,\nQB08,h,,0,20,,\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(`office: 测试侨办
items: items.csv
sources:
  - name: a
    path: incoming/*.csv
jobs:
  - name: monthly
    schedule: "0 6 1 * *"
    period: 2022-10
    steps: [pull, report]
deliveries:
  - name: it
    kind: webhook
    url_env: CASELOAD_TEST_ALERT_URL
alerts: [it]
`), 0o644)
	t.Setenv("CASELOAD_TEST_ALERT_URL", sink.srv.URL+"/hook")
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	before := warehouseState(t, dir)
	if out, err := exec.Command(bin, "gen", "--cases", "400000", "-o", filepath.Join(dir, "incoming", "big.csv")).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	cmd := exec.Command(bin, "run", "monthly", "-v")
	cmd.Dir = dir
	cmd.Env = os.Environ()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := watchLines(stderr)
	waitUntil(t, 60*time.Second, "the pull step", func() bool { return logs.count("step=pull") > 0 })
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	rs := runsJSON(t, dir)
	if len(rs) != 1 || rs[0].Status != "interrupted" {
		t.Fatalf("runs after the kill: %+v\n%s", rs, logs.text())
	}
	if got := warehouseState(t, dir); got != before {
		t.Errorf("the killed run's pull changed the warehouse: %s → %s", before, got)
	}
	if got := sink.all(); got != "null" {
		t.Errorf("an alert before any writer opened: %s", got)
	}
	// The next writer records it and alerts.
	if _, errs, code := run(t, dir, "run", "monthly"); code != 0 {
		t.Fatalf("the next run: %s", errs)
	}
	rs = runsJSON(t, dir)
	if len(rs) != 2 || rs[1].Status != "interrupted" || rs[0].Status != "succeeded" || rs[1].Error == nil || !strings.Contains(*rs[1].Error, "ended without finishing the run") {
		t.Errorf("runs: %+v", rs)
	}
	got := sink.all()
	if !strings.Contains(got, `"interrupted"`) || !strings.Contains(got, `"recovered"`) || strings.Count(got, `"interrupted"`) < 1 {
		t.Errorf("alerts: %s", got)
	}
}

// TestBackfillDemo: on the demo, a backfill of ten months writes ten periods' reports in ten
// runs (trigger backfill); with --only-missing it then runs nothing (issue 9, acceptance 5).
func TestBackfillDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: writes and pulls the demo project")
	}
	dir := t.TempDir()
	if _, errs, code := run(t, dir, "--quiet", "demo", "demo"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	proj := filepath.Join(dir, "demo")
	out, errs, code := run(t, proj, "run", "monthly-report", "--from", "2022-01", "--to", "2022-10")
	if code != 0 {
		t.Fatalf("backfill: %d\n%s%s", code, out, errs)
	}
	rs := runsJSON(t, proj)
	if len(rs) != 10 {
		t.Fatalf("%d runs, want 10", len(rs))
	}
	for i, r := range rs {
		want := fmt.Sprintf("2022-%02d", 10-i)
		if r.Period != want || r.Trigger != "backfill" || r.Status != "succeeded" || len(r.Outputs) != 3 {
			t.Errorf("run %d: %+v", i, r)
		}
		if _, err := os.Stat(filepath.Join(proj, "reports", want, "report-"+want+".xlsx")); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
	out, errs, code = run(t, proj, "run", "monthly-report", "--from", "2022-01", "--to", "2022-10", "--only-missing")
	if code != 0 || !strings.Contains(out, "nothing to run") || len(runsJSON(t, proj)) != 10 {
		t.Errorf("--only-missing: %d\n%s%s", code, out, errs)
	}
	out, _, code = run(t, proj, "run", "monthly-report", "--from", "2022-09", "--to", "2022-11", "--only-missing", "--dry-run")
	if code != 0 || !strings.Contains(out, "2022-09                skip (succeeded in run") || !strings.Contains(out, "2022-11                run") {
		t.Errorf("--dry-run:\n%s", out)
	}
}
