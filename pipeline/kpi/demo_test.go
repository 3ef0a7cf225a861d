package kpi

import (
	"context"
	"testing"

	"github.com/caseload/caseload/pipeline/demo/demotest"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// TestDemoFigures: the demo project (demo.WriteProject), pulled through the real path,
// reproduces the reference office's published figures (SPEC §1, issue 3 acceptance 3)
// through Compute, with the periods the article uses.
func TestDemoFigures(t *testing.T) {
	_, cfg := demotest.Warehouse(t)
	ctx := context.Background()
	db, err := warehouse.OpenReadOnly(cfg.Warehouse, cfg.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	compute := func(label string) *Result {
		t.Helper()
		p, err := period.Parse(label)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Compute(ctx, db, cfg.Office, cfg.Timezone, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	article := compute("2017-01-01..2022-11-17") // the article's date
	k := article.KPIs
	if got := k.Int("completed_cumulative"); got != 14998 {
		t.Errorf("completed_cumulative 2017-01-01..2022-11-17 = %d, want 14,998", got)
	}
	if v := k["instant_items_ratio"]; v == nil || *v != 0.875 || k.Int("instant_items") != 7 || k.Int("active_items") != 8 {
		t.Errorf("instant items %d/%d ratio %v, want 7/8 = 0.875", k.Int("instant_items"), k.Int("active_items"), show(v))
	}
	if v := k["backlog_resolution_rate"]; v == nil || *v != 0.5 {
		t.Errorf("backlog_resolution_rate = %v, want 0.5", show(v))
	}
	if k.Int("backlog_resolved") <= 40 || k.Int("backlog_resolved_over_10y") <= 20 {
		t.Errorf("backlog resolved %d (want 40+), over ten years %d (want 20+)", k.Int("backlog_resolved"), k.Int("backlog_resolved_over_10y"))
	}
	for _, label := range []string{"2021-07", "2021-H2", "2022", "ytd:2022-10"} {
		if v := compute(label).KPIs["instant_items_ratio"]; v == nil || *v != 0.875 {
			t.Errorf("%s: instant_items_ratio = %v, want 0.875 (7 of 8 from 2021-07)", label, show(v))
		}
	}
	if v := compute("2021-06").KPIs["instant_items_ratio"]; v == nil || *v >= 0.875 {
		t.Errorf("2021-06: instant_items_ratio = %v, want below 0.875 (the 7th item became instant on 2021-07-01)", show(v))
	}
	ytd := compute("ytd:2022-10")
	qb02, ok := ytd.ItemByCode("QB02")
	if !ok || qb02.ReceivedYoYGrowth == nil || *qb02.ReceivedYoYGrowth <= 0.30 {
		t.Errorf("QB02 received_yoy_growth ytd:2022-10 = %+v, want > 0.30", qb02)
	}
	checkAddsUp(t, ytd)
	checkYearMonths(t, compute("2021"))

}
