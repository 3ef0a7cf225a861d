package kpi

import (
	"fmt"
	"time"
)

// Headline returns the headline figures as short Chinese lines, phrased the way the
// office's public summaries quote them (SPEC §1), for a terminal (`caseload demo`):
//
//	截至2022年11月17日，累计审批办件14,998件。
//	即办事项7项（共8项），即办率87.5%。
//	“三侨生”身份认定：2022年1—10月受理1,234件，同比增长35.2%（上年同期912件）。
//	历史积案44件，已化解22件，化解率50.0%；其中积压十年以上的21件。
//
// asOf supplies the stock figures (cumulative completed, instant items, backlog) as of its
// last day — e.g. the day range 2017-01-01..2022-11-17. ytd (may be nil) supplies the
// item's year-on-year growth — e.g. ytd:2022-10; item is its item_code, or "" for the
// item with the largest growth. A line whose figure is null is left out.
func Headline(asOf, ytd *Result, item string) []string {
	var out []string
	if asOf != nil {
		k := asOf.KPIs
		out = append(out, fmt.Sprintf("截至%s，累计审批办件%s件。", zhDate(asOf.Period.Last), FormatValue("completed_cumulative", k["completed_cumulative"])))
		if k["instant_items_ratio"] != nil {
			out = append(out, fmt.Sprintf("即办事项%d项（共%d项），即办率%s。", k.Int("instant_items"), k.Int("active_items"), Percent(*k["instant_items_ratio"])))
		}
	}
	if ytd != nil {
		if it, ok := pickItem(ytd, item); ok && it.ReceivedYoYGrowth != nil {
			out = append(out, fmt.Sprintf("%s：%s受理%s件，%s（上年同期%s件）。", it.ItemName, ytd.Period.ZhLabel(),
				Thousands(it.Received), growthZH(*it.ReceivedYoYGrowth), Thousands(it.ReceivedSamePeriodLastYear)))
		}
	}
	if asOf != nil && asOf.KPIs["backlog_resolution_rate"] != nil {
		k := asOf.KPIs
		out = append(out, fmt.Sprintf("历史积案%s件，已化解%s件，化解率%s；其中积压十年以上的%s件。",
			Thousands(k.Int("backlog_total")), Thousands(k.Int("backlog_resolved")),
			Percent(*k["backlog_resolution_rate"]), Thousands(k.Int("backlog_resolved_over_10y"))))
	}
	return out
}

func pickItem(r *Result, code string) (ItemRow, bool) {
	if code != "" {
		return r.ItemByCode(code)
	}
	var best ItemRow
	found := false
	for _, it := range r.ByItem {
		if it.ReceivedYoYGrowth != nil && (!found || *it.ReceivedYoYGrowth > *best.ReceivedYoYGrowth) {
			best, found = it, true
		}
	}
	return best, found
}

// growthZH phrases a growth the way Chinese official writing does: 同比增长30.2% /
// 同比下降5.0% / 与上年同期持平 (within ±0.05%, which shows as 0.0%).
func growthZH(g float64) string {
	switch {
	case g >= 0.0005:
		return "同比增长" + Percent(g)
	case g <= -0.0005:
		return "同比下降" + Percent(-g)
	}
	return "与上年同期持平"
}

func zhDate(d time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}
