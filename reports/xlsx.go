package reports

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/kpi"
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
		return len(kpi.Thousands(v))
	case int:
		return len(kpi.Thousands(int64(v)))
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
		} else if h := x.wrappedHeight(s, row); h > 0 {
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

// wrappedHeight is the row height that shows every line of the row's wrapped text cells
// (0 when one line fits): readers such as LibreOffice do not grow streamed rows themselves,
// so wrapped text would overlap the next row.
func (x *xlsxWriter) wrappedHeight(s *sheet, row []any) float64 {
	const lineHeight = 15.0
	lines := 1
	for i, c := range row {
		cell, ok := c.(excelize.Cell)
		if !ok || cell.StyleID != x.st.wrap || i >= s.cols {
			continue
		}
		text, ok := cell.Value.(string)
		if !ok {
			continue
		}
		w := s.fixed[i]
		if w == 0 {
			w = colWidth(s.widths[i])
		}
		usable := w - 1 // a column of width w holds about w digits of the default font
		if usable < 1 {
			continue
		}
		n := 0
		for _, part := range strings.Split(text, "\n") {
			n += max(1, int(math.Ceil(cjkWidth(part)/usable)))
		}
		lines = max(lines, n)
	}
	if lines <= 1 {
		return 0
	}
	return lineHeight * float64(lines)
}

// cjkWidth estimates text width in digit widths: a CJK character is about 1.8 digits wide in
// the fonts Excel and WPS use for Chinese (等线, 宋体), a little narrower in LibreOffice.
func cjkWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch textwidth.Rune(r) {
		case 2:
			w += 1.8
		case 1:
			w++
		}
	}
	return w
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
