package reports

import (
	"fmt"
	"time"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/reports/figures"
)

// HeadlineOptions say how the headline lines are worded.
type HeadlineOptions struct {
	// Unit is the count word for cases (caseload.yaml reports.unit; default 宗).
	Unit string
	// Since is when 累计 figures start ("2017年以来"); zero: not said.
	Since figures.Since
	// Item is the item_code of the item whose growth is quoted; "" for the item with the
	// largest growth.
	Item string
}

// Headline returns the headline figures as short Chinese lines, phrased the way the
// office's public summaries quote them (SPEC §1), for a terminal (`caseload demo`). Every
// figure is written by reports/figures, with the office's count word:
//
//	截至2022年11月17日，2017年以来累计审批涉侨业务14,998宗。
//	即办事项7项（共8项），即办率87.5%。
//	“三侨生”身份认定：2022年1—10月受理252宗，同比增长34.0%（上年同期188宗）。
//	历史积案84宗，已化解42宗，化解率50.0%；其中积压十年以上的23宗。
//
// asOf supplies the stock figures (cumulative completed, instant items, backlog) as of its
// last day — e.g. the day range 2017-01-01..2022-11-17. ytd (may be nil) supplies the
// item's year-on-year growth — e.g. ytd:2022-10. A line whose figure is null is left out.
func Headline(asOf, ytd *kpi.Result, opt HeadlineOptions) []string {
	w := figures.Words{Lang: figures.ZH, Unit: opt.Unit}
	var out []string
	if asOf != nil {
		k := asOf.KPIs
		if v := k["completed_cumulative"]; v != nil {
			out = append(out, fmt.Sprintf("截至%s，%s累计审批涉侨业务%s。", headlineDate(asOf.Period.Last), w.Since(opt.Since), w.Cases(int64(*v))))
		}
		if k["instant_items_ratio"] != nil {
			out = append(out, fmt.Sprintf("即办事项%d项（共%d项），即办率%s。", k.Int("instant_items"), k.Int("active_items"), w.Percent(*k["instant_items_ratio"])))
		}
	}
	if ytd != nil {
		if it, ok := pickItem(ytd, opt.Item); ok && it.ReceivedYoYGrowth != nil {
			out = append(out, fmt.Sprintf("%s：%s受理%s，%s（上年同期%s）。", it.ItemName, ytd.Period.ZhLabel(),
				w.Cases(it.Received), w.Growth(figures.YoY, *it.ReceivedYoYGrowth), w.Cases(it.ReceivedSamePeriodLastYear)))
		}
	}
	if asOf != nil && asOf.KPIs["backlog_resolution_rate"] != nil {
		k := asOf.KPIs
		out = append(out, fmt.Sprintf("历史积案%s，已化解%s，化解率%s；其中积压十年以上的%s。",
			w.Cases(k.Int("backlog_total")), w.Cases(k.Int("backlog_resolved")),
			w.Percent(*k["backlog_resolution_rate"]), w.Cases(k.Int("backlog_resolved_over_10y"))))
	}
	return out
}

func pickItem(r *kpi.Result, code string) (kpi.ItemRow, bool) {
	if code != "" {
		return r.ItemByCode(code)
	}
	var best kpi.ItemRow
	found := false
	for _, it := range r.ByItem {
		if it.ReceivedYoYGrowth != nil && (!found || *it.ReceivedYoYGrowth > *best.ReceivedYoYGrowth) {
			best, found = it, true
		}
	}
	return best, found
}

func headlineDate(d time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}
