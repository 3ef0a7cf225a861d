package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports"
	"github.com/caseload/caseload/reports/newsbrief"
)

// Step is one step of a job ("pull", "report", "deliver"). It works inside an attempt: the
// warehouse is held for writing (a.W, a generation open), the run's row says `running`.
type Step func(ctx context.Context, a *Attempt) error

// Attempt is what a step gets.
type Attempt struct {
	Run    *Run
	Job    config.Job
	W      *warehouse.Warehouse
	OutDir string // the job's out with {period} expanded
	Log    *slog.Logger

	gate error // a failed data-quality gate: the run goes on (reports are still written) and ends failed
}

// Env is what the runner needs from the program around it.
type Env struct {
	Config  *config.Config
	Log     *slog.Logger
	Clock   clockwork.Clock
	Version string // caseload's version, recorded in every run
	Steps   map[string]Step
	// Open takes the warehouse for writing, with purpose written in the lock file.
	Open func(ctx context.Context, purpose string) (*warehouse.Warehouse, error)
	// Alert is told of state changes of a job, besides the alerts: deliveries (may be nil).
	Alert func(ctx context.Context, a Alert)
	// Lang is the language of messages (zh | en).
	Lang string
	// Brief gives a period's news brief for a delivery message when the run wrote no JSON
	// report to read it from (may be nil).
	Brief func(ctx context.Context, p period.Period) ([]newsbrief.Paragraph, error)
	// Jitter returns a number in [0, 1) for retry jitter (nil: math/rand).
	Jitter func() float64
	// Writer, when set (a channel of capacity 1), makes the attempts and ledger writes of
	// this process take the warehouse one at a time (the writer lock is per process file
	// description: a second Open in the same process would be refused, not queued).
	Writer chan struct{}
}

// Spec is what to run: a job for a period.
type Spec struct {
	Job          config.Job
	Period       period.Period
	Trigger      Trigger
	ScheduledFor time.Time // the tick (zero for manual runs)
}

// Alert is a change of a job's state worth telling IT about (SPEC §11): a run that ended
// failed, timed_out, interrupted or missed after a good state, or the first success after
// a bad one (Recovered).
type Alert struct {
	Run       Run
	Previous  Status // the state before ("" when the job had none)
	Recovered bool
}

// Permanent marks an error that retrying cannot fix (a usage error, a data-quality gate).
type Permanent struct{ Err error }

func (e *Permanent) Error() string { return e.Err.Error() }
func (e *Permanent) Unwrap() error { return e.Err }

// errTimedOut is the cause of a run's context when its timeout passes.
var errTimedOut = errors.New("timed out")

// Run runs spec with the job's retries: a failed attempt that is not Permanent is retried
// after retry_backoff (doubling, capped at 1h, with ±20% jitter); each attempt is a row of
// its own. It returns every attempt's run, the last one deciding. ctx's cancellation (a
// shutdown) stops it: the attempt under way is recorded `canceled` and no retry follows.
func (e *Env) Run(ctx context.Context, spec Spec) []*Run {
	var runs []*Run
	var first int64
	for attempt := 1; ; attempt++ {
		r := e.attempt(ctx, spec, attempt, first)
		runs = append(runs, r)
		if first == 0 {
			first = r.ID
		}
		if r.Status != Failed || attempt > spec.Job.Retries || r.permanent || ctx.Err() != nil {
			break
		}
		delay := e.backoff(spec.Job.RetryBackoff, attempt)
		e.Log.Info("retrying after a failed attempt", "job", spec.Job.Name, "period", spec.Period.Label, "run", r.ID,
			"attempt", attempt, "next_attempt_in", delay.Round(time.Second).String())
		select {
		case <-ctx.Done():
			return runs
		case <-e.Clock.After(delay):
		}
		spec.Trigger = TriggerRetry
	}
	return runs
}

// backoff is the delay before attempt+1: base·2^(attempt-1), at most an hour, ±20%.
func (e *Env) backoff(base time.Duration, attempt int) time.Duration {
	d := base
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	j := rand.Float64
	if e.Jitter != nil {
		j = e.Jitter
	}
	return time.Duration(float64(d) * (0.8 + 0.4*j()))
}

// attempt runs one attempt: it takes the warehouse, records the run `running`, runs the
// steps under the job's timeout, records how it ended, and releases the warehouse. It never
// returns without a recorded outcome unless the warehouse itself cannot be written (then
// the run's Status says so and the error is in Error).
func (e *Env) attempt(ctx context.Context, spec Spec, n int, retryOf int64) *Run {
	host, _ := os.Hostname()
	r := &Run{Job: spec.Job.Name, Period: spec.Period, Trigger: spec.Trigger, Attempt: n, RetryOf: retryOf,
		ScheduledFor: spec.ScheduledFor, Status: Running, PID: os.Getpid(), Host: host, Version: e.Version}
	log := e.Log.With("job", spec.Job.Name, "period", spec.Period.Label, "attempt", n)
	purpose := fmt.Sprintf("run %s %s", spec.Job.Name, spec.Period.Label)

	// The run's own deadline starts now: waiting for the warehouse counts against it.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if spec.Job.Timeout > 0 {
		timer := e.Clock.NewTimer(spec.Job.Timeout)
		defer timer.Stop()
		go func() {
			select {
			case <-timer.Chan():
				cancel(errTimedOut)
			case <-runCtx.Done():
			}
		}()
	}
	if e.Writer != nil {
		select {
		case e.Writer <- struct{}{}:
			defer func() { <-e.Writer }()
		case <-runCtx.Done():
			r.StartedAt, r.FinishedAt = e.Clock.Now(), e.Clock.Now()
			r.Status, r.Error, r.permanent = e.outcome(ctx, runCtx, runCtx.Err()), "did not start: "+context.Cause(runCtx).Error(), true
			return r
		}
	}
	w, err := e.Open(runCtx, purpose)
	if err != nil {
		// Nothing can be recorded without the warehouse: say so in the log and the result.
		r.StartedAt, r.FinishedAt = e.Clock.Now(), e.Clock.Now()
		r.Status, r.Error = e.outcome(ctx, runCtx, err), "could not take the warehouse: "+err.Error()
		r.permanent = true
		log.Error("run not started", "err", err)
		return r
	}
	defer w.Close()
	// Ledger writes must happen even when the run was cancelled or timed out.
	ledger := context.WithoutCancel(ctx)
	e.alertInterrupted(ledger, w)
	r.StartedAt = e.Clock.Now()
	r.Heartbeat = r.StartedAt
	if err := writeGen(ledger, w, func(q warehouse.Querier) error {
		if err := Insert(ledger, q, r); err != nil {
			return err
		}
		if r.ScheduledFor.IsZero() {
			return nil
		}
		return SetLastTick(ledger, q, r.Job, r.ScheduledFor)
	}); err != nil {
		r.Status, r.Error, r.permanent = Failed, err.Error(), true
		log.Error("run not recorded", "err", err)
		return r
	}
	w.SetPurpose(fmt.Sprintf("%s (run %d)", purpose, r.ID))
	log = log.With("run", r.ID)
	log.Info("run started", "trigger", string(r.Trigger))

	a := &Attempt{Run: r, Job: spec.Job, W: w, OutDir: ExpandOut(spec.Job.Out, spec.Period), Log: log}
	err = e.steps(runCtx, a)
	r.FinishedAt = e.Clock.Now()
	r.Heartbeat = r.FinishedAt
	r.Status = e.outcome(ctx, runCtx, err)
	if err != nil {
		r.Error = describe(runCtx, err, spec.Job)
		var p *Permanent
		r.permanent = errors.As(err, &p)
	}
	var previous Status
	if err := writeGen(ledger, w, func(q warehouse.Querier) error {
		var perr error
		chain := r.RetryOf
		if chain == 0 {
			chain = r.ID
		}
		previous, perr = lastHealth(ledger, q, r.Job, r.ID, chain)
		if perr != nil {
			return perr
		}
		if err := Finish(ledger, q, r); err != nil {
			return err
		}
		if days := e.Config.HistoryDays; days > 0 {
			if n, err := Prune(ledger, q, r.FinishedAt.AddDate(0, 0, -days)); err != nil {
				return err
			} else if n > 0 {
				log.Info("pruned old runs", "runs", n, "history_days", days)
			}
		}
		return nil
	}); err != nil {
		log.Error("run outcome not recorded", "err", err, "status", string(r.Status))
		r.Error = strings.TrimPrefix(r.Error+"; ", "; ") + "recording the outcome failed: " + err.Error()
		return r
	}
	level := slog.LevelInfo
	if r.Status != Succeeded {
		level = slog.LevelError
	}
	log.Log(ledger, level, "run ended", "status", string(r.Status), "seconds", r.FinishedAt.Sub(r.StartedAt).Seconds(),
		"outputs", len(r.Outputs), "err", r.Error)
	e.alertOnChange(ledger, w, *r, previous, n > spec.Job.Retries || r.permanent || r.Status != Failed)
	return r
}

// alertOnChange alerts on a state change of the job (SPEC §11): a bad end after a good state
// (or a different bad one), or the first success after a bad one. final is false for an
// attempt that will be retried: never one alert per retry.
func (e *Env) alertOnChange(ctx context.Context, w *warehouse.Warehouse, r Run, previous Status, final bool) {
	if !final {
		return
	}
	switch {
	case r.Status.Bad() && r.Status != previous:
		e.sendAlert(ctx, w, Alert{Run: r, Previous: previous})
	case r.Status == Succeeded && previous.Bad():
		e.sendAlert(ctx, w, Alert{Run: r, Previous: previous, Recovered: true})
	}
}

// steps runs the job's steps in order; a panic in a step is an error with its message.
func (e *Env) steps(ctx context.Context, a *Attempt) error {
	for _, name := range a.Job.Steps {
		step, ok := e.Steps[name]
		if !ok {
			return &Permanent{fmt.Errorf("step %q is not available in this caseload", name)}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		a.Log.Debug("step started", "step", name)
		if err := runStep(ctx, step, a); err != nil {
			return fmt.Errorf("step %s: %w", name, err)
		}
		a.Log.Debug("step done", "step", name)
	}
	if a.gate != nil {
		return &Permanent{a.gate}
	}
	return nil
}

// PanicError is a step's panic, recovered.
type PanicError struct {
	Value any
	Stack string
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

func runStep(ctx context.Context, step Step, a *Attempt) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: string(debug.Stack())}
			a.Log.Error("a step panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	return step(ctx, a)
}

// outcome is the status an attempt ended with.
func (e *Env) outcome(parent, run context.Context, err error) Status {
	switch {
	case err == nil:
		return Succeeded
	case errors.Is(context.Cause(run), errTimedOut):
		return TimedOut
	case parent.Err() != nil:
		return Canceled
	}
	return Failed
}

func describe(run context.Context, err error, job config.Job) string {
	if errors.Is(context.Cause(run), errTimedOut) {
		return fmt.Sprintf("timed out after %s (timeout): %v", job.Timeout, err)
	}
	return err.Error()
}

// writeGen runs fn in the open generation of w (beginning one if needed) and commits it.
func writeGen(ctx context.Context, w *warehouse.Warehouse, fn func(q warehouse.Querier) error) error {
	if w.DB == nil {
		if err := w.Begin(ctx); err != nil {
			return err
		}
	}
	if err := fn(w.DB); err != nil {
		return err
	}
	return w.Commit(ctx)
}

// ExpandOut expands {period} in a job's out directory as the report writers name files
// (ytd:2022-10 → ytd-2022-10).
func ExpandOut(out string, p period.Period) string { return reports.ExpandDir(out, p) }
