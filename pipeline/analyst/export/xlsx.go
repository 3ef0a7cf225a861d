package export

import (
	"fmt"
	"io"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/reports/textwidth"
)

// XLSXMaxRows is the number of data rows per sheet: Excel's 1,048,576 rows less the header.
const XLSXMaxRows = 1048575

// xlsxSample is how many rows are buffered to measure column widths before streaming.
const xlsxSample = 1000

// maxExactInt is the largest integer a spreadsheet cell (an IEEE double) holds exactly;
// larger integers are written as text so no digit is lost.
const maxExactInt = 1<<53 - 1

// maxCellText is Excel's limit on the characters of a cell.
const maxCellText = 32767

// writeXLSX writes a workbook with excelize's StreamWriter: one sheet per 1,048,575 rows,
// a bold, filled, frozen header row, column widths measured on the first rows (a CJK
// character counts two), and typed cells: numbers as numbers (integers beyond 2^53 and
// decimals of more than 15 digits as text, so no digit is lost), DATE as a date, TIMESTAMP
// and TIMESTAMPTZ as date-times (TIMESTAMPTZ in the office timezone: a spreadsheet has no
// zones), TIME as a time, BOOLEAN as TRUE/FALSE, text as text (never a formula).
func writeXLSX(w io.Writer, cols []column, next func() ([]any, bool, error), o Options) error {
	f := excelize.NewFile(excelize.Options{TmpDir: o.TempDir})
	defer f.Close()
	x := &xlsxOut{f: f, cols: cols, loc: o.loc(), base: o.Sheet}
	if x.base == "" {
		x.base = "结果"
	}
	if err := x.styles(); err != nil {
		return err
	}
	// Buffer the first rows to measure the columns.
	var sample [][]any
	done := false
	for len(sample) < xlsxSample {
		vals, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			done = true
			break
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = x.cell(i, v)
		}
		sample = append(sample, row)
	}
	x.measure(sample)
	if err := x.newSheet(); err != nil {
		return err
	}
	for _, row := range sample {
		if err := x.add(row); err != nil {
			return err
		}
	}
	for !done {
		vals, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		row := make([]any, len(vals))
		for i, v := range vals {
			row[i] = x.cell(i, v)
		}
		if err := x.add(row); err != nil {
			return err
		}
	}
	if err := x.sw.Flush(); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err := f.WriteTo(w)
	return err
}

type xlsxOut struct {
	f      *excelize.File
	cols   []column
	loc    *time.Location
	base   string
	sw     *excelize.StreamWriter
	sheets int
	row    int // rows written on the current sheet, header included
	widths []float64
	st     struct{ header, date, datetime, time, integer, float, text int }
	dec    map[int]int // decimal scale -> style
	colSt  []int       // per column: style for its numbers/dates
}

func (x *xlsxOut) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	x.st.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	x.st.date = mk(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	x.st.datetime = mk(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm:ss")})
	x.st.time = mk(&excelize.Style{CustomNumFmt: ptr("hh:mm:ss")})
	x.st.integer = mk(&excelize.Style{NumFmt: 1}) // 0
	x.st.text = mk(&excelize.Style{NumFmt: 49})   // @
	x.dec = map[int]int{}
	x.colSt = make([]int, len(x.cols))
	for i, c := range x.cols {
		switch {
		case c.dbType == "DATE":
			x.colSt[i] = x.st.date
		case strings.HasPrefix(c.dbType, "TIMESTAMP"):
			x.colSt[i] = x.st.datetime
		case c.dbType == "TIME":
			x.colSt[i] = x.st.time
		case isIntType(c.dbType):
			x.colSt[i] = x.st.integer
		case decimalRE.MatchString(c.dbType):
			var p, s int
			fmt.Sscanf(c.dbType, "DECIMAL(%d,%d)", &p, &s)
			if _, ok := x.dec[s]; !ok {
				f := "0"
				if s > 0 {
					f += "." + strings.Repeat("0", s)
				}
				x.dec[s] = mk(&excelize.Style{CustomNumFmt: ptr(f)})
			}
			x.colSt[i] = x.dec[s]
		}
	}
	return err
}

func ptr[T any](v T) *T { return &v }

func isIntType(t string) bool {
	switch t {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT", "UHUGEINT":
		return true
	}
	return false
}

// serial is the Excel date serial of a wall-clock time (given as UTC fields), or false
// before 1900-03-01 (Excel's calendar is wrong before it).
func serial(t time.Time) (float64, bool) {
	if t.Year() < 1900 || t.Year() == 1900 && t.Month() < 3 || t.Year() > 9999 {
		return 0, false
	}
	// 1970-01-01 is Excel's day 25569 (day 0 being 1899-12-30 for dates after February 1900).
	return 25569 + (float64(t.Unix())+float64(t.Nanosecond())/1e9)/86400, true
}

// cell converts a scanned value into what the stream writer writes.
func (x *xlsxOut) cell(i int, v any) any {
	dbType := x.cols[i].dbType
	st := x.colSt[i]
	switch t := v.(type) {
	case nil:
		return nil
	case bool:
		return t
	case int8, int16, int32, uint8, uint16, uint32:
		return excelize.Cell{StyleID: st, Value: t}
	case int64:
		if t > maxExactInt || t < -maxExactInt {
			return excelize.Cell{StyleID: x.st.text, Value: fmt.Sprint(t)}
		}
		return excelize.Cell{StyleID: st, Value: t}
	case uint64:
		if t > maxExactInt {
			return excelize.Cell{StyleID: x.st.text, Value: fmt.Sprint(t)}
		}
		return excelize.Cell{StyleID: st, Value: t}
	case *big.Int:
		if t.IsInt64() && math.Abs(float64(t.Int64())) <= maxExactInt {
			return excelize.Cell{StyleID: st, Value: t.Int64()}
		}
		return excelize.Cell{StyleID: x.st.text, Value: t.String()}
	case float32:
		return floatCell(float64(t), st)
	case float64:
		return floatCell(t, st)
	case duckdb.Decimal:
		if t.Value == nil {
			return nil
		}
		s := decimalString(t)
		if len(strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(s), "0")) > 15 {
			return excelize.Cell{StyleID: x.st.text, Value: s}
		}
		f, _ := new(big.Float).SetInt(t.Value).Float64()
		return excelize.Cell{StyleID: st, Value: f / math.Pow10(int(t.Scale))}
	case time.Time:
		wall := t
		switch dbType {
		case "TIME":
			secs := float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond())/1e9
			return excelize.Cell{StyleID: st, Value: secs / 86400}
		case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
			l := t.In(x.loc)
			wall = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
		}
		if d, ok := serial(wall); ok && st != 0 {
			return excelize.Cell{StyleID: st, Value: d}
		}
		return textCell(timeString(t, dbType, x.loc))
	case string:
		return textCell(t)
	}
	return textCell(cellText(v, dbType, x.loc))
}

func floatCell(f float64, st int) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return excelize.Cell{StyleID: st, Value: f}
}

// textCell keeps text within Excel's cell limit (the rest is cut, marked with …).
func textCell(s string) any {
	if len(s) > maxCellText {
		r := []rune(s)
		if len(r) > maxCellText {
			s = string(r[:maxCellText-1]) + "…"
		}
	}
	return s
}

// measure sets column widths from the header and the sampled rows.
func (x *xlsxOut) measure(sample [][]any) {
	w := make([]int, len(x.cols))
	for i, c := range x.cols {
		w[i] = textwidth.String(c.name) + 2 // bold header, filter room
	}
	for _, row := range sample {
		for i, v := range row {
			w[i] = max(w[i], cellDisplayWidth(v, x.colSt[i], x))
		}
	}
	x.widths = make([]float64, len(w))
	for i, n := range w {
		x.widths[i] = math.Max(8, math.Min(float64(n)*1.1+2, 60))
	}
}

func cellDisplayWidth(v any, st int, x *xlsxOut) int {
	if c, ok := v.(excelize.Cell); ok {
		v = c.Value
	}
	switch t := v.(type) {
	case string:
		w := 0
		for _, line := range strings.Split(t, "\n") {
			w = max(w, textwidth.String(line))
		}
		return w
	case float64:
		switch st {
		case x.st.date:
			return 10
		case x.st.datetime:
			return 19
		case x.st.time:
			return 8
		}
		return len(fmt.Sprint(t))
	case bool:
		return 5
	case nil:
		return 0
	}
	return len(fmt.Sprint(v))
}

// newSheet starts the next sheet: name, widths, frozen styled header.
func (x *xlsxOut) newSheet() error {
	if x.sw != nil {
		if err := x.sw.Flush(); err != nil {
			return err
		}
	}
	x.sheets++
	name := x.base
	if x.sheets > 1 {
		name = fmt.Sprintf("%s (%d)", x.base, x.sheets)
	}
	if x.sheets == 1 {
		if err := x.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := x.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	x.sw = sw
	for i, wd := range x.widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	hdr := make([]any, len(x.cols))
	for i, c := range x.cols {
		hdr[i] = excelize.Cell{StyleID: x.st.header, Value: textCell(c.name)}
	}
	if err := sw.SetRow("A1", hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	x.row = 1
	return nil
}

func (x *xlsxOut) add(row []any) error {
	if x.row > XLSXMaxRows {
		if err := x.newSheet(); err != nil {
			return err
		}
	}
	x.row++
	cell, _ := excelize.CoordinatesToCellName(1, x.row)
	return x.sw.SetRow(cell, row)
}
