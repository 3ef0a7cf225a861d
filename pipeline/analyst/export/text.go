package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/reports/textwidth"
)

// writeText writes the text formats through one buffer.
func writeText(w io.Writer, cols []column, next func() ([]any, bool, error), f Format, o Options) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var err error
	switch f {
	case JSON, NDJSON:
		err = writeJSON(bw, cols, next, f == NDJSON, o.loc())
	case CSV, TSV:
		err = writeCSV(bw, cols, next, f == TSV, o.loc())
	default:
		err = writeTable(bw, cols, next, o)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// jsonValue converts a scanned value for JSON: numbers stay numbers, dates and times are
// text as in CSV (TIMESTAMPTZ in the office timezone), NaN/Inf become null.
func jsonValue(v any, dbType string, loc *time.Location) any {
	switch x := v.(type) {
	case nil:
		return nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil
		}
		return x
	case *big.Int:
		return json.Number(x.String())
	case duckdb.Decimal:
		return json.Number(decimalString(x))
	case time.Time:
		return timeString(x, dbType, loc)
	case []byte:
		return string(x)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d µs", x.Months, x.Days, x.Micros)
	case map[any]any:
		m := map[string]any{}
		for k, val := range x {
			m[fmt.Sprint(k)] = jsonValue(val, "", loc)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = jsonValue(val, "", loc)
		}
		return out
	case map[string]any:
		m := map[string]any{}
		for k, val := range x {
			m[k] = jsonValue(val, "", loc)
		}
		return m
	}
	return v
}

func decimalString(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	s := d.Value.String()
	if d.Scale == 0 {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for len(s) <= int(d.Scale) {
		s = "0" + s
	}
	s = s[:len(s)-int(d.Scale)] + "." + s[len(s)-int(d.Scale):]
	if neg {
		s = "-" + s
	}
	return s
}

// timeString is DuckDB's text for a date or time, except that a TIMESTAMPTZ is shown in the
// office timezone with a full offset: 2022-10-31 23:59:59+08:00.
func timeString(t time.Time, dbType string, loc *time.Location) string {
	switch dbType {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME":
		return t.Format("15:04:05.999999")
	case "TIMETZ":
		return t.Format("15:04:05.999999-07:00")
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS":
		return t.Format("2006-01-02 15:04:05.999999")
	case "TIMESTAMP_NS":
		return t.Format("2006-01-02 15:04:05.999999999")
	}
	return t.In(loc).Format("2006-01-02 15:04:05.999999-07:00")
}

// text renders a value for CSV and tables.
func text(v any, dbType string, loc *time.Location) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return timeString(x, dbType, loc)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case duckdb.Decimal:
		return decimalString(x)
	case bool:
		return strconv.FormatBool(x)
	case map[any]any, []any, map[string]any:
		b, _ := json.Marshal(jsonValue(x, "", loc))
		return string(b)
	}
	return fmt.Sprint(v)
}

func writeJSON(w *bufio.Writer, cols []column, next func() ([]any, bool, error), nd bool, loc *time.Location) error {
	keys := make([][]byte, len(cols))
	for i, c := range cols {
		keys[i], _ = json.Marshal(c.name)
	}
	first := true
	if !nd {
		w.WriteString("[")
	}
	for {
		vals, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if !nd {
			if !first {
				w.WriteString(",")
			}
			w.WriteString("\n  ")
		}
		first = false
		w.WriteByte('{')
		for i, v := range vals {
			if i > 0 {
				w.WriteByte(',')
			}
			w.Write(keys[i])
			w.WriteByte(':')
			b, err := json.Marshal(jsonValue(v, cols[i].dbType, loc))
			if err != nil {
				return err
			}
			w.Write(b)
		}
		w.WriteByte('}')
		if nd {
			w.WriteByte('\n')
		}
	}
	if !nd {
		if !first {
			w.WriteString("\n")
		}
		w.WriteString("]\n")
	}
	return nil
}

// neutralise prefixes text that a spreadsheet would run as a formula with an apostrophe
// (CSV and TSV alike: Excel and LibreOffice open both).
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(w *bufio.Writer, cols []column, next func() ([]any, bool, error), tsv bool, loc *time.Location) error {
	cw := csv.NewWriter(w)
	if tsv {
		cw.Comma = '\t'
	} else {
		w.WriteString("\ufeff") // Excel reads UTF-8 only with the BOM
		cw.UseCRLF = true
	}
	hdr := make([]string, len(cols))
	for i, c := range cols {
		hdr[i] = neutralise(c.name)
	}
	if err := cw.Write(hdr); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for {
		vals, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		for i, v := range vals {
			s := text(v, cols[i].dbType, loc)
			if _, isText := v.(string); isText {
				s = neutralise(s)
			}
			rec[i] = s
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeTable writes a table for a terminal: every cell and name through textwidth.Safe
// (control characters from data are shown as escapes, never sent to the terminal), cells
// cut at 60 columns, numbers right-aligned.
func writeTable(w *bufio.Writer, cols []column, next func() ([]any, bool, error), o Options) error {
	maxTableRows := o.MaxTableRows
	if maxTableRows <= 0 {
		maxTableRows = 1000
	}
	var rows [][]string
	right := make([]bool, len(cols))
	more := 0
	for {
		vals, ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if len(rows) >= maxTableRows {
			more++
			continue
		}
		r := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				r[i] = "NULL"
				continue
			}
			r[i] = textwidth.Truncate(textwidth.Safe(text(v, cols[i].dbType, o.loc())), 60)
			switch v.(type) {
			case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, *big.Int, duckdb.Decimal:
				right[i] = true
			}
		}
		rows = append(rows, r)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = textwidth.Safe(c.name)
	}
	widths := make([]int, len(cols))
	for i, n := range names {
		widths[i] = textwidth.String(n)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], textwidth.String(c))
		}
	}
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				w.WriteString(" │ ")
			}
			if right[i] {
				w.WriteString(textwidth.PadLeft(c, widths[i]))
			} else {
				w.WriteString(textwidth.PadRight(c, widths[i]))
			}
		}
		w.WriteString("\n")
	}
	line(names)
	for i := range cols {
		if i > 0 {
			w.WriteString("─┼─")
		}
		w.WriteString(strings.Repeat("─", widths[i]))
	}
	w.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	fmt.Fprintf(w, "(%d row%s", len(rows)+more, plural(len(rows)+more))
	if more > 0 {
		fmt.Fprintf(w, "; first %d shown — use --format csv -o FILE for all", maxTableRows)
	}
	w.WriteString(")\n")
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
