package jobs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/deliver"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/newsbrief"
)

// deliverOptions are the delivery package's services, from the runner's.
func (e *Env) deliverOptions() deliver.Options {
	return deliver.Options{Logger: e.Log, Now: e.Clock.Now, Location: e.Config.Location, Version: e.Version,
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-e.Clock.After(d):
				return nil
			}
		}}
}

// DeliverStep sends the run's report files (the report step's outputs; without a report
// step, the period's existing files in the job's out) to the job's deliveries (SPEC §11).
// Each delivery retries transient failures itself; every attempt is a row of deliveries
// with the run's id, and the run's deliveries column sums them up. A delivery that finally
// fails fails the run (the reports stay written) without a retry of the whole run: the
// other deliveries have already been sent, and sending them again would duplicate them.
func (e *Env) DeliverStep(ctx context.Context, a *Attempt) error {
	p := a.Run.Period
	paths := a.Run.Outputs
	if len(paths) == 0 {
		var err error
		if paths, err = deliver.ExistingReports(a.OutDir, e.Config.Reports.NameTmpl, p); err != nil {
			return &Permanent{err}
		}
	}
	var brief []newsbrief.Paragraph
	for _, path := range paths {
		if strings.EqualFold(filepath.Ext(path), ".json") {
			b, err := deliver.BriefFromJSON(path, e.Config.Office, e.Lang, p)
			if err != nil {
				a.Log.Warn("the period's JSON report cannot be read for the message's headline figures", "file", path, "err", err)
			}
			brief = b
		}
	}
	if brief == nil && e.Brief != nil {
		b, err := e.Brief(ctx, p)
		if err != nil {
			return err
		}
		brief = b
	}
	msg, err := deliver.ReportMessage(e.Config.Office, e.Lang, p, brief, paths)
	if err != nil {
		return &Permanent{err}
	}
	msg.Run = &deliver.Run{Job: a.Job.Name, RunID: a.Run.ID, Status: string(Running)}
	results, sendErr := deliver.SendAll(ctx, e.Config.DeliveriesNamed(a.Job.Deliver), msg, e.deliverOptions())
	a.Run.Deliveries = summarize(results)
	if err := a.Write(ctx, func(q warehouse.Querier) error { return recordAll(ctx, q, &a.Run.ID, results) }); err != nil {
		a.Log.Error("the deliveries were sent but not recorded", "err", err)
	}
	if sendErr != nil {
		return &Permanent{sendErr}
	}
	return nil
}

func recordAll(ctx context.Context, q warehouse.Querier, runID *int64, results []deliver.Result) error {
	for _, r := range results {
		if _, err := deliver.Record(ctx, q, runID, r); err != nil {
			return err
		}
	}
	return nil
}

// summarize is the run's deliveries column: per delivery its status, attempts, bytes and
// error (already without secrets).
func summarize(results []deliver.Result) json.RawMessage {
	type one struct {
		Delivery string   `json:"delivery"`
		Kind     string   `json:"kind"`
		Status   string   `json:"status"`
		Attempts int      `json:"attempts"`
		Bytes    int64    `json:"bytes"`
		Error    string   `json:"error,omitempty"`
		Notes    []string `json:"notes,omitempty"`
	}
	out := make([]one, 0, len(results))
	for _, r := range results {
		out = append(out, one{Delivery: r.Delivery, Kind: r.Kind, Status: r.Status, Attempts: len(r.Attempts), Bytes: r.Bytes, Error: r.Error, Notes: r.Notes})
	}
	b, _ := json.Marshal(out)
	return b
}

// Write runs fn in a generation of the attempt's warehouse and commits it.
func (a *Attempt) Write(ctx context.Context, fn func(q warehouse.Querier) error) error {
	return writeGen(context.WithoutCancel(ctx), a.W, fn)
}

// sendAlert tells the alerts: deliveries (and the Alert hook) of a state change, and records
// the sends in w. It holds the warehouse meanwhile: alerts are rare, and a run holds it
// through its own deliveries too.
func (e *Env) sendAlert(ctx context.Context, w *warehouse.Warehouse, al Alert) {
	if e.Alert != nil {
		e.Alert(ctx, al)
	}
	if len(e.Config.Alerts) == 0 {
		return
	}
	r := al.Run
	dr := deliver.Run{Job: r.Job, RunID: r.ID, Status: string(r.Status), Error: r.Error}
	var msg deliver.Message
	var err error
	if al.Recovered {
		msg, err = deliver.RecoveredMessage(e.Config.Office, e.Lang, r.Period, dr)
	} else {
		msg, err = deliver.AlertMessage(e.Config.Office, e.Lang, r.Period, dr)
	}
	if err != nil {
		e.Log.Error("alert not sent", "job", r.Job, "run", r.ID, "err", err)
		return
	}
	results, sendErr := deliver.SendAll(ctx, e.Config.DeliveriesNamed(e.Config.Alerts), msg, e.deliverOptions())
	if sendErr != nil {
		e.Log.Error("alert not delivered", "job", r.Job, "run", r.ID, "status", string(r.Status), "err", sendErr)
	} else {
		e.Log.Info("alert sent", "job", r.Job, "run", r.ID, "status", string(r.Status), "recovered", al.Recovered, "to", strings.Join(e.Config.Alerts, ", "))
	}
	var runID *int64
	if r.ID != 0 {
		id := r.ID
		runID = &id
	}
	if w == nil {
		return
	}
	if err := writeGen(context.WithoutCancel(ctx), w, func(q warehouse.Querier) error { return recordAll(ctx, q, runID, results) }); err != nil {
		e.Log.Error("alert sends not recorded", "err", err)
	}
}

// alertPeriod parses a period label kept in the ledger (zero when it does not parse).
func alertPeriod(label string) period.Period {
	p, err := period.Parse(label)
	if err != nil {
		return period.Period{}
	}
	return p
}
