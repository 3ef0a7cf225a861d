package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caseload/caseload/cli/internal/clitest"
)

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
	bin := clitest.Binary(t)
	dir := clitest.Project(t)
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(clitest.AllItems), 0o644)
	sink := clitest.NewAlertSink(t)
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
	t.Setenv("CASELOAD_TEST_ALERT_URL", sink.URL)
	addr := clitest.FreePort(t)
	cmd := exec.Command(bin, "schedule", "--http", addr, "--grace", "100ms", "--log-format", "json", "-v")
	cmd.Dir = dir
	cmd.Env = os.Environ()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := clitest.Watch(stderr)
	clitest.WaitUntil(t, 30*time.Second, "the scheduler to start", func() bool { return logs.Count("scheduler running") > 0 })

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
	clitest.WaitUntil(t, 150*time.Second, "a scheduled run to succeed", func() bool { return logs.Count(`"status":"succeeded"`) > 0 })
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
	if out, errs, code := caseload(t, dir, "sql", "SELECT count(*) AS n FROM cases", "--format", "csv"); code != 0 || !strings.Contains(out, "1") {
		t.Errorf("sql while the scheduler runs: %d %s %s", code, out, errs)
	}
	rs := runsJSON(t, dir)
	if len(rs) == 0 || rs[0].Trigger != "schedule" || rs[0].ScheduledFor == nil {
		t.Fatalf("runs: %+v", rs)
	}
	clitest.WaitUntil(t, 30*time.Second, "the scheduler to be idle", func() bool {
		held, _ := warehouseHeld(dir)
		return !held
	})
	if out, errs, code := caseload(t, dir, "run", "minutely", "--wait", "2m"); code != 0 || !strings.Contains(out, "succeeded") {
		t.Errorf("run while the scheduler is idle: %d\n%s%s", code, out, errs)
	}

	// A big file makes the next run's pull long; SIGTERM during it.
	big := filepath.Join(dir, "incoming", "big.csv")
	if out, err := exec.Command(bin, "gen", "--cases", "400000", "-o", big).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	steps := logs.Count(`"msg":"step started"`)
	clitest.WaitUntil(t, 90*time.Second, "the next run's pull", func() bool { return logs.Count(`"msg":"step started"`) > steps })
	// A writer from the terminal is told which run holds the warehouse.
	_, errs, code := caseload(t, dir, "pull")
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
		t.Errorf("SIGTERM: %v after %v\n%s", err, time.Since(stop), logs.Text())
	}
	if !strings.Contains(logs.Text(), `"status":"canceled"`) {
		t.Errorf("no run was recorded canceled:\n%s", logs.Text())
	}
	select {
	case out := <-waited:
		if !strings.HasPrefix(out, "<nil>") || !strings.Contains(out, "succeeded") {
			t.Errorf("run --wait: %s", out)
		}
	case <-time.After(4 * time.Minute):
		t.Fatal("run --wait never got the warehouse")
	}
	var canceled *run
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
	if got := sink.All(); got != "null" && got != "[]" {
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
	bin := clitest.Binary(t)
	dir := clitest.Project(t)
	sink := clitest.NewAlertSink(t)
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(clitest.AllItems), 0o644)
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
	t.Setenv("CASELOAD_TEST_ALERT_URL", sink.URL)
	if _, errs, code := caseload(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	before := state(t, dir)
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
	logs := clitest.Watch(stderr)
	clitest.WaitUntil(t, 60*time.Second, "the pull step", func() bool { return logs.Count("step=pull") > 0 })
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	rs := runsJSON(t, dir)
	if len(rs) != 1 || rs[0].Status != "interrupted" {
		t.Fatalf("runs after the kill: %+v\n%s", rs, logs.Text())
	}
	if got := state(t, dir); got != before {
		t.Errorf("the killed run's pull changed the warehouse: %s → %s", before, got)
	}
	if got := sink.All(); got != "null" {
		t.Errorf("an alert before any writer opened: %s", got)
	}
	// The next writer records it and alerts.
	if _, errs, code := caseload(t, dir, "run", "monthly"); code != 0 {
		t.Fatalf("the next run: %s", errs)
	}
	rs = runsJSON(t, dir)
	if len(rs) != 2 || rs[1].Status != "interrupted" || rs[0].Status != "succeeded" || rs[1].Error == nil || !strings.Contains(*rs[1].Error, "ended without finishing the run") {
		t.Errorf("runs: %+v", rs)
	}
	got := sink.All()
	if !strings.Contains(got, `"interrupted"`) || !strings.Contains(got, `"recovered"`) || strings.Count(got, `"interrupted"`) < 1 {
		t.Errorf("alerts: %s", got)
	}
}
