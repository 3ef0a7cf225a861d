package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/caseload/caseload/pipeline/ingest"
)

// PullStep pulls the configured sources into the attempt's warehouse (ingest.Pull, which
// commits its own generation). The run records rows read, accepted and rejected. A source
// glob that matches nothing is a warning in the run, not a silent success; a file that could
// not be pulled fails the run (after the others were pulled); a failed data-quality gate
// fails it without retries (the pull stays committed, and later steps still run: reports of
// the data as it is are still wanted).
func (e *Env) PullStep(ctx context.Context, a *Attempt) error {
	res, err := ingest.Pull(ctx, a.W, ingest.Options{Config: e.Config, Logger: a.Log, Now: e.Clock.Now})
	if res != nil {
		read, accepted, _, rejected := res.Totals()
		a.Run.RowsRead, a.Run.Accepted, a.Run.Rejected = &read, &accepted, &rejected
	}
	if err != nil {
		return err
	}
	a.Run.Warnings = append(a.Run.Warnings, res.Warnings...) // personal data kept, case ids like ID numbers, a changed key
	matched := map[string]bool{}
	for _, f := range res.Files {
		matched[f.Source] = true
	}
	for _, s := range e.Config.Sources {
		if !matched[s.Name] {
			rel, rerr := filepath.Rel(e.Config.Dir, s.Path)
			if rerr != nil {
				rel = s.Path
			}
			w := fmt.Sprintf("source %s: no file matches %s", s.Name, rel)
			a.Run.Warnings = append(a.Run.Warnings, w)
			a.Log.Warn(w)
		}
	}
	if failed := res.Failed(); len(failed) > 0 {
		var msgs []string
		for _, f := range failed {
			msgs = append(msgs, f.Error)
		}
		return fmt.Errorf("%d of %d files not pulled (the others were): %s", len(failed), len(res.Files), strings.Join(msgs, "; "))
	}
	if err := res.CheckQuality(e.Config.Quality.MaxRejectRatio); err != nil {
		a.Log.Warn("data-quality gate failed; the run goes on and will end failed", "err", err)
		a.gate = err
	}
	return nil
}
