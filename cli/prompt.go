package cli

import (
	"context"

	"github.com/caseload/caseload/pipeline/analyst"
	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/config"
)

func (e *env) sqlPrompt(ctx context.Context, cfg *config.Config, sess *analyst.Session, f export.Format, xo export.Options) error {
	return nil
}
