package reports

import (
	"context"
	"database/sql"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
)

// kpiCompute is the KPI runner of pipeline/kpi (the SQL of sql/kpi).
func kpiCompute(ctx context.Context, db *sql.DB, office, tz string, p period.Period) (*kpi.Result, error) {
	return kpi.Compute(ctx, db, office, tz, p)
}

// kpiDefinitions are the definitions parsed from the KPI SQL header comments.
func kpiDefinitions() ([]kpi.Definition, error) { return kpi.Definitions() }
