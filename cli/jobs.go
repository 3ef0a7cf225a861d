package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/jobs"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports"
	"github.com/caseload/caseload/reports/newsbrief"
	"github.com/caseload/caseload/reports/textwidth"
)

// jobEnv is what runs need, built from the command line's environment.
func (e *env) jobEnv(cfg *config.Config, clock clockwork.Clock, wait time.Duration) *jobs.Env {
	je := &jobs.Env{Config: cfg, Log: e.log, Clock: clock, Version: Version, Lang: e.lang}
	je.Open = e.waitingOpen(cfg, clock, wait)
	je.Brief = func(ctx context.Context, p period.Period) ([]newsbrief.Paragraph, error) {
		return e.briefOf(ctx, cfg, p, "")
	}
	je.Steps = map[string]jobs.Step{
		"pull":    je.PullStep,
		"report":  e.reportStep(cfg),
		"deliver": je.DeliverStep,
	}
	return je
}

// waitingOpen opens the warehouse for writing; while another caseload holds it, it waits
// (polling each second) up to wait (forever when wait < 0, bounded by ctx), saying once who
// holds it.
func (e *env) waitingOpen(cfg *config.Config, clock clockwork.Clock, wait time.Duration) func(ctx context.Context, purpose string) (*warehouse.Warehouse, error) {
	return func(ctx context.Context, purpose string) (*warehouse.Warehouse, error) {
		deadline := clock.Now().Add(wait)
		said := false
		for {
			w, err := e.openWarehouse(ctx, cfg, purpose)
			var iu *warehouse.InUseError
			if err == nil || !errors.As(err, &iu) || iu.Other {
				return w, err
			}
			if wait >= 0 && !clock.Now().Before(deadline) {
				if wait > 0 {
					return nil, fmt.Errorf("%w (waited %s, --wait)", err, wait)
				}
				return nil, fmt.Errorf("%w; or pass --wait 10m to wait for it", err)
			}
			if !said {
				e.log.Info("waiting for the warehouse", "held_by", iu.Holder)
				said = true
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("%w (while waiting: %v)", err, context.Cause(ctx))
			case <-clock.After(time.Second):
			}
		}
	}
}

// reportStep writes the job's report formats for the run's period into its out directory.
func (e *env) reportStep(cfg *config.Config) jobs.Step {
	return func(ctx context.Context, a *jobs.Attempt) error {
		var fs []reports.Format
		for _, f := range a.Job.Formats {
			rf, err := reports.ParseFormats(f)
			if err != nil {
				return &jobs.Permanent{Err: err}
			}
			fs = append(fs, rf...)
		}
		paths, fingerprint, err := e.writeReportsFP(ctx, cfg, reportRequest{Period: a.Run.Period, Formats: fs, Out: a.OutDir})
		a.Run.Outputs = append(a.Run.Outputs, paths...)
		a.Run.Fingerprint = fingerprint
		return err
	}
}

func newRunCmd(e *env) *cobra.Command {
	var periodArg, from, to string
	var onlyMissing, dryRun bool
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "run JOB [--period P | --from P1 --to P2] [--only-missing] [--dry-run] [--wait D]",
		Short: "Run a job now (or backfill it over a range of periods), with every run on record",
		Long: `Run a job of caseload.yaml now: its steps (pull, report, deliver) for its period — the
job's period rule resolved now in the office timezone, or --period P. Every attempt is a row of
job_runs ('caseload runs'); a failed attempt is retried as the job says (retries, retry_backoff).

  --from P1 --to P2   backfill: one run per period of the job's kind, in order (trigger backfill)
  --only-missing      skip periods that already have a succeeded run of this job
  --dry-run           print the plan and stop
  --wait D            if another caseload holds the warehouse, wait up to D for it

Exit code 0 only if every run succeeded.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if periodArg != "" && (from != "" || to != "") {
				return usagef("give --period, or --from and --to, not both")
			}
			if (from == "") != (to == "") {
				return usagef("--from and --to go together")
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			job, ok := findJob(cfg, args[0])
			if !ok {
				return usagef("no job %q in %s; jobs: %s", args[0], cfg.Path, strings.Join(jobNames(cfg), ", "))
			}
			clock := e.clock
			periods, trigger, err := planRun(job, periodArg, from, to, clock.Now(), cfg)
			if err != nil {
				return err
			}
			if onlyMissing || dryRun {
				periods, err = e.markDone(ctx, cfg, job, periods, onlyMissing, dryRun)
				if err != nil {
					return err
				}
			}
			if dryRun {
				return nil
			}
			if len(periods) == 0 {
				if !e.quiet {
					fmt.Fprintf(e.stdout, "nothing to run: every period already has a succeeded run of %s\n", job.Name)
				}
				return nil
			}
			je := e.jobEnv(cfg, clock, wait)
			failed := 0
			for _, p := range periods {
				runs := je.Run(ctx, jobs.Spec{Job: job, Period: p, Trigger: trigger})
				for _, r := range runs {
					e.printRun(cfg, r)
				}
				if last := runs[len(runs)-1]; last.Status != jobs.Succeeded {
					failed++
				}
				if ctx.Err() != nil {
					break
				}
			}
			if failed > 0 {
				return &exitError{code: ExitFailure, err: fmt.Errorf("%d of %d runs of %s did not succeed; see caseload runs --job %s", failed, len(periods), job.Name, job.Name)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&periodArg, "period", "", "the period (default: the job's period rule, resolved now)")
	cmd.Flags().StringVar(&from, "from", "", "backfill from this period (e.g. 2022-01)")
	cmd.Flags().StringVar(&to, "to", "", "backfill to this period (e.g. 2022-10)")
	cmd.Flags().BoolVar(&onlyMissing, "only-missing", false, "skip periods that already have a succeeded run")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the plan and stop")
	cmd.Flags().DurationVar(&wait, "wait", 0, "wait up to this long for the warehouse if another caseload holds it (e.g. 10m)")
	return cmd
}

func findJob(cfg *config.Config, name string) (config.Job, bool) {
	for _, j := range cfg.Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return config.Job{}, false
}

func jobNames(cfg *config.Config) []string {
	var out []string
	for _, j := range cfg.Jobs {
		out = append(out, j.Name)
	}
	if len(out) == 0 {
		return []string{"(none: add jobs: to caseload.yaml)"}
	}
	return out
}

// planRun lists the periods `caseload run` runs and their trigger.
func planRun(job config.Job, periodArg, from, to string, now time.Time, cfg *config.Config) ([]period.Period, jobs.Trigger, error) {
	if from != "" {
		kind, ok := period.KindOfRule(job.Period)
		if !ok {
			p, err := period.Parse(job.Period)
			if err != nil {
				return nil, "", err
			}
			kind = p.Kind
		}
		f, err := period.Parse(from)
		if err != nil {
			return nil, "", err
		}
		t, err := period.Parse(to)
		if err != nil {
			return nil, "", err
		}
		ps, err := period.Series(kind, f, t)
		if err != nil {
			return nil, "", usagef("--from/--to: %v", err)
		}
		return ps, jobs.TriggerBackfill, nil
	}
	rule := job.Period
	if periodArg != "" {
		rule = periodArg
	}
	p, err := period.Resolve(rule, now, cfg.Location)
	if err != nil {
		return nil, "", err
	}
	return []period.Period{p}, jobs.TriggerManual, nil
}

// markDone drops (with --only-missing) the periods that already have a succeeded run, and
// prints the plan for --dry-run.
func (e *env) markDone(ctx context.Context, cfg *config.Config, job config.Job, ps []period.Period, onlyMissing, dryRun bool) ([]period.Period, error) {
	done := map[string]int64{}
	db, _, err := openAnalystDB(cfg)
	if err == nil {
		for _, p := range ps {
			id, qerr := jobs.SucceededRun(ctx, db, job.Name, p.Label)
			if qerr != nil {
				db.Close()
				return nil, qerr
			}
			if id > 0 {
				done[p.Label] = id
			}
		}
		db.Close()
	}
	var out []period.Period
	if dryRun {
		fmt.Fprintf(e.stdout, "plan for %s (steps %s, out %s):\n", job.Name, strings.Join(job.Steps, ", "), job.Out)
	}
	for _, p := range ps {
		id, isDone := done[p.Label]
		skip := onlyMissing && isDone
		if !skip {
			out = append(out, p)
		}
		if dryRun {
			note := "run"
			switch {
			case skip:
				note = fmt.Sprintf("skip (succeeded in run %d)", id)
			case isDone:
				note = fmt.Sprintf("run again (succeeded in run %d)", id)
			}
			fmt.Fprintf(e.stdout, "  %-22s %s → %s\n", p.Label, note, jobs.ExpandOut(job.Out, p))
		}
	}
	return out, nil
}

// printRun prints one line for a finished attempt.
func (e *env) printRun(cfg *config.Config, r *jobs.Run) {
	if e.quiet && r.Status == jobs.Succeeded {
		return
	}
	took := r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond)
	line := fmt.Sprintf("run %d %s %s (%s, attempt %d): %s in %s", r.ID, r.Job, r.Period.Label, r.Trigger, r.Attempt, r.Status, took)
	if n := len(r.Outputs); n > 0 {
		line += fmt.Sprintf(" — %s", plural(int64(n), "file", "files"))
	}
	if r.Error != "" {
		line += "\n  " + textwidth.Safe(r.Error)
	}
	for _, w := range r.Warnings {
		line += "\n  warning: " + textwidth.Safe(w)
	}
	fmt.Fprintln(e.stdout, line)
	for _, o := range r.Outputs {
		fmt.Fprintln(e.stdout, "  "+o)
	}
}
