package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
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

// cellFont is the font of every cell: 等线 (DengXian, Excel's and WPS's default for Chinese
// since Office 2016). Its charset (134, GB2312) makes an Excel or WPS without 等线 substitute
// a Chinese font (宋体) rather than a Latin one, and LibreOffice substitutes through
// fontconfig; every style names it, so no cell falls back to a serif default.
const cellFont = "等线"

const fontSize = 10.5

type styleSet struct {
	title, subtitle, header, note, blockT int
	text, wrap, code                      int
	plain, date, month, datetime          int
	kvDate, kvDatetime, kvCount           int // left-aligned values of a label–value list
	totText                               int
	val, tot                              map[figures.Unit]int // numbers by unit, in body and totals rows
}

type styleDef struct {
	id *int
	s  excelize.Style
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
	charset := 134
	font := func(bold bool, size float64, color string) *excelize.Font {
		return &excelize.Font{Family: cellFont, Charset: &charset, Bold: bold, Size: size, Color: color}
	}
	mid := func(h string, wrap bool) *excelize.Alignment {
		return &excelize.Alignment{Horizontal: h, Vertical: "center", WrapText: wrap}
	}
	fmtp := func(s string) *string { return &s }
	fl := figures.LangOf(string(x.l))
	totFill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	defs := []styleDef{
		{&x.st.title, excelize.Style{Font: font(true, 14, ""), Alignment: mid("left", false)}},
		{&x.st.subtitle, excelize.Style{Font: font(false, 9, "595959"), Alignment: mid("left", true)}},
		{&x.st.header, excelize.Style{Font: font(true, fontSize, ""), Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}, Alignment: mid("center", true)}},
		{&x.st.note, excelize.Style{Font: font(false, 9, "595959"), Alignment: mid("left", true)}},
		{&x.st.blockT, excelize.Style{Font: font(true, 11, ""), Alignment: mid("left", false)}},
		{&x.st.text, excelize.Style{Font: font(false, fontSize, ""), Border: border, Alignment: mid("left", false)}},
		{&x.st.wrap, excelize.Style{Font: font(false, fontSize, ""), Border: border, Alignment: mid("left", true)}},
		{&x.st.code, excelize.Style{Font: font(false, 9, "595959"), Border: border, Alignment: mid("left", false)}},
		{&x.st.plain, excelize.Style{Font: font(false, fontSize, ""), Border: border, NumFmt: 1, Alignment: mid("center", false)}},
		{&x.st.date, excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp("yyyy-mm-dd"), Alignment: mid("center", false)}},
		{&x.st.month, excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp("yyyy-mm"), Alignment: mid("center", false)}},
		{&x.st.datetime, excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp("yyyy-mm-dd hh:mm"), Alignment: mid("center", false)}},
		{&x.st.kvDate, excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp("yyyy-mm-dd"), Alignment: mid("left", false)}},
		{&x.st.kvDatetime, excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp("yyyy-mm-dd hh:mm"), Alignment: mid("left", false)}},
		{&x.st.kvCount, excelize.Style{Font: font(false, fontSize, ""), Border: border, NumFmt: 3, Alignment: mid("left", false)}},
		{&x.st.totText, excelize.Style{Font: font(true, fontSize, ""), Border: totBorder, Fill: totFill, Alignment: mid("left", false)}},
	}
	units := []figures.Unit{figures.Count, figures.Ratio, figures.Growth, figures.Points, figures.Hours, figures.Mean}
	vals, tots := make([]int, len(units)), make([]int, len(units))
	for i, u := range units {
		nf := figures.XLSXFormat(u, fl)
		defs = append(defs,
			styleDef{&vals[i], excelize.Style{Font: font(false, fontSize, ""), Border: border, CustomNumFmt: fmtp(nf), Alignment: mid("right", false)}},
			styleDef{&tots[i], excelize.Style{Font: font(true, fontSize, ""), Border: totBorder, Fill: totFill, CustomNumFmt: fmtp(nf), Alignment: mid("right", false)}})
	}
	for _, d := range defs {
		s := d.s
		id, err := x.f.NewStyle(&s)
		if err != nil {
			return err
		}
		*d.id = id
	}
	x.st.val, x.st.tot = map[figures.Unit]int{}, map[figures.Unit]int{}
	for i, u := range units {
		x.st.val[u], x.st.tot[u] = vals[i], tots[i]
	}
	return x.f.SetDefaultFont(cellFont)
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

// span merges columns from..to (1-based) of row into one cell (its value is the first's).
func (s *sheet) span(row, from, to int) {
	if to > from {
		s.merges = append(s.merges, [2]string{cellName(from, row), cellName(to, row)})
	}
}

// addWide appends a row whose first cell spans every column (titles, notes): not measured.
// Its text is broken into lines that fit the span, and the row is as tall as they need.
func (s *sheet) addWide(c excelize.Cell, height float64) int {
	s.rows = append(s.rows, []any{c})
	n := len(s.rows)
	span := s.cols
	if s.wideCols > span {
		span = s.wideCols
	}
	s.span(n, 1, span)
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
		return len(figures.Thousands(v))
	case int:
		return len(figures.Thousands(int64(v)))
	case float64:
		return 10
	case time.Time:
		return 16
	}
	return 0
}

// colWidth converts a display width into an Excel column width: CJK characters count two,
// plus padding for the filter arrow and borders; long text wraps at 60.
func colWidth(w int) float64 {
	cw := float64(w)*1.1 + 3
	return math.Max(8, math.Min(cw, 60))
}

// width is column i's width in the sheet (fixed or measured).
func (s *sheet) width(i int) float64 {
	if s.fixed[i] > 0 {
		return s.fixed[i]
	}
	return colWidth(s.widths[i])
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

func (x *xlsxWriter) labelOf(p period.Period) string {
	if x.l == LangEN {
		return p.EnLabel()
	}
	return p.ZhLabel()
}

// periodText is "2022年10月（2022-10-01 至 2022-10-31）" / "October 2022 (2022-10-01 to 2022-10-31)".
func (x *xlsxWriter) periodText(p period.Period) string {
	if x.l == LangEN {
		return fmt.Sprintf("%s (%s to %s)", p.EnLabel(), period.FormatDate(p.First), period.FormatDate(p.Last))
	}
	return fmt.Sprintf("%s（%s 至 %s）", p.ZhLabel(), period.FormatDate(p.First), period.FormatDate(p.Last))
}

// comparisonText says which dates the 上年同期 and 上期 columns cover.
func (x *xlsxWriter) comparisonText() string {
	sep, colon := "　", "："
	if x.l == LangEN {
		sep, colon = "    ", ": "
	}
	text := tLastYear.in(x.l) + colon + x.periodText(x.m.SamePeriodLastYear())
	if prev, ok := x.m.PreviousPeriod(); ok {
		text += sep + tPrevious.in(x.l) + colon + x.periodText(prev)
	} else {
		text += sep + tPrevious.in(x.l) + colon + tNoPrevious.in(x.l)
	}
	return text
}

// titleRows adds the two title rows every sheet starts with: the title, and the period (with
// the comparison periods when the sheet compares) and the generation time.
func (x *xlsxWriter) titleRows(s *sheet, what text, compares bool) {
	title := x.m.Office + " " + tReportTitle.in(x.l) + " · " + what.in(x.l)
	if x.m.Office == "" {
		title = tReportTitle.in(x.l) + " · " + what.in(x.l)
	}
	s.addWide(excelize.Cell{StyleID: x.st.title, Value: title}, 24)
	sep, colon := "　", "："
	if x.l == LangEN {
		sep, colon = "    ", ": "
	}
	sub := tPeriod.in(x.l) + colon + x.periodText(x.m.Period)
	if compares {
		sub += sep + x.comparisonText()
	}
	sub += sep + tGenerated.in(x.l) + colon + x.m.GeneratedAt.Format("2006-01-02 15:04")
	s.addWide(excelize.Cell{StyleID: x.st.subtitle, Value: sub}, 0)
	s.heights[len(s.rows)] = -1 // sized when the column widths are known (flush)
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
		s.heights[n] = -1
	}
	return n
}

// lineHeight is the height in points of one line of 10.5pt text, with the cell's padding.
const lineHeight = 14.5

// flush streams a sheet whose setup (page, charts) is done. Text cells in the wrap, header,
// note and subtitle styles are broken into lines that fit their column (or merged span) by
// the rules of Chinese typesetting (wrapLines), and rows are made as tall as their lines:
// readers such as LibreOffice do not grow streamed rows themselves.
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
		if err := sw.SetColWidth(i+1, i+1, s.width(i)); err != nil {
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
	spans := s.spanWidths()
	for i, row := range s.rows {
		if row == nil {
			continue
		}
		lines := x.breakRow(s, i+1, row, spans)
		var opts []excelize.RowOpts
		if h, ok := s.heights[i+1]; ok && h > 0 {
			opts = append(opts, excelize.RowOpts{Height: max(h, lineHeight*float64(lines)+4)})
		} else if lines > 1 || ok {
			opts = append(opts, excelize.RowOpts{Height: lineHeight*float64(lines) + 4})
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

// spanWidths maps the first cell of each merged range to the width of the whole range.
func (s *sheet) spanWidths() map[string]float64 {
	out := map[string]float64{}
	for _, mg := range s.merges {
		c1, r1, _ := excelize.CellNameToCoordinates(mg[0])
		c2, _, _ := excelize.CellNameToCoordinates(mg[1])
		w := 0.0
		for c := c1; c <= c2; c++ {
			if c-1 < s.cols {
				w += s.width(c - 1)
			} else {
				w += 9 // an unused column keeps Excel's default width (8.43 + padding)
			}
		}
		out[cellName(c1, r1)] = w
	}
	return out
}

// breakRow breaks the text of the row's wrapping cells into lines that fit their width and
// returns the number of lines of the tallest cell.
func (x *xlsxWriter) breakRow(s *sheet, rowNum int, row []any, spans map[string]float64) int {
	lines := 1
	for i, c := range row {
		cell, ok := c.(excelize.Cell)
		if !ok {
			continue
		}
		text, ok := cell.Value.(string)
		if !ok || !(cell.StyleID == x.st.wrap || cell.StyleID == x.st.header || cell.StyleID == x.st.note || cell.StyleID == x.st.subtitle) {
			continue
		}
		w, spanned := spans[cellName(i+1, rowNum)]
		if !spanned {
			if i >= s.cols {
				continue
			}
			w = s.width(i)
		}
		usable := w - 2 // the cell's padding
		if cell.StyleID == x.st.note || cell.StyleID == x.st.subtitle {
			usable = usable * fontSize / 9 // smaller type: more characters per line
		}
		parts := wrapLines(text, usable)
		if cell.StyleID == x.st.header && len(parts) > 1 {
			parts = balancedLines(text, usable, len(parts))
		}
		cell.Value = strings.Join(parts, "\n")
		row[i] = cell
		lines = max(lines, len(parts))
	}
	return lines
}

// balancedLines breaks text into n lines of about equal width (a header of two lines reads
// "承诺时限内 / 办结率", not "承诺时限内办结 / 率").
func balancedLines(text string, max float64, n int) []string {
	for w := math.Ceil(tokenWidth(text) / float64(n)); w < max; w++ {
		if lines := wrapLines(text, w); len(lines) <= n {
			return lines
		}
	}
	return wrapLines(text, max)
}

func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }

// ---- cell helpers -------------------------------------------------------------------

func (x *xlsxWriter) txt(v string) excelize.Cell { return excelize.Cell{StyleID: x.st.text, Value: v} }
func (x *xlsxWriter) num(v int64) excelize.Cell {
	return excelize.Cell{StyleID: x.st.val[figures.Count], Value: v}
}

// val is a nullable figure in a style; nil is an empty bordered cell.
func (x *xlsxWriter) val(v *float64, style int) excelize.Cell {
	if v == nil {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: *v}
}

// kindVal is a figure in the style of its unit; counts are written as integers so that they
// read back as ints.
func (x *xlsxWriter) kindVal(v *float64, k Kind) excelize.Cell {
	switch {
	case v != nil && k == KindCount && *v == math.Trunc(*v) && math.Abs(*v) < 1e15:
		return excelize.Cell{StyleID: x.st.val[figures.Count], Value: int64(*v)}
	case k == KindGrowth: // signed: stored at the precision it shows, never "-0.0%"
		return x.cmpVal(v, figures.Growth, x.st.val[k])
	}
	return x.val(v, x.st.val[k])
}

// cmpVal is a comparison or growth figure (a signed number) stored at the precision it shows
// (figures.Round): Excel never shows "-0.0%" or "-0.0个百分点" for a change that rounds to 0.
func (x *xlsxWriter) cmpVal(v *float64, u figures.Unit, style int) excelize.Cell {
	if v == nil {
		return excelize.Cell{StyleID: style}
	}
	return excelize.Cell{StyleID: style, Value: figures.Round(u, *v)}
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
var axisFont = excelize.Font{Family: cellFont, Color: "404040", Size: 9}
