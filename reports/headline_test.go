package reports

import (
	"context"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
)

// TestDemoHeadline: the reference office's headline figures (SPEC §1), computed by the KPI
// SQL from the demo's generated exports pulled through the real path, in the wording caseload
// demo prints.
func TestDemoHeadline(t *testing.T) {
	w, cfg := demoWarehouse(t)
	ctx := context.Background()
	compute := func(label string) *kpi.Result {
		p, err := period.Parse(label)
		if err != nil {
			t.Fatal(err)
		}
		r, err := kpi.Compute(ctx, w.DB, cfg.Office, cfg.Timezone, p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	text := strings.Join(Headline(compute("2017-01-01..2022-11-17"), compute("ytd:2022-10"), HeadlineOptions{Item: "QB02", Since: figures.SinceYear(2017)}), "\n")
	for _, want := range []string{"2017年以来累计审批涉侨业务14,998宗", "即办率87.5%", "“三侨生”身份认定：2022年1—10月受理252宗，同比增长34.0%（上年同期188宗）",
		"历史积案84宗，已化解42宗，化解率50.0%；其中积压十年以上的23宗"} {
		if !strings.Contains(text, want) {
			t.Errorf("headline lacks %q:\n%s", want, text)
		}
	}
}

// TestHeadlineWording: the lines, the office's count word in every one, and the item with the
// largest growth when none is named.
func TestHeadlineWording(t *testing.T) {
	v := func(f float64) kpi.Value { return &f }
	asOfP, _ := period.Parse("2012-01-01..2022-10-31")
	ytdP, _ := period.Parse("ytd:2022-10")
	asOf := &kpi.Result{Period: asOfP, KPIs: kpi.Values{"completed_cumulative": v(15), "instant_items": v(2), "active_items": v(4),
		"instant_items_ratio": v(0.5), "backlog_total": v(4), "backlog_resolved": v(3), "backlog_resolution_rate": v(0.75), "backlog_resolved_over_10y": v(2)}}
	ytd := &kpi.Result{Period: ytdP, ByItem: []kpi.ItemRow{
		{ItemCode: "QB01", ItemName: "华侨身份证明", Received: 6, ReceivedSamePeriodLastYear: 1, ReceivedYoYGrowth: v(5)},
		{ItemCode: "QB02", ItemName: "“三侨生”身份认定", Received: 3, ReceivedSamePeriodLastYear: 2, ReceivedYoYGrowth: v(0.5)},
	}}
	want := []string{
		"截至2022年10月31日，2012年以来累计审批涉侨业务15宗。",
		"即办事项2项（共4项），即办率50.0%。",
		"“三侨生”身份认定：2022年1—10月受理3宗，同比增长50.0%（上年同期2宗）。",
		"历史积案4宗，已化解3宗，化解率75.0%；其中积压十年以上的2宗。",
	}
	if got := Headline(asOf, ytd, HeadlineOptions{Item: "QB02", Since: figures.SinceYear(2012)}); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Headline\n got %q\nwant %q", got, want)
	}
	if got := strings.Join(Headline(asOf, ytd, HeadlineOptions{Item: "QB02", Unit: "件"}), "\n"); strings.Contains(got, "宗") || !strings.Contains(got, "累计审批涉侨业务15件") {
		t.Errorf("unit 件: %q", got)
	}
	if got := Headline(asOf, ytd, HeadlineOptions{}); !strings.Contains(strings.Join(got, "\n"), "华侨身份证明") {
		t.Errorf("largest growth (QB01, +500%%) expected: %q", got)
	}
}

// TestKindOf: how each kind of §5 figure is written.
func TestKindOf(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	for _, c := range []struct {
		key  string
		v    *float64
		want string
	}{
		{"completed_cumulative", v(14998), "14,998"},
		{"instant_items_ratio", v(0.875), "87.5%"},
		{"received_yoy_growth", v(-0.05), "-5.0%"},
		{"median_processing_hours", v(89), "89.0"},
		{"avg_trips", v(1.125), "1.13"},
		{"same_day_ratio", nil, "—"},
		{"received", v(1234567), "1,234,567"},
	} {
		if got := figures.Value(KindOf(c.key), c.v); got != c.want {
			t.Errorf("%s: %q, want %q", c.key, got, c.want)
		}
	}
	if figures.Raw(v(0.1)) != "0.1" || figures.Raw(v(3)) != "3" || figures.Raw(nil) != "" {
		t.Error("Raw")
	}
}
