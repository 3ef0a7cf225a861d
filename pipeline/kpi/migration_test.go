package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// TestKPIMonthlyView: the analyst view gives, per month and item, what Compute gives for
// that month — on a fresh read-only connection, with only the warehouse's own macros.
func TestKPIMonthlyView(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	db, err := warehouse.OpenReadOnly(f.cfg.Warehouse, testTZ)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var months, rows int
	if err := db.QueryRow("SELECT count(DISTINCT month), count(*) FROM kpi_monthly").Scan(&months, &rows); err != nil {
		t.Fatal(err)
	}
	// 2012-02 (first received) .. 2024-02 (last received/closed) = 145 months × 5 items
	if months != 145 || rows != 145*5 {
		t.Errorf("kpi_monthly: %d months, %d rows", months, rows)
	}
	// the analysts' kpi_report macro (README) gives Compute's office figures
	var received, pending int64
	var mom sql.NullFloat64
	if err := db.QueryRow(`SELECT received, pending_end, received_mom_growth FROM kpi_report(DATE '2022-10-01', DATE '2022-10-31',
		DATE '2021-10-01', DATE '2021-10-31', DATE '2022-09-01', DATE '2022-09-30') WHERE scope = 'total'`).Scan(&received, &pending, &mom); err != nil {
		t.Fatal(err)
	}
	if r := f.compute(t, "2022-10"); received != r.KPIs.Int("received") || pending != r.KPIs.Int("pending_end") ||
		!mom.Valid || mom.Float64 != *r.KPIs["received_mom_growth"] {
		t.Errorf("kpi_report: received %d pending_end %d 环比 %v; Compute: %d %d %v", received, pending, mom, r.KPIs.Int("received"),
			r.KPIs.Int("pending_end"), show(r.KPIs["received_mom_growth"]))
	}
	for _, label := range []string{"2022-10", "2022-02", "2023-10", "2024-02"} {
		r := f.compute(t, label)
		got, err := db.QueryContext(context.Background(), `SELECT item_code, received, completed, rejected, pending_end,
			same_day_ratio, on_time_ratio, median_processing_hours, received_same_period_last_year, received_yoy_growth
			FROM kpi_monthly WHERE month = ? ORDER BY item_code`, label)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for got.Next() {
			var it ItemRow
			if err := got.Scan(&it.ItemCode, &it.Received, &it.Completed, &it.Rejected, &it.PendingEnd, &it.SameDayRatio,
				&it.OnTimeRatio, &it.MedianProcessingHours, &it.ReceivedSamePeriodLastYear, &it.ReceivedYoYGrowth); err != nil {
				t.Fatal(err)
			}
			want := r.ByItem[n]
			want.ItemName, want.Active, want.Instant = "", false, false
			if fmt.Sprint(asJSON(t, it)) != fmt.Sprint(asJSON(t, want)) {
				t.Errorf("%s %s: view %v\n compute %v", label, it.ItemCode, asJSON(t, it), asJSON(t, want))
			}
			n++
		}
		got.Close()
		if n != len(r.ByItem) {
			t.Errorf("%s: %d view rows, %d items", label, n, len(r.ByItem))
		}
	}
}
