package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Trigger is why a run happened.
type Trigger string

// Triggers (SPEC §8).
const (
	TriggerSchedule Trigger = "schedule" // its tick came while the scheduler ran
	TriggerCatchup  Trigger = "catchup"  // a tick missed while the scheduler was down (or asleep)
	TriggerManual   Trigger = "manual"   // caseload run JOB
	TriggerBackfill Trigger = "backfill" // caseload run JOB --from P1 --to P2
	TriggerRetry    Trigger = "retry"    // a later attempt after a failed one
)

// Status is where a run is or how it ended.
type Status string

// Statuses (SPEC §8).
const (
	Running     Status = "running"
	Succeeded   Status = "succeeded"
	Failed      Status = "failed"
	TimedOut    Status = "timed_out"
	Interrupted Status = "interrupted" // its process died (found by the next writer)
	Canceled    Status = "canceled"    // stopped by a shutdown (SIGTERM)
	Skipped     Status = "skipped"     // its tick found the previous run of the job still going, or its period done
	Missed      Status = "missed"      // a tick that passed while caseload was not running, and was not caught up
)

// Bad reports whether a status is one that alerts (SPEC §11).
func (s Status) Bad() bool {
	return s == Failed || s == TimedOut || s == Interrupted || s == Missed
}

// Run is a row of job_runs.
type Run struct {
	ID           int64           `json:"run_id"`
	Job          string          `json:"job"`
	Period       period.Period   `json:"-"`
	Trigger      Trigger         `json:"trigger"`
	Attempt      int             `json:"attempt"`
	RetryOf      int64           `json:"retry_of,omitempty"`
	ScheduledFor time.Time       `json:"-"`
	StartedAt    time.Time       `json:"-"`
	FinishedAt   time.Time       `json:"-"`
	Status       Status          `json:"status"`
	RowsRead     *int64          `json:"rows_read"`
	Accepted     *int64          `json:"accepted"`
	Rejected     *int64          `json:"rejected"`
	Outputs      []string        `json:"outputs"`
	Deliveries   json.RawMessage `json:"deliveries"`
	Error        string          `json:"error"`
	Warnings     []string        `json:"warnings"`
	PID          int             `json:"pid,omitempty"`
	Host         string          `json:"host,omitempty"`
	Heartbeat    time.Time       `json:"-"`
	Version      string          `json:"caseload_version,omitempty"`
	Fingerprint  string          `json:"fingerprint,omitempty"`

	permanent bool   // the attempt failed in a way a retry cannot fix
	alert     *Alert // a queued row that alerts once written (scheduler)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return period.FormatDate(t)
}

func listLiteral(xs []string) string {
	if len(xs) == 0 {
		return "[]::VARCHAR[]"
	}
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "'" + strings.ReplaceAll(x, "'", "''") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]::VARCHAR[]"
}

// Insert writes r as a new row of job_runs, giving it an id.
func Insert(ctx context.Context, q warehouse.Querier, r *Run) error {
	if err := q.QueryRowContext(ctx, "SELECT nextval('run_id_seq')").Scan(&r.ID); err != nil {
		return fmt.Errorf("job_runs: %w", err)
	}
	var deliveries any
	if len(r.Deliveries) > 0 {
		deliveries = string(r.Deliveries)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO job_runs (run_id, job, period, period_first, period_last, trigger, attempt,
		retry_of, scheduled_for, started_at, finished_at, status, rows_read, accepted, rejected, outputs, deliveries, error,
		pid, host, heartbeat, caseload_version, fingerprint)
		VALUES (?, ?, ?, ?::DATE, ?::DATE, ?, ?, ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, ?, ?, ?, `+listLiteral(r.Outputs)+`, ?::JSON, ?, ?, ?, ?::TIMESTAMPTZ, ?, ?)`,
		r.ID, r.Job, nullString(r.Period.Label), nullDate(r.Period.First), nullDate(r.Period.Last), string(r.Trigger), r.Attempt,
		nullInt(r.RetryOf), nullTime(r.ScheduledFor), nullTime(r.StartedAt), nullTime(r.FinishedAt), string(r.Status),
		r.RowsRead, r.Accepted, r.Rejected, deliveries, nullString(r.Error), nullInt(int64(r.PID)), nullString(r.Host),
		nullTime(r.Heartbeat), nullString(r.Version), nullString(r.Fingerprint))
	if err != nil {
		return fmt.Errorf("job_runs: %w", err)
	}
	return nil
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// Finish writes r's outcome (status, times, counts, outputs, deliveries, error) to its row.
func Finish(ctx context.Context, q warehouse.Querier, r *Run) error {
	var deliveries any
	if len(r.Deliveries) > 0 {
		deliveries = string(r.Deliveries)
	}
	_, err := q.ExecContext(ctx, `UPDATE job_runs SET status = ?, finished_at = ?::TIMESTAMPTZ, heartbeat = ?::TIMESTAMPTZ,
		rows_read = ?, accepted = ?, rejected = ?, outputs = `+listLiteral(r.Outputs)+`, warnings = `+listLiteral(r.Warnings)+`, deliveries = ?::JSON, error = ?, fingerprint = ?
		WHERE run_id = ?`,
		string(r.Status), nullTime(r.FinishedAt), nullTime(r.Heartbeat), r.RowsRead, r.Accepted, r.Rejected, deliveries,
		nullString(r.Error), nullString(r.Fingerprint), r.ID)
	if err != nil {
		return fmt.Errorf("job_runs %d: %w", r.ID, err)
	}
	return nil
}

// Filter selects runs for List.
type Filter struct {
	Job    string
	Status Status
	Period string // label
	Limit  int    // 0 = all
}

// List returns runs, newest first.
func List(ctx context.Context, q warehouse.Querier, f Filter) ([]Run, error) {
	where, args := []string{"true"}, []any{}
	if f.Job != "" {
		where, args = append(where, "job = ?"), append(args, f.Job)
	}
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.Period != "" {
		where, args = append(where, "period = ?"), append(args, f.Period)
	}
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := q.QueryContext(ctx, `SELECT run_id, job, coalesce(period, ''), trigger, attempt, coalesce(retry_of, 0),
		scheduled_for, started_at, finished_at, status, rows_read, accepted, rejected,
		deliveries::VARCHAR, coalesce(error, ''), coalesce(pid, 0), coalesce(host, ''), heartbeat, coalesce(caseload_version, ''),
		coalesce(fingerprint, ''), to_json(coalesce(outputs, []::VARCHAR[]))::VARCHAR, to_json(coalesce(warnings, []::VARCHAR[]))::VARCHAR
		FROM job_runs WHERE `+strings.Join(where, " AND ")+` ORDER BY run_id DESC`+limit, args...)
	if err != nil {
		return nil, fmt.Errorf("job_runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var label, outputsJSON, warningsJSON string
		var trig, status string
		var sched, started, finished, heartbeat sql.NullTime
		var read, acc, rej sql.NullInt64
		var deliveries sql.NullString
		if err := rows.Scan(&r.ID, &r.Job, &label, &trig, &r.Attempt, &r.RetryOf, &sched, &started, &finished, &status,
			&read, &acc, &rej, &deliveries, &r.Error, &r.PID, &r.Host, &heartbeat, &r.Version, &r.Fingerprint, &outputsJSON, &warningsJSON); err != nil {
			return nil, fmt.Errorf("job_runs: %w", err)
		}
		r.Trigger, r.Status = Trigger(trig), Status(status)
		if label != "" {
			if p, err := period.Parse(label); err == nil {
				r.Period = p
			} else {
				r.Period = period.Period{Label: label}
			}
		}
		r.ScheduledFor, r.StartedAt, r.FinishedAt, r.Heartbeat = sched.Time, started.Time, finished.Time, heartbeat.Time
		if read.Valid {
			r.RowsRead = &read.Int64
		}
		if acc.Valid {
			r.Accepted = &acc.Int64
		}
		if rej.Valid {
			r.Rejected = &rej.Int64
		}
		if deliveries.Valid {
			r.Deliveries = json.RawMessage(deliveries.String)
		}
		if err := json.Unmarshal([]byte(outputsJSON), &r.Outputs); err != nil {
			return nil, fmt.Errorf("job_runs %d outputs: %w", r.ID, err)
		}
		if err := json.Unmarshal([]byte(warningsJSON), &r.Warnings); err != nil {
			return nil, fmt.Errorf("job_runs %d warnings: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SucceededRun returns the id of a succeeded run of job for the period label (0 when none).
func SucceededRun(ctx context.Context, q warehouse.Querier, job, label string) (int64, error) {
	var id sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT max(run_id) FROM job_runs WHERE job = ? AND period = ? AND status = 'succeeded'", job, label).Scan(&id)
	return id.Int64, err
}

// lastHealth is the last final status of job that counts for alerts (succeeded or bad)
// before run id before, leaving out the attempts of the run chain (the first attempt's id),
// "" when it has none.
func lastHealth(ctx context.Context, q warehouse.Querier, job string, before, chain int64) (Status, error) {
	var s sql.NullString
	err := q.QueryRowContext(ctx, `SELECT arg_max(status, run_id) FROM job_runs
		WHERE job = ? AND run_id < ? AND coalesce(retry_of, run_id) <> ?
		  AND status IN ('succeeded', 'failed', 'timed_out', 'interrupted', 'missed')`, job, before, chain).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return Status(s.String), err
}

// JobState is when a job first appeared in caseload.yaml and the last tick handled.
type JobState struct {
	FirstSeen time.Time
	LastTick  time.Time // zero when none
}

// LoadState returns the state of every job that has one.
func LoadState(ctx context.Context, q warehouse.Querier) (map[string]JobState, error) {
	rows, err := q.QueryContext(ctx, "SELECT job, first_seen, last_tick FROM job_state")
	if err != nil {
		return nil, fmt.Errorf("job_state: %w", err)
	}
	defer rows.Close()
	out := map[string]JobState{}
	for rows.Next() {
		var job string
		var first time.Time
		var last sql.NullTime
		if err := rows.Scan(&job, &first, &last); err != nil {
			return nil, err
		}
		out[job] = JobState{FirstSeen: first, LastTick: last.Time}
	}
	return out, rows.Err()
}

// SeeJob records that job exists at now (when first seen).
func SeeJob(ctx context.Context, q warehouse.Querier, job string, now time.Time) error {
	_, err := q.ExecContext(ctx, "INSERT INTO job_state VALUES (?, ?::TIMESTAMPTZ, NULL) ON CONFLICT DO NOTHING", job, now)
	return err
}

// SetLastTick records the last tick of job the scheduler handled.
func SetLastTick(ctx context.Context, q warehouse.Querier, job string, tick time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO job_state VALUES (?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ)
		ON CONFLICT (job) DO UPDATE SET last_tick = greatest(coalesce(job_state.last_tick, excluded.last_tick), excluded.last_tick)`, job, tick, tick)
	return err
}

// Prune deletes runs that finished before cutoff.
func Prune(ctx context.Context, q warehouse.Querier, cutoff time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, "DELETE FROM job_runs WHERE status <> 'running' AND coalesce(finished_at, started_at, scheduled_for) < ?::TIMESTAMPTZ", cutoff)
	if err != nil {
		return 0, fmt.Errorf("job_runs: prune: %w", err)
	}
	return res.RowsAffected()
}
