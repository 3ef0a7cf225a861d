package reports

import (
	"context"
	"database/sql"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
)

// kpiComputeAll is the KPI runner of pipeline/kpi (the SQL of sql/kpi): the figures of several
// periods from one pass.
func kpiComputeAll(ctx context.Context, db *sql.DB, office, tz string, ps ...period.Period) ([]*kpi.Result, error) {
	return kpi.ComputeAll(ctx, db, office, tz, ps...)
}

// kpiDefinitions are the definitions parsed from the KPI SQL header comments.
func kpiDefinitions() ([]kpi.Definition, error) { return kpi.Definitions() }
