package deliver

import (
	"context"
	"fmt"
	"strings"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// Record writes r's attempts as rows of the deliveries table (migration 004) in one
// statement, under a new send_id, which it returns. runID is the job run that sent the
// message (nil for a manual send). The caller owns the transaction: q may be a *sql.Tx,
// *sql.Conn or *sql.DB.
func Record(ctx context.Context, q warehouse.Querier, runID *int64, r Result) (int64, error) {
	if len(r.Attempts) == 0 {
		return 0, nil
	}
	var sendID int64
	if err := q.QueryRowContext(ctx, "SELECT nextval('delivery_send_seq')").Scan(&sendID); err != nil {
		return 0, fmt.Errorf("record delivery %s: %w", r.Delivery, err)
	}
	var sb strings.Builder
	sb.WriteString(`INSERT INTO deliveries (send_id, run_id, delivery, kind, message, period, attempt, status, error,
		bytes, started_at, finished_at, target, notes) VALUES `)
	var args []any
	var period, notes any
	if r.Period != "" {
		period = r.Period
	}
	if len(r.Notes) > 0 {
		notes = strings.Join(r.Notes, "; ")
	}
	var run any
	if runID != nil {
		run = *runID
	}
	for i, a := range r.Attempts {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		var errText, n any
		if a.Error != "" {
			errText = a.Error
		}
		if i == len(r.Attempts)-1 {
			n = notes
		}
		args = append(args, sendID, run, r.Delivery, r.Kind, string(r.Message), period, a.Attempt, a.Status, errText,
			a.Bytes, a.StartedAt, a.FinishedAt, r.Target, n)
	}
	if _, err := q.ExecContext(ctx, sb.String(), args...); err != nil {
		return 0, fmt.Errorf("record delivery %s: %w", r.Delivery, err)
	}
	return sendID, nil
}
