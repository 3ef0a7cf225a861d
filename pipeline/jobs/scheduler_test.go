package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// idle reports whether no run is under way and no row waits to be written.
func (s *Scheduler) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.running {
		if r {
			return false
		}
	}
	return len(s.pending) == 0 && !s.flushing
}

// schedTest runs a scheduler on the fixture's fake clock.
type schedTest struct {
	f      *fixture
	s      *Scheduler
	cancel context.CancelFunc
	done   chan error
}

func (f *fixture) startScheduler(t *testing.T) *schedTest {
	t.Helper()
	for i := range f.cfg.Jobs {
		f.cfg.Jobs[i].Timeout = 0 // no timeout timers: the tests count the clock's waiters
	}
	read := func(ctx context.Context) (Reader, error) {
		db, _, err := warehouse.OpenAnalyst(f.cfg.Warehouse, warehouse.Options{Timezone: f.cfg.Timezone})
		return db, err
	}
	s, err := NewScheduler(f.env, read)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st := &schedTest{f: f, s: s, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan struct{})
	go func() { st.done <- s.Run(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-st.done:
		t.Fatalf("scheduler: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("scheduler did not start")
	}
	st.settle(t)
	return st
}

// settle waits (in real time) until the scheduler has handled everything due and waits on
// the clock.
func (st *schedTest) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if st.s.idle() {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			err := st.f.clock.BlockUntilContext(ctx, 1)
			cancel()
			if err == nil && st.s.idle() {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("the scheduler did not settle")
}

// advance moves the clock forward in steps of step, settling after each.
func (st *schedTest) advance(t *testing.T, d, step time.Duration) {
	t.Helper()
	for moved := time.Duration(0); moved < d; moved += step {
		st.f.clock.Advance(step)
		st.settle(t)
	}
}

func (st *schedTest) stop(t *testing.T) {
	t.Helper()
	st.cancel()
	select {
	case err := <-st.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("scheduler did not stop")
	}
}

func tz(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func scheduleYAML(zone, spec, per, extra string) string {
	return "timezone: " + zone + "\njobs:\n  - name: j\n    schedule: \"" + spec + "\"\n    period: " + per + "\n    steps: [report]\n" + extra
}

// runTimes lists the local wall-clock times (and trigger) of the runs that ran.
func runTimes(rs []Run, loc *time.Location) string {
	var out []string
	for _, r := range rs {
		if r.StartedAt.IsZero() {
			continue
		}
		out = append(out, r.ScheduledFor.In(loc).Format("01-02 15:04 MST")+"/"+string(r.Trigger)+"/"+string(r.Status))
	}
	return strings.Join(out, " ")
}

// TestDST: a job at 02:30 runs exactly once on both transition days, in America/New_York
// (spring-forward: 02:30 does not exist, it runs at 03:00) and Europe/London (whose gap and
// repeated hour are 01:00–02:00: a 01:30 job runs at 02:00 BST in spring and once in autumn).
func TestDST(t *testing.T) {
	for _, c := range []struct {
		zone, spec string
		from       time.Time
		want       string
	}{
		{"America/New_York", "30 2 * * *", time.Date(2024, 3, 9, 0, 0, 0, 0, tz(t, "America/New_York")),
			"03-09 02:30 EST/schedule/succeeded 03-10 03:00 EDT/schedule/succeeded 03-11 02:30 EDT/schedule/succeeded"},
		{"America/New_York", "30 2 * * *", time.Date(2024, 11, 2, 0, 0, 0, 0, tz(t, "America/New_York")),
			"11-02 02:30 EDT/schedule/succeeded 11-03 02:30 EST/schedule/succeeded 11-04 02:30 EST/schedule/succeeded"},
		{"America/New_York", "30 1 * * *", time.Date(2024, 11, 2, 0, 0, 0, 0, tz(t, "America/New_York")),
			"11-02 01:30 EDT/schedule/succeeded 11-03 01:30 EDT/schedule/succeeded 11-04 01:30 EST/schedule/succeeded"},
		{"Europe/London", "30 1 * * *", time.Date(2024, 3, 30, 0, 0, 0, 0, tz(t, "Europe/London")),
			"03-30 01:30 GMT/schedule/succeeded 03-31 02:00 BST/schedule/succeeded 04-01 01:30 BST/schedule/succeeded"},
		{"Europe/London", "30 1 * * *", time.Date(2024, 10, 26, 0, 0, 0, 0, tz(t, "Europe/London")),
			"10-26 01:30 BST/schedule/succeeded 10-27 01:30 BST/schedule/succeeded 10-28 01:30 GMT/schedule/succeeded"},
		{"Europe/London", "30 2 * * *", time.Date(2024, 3, 30, 0, 0, 0, 0, tz(t, "Europe/London")),
			"03-30 02:30 GMT/schedule/succeeded 03-31 02:30 BST/schedule/succeeded 04-01 02:30 BST/schedule/succeeded"},
	} {
		t.Run(c.zone+" "+c.spec+" "+c.from.Format("2006-01-02"), func(t *testing.T) {
			f := newFixture(t, scheduleYAML(c.zone, c.spec, "year-to-date", ""), c.from)
			st := f.startScheduler(t)
			st.advance(t, 72*time.Hour, time.Minute)
			st.stop(t)
			if got := runTimes(f.runs(), f.cfg.Location); got != c.want {
				t.Errorf("runs:\n  got  %s\n  want %s", got, c.want)
			}
		})
	}
}

// TestCatchup: ticks missed while caseload was stopped are handled at start-up by the
// job's catchup policy (a daily job whose month-to-date period differs every day).
func TestCatchup(t *testing.T) {
	sh := tz(t, "Asia/Shanghai")
	start := time.Date(2022, 11, 10, 5, 0, 0, 0, sh)
	for _, c := range []struct {
		policy string
		want   string
	}{
		{"", "2022-11-01..2022-11-10/schedule/succeeded 2022-11-01..2022-11-11/schedule/missed 2022-11-01..2022-11-12/schedule/missed 2022-11-01..2022-11-13/schedule/missed 2022-11-01..2022-11-14/catchup/succeeded"},
		{"latest", "2022-11-01..2022-11-10/schedule/succeeded 2022-11-01..2022-11-11/schedule/missed 2022-11-01..2022-11-12/schedule/missed 2022-11-01..2022-11-13/schedule/missed 2022-11-01..2022-11-14/catchup/succeeded"},
		{"all", "2022-11-01..2022-11-10/schedule/succeeded 2022-11-01..2022-11-11/schedule/missed 2022-11-01..2022-11-12/schedule/missed 2022-11-01..2022-11-13/catchup/succeeded 2022-11-01..2022-11-14/catchup/succeeded"},
		{"none", "2022-11-01..2022-11-10/schedule/succeeded 2022-11-01..2022-11-11/schedule/missed 2022-11-01..2022-11-12/schedule/missed 2022-11-01..2022-11-13/schedule/missed 2022-11-01..2022-11-14/schedule/missed"},
	} {
		t.Run("catchup="+c.policy, func(t *testing.T) {
			extra := "    max_catchup: 2\n"
			if c.policy != "" {
				extra += "    catchup: " + c.policy + "\n"
			}
			f := newFixture(t, scheduleYAML("Asia/Shanghai", "0 6 * * *", "month-to-date", extra), start)
			st := f.startScheduler(t)
			st.advance(t, 2*time.Hour, time.Minute) // the 06:00 tick of the 10th runs
			st.stop(t)
			f.clock.Advance(4 * 24 * time.Hour) // down for four ticks (11th–14th); start on the 14th at 07:00
			st = f.startScheduler(t)
			st.stop(t)
			var got []string
			for _, r := range f.runs() {
				got = append(got, r.Period.Label+"/"+string(r.Trigger)+"/"+string(r.Status))
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("runs:\n  got  %s\n  want %s", strings.Join(got, " "), c.want)
			}
			wantAlerts := "missed"
			if c.policy == "all" || c.policy == "latest" || c.policy == "" {
				wantAlerts = "missed recovered"
			}
			if got := f.alertSummary(); got != wantAlerts {
				t.Errorf("alerts: %q, want %q", got, wantAlerts)
			}
		})
	}
}

// TestCatchupAfterMonthsDown: an every-minute job down for three months records the latest
// 100 missed ticks one by one and the earlier ones in one more row, and runs the latest.
func TestCatchupAfterMonthsDown(t *testing.T) {
	f := newFixture(t, scheduleYAML("Asia/Shanghai", "* * * * *", "month-to-date", ""), time.Date(2022, 8, 1, 0, 0, 30, 0, tz(t, "Asia/Shanghai")))
	st := f.startScheduler(t)
	st.advance(t, time.Minute, time.Minute)
	st.stop(t)
	f.clock.Advance(92 * 24 * time.Hour)
	st = f.startScheduler(t)
	st.stop(t)
	rs := f.runs()
	var missed, summaries, catchup int
	for _, r := range rs {
		switch {
		case r.Status == Missed && strings.Contains(r.Error, "earlier ticks were missed"):
			summaries++
			if !strings.Contains(r.Error, "132379 earlier ticks") {
				t.Errorf("summary row: %s", r.Error)
			}
		case r.Status == Missed:
			missed++
		case r.Trigger == TriggerCatchup && r.Status == Succeeded:
			catchup++
		}
	}
	if missed != maxMissedRows || summaries != 1 || catchup != 1 {
		t.Errorf("%d missed rows, %d summary rows, %d catch-up runs (of %d rows)", missed, summaries, catchup, len(rs))
	}
}

// TestCatchupSkipsSucceededPeriod: catch-up does not run again a period that already has a
// succeeded run; it records the tick skipped.
func TestCatchupSkipsSucceededPeriod(t *testing.T) {
	f := newFixture(t, scheduleYAML("Asia/Shanghai", "0 6 * * *", "previous-month", ""), time.Date(2022, 11, 10, 5, 0, 0, 0, tz(t, "Asia/Shanghai")))
	st := f.startScheduler(t)
	st.advance(t, 2*time.Hour, time.Minute)
	st.stop(t)
	f.clock.Advance(24 * time.Hour)
	st = f.startScheduler(t)
	st.stop(t)
	var got []string
	for _, r := range f.runs() {
		got = append(got, r.Period.Label+"/"+string(r.Trigger)+"/"+string(r.Status))
	}
	if want := "2022-10/schedule/succeeded 2022-10/catchup/skipped"; strings.Join(got, " ") != want {
		t.Errorf("runs: %s, want %s", strings.Join(got, " "), want)
	}
}

// TestOverlapAndPanic: a tick that finds the job's previous run still going is recorded
// skipped; a step that panics fails its run and the scheduler goes on.
func TestOverlapAndPanic(t *testing.T) {
	f := newFixture(t, scheduleYAML("Asia/Shanghai", "* * * * *", "previous-month", ""), time.Date(2022, 11, 10, 5, 0, 30, 0, tz(t, "Asia/Shanghai")))
	release := make(chan struct{})
	var calls atomic.Int32
	report := f.env.Steps["report"]
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error {
		switch calls.Add(1) {
		case 1:
			<-release // a long run
		case 2:
			panic("the report step fell over")
		}
		return report(ctx, a)
	}
	st := f.startScheduler(t)
	f.clock.Advance(time.Minute) // 05:01: the run starts and blocks
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	for i := 0; i < 3; i++ { // 05:02–05:04: the run still goes
		f.clock.Advance(time.Minute)
		waitFor(t, func() bool { return st.s.isRunning("j") })
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	st.settle(t)
	st.advance(t, 2*time.Minute, time.Minute) // 05:05 panics, 05:06 runs
	st.stop(t)
	var got []string
	for _, r := range f.runs() {
		got = append(got, r.ScheduledFor.In(f.cfg.Location).Format("15:04")+"/"+string(r.Status))
	}
	if want := "05:01/succeeded 05:02/skipped 05:03/skipped 05:04/skipped 05:05/failed 05:06/succeeded"; strings.Join(got, " ") != want {
		t.Errorf("runs: %s\n want %s", strings.Join(got, " "), want)
	}
	for _, r := range f.runs() {
		if r.Status == Failed && !strings.Contains(r.Error, "panic: the report step fell over") {
			t.Errorf("failed run's error: %q", r.Error)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met")
}

// TestShutdown: on shutdown the scheduler starts nothing new, waits the grace period for a
// run under way, then cancels it (recorded canceled) and returns without error.
func TestShutdown(t *testing.T) {
	f := newFixture(t, scheduleYAML("Asia/Shanghai", "* * * * *", "previous-month", ""), time.Date(2022, 11, 10, 5, 0, 30, 0, tz(t, "Asia/Shanghai")))
	started := make(chan struct{})
	f.env.Steps["report"] = func(ctx context.Context, a *Attempt) error {
		close(started)
		<-ctx.Done()
		return context.Cause(ctx)
	}
	st := f.startScheduler(t)
	st.s.SetGrace(Grace)
	f.clock.Advance(time.Minute)
	<-started
	st.cancel()
	if err := f.clock.BlockUntilContext(ctxTimeout(t), 1); err != nil { // the grace timer
		t.Fatal(err)
	}
	select {
	case <-st.done:
		t.Fatal("stopped before the grace period passed")
	case <-time.After(200 * time.Millisecond):
	}
	f.clock.Advance(Grace)
	select {
	case err := <-st.done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("did not stop after the grace period")
	}
	rs := f.runs()
	if len(rs) != 1 || rs[0].Status != Canceled || !strings.Contains(rs[0].Error, "shutdown") {
		t.Errorf("runs: %+v", rs)
	}
}
