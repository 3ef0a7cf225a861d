package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// fixture is a project directory with a warehouse, an Env on a fake clock and steps the
// tests define.
type fixture struct {
	t      *testing.T
	dir    string
	cfg    *config.Config
	clock  *clockwork.FakeClock
	env    *Env
	mu     sync.Mutex
	alerts []Alert
}

const testItems = "item_code,name,instant_since,promised_days,statutory_days,active_from,active_to\nQB01,华侨身份证明,2017-03-01,0,20,2017-03-01,\n"

func newFixture(t *testing.T, yaml string, start time.Time) *fixture {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(testItems), 0o644)
	os.MkdirAll(filepath.Join(dir, "incoming"), 0o755)
	if yaml == "" {
		yaml = "jobs:\n  - name: monthly\n    schedule: \"0 6 1 * *\"\n    steps: [report]\n"
	}
	text := "office: 测试侨办\nitems: items.csv\nsources:\n  - name: a\n    path: incoming/*.csv\n" + yaml
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(text), 0o644)
	cfg, err := config.Load(filepath.Join(dir, "caseload.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, cfg: cfg, clock: clockwork.NewFakeClockAt(start)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	f.env = &Env{Config: cfg, Log: log, Clock: f.clock, Version: "test", Jitter: func() float64 { return 0.5 }}
	f.env.Open = func(ctx context.Context, purpose string) (*warehouse.Warehouse, error) {
		return warehouse.Open(ctx, warehouse.Options{Path: cfg.Warehouse, Timezone: cfg.Timezone, Purpose: purpose, Logger: log})
	}
	f.env.Alert = func(ctx context.Context, a Alert) {
		f.mu.Lock()
		f.alerts = append(f.alerts, a)
		f.mu.Unlock()
	}
	f.env.Steps = map[string]Step{
		"pull": f.env.PullStep,
		"report": func(ctx context.Context, a *Attempt) error { // writes one file, atomically
			path := filepath.Join(a.OutDir, "report-"+a.Run.Period.Label+".txt")
			os.MkdirAll(a.OutDir, 0o755)
			a.Run.Outputs = append(a.Run.Outputs, path)
			return warehouse.WriteAtomic(path, 0o644, func(w io.Writer) error {
				_, err := io.WriteString(w, "report of "+a.Run.Period.Label)
				return err
			})
		},
	}
	return f
}

func (f *fixture) job(name string) config.Job {
	for _, j := range f.cfg.Jobs {
		if j.Name == name {
			return j
		}
	}
	f.t.Fatalf("no job %s", name)
	return config.Job{}
}

// runs lists job_runs, oldest first, read as analysts read them.
func (f *fixture) runs() []Run {
	f.t.Helper()
	if _, err := os.Stat(f.cfg.Warehouse); err != nil {
		return nil
	}
	db, _, err := warehouse.OpenAnalyst(f.cfg.Warehouse, warehouse.Options{Timezone: f.cfg.Timezone})
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	rs, err := List(context.Background(), db, Filter{})
	if err != nil {
		f.t.Fatal(err)
	}
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
}

func summary(rs []Run) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s/%s/%s/%d", r.Period.Label, r.Trigger, r.Status, r.Attempt))
	}
	return strings.Join(parts, " ")
}

func (f *fixture) alertSummary() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var parts []string
	for _, a := range f.alerts {
		s := string(a.Run.Status)
		if a.Recovered {
			s = "recovered"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func month(t *testing.T, label string) period.Period {
	p, err := period.Parse(label)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunLedger: a run is a row when it starts (a reader sees it running) and when it ends,
// with its outputs, pid, host and version.
func TestRunLedger(t *testing.T) {
	f := newFixture(t, "", time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC))
	var seen string
	report := f.env.Steps["report"]
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error {
		rs := f.runs()
		seen = summary(rs)
		return report(ctx, a)
	}
	runs := f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	if len(runs) != 1 || runs[0].Status != Succeeded {
		t.Fatalf("runs: %+v", runs)
	}
	if seen != "2022-10/manual/running/1" {
		t.Errorf("during the run a reader saw %q", seen)
	}
	rs := f.runs()
	if got := summary(rs); got != "2022-10/manual/succeeded/1" {
		t.Fatalf("after: %s", got)
	}
	r := rs[0]
	want := filepath.Join(f.dir, "reports", "report-2022-10.txt")
	if len(r.Outputs) != 1 || r.Outputs[0] != want || r.PID != os.Getpid() || r.Host == "" || r.Version != "test" ||
		r.StartedAt.IsZero() || r.FinishedAt.IsZero() || r.Heartbeat.IsZero() || r.Period.First != month(t, "2022-10").First {
		t.Errorf("row: %+v", r)
	}
	if b, err := os.ReadFile(want); err != nil || string(b) != "report of 2022-10" {
		t.Errorf("report file: %q %v", b, err)
	}
}

// TestStepPanics: a panicking step fails its run with the panic's message; nothing else stops.
func TestStepPanics(t *testing.T) {
	f := newFixture(t, "", time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC))
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error { panic("boom in report") }
	runs := f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	if len(runs) != 1 || runs[0].Status != Failed || !strings.Contains(runs[0].Error, "panic: boom in report") {
		t.Fatalf("runs: %+v", runs[0])
	}
	if rs := f.runs(); len(rs) != 1 || rs[0].Status != Failed || !strings.Contains(rs[0].Error, "panic: boom in report") {
		t.Errorf("ledger: %+v", rs)
	}
}

// TestRetries: failed attempts are retried after retry_backoff, doubling, each attempt its
// own row (trigger retry, retry_of the first); the alert comes once, for the final failure,
// and "recovered" once after the next success.
func TestRetries(t *testing.T) {
	f := newFixture(t, "jobs:\n  - name: monthly\n    schedule: \"0 6 1 * *\"\n    steps: [report]\n    retries: 2\n    retry_backoff: 5m\n", time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC))
	var attempts []time.Time
	fail := true
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error {
		attempts = append(attempts, f.clock.Now())
		if fail {
			return errors.New("smtp down")
		}
		return nil
	}
	job := f.job("monthly")
	job.Timeout = 0 // no timeout timer: the only timer is the backoff's (BlockUntil counts timers)
	done := make(chan []*Run)
	go func() {
		done <- f.env.Run(context.Background(), Spec{Job: job, Period: month(t, "2022-10"), Trigger: TriggerManual})
	}()
	for i := 0; i < 2; i++ { // two backoffs: 5m, then 10m
		if err := f.clock.BlockUntilContext(ctxTimeout(t), 1); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(15 * time.Minute)
	}
	runs := <-done
	if got := summary(f.runs()); got != "2022-10/manual/failed/1 2022-10/retry/failed/2 2022-10/retry/failed/3" {
		t.Fatalf("ledger: %s", got)
	}
	rs := f.runs()
	if rs[1].RetryOf != rs[0].ID || rs[2].RetryOf != rs[0].ID || len(runs) != 3 {
		t.Errorf("retry_of: %d %d (first %d)", rs[1].RetryOf, rs[2].RetryOf, rs[0].ID)
	}
	if d := attempts[1].Sub(attempts[0]); d != 5*time.Minute && d != 15*time.Minute {
		t.Errorf("first backoff %v", d)
	}
	if got := f.alertSummary(); got != "failed" {
		t.Errorf("alerts after three failed attempts: %q, want one", got)
	}
	// Failing again is no new state: no alert. Then a success: recovered, once.
	f.env.Run(context.Background(), Spec{Job: withRetries(f.job("monthly"), 0), Period: month(t, "2022-10"), Trigger: TriggerManual})
	fail = false
	f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	if got := f.alertSummary(); got != "failed recovered" {
		t.Errorf("alerts: %q, want failed recovered", got)
	}
	if e := f.env.backoff(5*time.Minute, 10); e > 72*time.Minute || e < 48*time.Minute {
		t.Errorf("backoff is capped at an hour ±20%%: %v", e)
	}
}

func withRetries(j config.Job, n int) config.Job { j.Retries = n; return j }

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTimeout: a run past its timeout is timed_out, and the previous report file is intact
// (the half-written one is never renamed into place).
func TestTimeout(t *testing.T) {
	f := newFixture(t, "jobs:\n  - name: monthly\n    schedule: \"0 6 1 * *\"\n    steps: [report]\n    timeout: 30m\n    retries: 3\n", time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC))
	path := filepath.Join(f.dir, "reports", "report-2022-10.txt")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("the previous report"), 0o644)
	started := make(chan struct{})
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error {
		return warehouse.WriteAtomic(path, 0o644, func(w io.Writer) error {
			io.WriteString(w, "half of a new")
			close(started)
			<-ctx.Done() // a slow writer
			return context.Cause(ctx)
		})
	}
	done := make(chan []*Run)
	go func() {
		done <- f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	}()
	<-started
	f.clock.Advance(31 * time.Minute)
	runs := <-done
	if len(runs) != 1 || runs[0].Status != TimedOut || !strings.Contains(runs[0].Error, "timed out after 30m0s") {
		t.Fatalf("runs: %d %+v", len(runs), runs[0])
	}
	if b, _ := os.ReadFile(path); string(b) != "the previous report" {
		t.Errorf("the previous report was changed: %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if got := f.alertSummary(); got != "timed_out" {
		t.Errorf("alerts: %q", got)
	}
}

// TestQualityGate: a failed data-quality gate fails the run (not retried) but the pull stays
// committed and the reports are still written; a glob matching nothing is a warning.
func TestQualityGate(t *testing.T) {
	f := newFixture(t, "quality:\n  max_reject_ratio: 0.1\njobs:\n  - name: monthly\n    schedule: \"0 6 1 * *\"\n    steps: [pull, report]\n    retries: 3\n", time.Date(2022, 11, 20, 6, 0, 0, 0, time.UTC))
	os.WriteFile(filepath.Join(f.dir, "incoming", "a.csv"), []byte("case_id,item_code,received_at,status\nA1,QB01,2022-10-01 09:00,received\nA2,QB09,2022-10-01 09:00,received\n"), 0o644)
	runs := f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	r := runs[len(runs)-1]
	if len(runs) != 1 || r.Status != Failed || !strings.Contains(r.Error, "data-quality gate: 1 of 2 rows rejected") || len(r.Outputs) != 1 {
		t.Fatalf("runs %d: %+v", len(runs), r)
	}
	if *r.RowsRead != 2 || *r.Accepted != 1 || *r.Rejected != 1 {
		t.Errorf("counts: %d %d %d", *r.RowsRead, *r.Accepted, *r.Rejected)
	}
	// The empty glob: another source that matches nothing.
	f2 := newFixture(t, "jobs:\n  - name: monthly\n    schedule: \"0 6 1 * *\"\n    steps: [pull]\n", time.Date(2022, 11, 20, 6, 0, 0, 0, time.UTC))
	runs = f2.env.Run(context.Background(), Spec{Job: f2.job("monthly"), Period: month(t, "2022-10"), Trigger: TriggerManual})
	if r := runs[0]; r.Status != Succeeded || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "source a: no file matches incoming/*.csv") {
		t.Errorf("empty glob: %+v", r)
	}
	if rs := f2.runs(); len(rs) != 1 || len(rs[0].Warnings) != 1 {
		t.Errorf("warnings not recorded: %+v", rs)
	}
}

// TestInterruptedAtOpen: a run left running (its process died) becomes interrupted at the
// next writer open, with an alert.
func TestInterruptedAtOpen(t *testing.T) {
	f := newFixture(t, "", time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC))
	w, err := f.env.Open(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{Job: "monthly", Period: month(t, "2022-10"), Trigger: TriggerSchedule, Attempt: 1, Status: Running, PID: 999999, Host: "gone", StartedAt: f.clock.Now(), Heartbeat: f.clock.Now()}
	if err := writeGen(context.Background(), w, func(q warehouse.Querier) error { return Insert(context.Background(), q, r) }); err != nil {
		t.Fatal(err)
	}
	w.Close()
	runs := f.env.Run(context.Background(), Spec{Job: f.job("monthly"), Period: month(t, "2022-11"), Trigger: TriggerManual})
	if runs[0].Status != Succeeded {
		t.Fatal(runs[0].Error)
	}
	rs := f.runs()
	if got := summary(rs); got != "2022-10/schedule/interrupted/1 2022-11/manual/succeeded/1" {
		t.Errorf("ledger: %s", got)
	}
	if !strings.Contains(rs[0].Error, "PID 999999 on gone") {
		t.Errorf("error: %q", rs[0].Error)
	}
	if got := f.alertSummary(); got != "interrupted recovered" {
		t.Errorf("alerts: %q", got)
	}
}
