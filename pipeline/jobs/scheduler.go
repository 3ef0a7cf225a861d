package jobs

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/schedule"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Scheduler runs the configured jobs on their schedules until its context ends.
type Scheduler struct {
	env   *Env
	jobs  []scheduledJob
	grace time.Duration
	// Read opens the warehouse for reading (to check whether a period already succeeded).
	read func(ctx context.Context) (Reader, error)

	mu       sync.Mutex
	running  map[string]bool      // a run of the job is under way
	handled  map[string]time.Time // the last tick handled per job
	last     map[string]Run       // the last finished run per job
	health   map[string]Status    // the last state that counts for alerts per job (see lastHealth)
	lastLoop time.Time            // when the loop last looked at the clock
	pending  []Run                // missed/skipped rows waiting to be written
	metrics  *Metrics
	flushing bool       // a goroutine is writing the queued rows
	flushMu  sync.Mutex // held while queued rows are being written
	wg       sync.WaitGroup
}

type scheduledJob struct {
	job  config.Job
	spec *schedule.Schedule
}

// Reader is what the scheduler reads: a Querier it closes.
type Reader interface {
	warehouse.Querier
	Close() error
}

// Grace is how long a shutdown waits for a run under way before cancelling it: shorter
// than systemd's default stop timeout (90 s) and than deploy/caseload.service's
// TimeoutStopSec, so the run is recorded `canceled` before systemd kills the process.
const Grace = 60 * time.Second

// maxMissedRows caps the missed ticks recorded one row each per job and start-up; earlier
// ones are summed up in one more row (an every-minute job down for a month misses 43,200).
const maxMissedRows = 100

// maxTicks bounds the ticks examined for catch-up per job (a year of minutes is 527,040).
const maxTicks = 1_100_000

// NewScheduler prepares a scheduler for every job of env.Config. env.Writer must be set:
// runs and records of one process take the warehouse one at a time.
func NewScheduler(env *Env, read func(ctx context.Context) (Reader, error)) (*Scheduler, error) {
	s := &Scheduler{env: env, grace: Grace, read: read, running: map[string]bool{}, handled: map[string]time.Time{}, last: map[string]Run{}, health: map[string]Status{}}
	if env.Writer == nil {
		env.Writer = make(chan struct{}, 1)
	}
	for _, j := range env.Config.Jobs {
		sp, err := schedule.Parse(j.Schedule, env.Config.Location)
		if err != nil {
			return nil, fmt.Errorf("job %s: schedule %q: %w", j.Name, j.Schedule, err)
		}
		s.jobs = append(s.jobs, scheduledJob{job: j, spec: sp})
	}
	return s, nil
}

// UseMetrics makes the scheduler count runs in m.
func (s *Scheduler) UseMetrics(m *Metrics) { s.metrics = m }

// SetGrace changes the shutdown grace (tests).
func (s *Scheduler) SetGrace(d time.Duration) { s.grace = d }

// Run runs the scheduler until ctx ends, then waits up to the grace period for runs under
// way, cancels those still going (they are recorded `canceled`), and returns nil. onReady is
// called once start-up (catch-up planning) is done and the loop runs.
func (s *Scheduler) Run(ctx context.Context, onReady func()) error {
	runsCtx, cancelRuns := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelRuns(nil)
	if err := s.startup(ctx, runsCtx); err != nil {
		return err
	}
	if onReady != nil {
		onReady()
	}
	s.loop(ctx, runsCtx)
	s.env.Log.Info("scheduler stopping: no new runs; waiting for runs under way", "grace", s.grace.String())
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-s.env.Clock.After(s.grace):
		s.env.Log.Warn("runs still going after the grace period: cancelling them")
		cancelRuns(fmt.Errorf("shutdown (%v)", context.Cause(ctx)))
		<-done
	}
	s.flush(context.WithoutCancel(ctx))
	s.env.Log.Info("scheduler stopped")
	return nil
}

// startup records the jobs it sees, plans the ticks missed while caseload was not running
// (catchup), records the ones not run, and starts the catch-up runs.
func (s *Scheduler) startup(ctx, runsCtx context.Context) error {
	now := s.env.Clock.Now()
	var states map[string]JobState
	if err := s.withWarehouse(ctx, "scheduler start", func(w *warehouse.Warehouse) error {
		for _, j := range s.jobs {
			if err := SeeJob(ctx, w.DB, j.job.Name, now); err != nil {
				return err
			}
		}
		var err error
		if states, err = LoadState(ctx, w.DB); err != nil {
			return err
		}
		for _, j := range s.jobs {
			h, err := lastHealth(ctx, w.DB, j.job.Name, 1<<62, 0)
			if err != nil {
				return err
			}
			s.health[j.job.Name] = h
		}
		return w.Commit(ctx)
	}); err != nil {
		return fmt.Errorf("scheduler: %w", err)
	}
	for _, j := range s.jobs {
		st := states[j.job.Name]
		from := st.LastTick
		if from.IsZero() || from.Before(st.FirstSeen) {
			from = st.FirstSeen
		}
		s.mu.Lock()
		s.handled[j.job.Name] = now
		s.mu.Unlock()
		ticks, omitted := j.spec.Between(from, now, maxTicks)
		if len(ticks) == 0 {
			continue
		}
		s.catchUp(runsCtx, j, ticks, omitted)
	}
	return nil
}

// catchUp applies the job's catchup policy to ticks that were due but not run: latest runs
// the most recent and records the others missed; all runs the most recent max_catchup,
// oldest first, and records the rest missed; none records them all missed. A tick whose
// period already has a succeeded run is recorded skipped instead of running again.
func (s *Scheduler) catchUp(ctx context.Context, j scheduledJob, ticks []time.Time, omitted int) {
	var run, missed []time.Time
	switch j.job.Catchup {
	case "none":
		missed = ticks
	case "all":
		k := max(0, len(ticks)-max(j.job.MaxCatchup, 0))
		missed, run = ticks[:k], ticks[k:]
	default: // latest
		missed, run = ticks[:len(ticks)-1], ticks[len(ticks)-1:]
	}
	s.env.Log.Info("ticks missed while caseload was not running", "job", j.job.Name, "ticks", len(ticks)+omitted,
		"catchup", j.job.Catchup, "to_run", len(run), "recorded_missed", len(missed)+omitted)
	s.recordMissed(j, missed, omitted)
	if len(run) > 0 {
		s.start(ctx, j, run, TriggerCatchup)
	}
}

// recordMissed queues missed rows: one per tick for the latest maxMissedRows, one more
// summing up the earlier ones.
func (s *Scheduler) recordMissed(j scheduledJob, ticks []time.Time, omitted int) {
	if len(ticks) == 0 && omitted == 0 {
		return
	}
	now := s.env.Clock.Now()
	var rows []Run
	if extra := len(ticks) - maxMissedRows; extra > 0 || omitted > 0 {
		extra = max(extra, 0)
		var first, last time.Time
		if extra > 0 {
			first, last = ticks[0], ticks[extra-1]
		} else {
			last = ticks[0]
		}
		r := s.tickRun(j, last, Missed, now)
		r.Error = fmt.Sprintf("%d earlier ticks were missed while caseload was not running", extra+omitted)
		if !first.IsZero() {
			r.Error += fmt.Sprintf(" (from %s to %s)", first.In(s.env.Config.Location).Format(time.RFC3339), last.In(s.env.Config.Location).Format(time.RFC3339))
		}
		rows = append(rows, r)
		ticks = ticks[extra:]
	}
	for _, t := range ticks {
		r := s.tickRun(j, t, Missed, now)
		r.Error = "missed while caseload was not running (catchup: " + j.job.Catchup + ")"
		rows = append(rows, r)
	}
	// One alert when the job's state becomes missed (state changes only).
	s.mu.Lock()
	prev := s.health[j.job.Name]
	s.health[j.job.Name] = Missed
	s.last[j.job.Name] = rows[len(rows)-1]
	s.mu.Unlock()
	if prev != Missed {
		rows[len(rows)-1].alert = &Alert{Previous: prev}
	}
	s.queue(rows...)
}

// tickRun is a row for a tick that did not run.
func (s *Scheduler) tickRun(j scheduledJob, tick time.Time, st Status, now time.Time) Run {
	p, _ := period.Resolve(j.job.Period, tick, s.env.Config.Location)
	return Run{Job: j.job.Name, Period: p, Trigger: TriggerSchedule, Attempt: 1, ScheduledFor: tick,
		StartedAt: time.Time{}, FinishedAt: now, Status: st, Version: s.env.Version}
}

// loop looks at the clock at least once a minute (a single long timer would drift after a
// suspend) and handles the ticks that came due.
func (s *Scheduler) loop(ctx, runsCtx context.Context) {
	for {
		now := s.env.Clock.Now()
		s.mu.Lock()
		s.lastLoop = now
		s.mu.Unlock()
		next := now.Add(time.Minute)
		for _, j := range s.jobs {
			s.mu.Lock()
			from := s.handled[j.job.Name]
			s.mu.Unlock()
			ticks, omitted := j.spec.Between(from, now, maxTicks)
			if len(ticks) > 0 {
				s.mu.Lock()
				s.handled[j.job.Name] = ticks[len(ticks)-1]
				s.mu.Unlock()
				s.due(runsCtx, j, ticks, omitted, now)
			}
			if n := j.spec.Next(now); !n.IsZero() && n.Before(next) {
				next = n
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.env.Clock.After(max(next.Sub(now), time.Millisecond)):
		}
	}
}

// lateness beyond which a tick counts as missed (the process was asleep or stopped), not
// merely handled a moment late.
const lateness = 2 * time.Minute

// due handles ticks that came due while the loop ran: one on time runs (trigger schedule)
// unless the job's previous run is still going (skipped); several, or one much later than
// its time (after a suspend), are handled by the catch-up policy.
func (s *Scheduler) due(ctx context.Context, j scheduledJob, ticks []time.Time, omitted int, now time.Time) {
	if len(ticks) == 1 && omitted == 0 && now.Sub(ticks[0]) < lateness {
		if s.isRunning(j.job.Name) {
			r := s.tickRun(j, ticks[0], Skipped, now)
			r.Error = "the previous run of this job was still going"
			s.env.Log.Warn("tick skipped: the previous run is still going", "job", j.job.Name, "tick", ticks[0].Format(time.RFC3339))
			s.queue(r)
			return
		}
		s.start(ctx, j, ticks, TriggerSchedule)
		return
	}
	if s.isRunning(j.job.Name) {
		for _, t := range ticks {
			r := s.tickRun(j, t, Skipped, now)
			r.Error = "the previous run of this job was still going"
			s.queue(r)
		}
		return
	}
	s.catchUp(ctx, j, ticks, omitted)
}

func (s *Scheduler) isRunning(job string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[job]
}

// start runs the ticks of a job one after another in a goroutine of its own.
func (s *Scheduler) start(ctx context.Context, j scheduledJob, ticks []time.Time, trig Trigger) {
	s.mu.Lock()
	s.running[j.job.Name] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if v := recover(); v != nil { // a bug outside the steps must not stop the scheduler
				s.env.Log.Error("scheduler: a run panicked outside its steps", "job", j.job.Name, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
			s.mu.Lock()
			s.running[j.job.Name] = false
			s.mu.Unlock()
		}()
		for _, t := range ticks {
			if ctx.Err() != nil {
				return
			}
			s.flush(ctx)
			p, err := period.Resolve(j.job.Period, t, s.env.Config.Location)
			if err != nil {
				s.env.Log.Error("job period", "job", j.job.Name, "err", err)
				continue
			}
			if trig == TriggerCatchup && s.alreadySucceeded(ctx, j, p, t) {
				continue
			}
			runs := s.env.Run(ctx, Spec{Job: j.job, Period: p, Trigger: trig, ScheduledFor: t})
			for _, r := range runs {
				s.metrics.observe(*r)
			}
			if len(runs) > 0 {
				last := *runs[len(runs)-1]
				s.mu.Lock()
				s.last[j.job.Name] = last
				if last.Status == Succeeded || last.Status.Bad() {
					s.health[j.job.Name] = last.Status
				}
				s.mu.Unlock()
			}
		}
	}()
}

// alreadySucceeded reports (and records as skipped) a catch-up tick whose period already
// has a succeeded run.
func (s *Scheduler) alreadySucceeded(ctx context.Context, j scheduledJob, p period.Period, tick time.Time) bool {
	if s.read == nil {
		return false
	}
	db, err := s.read(ctx)
	if err != nil {
		return false // cannot tell: run it
	}
	id, err := SucceededRun(ctx, db, j.job.Name, p.Label)
	db.Close()
	if err != nil || id == 0 {
		return false
	}
	r := s.tickRun(j, tick, Skipped, s.env.Clock.Now())
	r.Trigger = TriggerCatchup
	r.Error = fmt.Sprintf("period %s already has a succeeded run (%d): not run again by catch-up", p.Label, id)
	s.env.Log.Info("catch-up tick skipped: its period already succeeded", "job", j.job.Name, "period", p.Label, "run", id)
	s.queue(r)
	return true
}

// queue adds rows to be written as soon as the warehouse is free.
func (s *Scheduler) queue(rows ...Run) {
	for _, r := range rows {
		s.metrics.observe(r)
	}
	s.mu.Lock()
	s.pending = append(s.pending, rows...)
	start := !s.flushing
	s.flushing = true
	s.mu.Unlock()
	if start {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for {
				s.flush(context.Background())
				s.mu.Lock()
				if len(s.pending) == 0 {
					s.flushing = false
					s.mu.Unlock()
					return
				}
				s.mu.Unlock()
			}
		}()
	}
}

// flush writes the queued rows (waiting for the warehouse if a run holds it). A run calls
// it before it starts, so that the rows of the ticks it was queued after (missed ones, say)
// are on record first and its alerts see the job's state as it is.
func (s *Scheduler) flush(ctx context.Context) {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	for {
		s.mu.Lock()
		rows := s.pending
		s.pending = nil
		s.mu.Unlock()
		if len(rows) == 0 {
			return
		}
		err := s.withWarehouse(ctx, "record missed and skipped ticks", func(w *warehouse.Warehouse) error {
			if err := writeGen(ctx, w, func(q warehouse.Querier) error {
				for i := range rows {
					if err := Insert(ctx, q, &rows[i]); err != nil {
						return err
					}
					if !rows[i].ScheduledFor.IsZero() {
						if err := SetLastTick(ctx, q, rows[i].Job, rows[i].ScheduledFor); err != nil {
							return err
						}
					}
				}
				return nil
			}); err != nil {
				return err
			}
			for _, r := range rows {
				if r.alert != nil {
					al := *r.alert
					r.alert = nil
					al.Run = r
					s.env.sendAlert(ctx, w, al)
				}
			}
			return nil
		})
		if err != nil {
			s.env.Log.Error("could not record missed/skipped ticks", "rows", len(rows), "err", err)
		}
	}
}

// withWarehouse takes the warehouse (waiting for a run of this process, and for other
// processes as Env.Open does) and runs fn.
func (s *Scheduler) withWarehouse(ctx context.Context, purpose string, fn func(w *warehouse.Warehouse) error) error {
	select {
	case s.env.Writer <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.env.Writer }()
	w, err := s.env.Open(ctx, purpose)
	if err != nil {
		return err
	}
	defer w.Close()
	s.env.alertInterrupted(ctx, w)
	return fn(w)
}

// Status is what /healthz and `schedule --list` show of a job.
type JobStatus struct {
	Job      string
	Schedule string
	Next     []time.Time
	Last     *Run
	Running  bool
}

// Status returns every job's status and when the loop last looked at the clock.
func (s *Scheduler) Status(n int) ([]JobStatus, time.Time) {
	now := s.env.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []JobStatus
	for _, j := range s.jobs {
		st := JobStatus{Job: j.job.Name, Schedule: j.spec.String(), Running: s.running[j.job.Name]}
		t := now
		for i := 0; i < n; i++ {
			t = j.spec.Next(t)
			if t.IsZero() {
				break
			}
			st.Next = append(st.Next, t)
		}
		if r, ok := s.last[j.job.Name]; ok {
			r := r
			st.Last = &r
		}
		out = append(out, st)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Job < out[b].Job })
	return out, s.lastLoop
}

// alertInterrupted alerts on the runs a writer open found interrupted (each is a change of
// its job's state: the run was running).
func (e *Env) alertInterrupted(ctx context.Context, w *warehouse.Warehouse) {
	found := w.Interrupted
	w.Interrupted = nil
	for _, ir := range found {
		e.sendAlert(ctx, w, Alert{Run: Run{ID: ir.RunID, Job: ir.Job, Period: alertPeriod(ir.Period), Attempt: ir.Attempt, Status: Interrupted, Error: ir.Error}})
	}
}
