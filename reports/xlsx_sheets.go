package reports

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

func (x *xlsxWriter) summary() error {
	name := tSheetSummary.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 7)
	x.titleRows(s, tSheetSummary)
	h := x.header(s, tIndicator, tCurrent, tLastYear, tYoY, tPrevious, tMoM, tDefinition)
	s.freeze, s.printRow = h, h
	for _, r := range x.m.Summary {
		yoyStyle := x.st.growth
		if r.Kind == KindRatio {
			yoyStyle = x.st.pp
		}
		s.add(x.txt(r.Name), x.kindVal(r.Current, r.Kind), x.kindVal(r.LastYear, r.Kind), x.val(r.YoY, yoyStyle),
			x.kindVal(r.Previous, r.Kind), x.val(r.MoM, yoyStyle), excelize.Cell{StyleID: x.st.wrap, Value: r.Definition})
	}
	s.fixed[6] = 60
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
	x.titleRows(s, tSheetItems)
	h := x.header(s, tItemCode, tItemName, tInstant, tReceived, tCompleted, tRejected, tPendingEnd, tSameDay, tOnTime, tMedianHours, tReceivedLY, tReceivedYoY)
	s.freeze, s.printRow = h, h
	first := h + 1
	var rec, comp, rej, pend, ly int64
	for _, it := range x.m.Current.ByItem {
		inst := tNo.in(x.l)
		if it.Instant {
			inst = tYes.in(x.l)
		}
		s.add(x.txt(it.ItemCode), x.txt(it.ItemName), x.txt(inst), x.num(it.Received), x.num(it.Completed), x.num(it.Rejected),
			x.num(it.PendingEnd), x.val(it.SameDayRatio, x.st.pct), x.val(it.OnTimeRatio, x.st.pct),
			x.val(it.MedianProcessingHours, x.st.hours), x.num(it.ReceivedSamePeriodLastYear), x.val(it.ReceivedYoYGrowth, x.st.growth))
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
	growth := excelize.Cell{StyleID: x.st.totGrowth}
	if ly != 0 {
		growth = excelize.Cell{StyleID: x.st.totGrowth, Formula: fmt.Sprintf("(D%d-K%d)/K%d", tot, tot, tot), Value: float64(rec-ly) / float64(ly)}
	}
	totRow := []any{
		excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText},
		excelize.Cell{StyleID: x.st.totText},
		sumCell(4, first, last, rec, x.st.totInt), sumCell(5, first, last, comp, x.st.totInt),
		sumCell(6, first, last, rej, x.st.totInt), sumCell(7, first, last, pend, x.st.totInt),
		// ratios do not add up: the totals row shows the period's overall figure
		x.val(k["same_day_ratio"], x.st.totPct), x.val(k["on_time_ratio"], x.st.totPct),
		excelize.Cell{StyleID: x.st.totText, Value: nullableFloat(k["median_processing_hours"])},
		sumCell(11, first, last, ly, x.st.totInt), growth,
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

func nullableFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func (x *xlsxWriter) monthly() error {
	name := tSheetMonthly.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 3)
	s.wideCols = 12
	x.titleRows(s, tSheetMonthly)
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
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: tSheetMonthly.in(x.l)}}},
			Legend:    excelize.ChartLegend{Position: "bottom"},
			XAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "yyyy-mm", SourceLinked: true}, Font: axisFont},
			YAxis:     excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}, Font: axisFont},
		}
		line := &excelize.Chart{
			Type: excelize.Line,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("%s!$C$%d", q, h), Categories: cats,
				Values: fmt.Sprintf("%s!$C$%d:$C$%d", q, first, last),
				Line:   excelize.LineOptions{Width: 2.25}, Marker: excelize.ChartMarker{Symbol: "circle", Size: 5}}},
			Format: excelize.GraphicOptions{OffsetX: 10, OffsetY: 5, Locked: &no},
			Legend: excelize.ChartLegend{Position: "bottom"},
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
	x.titleRows(s, tSheetChannels)
	h := x.header(s, tChannel, tReceived, tShare)
	s.freeze, s.printRow = h, h
	first := h + 1
	var total int64
	var shares float64
	for _, c := range x.m.Current.ByChannel {
		s.add(x.txt(pick(channelLabels, c.Channel, x.l)), x.num(c.Received), x.val(c.Share, x.st.pct))
		total += c.Received
		if c.Share != nil {
			shares += *c.Share
		}
	}
	last := len(s.rows)
	if last >= first {
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, sumCell(2, first, last, total, x.st.totInt),
			sumCell(3, first, last, shares, x.st.totPct))
		q := quoteSheet(name)
		no := false
		if err := x.f.AddChart(name, "E3", &excelize.Chart{
			Type: excelize.Bar,
			Series: []excelize.ChartSeries{{Name: fmt.Sprintf("%s!$B$%d", q, h), Categories: fmt.Sprintf("%s!$A$%d:$A$%d", q, first, last),
				Values: fmt.Sprintf("%s!$B$%d:$B$%d", q, first, last), Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"5B9BD5"}}}},
			PlotArea:  excelize.ChartPlotArea{ShowVal: true},
			Format:    excelize.GraphicOptions{OffsetX: 10, OffsetY: 5, Locked: &no},
			Dimension: excelize.ChartDimension{Width: 600, Height: 320},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: tSheetChannels.in(x.l)}}},
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
	x.titleRows(s, tSheetBacklog)
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
		s.add(excelize.Cell{StyleID: x.st.text, Value: int64(b.SinceYear)}, x.num(b.Total), x.num(b.Resolved), x.num(b.ResolvedOver10y),
			rate(row, b.Resolved, b.Total, x.st.pct))
		tot += b.Total
		res += b.Resolved
		over += b.ResolvedOver10y
	}
	last := len(s.rows)
	row := last + 1
	if last >= first {
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, sumCell(2, first, last, tot, x.st.totInt),
			sumCell(3, first, last, res, x.st.totInt), sumCell(4, first, last, over, x.st.totInt), rate(row, res, tot, x.st.totPct))
	}
	s.blank()
	note := "注：历史疑难件按问题起始年份（积案起始日期）分组；“其中积压十年以上”指办结日期不早于起始日期满十年的已化解件。"
	if x.l == LangEN {
		note = "Note: backlog cases are grouped by the year the problem arose (backlog_since); \"pending over 10 years\" counts resolved cases completed at least ten years after that date."
	}
	s.addWide(excelize.Cell{StyleID: x.st.note, Value: note}, 0)
	return x.flush(s)
}

func (x *xlsxWriter) quality() error {
	name := tSheetQuality.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 8)
	x.titleRows(s, tSheetQuality)
	s.freeze = 2
	d := x.m.Current.Data
	block := func(t text) { s.add(excelize.Cell{StyleID: x.st.blockT, Value: t.in(x.l)}) }
	kv := func(k text, v excelize.Cell) { s.add(excelize.Cell{StyleID: x.st.header, Value: k.in(x.l)}, v) }

	block(tOverview)
	kv(tFirstDay, x.dateCell(x.m.Period.First, x.st.date))
	kv(tLastDay, x.dateCell(x.m.Period.Last, x.st.date))
	kv(tGenerated, x.dateCell(x.m.GeneratedAt, x.st.datetime))
	kv(tFingerprint, x.txt(d.Fingerprint))
	kv(tAcceptedCases, x.num(d.Cases))
	kv(tRejectRowsAll, x.num(d.Rejects))
	if d.LastPull != nil {
		t := *d.LastPull
		if loc, err := time.LoadLocation(x.m.Timezone); err == nil {
			t = t.In(loc)
		}
		kv(tLastPull, x.dateCell(t, x.st.datetime))
	}
	s.blank()

	block(tFiles)
	x.header(s, tFile, tPulledAt, tFormat, tRowsRead, tAccepted, tSuperseded, tRejectedRows, tUnrecognised)
	first := len(s.rows) + 1
	var sums [5]int64
	loc, _ := time.LoadLocation(x.m.Timezone)
	for _, f := range x.m.Quality.Files {
		t := f.PulledAt
		if loc != nil {
			t = t.In(loc)
		}
		s.add(x.txt(f.Path), x.dateCell(t, x.st.datetime), x.txt(f.Format), x.num(f.RowsRead), x.num(f.Accepted), x.num(f.Superseded),
			x.num(f.Rejected), x.num(f.UnrecognisedCountry))
		for i, v := range []int64{f.RowsRead, f.Accepted, f.Superseded, f.Rejected, f.UnrecognisedCountry} {
			sums[i] += v
		}
	}
	if last := len(s.rows); last >= first {
		row := []any{excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText}, excelize.Cell{StyleID: x.st.totText}}
		for i, v := range sums {
			row = append(row, sumCell(4+i, first, last, v, x.st.totInt))
		}
		s.add(row...)
	} else {
		s.add(x.txt(tNone.in(x.l)))
	}
	s.blank()

	block(tRejectReasons)
	x.header(s, tReason, tReasonText, tRows)
	first = len(s.rows) + 1
	var rej int64
	for _, r := range x.m.Quality.RejectReasons {
		s.add(x.txt(r.Reason), x.txt(pick(reasonLabels, r.Reason, x.l)), x.num(r.Rows))
		rej += r.Rows
	}
	if last := len(s.rows); last >= first {
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText}, sumCell(3, first, last, rej, x.st.totInt))
	} else {
		s.add(x.txt(tNone.in(x.l)))
	}
	s.blank()

	block(tCountryValues)
	x.header(s, tRawValue, tCases)
	for _, c := range x.m.Quality.UnrecognisedCountries {
		s.add(x.txt(c.Value), x.num(c.Cases))
	}
	if len(x.m.Quality.UnrecognisedCountries) == 0 {
		s.add(x.txt(tNone.in(x.l)))
	}
	if x.m.Quality.CountriesTruncated {
		s.add(excelize.Cell{StyleID: x.st.note, Value: tTruncatedCountry.in(x.l)})
	}
	s.fixed[0] = math.Max(colWidth(s.widths[0]), 16)
	if s.fixed[0] > 50 {
		s.fixed[0] = 50
	}
	return x.flush(s)
}

func (x *xlsxWriter) definitions() error {
	name := tSheetDefs.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 5)
	x.titleRows(s, tSheetDefs)
	h := x.header(s, tKey, tName, tDefZH, tDefEN, tSource)
	s.freeze, s.printRow = h, h
	for _, d := range x.m.Definitions {
		s.add(x.txt(d.Key), x.txt(x.m.KPIName(d.Key)), excelize.Cell{StyleID: x.st.wrap, Value: d.ZH},
			excelize.Cell{StyleID: x.st.wrap, Value: d.EN}, x.txt(d.File))
	}
	s.fixed[2], s.fixed[3] = 50, 60
	return x.flush(s)
}

func (x *xlsxWriter) props() error {
	title := x.m.Office + " " + tReportTitle.in(x.l) + " " + x.periodLabel()
	created := x.m.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
	lang := "zh-CN"
	if x.l == LangEN {
		lang = "en"
	}
	if err := x.f.SetDocProps(&excelize.DocProperties{
		Title: strings.TrimSpace(title), Subject: tReportTitle.in(x.l) + " " + x.m.Period.Label, Creator: x.m.Office,
		LastModifiedBy: x.m.Office, Description: tFingerprint.in(x.l) + " " + x.m.Current.Data.Fingerprint,
		Keywords: x.m.Period.Label, Category: tReportTitle.in(x.l), Language: lang, Created: created, Modified: created,
	}); err != nil {
		return err
	}
	return x.f.SetAppProps(&excelize.AppProperties{Application: "caseload", Company: x.m.Office})
}
