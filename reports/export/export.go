// Package export writes query results for analysts: a terminal table, CSV for Excel (UTF-8
// BOM, formula-looking text neutralised), TSV, JSON (an array of objects keyed by column
// name, numbers as JSON numbers) and NDJSON.
package export

import (
	"bufio"
	"database/sql"
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

// Format is an output format.
type Format string

const (
	Table  Format = "table"
	CSV    Format = "csv"
	TSV    Format = "tsv"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
)

// Formats lists the supported formats.
func Formats() []string { return []string{"table", "csv", "tsv", "json", "ndjson"} }

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats() {
		if strings.EqualFold(s, f) {
			return Format(f), true
		}
	}
	return "", false
}

// column describes a result column.
type column struct {
	name   string
	dbType string
}

// Write writes all rows in format f.
func Write(w io.Writer, rows *sql.Rows, f Format) error {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]column, len(cts))
	for i, ct := range cts {
		cols[i] = column{name: ct.Name(), dbType: strings.ToUpper(ct.DatabaseTypeName())}
	}
	next := func() ([]any, bool, error) {
		if !rows.Next() {
			return nil, false, rows.Err()
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, false, err
		}
		return vals, true, nil
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	switch f {
	case JSON, NDJSON:
		err = writeJSON(bw, cols, next, f == NDJSON)
	case CSV, TSV:
		err = writeCSV(bw, cols, next, f == TSV)
	default:
		err = writeTable(bw, cols, next)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// jsonValue converts a scanned value for JSON: numbers stay numbers, times are RFC 3339
// (dates YYYY-MM-DD), NaN/Inf become null.
func jsonValue(v any, dbType string) any {
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
		return timeString(x, dbType)
	case []byte:
		return string(x)
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d µs", x.Months, x.Days, x.Micros)
	case map[any]any:
		m := map[string]any{}
		for k, val := range x {
			m[fmt.Sprint(k)] = jsonValue(val, "")
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = jsonValue(val, "")
		}
		return out
	case map[string]any:
		m := map[string]any{}
		for k, val := range x {
			m[k] = jsonValue(val, "")
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

func timeString(t time.Time, dbType string) string {
	switch dbType {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME":
		return t.Format("15:04:05.999999")
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return t.Format("2006-01-02T15:04:05.999999")
	}
	return t.Format(time.RFC3339Nano)
}

// text renders a value for CSV and tables.
func text(v any, dbType string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		if dbType == "TIMESTAMPTZ" || dbType == "TIMESTAMP WITH TIME ZONE" {
			return x.Format("2006-01-02 15:04:05.999999-07:00")
		}
		return strings.Replace(timeString(x, dbType), "T", " ", 1)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case duckdb.Decimal:
		return decimalString(x)
	case bool:
		return strconv.FormatBool(x)
	case map[any]any, []any, map[string]any:
		b, _ := json.Marshal(jsonValue(x, ""))
		return string(b)
	}
	return fmt.Sprint(v)
}

func writeJSON(w *bufio.Writer, cols []column, next func() ([]any, bool, error), nd bool) error {
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
			b, err := json.Marshal(jsonValue(v, cols[i].dbType))
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

// neutralise prefixes text that a spreadsheet would run as a formula with an apostrophe.
func neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(w *bufio.Writer, cols []column, next func() ([]any, bool, error), tsv bool) error {
	cw := csv.NewWriter(w)
	if tsv {
		cw.Comma = '\t'
	} else {
		w.WriteString("\ufeff") // Excel reads UTF-8 only with the BOM
		cw.UseCRLF = true
	}
	hdr := make([]string, len(cols))
	for i, c := range cols {
		hdr[i] = c.name
		if !tsv {
			hdr[i] = neutralise(hdr[i])
		}
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
			s := text(v, cols[i].dbType)
			if _, isText := v.(string); isText && !tsv {
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

// maxTableRows bounds what a terminal table shows.
const maxTableRows = 1000

func writeTable(w *bufio.Writer, cols []column, next func() ([]any, bool, error)) error {
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
			r[i] = textwidth.Truncate(strings.ReplaceAll(text(v, cols[i].dbType), "\n", "⏎"), 60)
			switch v.(type) {
			case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, *big.Int, duckdb.Decimal:
				right[i] = true
			}
		}
		rows = append(rows, r)
	}
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = textwidth.String(c.name)
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
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
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
