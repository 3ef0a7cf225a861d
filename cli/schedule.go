package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/jobs"
	"github.com/caseload/caseload/pipeline/schedule"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/textwidth"
)

func newScheduleCmd(e *env) *cobra.Command {
	var httpAddr string
	var list bool
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "schedule [--http ADDR] [--list]",
		Short: "Run the jobs on their schedules, in the foreground, until SIGINT/SIGTERM",
		Long: `Run the jobs of caseload.yaml on their schedules (cron specs in the office timezone), in the
foreground, until SIGINT or SIGTERM — the way systemd runs it (deploy/caseload.service).

Ticks missed while it was not running are handled at start-up by each job's catchup policy
(latest, all, none). A job never overlaps itself; runs take the warehouse one at a time and
only while they write, so pull, kpi, report, sql and run work from a terminal between runs.
On SIGTERM it starts nothing new, waits up to --grace (60s) for a run under way, then
cancels it (recorded canceled), and exits 0.

  --http 127.0.0.1:9464   serve /healthz (JSON) and /metrics (Prometheus)
  --list                  print each job's next 5 run times and its last run, then exit`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			if list {
				return e.scheduleList(cmd.Context(), cfg)
			}
			if len(cfg.Jobs) == 0 {
				return usagef("%s has no jobs: nothing to schedule (see the README, \"Running it unattended\")", cfg.Path)
			}
			if grace < 0 {
				return usagef("--grace must not be negative")
			}
			return e.schedule(cmd.Context(), cfg, e.clock, httpAddr, grace)
		},
	}
	cmd.Flags().StringVar(&httpAddr, "http", "", "serve /healthz and /metrics on this address (e.g. 127.0.0.1:9464)")
	cmd.Flags().BoolVar(&list, "list", false, "print each job's next 5 run times and last run, then exit")
	cmd.Flags().DurationVar(&grace, "grace", jobs.Grace, "on SIGTERM, how long to wait for a run under way before cancelling it (keep it below systemd's TimeoutStopSec)")
	return cmd
}

// schedule runs the scheduler until ctx ends.
func (e *env) schedule(ctx context.Context, cfg *config.Config, clock clockwork.Clock, httpAddr string, grace time.Duration) error {
	je := e.jobEnv(cfg, clock, -1)
	read := func(ctx context.Context) (jobs.Reader, error) {
		db, _, err := openAnalystDB(cfg)
		return db, err
	}
	s, err := jobs.NewScheduler(je, read)
	if err != nil {
		return err
	}
	s.SetGrace(grace)
	metrics := jobs.NewMetrics()
	s.UseMetrics(metrics)
	var srv *http.Server
	if httpAddr != "" {
		ln, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return usagef("--http %s: %v", httpAddr, err)
		}
		if host, _, _ := net.SplitHostPort(ln.Addr().String()); !isLoopback(host) {
			e.log.Warn("serving /healthz and /metrics beyond this machine; they carry job names, periods and errors", "addr", ln.Addr().String())
		}
		srv = &http.Server{Handler: s.Handler(metrics, cfg.Warehouse), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		e.log.Info("serving /healthz and /metrics", "addr", "http://"+ln.Addr().String())
	}
	// systemd: READY once the loop runs, STOPPING on shutdown, watchdog pings while the loop
	// is alive (no-ops outside systemd).
	stopWatchdog := make(chan struct{})
	ready := func() {
		daemon.SdNotify(false, daemon.SdNotifyReady)
		e.log.Info("scheduler running", "jobs", strings.Join(jobNames(cfg), ", "), "timezone", cfg.Timezone)
		if interval, err := daemon.SdWatchdogEnabled(false); err == nil && interval > 0 {
			go func() {
				t := time.NewTicker(interval / 2)
				defer t.Stop()
				for {
					select {
					case <-stopWatchdog:
						return
					case <-t.C:
						if _, last := s.Status(0); time.Since(last) < 2*time.Minute {
							daemon.SdNotify(false, daemon.SdNotifyWatchdog)
						}
					}
				}
			}()
		}
	}
	go func() {
		<-ctx.Done()
		daemon.SdNotify(false, daemon.SdNotifyStopping)
	}()
	err = s.Run(ctx, ready)
	close(stopWatchdog)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(sctx)
		cancel()
	}
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// scheduleList prints each job's next 5 run times (local, with the UTC offset) and its last run.
func (e *env) scheduleList(ctx context.Context, cfg *config.Config) error {
	if len(cfg.Jobs) == 0 {
		fmt.Fprintf(e.stdout, "no jobs in %s\n", cfg.Path)
		return nil
	}
	var db *sql.DB
	if d, _, err := openAnalystDB(cfg); err == nil {
		db = d
		defer db.Close()
	}
	now := e.clock.Now()
	for i, j := range cfg.Jobs {
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		sp, err := schedule.Parse(j.Schedule, cfg.Location)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s  %q  period %s  steps %s\n", j.Name, j.Schedule, j.Period, strings.Join(j.Steps, ", "))
		fmt.Fprintf(e.stdout, "  next runs (%s):\n", cfg.Timezone)
		t := now
		for k := 0; k < 5; k++ {
			t = sp.Next(t)
			if t.IsZero() {
				fmt.Fprintln(e.stdout, "    (never)")
				break
			}
			fmt.Fprintf(e.stdout, "    %s\n", t.In(cfg.Location).Format("2006-01-02 15:04 Mon -07:00"))
		}
		last := "  last run: none"
		if db != nil {
			if runs, err := jobs.List(ctx, db, jobs.Filter{Job: j.Name, Limit: 1}); err == nil && len(runs) > 0 {
				r := e.effective(cfg, runs[0])
				when := r.FinishedAt
				if when.IsZero() {
					when = r.StartedAt
				}
				last = fmt.Sprintf("  last run: %d %s %s (%s)", r.ID, r.Period.Label, r.Status, fmtTime(when, cfg))
				if r.Error != "" {
					last += ": " + textwidth.Safe(textwidth.Truncate(r.Error, 100))
				}
			}
		}
		fmt.Fprintln(e.stdout, last)
	}
	return nil
}

func fmtTime(t time.Time, cfg *config.Config) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(cfg.Location).Format("2006-01-02 15:04:05 -07:00")
}

// effective is a run as it stands: a `running` row whose process no longer holds the
// warehouse is shown interrupted (the next writer records it so).
func (e *env) effective(cfg *config.Config, r jobs.Run) jobs.Run {
	if r.Status == jobs.Running {
		if held, _ := warehouse.Held(cfg.Warehouse); !held {
			r.Status = jobs.Interrupted
			r.Error = strings.TrimPrefix(r.Error+"; ", "; ") + "its process ended without finishing it (recorded at the next write)"
		}
	}
	return r
}

func newRunsCmd(e *env) *cobra.Command {
	var job, status, format string
	var limit int
	cmd := &cobra.Command{
		Use:   "runs [--job J] [--status S] [--limit N] [--format table|json]",
		Short: "The run history of the jobs, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "json":
			default:
				return usagef("--format %q: expected table or json", format)
			}
			switch jobs.Status(status) {
			case "", jobs.Running, jobs.Succeeded, jobs.Failed, jobs.TimedOut, jobs.Interrupted, jobs.Canceled, jobs.Skipped, jobs.Missed:
			default:
				return usagef("--status %q: expected running, succeeded, failed, timed_out, interrupted, canceled, skipped or missed", status)
			}
			if limit < 0 {
				return usagef("--limit must be 0 (all) or more")
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			db, _, err := openAnalystDB(cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			runs, err := jobs.List(cmd.Context(), db, jobs.Filter{Job: job, Status: jobs.Status(status), Limit: limit})
			if err != nil {
				return err
			}
			for i := range runs {
				runs[i] = e.effective(cfg, runs[i])
			}
			if format == "json" {
				return writeRunsJSON(e, cfg, runs)
			}
			writeRunsTable(e, cfg, runs)
			return nil
		},
	}
	cmd.Flags().StringVar(&job, "job", "", "only this job")
	cmd.Flags().StringVar(&status, "status", "", "only runs with this status")
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many runs (0 = all)")
	cmd.Flags().StringVar(&format, "format", "table", "table | json")
	return cmd
}

// runJSON is a run as `caseload runs --format json` prints it (SPEC §8).
type runJSON struct {
	RunID        int64           `json:"run_id"`
	Job          string          `json:"job"`
	Period       string          `json:"period"`
	PeriodFirst  *string         `json:"period_first"`
	PeriodLast   *string         `json:"period_last"`
	Trigger      string          `json:"trigger"`
	Attempt      int             `json:"attempt"`
	ScheduledFor *string         `json:"scheduled_for"`
	StartedAt    *string         `json:"started_at"`
	FinishedAt   *string         `json:"finished_at"`
	Status       string          `json:"status"`
	RowsRead     *int64          `json:"rows_read"`
	Accepted     *int64          `json:"accepted"`
	Rejected     *int64          `json:"rejected"`
	Outputs      []string        `json:"outputs"`
	Deliveries   json.RawMessage `json:"deliveries"`
	Error        *string         `json:"error"`
	Warnings     []string        `json:"warnings"`
	Fingerprint  *string         `json:"fingerprint"`
}

func writeRunsJSON(e *env, cfg *config.Config, runs []jobs.Run) error {
	ts := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := t.In(cfg.Location).Format(time.RFC3339)
		return &s
	}
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := make([]runJSON, 0, len(runs))
	for _, r := range runs {
		j := runJSON{RunID: r.ID, Job: r.Job, Period: r.Period.Label, Trigger: string(r.Trigger), Attempt: r.Attempt,
			ScheduledFor: ts(r.ScheduledFor), StartedAt: ts(r.StartedAt), FinishedAt: ts(r.FinishedAt), Status: string(r.Status),
			RowsRead: r.RowsRead, Accepted: r.Accepted, Rejected: r.Rejected, Outputs: r.Outputs, Deliveries: r.Deliveries,
			Error: str(r.Error), Warnings: r.Warnings, Fingerprint: str(r.Fingerprint)}
		if !r.Period.First.IsZero() {
			j.PeriodFirst, j.PeriodLast = str(r.Period.First.Format(time.DateOnly)), str(r.Period.Last.Format(time.DateOnly))
		}
		if j.Outputs == nil {
			j.Outputs = []string{}
		}
		if j.Warnings == nil {
			j.Warnings = []string{}
		}
		if len(j.Deliveries) == 0 {
			j.Deliveries = json.RawMessage("null")
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeRunsTable(e *env, cfg *config.Config, runs []jobs.Run) {
	if len(runs) == 0 {
		fmt.Fprintln(e.stdout, "no runs yet")
		return
	}
	t := &table{header: []string{"run", "job", "period", "trigger", "try", "status", "started", "took", "rows", "files", "error"}, right: map[int]bool{0: true, 4: true, 8: true, 9: true}}
	for _, r := range runs {
		started := "-"
		if !r.StartedAt.IsZero() {
			started = r.StartedAt.In(cfg.Location).Format("2006-01-02 15:04")
		} else if !r.ScheduledFor.IsZero() {
			started = "(" + r.ScheduledFor.In(cfg.Location).Format("2006-01-02 15:04") + ")"
		}
		took := ""
		if !r.StartedAt.IsZero() && !r.FinishedAt.IsZero() {
			took = r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond).String()
		}
		rows := ""
		if r.RowsRead != nil {
			rows = num(*r.RowsRead)
		}
		msg := r.Error
		if msg == "" && len(r.Warnings) > 0 {
			msg = "warning: " + strings.Join(r.Warnings, "; ")
		}
		t.add(fmt.Sprint(r.ID), textwidth.Safe(r.Job), r.Period.Label, string(r.Trigger), fmt.Sprint(r.Attempt), string(r.Status), started, took, rows,
			fmt.Sprint(len(r.Outputs)), textwidth.Safe(textwidth.Truncate(msg, 80)))
	}
	t.write(e.stdout)
}
