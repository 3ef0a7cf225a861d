// Package export writes query results for analysts (SPEC §9): a terminal table, CSV for
// Excel (UTF-8 BOM, formula-looking text neutralised), TSV (neutralised too), JSON (an array
// of objects keyed by column name, numbers as JSON numbers), NDJSON, XLSX (typed cells,
// styled frozen header, CJK-aware widths, split over sheets past Excel's row limit), Arrow
// IPC (file format) and Parquet (arrow-go's writer, for results DuckDB cannot COPY itself:
// see the analyst package).
//
// Every format streams: memory stays bounded however many rows (the table format keeps the
// first 1,000 rows it shows). TIMESTAMPTZ values are shown in the office timezone
// (2022-10-31 23:59:59+08:00) in the text formats and as local date-times in XLSX; Arrow
// and Parquet keep the instant with the zone in the type.
package export

import (
	"database/sql"
	"io"
	"strings"
	"time"
)

// Format is an output format.
type Format string

const (
	Table   Format = "table"
	CSV     Format = "csv"
	TSV     Format = "tsv"
	JSON    Format = "json"
	NDJSON  Format = "ndjson"
	XLSX    Format = "xlsx"
	Parquet Format = "parquet"
	Arrow   Format = "arrow"
)

// Formats lists the supported formats.
func Formats() []string {
	return []string{"table", "csv", "tsv", "json", "ndjson", "xlsx", "parquet", "arrow"}
}

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats() {
		if strings.EqualFold(s, f) {
			return Format(f), true
		}
	}
	return "", false
}

// Binary reports whether the format is a binary file (not for a terminal).
func (f Format) Binary() bool { return f == XLSX || f == Parquet || f == Arrow }

// Options tune the writers.
type Options struct {
	// Location is the office timezone: TIMESTAMPTZ values are shown in it (default UTC).
	Location *time.Location
	// Sheet is the XLSX sheet name ("结果" when empty); more sheets get " (2)", " (3)"….
	Sheet string
	// TempDir holds the XLSX writer's temporary files ("" = the system's).
	TempDir string
	// MaxTableRows bounds the rows a table shows (default 1,000); the rest are counted.
	MaxTableRows int
}

func (o Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// column describes a result column.
type column struct {
	name   string
	dbType string
}

// Write writes all rows in format f and returns how many it wrote.
func Write(w io.Writer, rows *sql.Rows, f Format, o Options) (int64, error) {
	cts, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	cols := make([]column, len(cts))
	for i, ct := range cts {
		cols[i] = column{name: ct.Name(), dbType: strings.ToUpper(ct.DatabaseTypeName())}
	}
	var n int64
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	next := func() ([]any, bool, error) {
		if !rows.Next() {
			return nil, false, rows.Err()
		}
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, false, err
		}
		n++
		return vals, true, nil
	}
	switch f {
	case XLSX:
		err = writeXLSX(w, cols, next, o)
	case Arrow:
		return writeArrow(w, rows, cols, o)
	case Parquet:
		return writeParquet(w, rows, cols, o)
	default:
		err = writeText(w, cols, next, f, o)
	}
	return n, err
}
