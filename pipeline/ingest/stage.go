package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/source"
)

// appender is the part of *duckdb.Appender staging uses.
type appender interface {
	AppendRow(args ...driver.Value) error
}

// withAppender runs fn with a DuckDB appender on a temp table of conn, and closes (flushes) it.
func withAppender(ctx context.Context, conn *sql.Conn, table string, fn func(appender) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("appender: unexpected driver connection %T", dc)
		}
		app, err := duckdb.NewAppender(c, "temp", "main", table)
		if err != nil {
			return fmt.Errorf("appender %s: %w", table, err)
		}
		ferr := fn(app)
		if ferr != nil {
			_ = app.Clear()
		}
		cerr := app.CloseWithCancel(ctx)
		if ferr != nil {
			return ferr
		}
		return cerr
	})
}

// stageReader streams a source.Reader's rows into the temp table stg_raw (line, c0..cN).
func stageReader(ctx context.Context, conn *sql.Conn, r source.Reader, k int) (int64, error) {
	ncols := len(r.Header())
	var cols strings.Builder
	cols.WriteString("line BIGINT")
	for i := 0; i < ncols; i++ {
		fmt.Fprintf(&cols, ", c%d VARCHAR", i)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("DROP VIEW IF EXISTS stg_raw_%d; CREATE OR REPLACE TEMP TABLE stg_raw_%d (%s)", k, k, cols.String())); err != nil {
		return 0, err
	}
	var n int64
	vals := make([]driver.Value, ncols+1)
	err := withAppender(ctx, conn, fmt.Sprintf("stg_raw_%d", k), func(app appender) error {
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			vals[0] = row.Line
			for i := 0; i < ncols; i++ {
				if i < len(row.Fields) && row.Fields[i] != "" {
					vals[i+1] = row.Fields[i]
				} else {
					vals[i+1] = nil
				}
			}
			if err := app.AppendRow(vals...); err != nil {
				return err
			}
			n++
			if n%65536 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
	})
	return n, err
}

// stageParquet loads a Parquet file into stg_raw, every column as text; line is the
// 1-based row number in the file.
func stageParquet(ctx context.Context, conn *sql.Conn, path string, k int) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet("+sqlString(path)+"))")
	if err != nil {
		return nil, &source.Error{Path: path, Msg: "not a readable Parquet file: " + duckMsg(err)}
	}
	var header []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		header = append(header, name)
	}
	rows.Close()
	var sel strings.Builder
	sel.WriteString("file_row_number + 1 AS line")
	for i, h := range header {
		fmt.Fprintf(&sel, ", CAST(%s AS VARCHAR) AS c%d", sqlIdent(h), i)
	}
	q := fmt.Sprintf("DROP VIEW IF EXISTS stg_raw_%d; CREATE OR REPLACE TEMP TABLE stg_raw_%d AS SELECT ", k, k) + sel.String() +
		" FROM read_parquet(" + sqlString(path) + ", file_row_number = true)"
	if _, err := conn.ExecContext(ctx, q); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &source.Error{Path: path, Msg: "not a readable Parquet file: " + duckMsg(err)}
	}
	return header, nil
}

// duckMsg is the first line of a DuckDB error's message.
func duckMsg(err error) string {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return strings.SplitN(de.Msg, "\n", 2)[0]
	}
	return err.Error()
}

// createFieldsView maps stg_raw's columns onto the §4.1 fields (temp view stg_fields):
// line, one text column per field (NULL where the file has none), extra (the other
// columns as a JSON object, NULL when there are none) and raw (the whole row as JSON).
func createFieldsView(ctx context.Context, conn *sql.Conn, m *Mapping, k int) error {
	keys := uniqueKeys(m.Header)
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE OR REPLACE TEMP VIEW stg_fields_%d AS SELECT line", k)
	for _, f := range config.CaseFields() {
		if i, ok := m.Field[f]; ok {
			fmt.Fprintf(&b, ", c%d AS %s", i, f)
		} else {
			fmt.Fprintf(&b, ", NULL::VARCHAR AS %s", f)
		}
	}
	if len(m.Extra) == 0 {
		b.WriteString(", NULL::JSON AS extra")
	} else {
		b.WriteString(", json_object(")
		for j, i := range m.Extra {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s, c%d", sqlString(keys[i]), i)
		}
		b.WriteString(") AS extra")
	}
	b.WriteString(", json_object(")
	for i := range m.Header {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s, c%d", sqlString(keys[i]), i)
	}
	if len(m.Header) == 0 {
		b.WriteString("'line', line")
	}
	fmt.Fprintf(&b, ") AS raw FROM stg_raw_%d", k)
	_, err := conn.ExecContext(ctx, b.String())
	return err
}

// uniqueKeys makes header names usable as JSON keys: empty names become column_N and
// repeated names get " (2)", " (3)"….
func uniqueKeys(header []string) []string {
	out := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		k := strings.TrimSpace(h)
		if k == "" {
			k = "column_" + strconv.Itoa(i+1)
		}
		seen[k]++
		if seen[k] > 1 {
			k = k + " (" + strconv.Itoa(seen[k]) + ")"
		}
		out[i] = k
	}
	return out
}
