package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/textwidth"
)

// ExcelMaxRows is the row limit of an Excel worksheet.
const ExcelMaxRows = 1_048_576

// XLSXOptions are the optional parts of a workbook.
type XLSXOptions struct {
	// Details, when set, adds the row-level sheet(s) 办件明细, written through excelize's
	// StreamWriter; a sheet that would pass MaxSheetRows continues on 办件明细2, 3, ….
	Details Details
	// MaxSheetRows caps the rows of one detail sheet (default and maximum ExcelMaxRows).
	MaxSheetRows int
	// TmpDir is where excelize spills large streamed sheets ("" = the system default).
	TmpDir string
}

// WriteXLSX writes the workbook of SPEC §7.2 for m to w.
//
// Every sheet is written through excelize's StreamWriter after its page setup and charts are
// set: the stream writer is the only excelize path that writes a formula together with a
// numeric cached value (<f>SUM(…)</f><v>262</v>), which readers that do not recalculate
// (openpyxl data_only=True, pandas) need to see the totals.
func WriteXLSX(ctx context.Context, w io.Writer, m *Model, opt XLSXOptions) error {
	f := excelize.NewFile(excelize.Options{TmpDir: opt.TmpDir})
	defer f.Close()
	x := &xlsxWriter{ctx: ctx, f: f, m: m, l: m.Lang, blank: "Sheet1"}
	// Select the first sheet now, while the workbook is empty: SetActiveSheet and DeleteSheet
	// re-read every worksheet, which would parse the streamed sheets back into memory.
	f.SetActiveSheet(0)
	if err := x.styles(); err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}
	steps := []func() error{x.summary, x.items, x.monthly, x.channels, x.backlog, x.quality, x.definitions}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := step(); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if opt.Details != nil {
		max := opt.MaxSheetRows
		if max <= 0 || max > ExcelMaxRows {
			max = ExcelMaxRows
		}
		if err := x.details(opt.Details, max); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := x.props(); err != nil {
		return fmt.Errorf("xlsx: properties: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

type xlsxWriter struct {
	ctx   context.Context
	f     *excelize.File
	m     *Model
	l     Lang
	st    styleSet
	blank string // the new file's empty sheet, renamed into the first sheet written
}

type styleSet struct {
	title, subtitle, header, note                     int
	text, wrap, int, pct, pp, growth, hours, dec      int
	date, month, datetime                             int
	totText, totInt, totPct, totGrowth, totPP, blockT int
}

func (x *xlsxWriter) styles() error {
	border := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1},
	}
	totBorder := []excelize.Border{
		{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 6},
	}
	pp := `+0.0"个百分点";-0.0"个百分点";0.0"个百分点"`
	if x.l == LangEN {
		pp = `+0.0" pp";-0.0" pp";0.0" pp"`
	}
	fmtp := func(s string) *string { return &s }
	totFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	defs := []struct {
		id *int
		s  excelize.Style
	}{
		{&x.st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&x.st.subtitle, excelize.Style{Font: &excelize.Font{Size: 10, Color: "595959"}, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&x.st.header, excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&x.st.note, excelize.Style{Font: &excelize.Font{Size: 9, Color: "595959"}}},
		{&x.st.blockT, excelize.Style{Font: &excelize.Font{Bold: true, Size: 11}}},
		{&x.st.text, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&x.st.wrap, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&x.st.int, excelize.Style{Border: border, NumFmt: 3}},
		{&x.st.pct, excelize.Style{Border: border, CustomNumFmt: fmtp("0.0%")}},
		{&x.st.growth, excelize.Style{Border: border, CustomNumFmt: fmtp("+0.0%;-0.0%;0.0%")}},
		{&x.st.pp, excelize.Style{Border: border, CustomNumFmt: &pp}},
		{&x.st.hours, excelize.Style{Border: border, CustomNumFmt: fmtp("#,##0.0")}},
		{&x.st.dec, excelize.Style{Border: border, CustomNumFmt: fmtp("0.00")}},
		{&x.st.date, excelize.Style{Border: border, CustomNumFmt: fmtp("yyyy-mm-dd")}},
		{&x.st.month, excelize.Style{Border: border, CustomNumFmt: fmtp("yyyy-mm")}},
		{&x.st.datetime, excelize.Style{Border: border, CustomNumFmt: fmtp("yyyy-mm-dd hh:mm")}},
		{&x.st.totText, excelize.Style{Font: &excelize.Font{Bold: true}, Border: totBorder, Fill: totFill}},
		{&x.st.totInt, excelize.Style{Font: &excelize.Font{Bold: true}, Border: totBorder, Fill: totFill, NumFmt: 3}},
		{&x.st.totPct, excelize.Style{Font: &excelize.Font{Bold: true}, Border: totBorder, Fill: totFill, CustomNumFmt: fmtp("0.0%")}},
		{&x.st.totGrowth, excelize.Style{Font: &excelize.Font{Bold: true}, Border: totBorder, Fill: totFill, CustomNumFmt: fmtp("+0.0%;-0.0%;0.0%")}},
		{&x.st.totPP, excelize.Style{Font: &excelize.Font{Bold: true}, Border: totBorder, Fill: totFill, CustomNumFmt: &pp}},
	}
	for _, d := range defs {
		s := d.s
		id, err := x.f.NewStyle(&s)
		if err != nil {
			return err
		}
		*d.id = id
	}
	return nil
}

// ---- sheet buffer -------------------------------------------------------------------

// sheet collects the rows of a small sheet, measures column widths, and streams it.
type sheet struct {
	name     string
	cols     int
	rows     [][]any
	heights  map[int]float64
	widths   []int     // display width per column (textwidth: CJK = 2)
	fixed    []float64 // fixed widths (0 = measured)
	merges   [][2]string
	freeze   int // header rows frozen
	printRow int // row repeated on every printed page (0 = none)
	wideCols int // columns a title row spans (default cols)
}

func newSheet(name string, cols int) *sheet {
	return &sheet{name: name, cols: cols, widths: make([]int, cols), fixed: make([]float64, cols), heights: map[int]float64{}}
}

// add appends a row of cells (excelize.Cell or nil) and measures it; it returns the row number.
func (s *sheet) add(cells ...any) int {
	s.rows = append(s.rows, cells)
	for i, c := range cells {
		if i >= s.cols {
			break
		}
		if w := cellWidth(c); w > s.widths[i] {
			s.widths[i] = w
		}
	}
	return len(s.rows)
}

// addWide appends a row whose first cell spans every column (titles, notes): not measured.
func (s *sheet) addWide(c excelize.Cell, height float64) int {
	s.rows = append(s.rows, []any{c})
	n := len(s.rows)
	span := s.cols
	if s.wideCols > span {
		span = s.wideCols
	}
	if span > 1 {
		s.merges = append(s.merges, [2]string{cellName(1, n), cellName(span, n)})
	}
	if height > 0 {
		s.heights[n] = height
	}
	return n
}

func (s *sheet) blank() int { s.rows = append(s.rows, nil); return len(s.rows) }

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func colName(col int) string {
	n, _ := excelize.ColumnNumberToName(col)
	return n
}

// cellWidth is the display width of a cell's shown text (approximate for numbers).
func cellWidth(c any) int {
	cell, ok := c.(excelize.Cell)
	if !ok {
		return 0
	}
	switch v := cell.Value.(type) {
	case string:
		return textwidth.String(v)
	case int64:
		return len(groupedInt(v))
	case int:
		return len(groupedInt(int64(v)))
	case float64:
		return 10
	case time.Time:
		return 16
	}
	return 0
}

func groupedInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// colWidth converts a display width into an Excel column width: CJK characters count two,
// plus padding for the filter arrow and borders; long text wraps at 60.
func colWidth(w int) float64 {
	cw := float64(w)*1.1 + 3
	return math.Max(8, math.Min(cw, 60))
}

// setup applies page setup, footer and print titles to a new worksheet: A4 landscape, fit
// to one page wide, page numbers in the footer.
func (x *xlsxWriter) setup(name string) error {
	if x.blank != "" {
		if err := x.f.SetSheetName(x.blank, name); err != nil {
			return err
		}
		x.blank = ""
	} else if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	size, orient := 9, "landscape"
	one, zero := 1, 0
	yes := true
	if err := x.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := x.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}); err != nil {
		return err
	}
	m := func(v float64) *float64 { return &v }
	if err := x.f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{
		Left: m(0.5), Right: m(0.5), Top: m(0.6), Bottom: m(0.6), Header: m(0.3), Footer: m(0.3)}); err != nil {
		return err
	}
	hdr := "&L" + hfEscape(x.m.Office) + "&R" + hfEscape(x.periodLabel())
	return x.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: hdr, OddFooter: "&C" + tPage.in(x.l)})
}

// hfEscape escapes & in header/footer text.
func hfEscape(s string) string { return strings.ReplaceAll(s, "&", "&&") }

func (x *xlsxWriter) periodLabel() string {
	if x.l == LangEN {
		return x.m.Period.EnLabel()
	}
	return x.m.Period.ZhLabel()
}

// titleRows adds the two title rows every sheet starts with.
func (x *xlsxWriter) titleRows(s *sheet, what text) {
	title := x.m.Office + " " + tReportTitle.in(x.l) + " · " + what.in(x.l)
	if x.m.Office == "" {
		title = tReportTitle.in(x.l) + " · " + what.in(x.l)
	}
	s.addWide(excelize.Cell{StyleID: x.st.title, Value: title}, 24)
	p := x.m.Period
	sub := fmt.Sprintf("%s：%s（%s 至 %s）    %s：%s", tPeriod.in(x.l), x.periodLabel(), period.FormatDate(p.First), period.FormatDate(p.Last),
		tGenerated.in(x.l), x.m.GeneratedAt.Format("2006-01-02 15:04"))
	if x.l == LangEN {
		sub = fmt.Sprintf("%s: %s (%s to %s)    %s: %s", tPeriod.in(x.l), x.periodLabel(), period.FormatDate(p.First), period.FormatDate(p.Last),
			tGenerated.in(x.l), x.m.GeneratedAt.Format("2006-01-02 15:04"))
	}
	s.addWide(excelize.Cell{StyleID: x.st.subtitle, Value: sub}, 18)
}

// headerWrap is the display width from which a header label wraps onto two lines instead
// of widening its column.
const headerWrap = 12

func (x *xlsxWriter) header(s *sheet, labels ...text) int {
	cells := make([]any, len(labels))
	wrapped := false
	for i, l := range labels {
		v := l.in(x.l)
		cells[i] = excelize.Cell{StyleID: x.st.header, Value: v}
		w := textwidth.String(v)
		if w > headerWrap {
			wrapped = true
			w = (w + 1) / 2
			if w < headerWrap {
				w = headerWrap
			}
		}
		if i < s.cols && w > s.widths[i] {
			s.widths[i] = w
		}
	}
	s.rows = append(s.rows, cells)
	n := len(s.rows)
	if wrapped {
		s.heights[n] = 32
	}
	return n
}

// flush streams a sheet whose setup (page, charts) is done.
func (x *xlsxWriter) flush(s *sheet) error {
	if s.printRow > 0 {
		if err := x.f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(s.name), s.printRow, s.printRow), Scope: s.name,
		}); err != nil {
			return err
		}
	}
	sw, err := x.f.NewStreamWriter(s.name)
	if err != nil {
		return err
	}
	for i := 0; i < s.cols; i++ {
		w := s.fixed[i]
		if w == 0 {
			w = colWidth(s.widths[i])
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if s.freeze > 0 {
		top := cellName(1, s.freeze+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: s.freeze, TopLeftCell: top, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}}}); err != nil {
			return err
		}
	}
	for i, row := range s.rows {
		if row == nil {
			continue
		}
		var opts []excelize.RowOpts
		if h, ok := s.heights[i+1]; ok {
			opts = append(opts, excelize.RowOpts{Height: h})
		}
		if err := sw.SetRow(cellName(1, i+1), row, opts...); err != nil {
			return err
		}
	}
	for _, mg := range s.merges {
		if err := sw.MergeCell(mg[0], mg[1]); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// ---- cell helpers -------------------------------------------------------------------

func (x *xlsxWriter) txt(v string) excelize.Cell { return excelize.Cell{StyleID: x.st.text, Value: v} }
func (x *xlsxWriter) num(v int64) excelize.Cell  { return excelize.Cell{StyleID: x.st.int, Value: v} }

// val is a nullable figure in the style of its kind; nil is an empty bordered cell.
func (x *xlsxWriter) val(v *float64, style int) excelize.Cell {
	if v == nil {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: *v}
}

func (x *xlsxWriter) kindStyle(k Kind) int {
	switch k {
	case KindRatio:
		return x.st.pct
	case KindHours:
		return x.st.hours
	case KindDecimal:
		return x.st.dec
	case KindGrowth:
		return x.st.growth
	}
	return x.st.int
}

// countVal writes counts as integers so that they read back as ints.
func (x *xlsxWriter) kindVal(v *float64, k Kind) excelize.Cell {
	if v != nil && k == KindCount && *v == math.Trunc(*v) && math.Abs(*v) < 1e15 {
		return excelize.Cell{StyleID: x.st.int, Value: int64(*v)}
	}
	return x.val(v, x.kindStyle(k))
}

// excelDate is the Excel serial number of t's wall-clock date and time (1900 date system).
func excelDate(t time.Time) float64 {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	wall := time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	return wall.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
}

func (x *xlsxWriter) dateCell(t time.Time, style int) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: excelDate(t)}
}

// sumCell is a SUM formula over rows [from, to] of column col, carrying its computed value.
func sumCell(col, from, to int, value any, style int) excelize.Cell {
	c := colName(col)
	return excelize.Cell{StyleID: style, Formula: fmt.Sprintf("SUM(%s%d:%s%d)", c, from, c, to), Value: value}
}

// axisFont is the chart axis label font: dark enough to print.
var axisFont = excelize.Font{Color: "404040", Size: 9}

// ---- sheets ---------------------------------------------------------------------------

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
