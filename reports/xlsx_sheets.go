package reports

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/reports/figures"
)

// unitOf is the 计量单位 of a §5 figure in the report's language: the office's count word
// for case counts, 项 for items, 个 for countries, % for ratios, 小时, 次.
func (m *Model) unitOf(key string) string {
	en := m.Lang == LangEN
	switch key {
	case "active_items", "instant_items":
		return pickText(en, "项", "items")
	case "countries", "countries_cumulative":
		return pickText(en, "个", "countries")
	}
	switch KindOf(key) {
	case KindRatio, KindGrowth:
		return "%"
	case KindHours:
		return pickText(en, "小时", "hours")
	case KindDecimal:
		return pickText(en, "次", "trips")
	}
	return m.Words().CaseWord()
}

func pickText(en bool, zh, enText string) string {
	if en {
		return enText
	}
	return zh
}

func (x *xlsxWriter) summary() error {
	name := tSheetSummary.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 8)
	x.titleRows(s, tSheetSummary, true)
	h := x.header(s, tIndicator, tUnit, tCurrent, tLastYear, tYoY, tPrevious, tMoM, tDefinition)
	s.freeze, s.printRow = h, h
	for _, r := range x.m.Summary {
		cmp, cmpStyle := figures.Growth, x.st.val[figures.Growth]
		if r.Kind == KindRatio {
			cmp, cmpStyle = figures.Points, x.st.val[figures.Points]
		}
		s.add(x.txt(r.Name), excelize.Cell{StyleID: x.st.text, Value: x.m.unitOf(r.Key)},
			x.kindVal(r.Current, r.Kind), x.kindVal(r.LastYear, r.Kind), x.cmpVal(r.YoY, cmp, cmpStyle),
			x.kindVal(r.Previous, r.Kind), x.cmpVal(r.MoM, cmp, cmpStyle), excelize.Cell{StyleID: x.st.wrap, Value: r.Definition})
	}
	s.fixed[7] = 56
	if x.l == LangEN {
		s.fixed[7] = 72 // Latin text takes more characters per idea
	}
	s.blank()
	note := "注：同比、环比为增长率；比率类指标的同比、环比为百分点差。空白表示无可比数据（基数为0、无上期或无定义）。"
	if x.l == LangEN {
		note = "Note: comparisons are growth rates; for ratios they are differences in percentage points. Blank: no comparable figure (base 0, no previous period, or undefined)."
	}
	s.addWide(excelize.Cell{StyleID: x.st.note, Value: note}, 0)
	return x.flush(s)
}

func (x *xlsxWriter) items() error {
	name := tSheetItems.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 12)
	x.titleRows(s, tSheetItems, true)
	h := x.header(s, tItemCode, tItemName, tInstant, tReceived, tCompleted, tRejected, tPendingEnd, tSameDay, tOnTime, tMedianHours, tReceivedLY, tReceivedYoY)
	s.freeze, s.printRow = h, h
	first := h + 1
	var rec, comp, rej, pend, ly int64
	pct, hours := x.st.val[figures.Ratio], x.st.val[figures.Hours]
	for _, it := range x.m.Current.ByItem {
		inst := tNo.in(x.l)
		if it.Instant {
			inst = tYes.in(x.l)
		}
		s.add(x.txt(it.ItemCode), x.txt(x.m.itemName(it)), excelize.Cell{StyleID: x.st.text, Value: inst}, x.num(it.Received), x.num(it.Completed), x.num(it.Rejected),
			x.num(it.PendingEnd), x.val(it.SameDayRatio, pct), x.val(it.OnTimeRatio, pct),
			x.val(it.MedianProcessingHours, hours), x.num(it.ReceivedSamePeriodLastYear),
			x.cmpVal(it.ReceivedYoYGrowth, figures.Growth, x.st.val[figures.Growth]))
		rec += it.Received
		comp += it.Completed
		rej += it.Rejected
		pend += it.PendingEnd
		ly += it.ReceivedSamePeriodLastYear
	}
	last := len(s.rows)
	if last < first { // no items: totals over an empty range are 0
		last = first - 1
	}
	tot := len(s.rows) + 1
	k := x.m.Current.KPIs
	tg := x.st.tot[figures.Growth]
	growth := excelize.Cell{StyleID: tg}
	if ly != 0 {
		growth = excelize.Cell{StyleID: tg, Formula: fmt.Sprintf("ROUND((D%d-K%d)/K%d,3)", tot, tot, tot),
			Value: figures.Round(figures.Growth, float64(rec-ly)/float64(ly))}
	}
	ti := x.st.tot[figures.Count]
	totRow := []any{
		excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText},
		excelize.Cell{StyleID: x.st.totText},
		sumCell(4, first, last, rec, ti), sumCell(5, first, last, comp, ti),
		sumCell(6, first, last, rej, ti), sumCell(7, first, last, pend, ti),
		// ratios do not add up: the totals row shows the period's overall figure
		x.val(k["same_day_ratio"], x.st.tot[figures.Ratio]), x.val(k["on_time_ratio"], x.st.tot[figures.Ratio]),
		x.val(k["median_processing_hours"], x.st.tot[figures.Hours]),
		sumCell(11, first, last, ly, ti), growth,
	}
	s.add(totRow...)
	s.blank()
	note := "注：合计行的数量列为 SUM 公式；比率与时长列为全部办件的总体指标（不是各事项之和）。"
	if x.l == LangEN {
		note = "Note: the totals of the count columns are SUM formulas; the ratio and time columns show the overall figure for all cases (not a sum over items)."
	}
	s.addWide(excelize.Cell{StyleID: x.st.note, Value: note}, 0)
	return x.flush(s)
}

func (x *xlsxWriter) monthly() error {
	name := tSheetMonthly.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 3)
	s.wideCols = 12
	x.titleRows(s, tSheetMonthly, false)
	h := x.header(s, tMonth, tReceived, tCompleted)
	s.freeze, s.printRow = h, h
	first := h + 1
	for _, mr := range x.m.Current.Monthly {
		t, err := time.Parse("2006-01", mr.Month)
		if err != nil {
			return fmt.Errorf("monthly: month %q: %w", mr.Month, err)
		}
		s.add(x.dateCell(t, x.st.month), x.num(mr.Received), x.num(mr.Completed))
	}
	last := len(s.rows)
	s.fixed[0] = 12
	if last >= first {
		q := quoteSheet(name)
		cats := fmt.Sprintf("%s!$A$%d:$A$%d", q, first, last)
		no := false
		chart := &excelize.Chart{
			Type: excelize.Col,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("%s!$B$%d", q, h), Categories: cats,
				Values: fmt.Sprintf("%s!$B$%d:$B$%d", q, first, last), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"5B9BD5"}}}},
			Format:    excelize.GraphicOptions{OffsetX: 10, OffsetY: 5, Locked: &no},
			Dimension: excelize.ChartDimension{Width: 720, Height: 360},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: tSheetMonthly.in(x.l), Font: &excelize.Font{Family: cellFont, Size: 12}}}},
			Legend:    excelize.ChartLegend{Position: "bottom", Font: &excelize.Font{Family: cellFont, Size: 9}},
			XAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "yyyy-mm", SourceLinked: true}, Font: axisFont},
			YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: axisFont},
		}
		line := &excelize.Chart{
			Type: excelize.Line,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("%s!$C$%d", q, h), Categories: cats,
				Values: fmt.Sprintf("%s!$C$%d:$C$%d", q, first, last),
				Line:   excelize.LineOptions{Width: 2.25}, Marker: excelize.ChartMarker{Symbol: "circle", Size: 5}}},
			Format: excelize.GraphicOptions{OffsetX: 10, OffsetY: 5, Locked: &no},
			Legend: chart.Legend,
		}
		line.XAxis, line.YAxis = chart.XAxis, chart.YAxis
		if err := x.f.AddChart(name, "E3", chart, line); err != nil {
			return fmt.Errorf("monthly chart: %w", err)
		}
	}
	return x.flush(s)
}

func (x *xlsxWriter) channels() error {
	name := tSheetChannels.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 3)
	s.wideCols = 12
	x.titleRows(s, tSheetChannels, false)
	h := x.header(s, tChannel, tReceived, tShare)
	s.freeze, s.printRow = h, h
	first := h + 1
	var total int64
	var shares float64
	for _, c := range x.m.Current.ByChannel {
		s.add(x.txt(pick(channelLabels, c.Channel, x.l)), x.num(c.Received), x.val(c.Share, x.st.val[figures.Ratio]))
		total += c.Received
		if c.Share != nil {
			shares += *c.Share
		}
	}
	last := len(s.rows)
	if last >= first {
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, sumCell(2, first, last, total, x.st.tot[figures.Count]),
			sumCell(3, first, last, shares, x.st.tot[figures.Ratio]))
		q := quoteSheet(name)
		no := false
		if err := x.f.AddChart(name, "E3", &excelize.Chart{
			Type: excelize.Bar,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("%s!$B$%d", q, h), Categories: fmt.Sprintf("%s!$A$%d:$A$%d", q, first, last),
				Values: fmt.Sprintf("%s!$B$%d:$B$%d", q, first, last), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"5B9BD5"}}}},
			PlotArea:  excelize.ChartPlotArea{ShowVal: true},
			Format:    excelize.GraphicOptions{OffsetX: 10, OffsetY: 5, Locked: &no},
			Dimension: excelize.ChartDimension{Width: 600, Height: 320},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: tSheetChannels.in(x.l), Font: &excelize.Font{Family: cellFont, Size: 12}}}},
			Legend:    excelize.ChartLegend{Position: "none"},
			XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: axisFont},
			YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: axisFont},
		}); err != nil {
			return fmt.Errorf("channels chart: %w", err)
		}
	}
	return x.flush(s)
}

func (x *xlsxWriter) backlog() error {
	name := tSheetBacklog.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 5)
	x.titleRows(s, tSheetBacklog, false)
	h := x.header(s, tSinceYear, tBacklogTotal, tResolved, tOver10y, tRate)
	s.freeze, s.printRow = h, h
	first := h + 1
	var tot, res, over int64
	rate := func(row int, a, b int64, style int) excelize.Cell {
		if b == 0 {
			return excelize.Cell{StyleID: style}
		}
		return excelize.Cell{StyleID: style, Formula: fmt.Sprintf("C%d/B%d", row, row), Value: float64(a) / float64(b)}
	}
	for _, b := range x.m.Current.Backlog {
		row := len(s.rows) + 1
		s.add(excelize.Cell{StyleID: x.st.plain, Value: int64(b.SinceYear)}, x.num(b.Total), x.num(b.Resolved), x.num(b.ResolvedOver10y),
			rate(row, b.Resolved, b.Total, x.st.val[figures.Ratio]))
		tot += b.Total
		res += b.Resolved
		over += b.ResolvedOver10y
	}
	last := len(s.rows)
	row := last + 1
	if last >= first {
		ti := x.st.tot[figures.Count]
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, sumCell(2, first, last, tot, ti),
			sumCell(3, first, last, res, ti), sumCell(4, first, last, over, ti), rate(row, res, tot, x.st.tot[figures.Ratio]))
	}
	s.blank()
	note := "注：历史疑难件按问题起始年份（积案起始日期）分组；“其中积压十年以上”指办结日期不早于起始日期满十年的已化解件。"
	if x.l == LangEN {
		note = "Note: backlog cases are grouped by the year the problem arose (backlog_since); \"pending over 10 years\" counts resolved cases completed at least ten years after that date."
	}
	s.addWide(excelize.Cell{StyleID: x.st.note, Value: note}, 0)
	return x.flush(s)
}
