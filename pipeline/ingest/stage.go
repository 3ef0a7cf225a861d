package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

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

// stageReader streams a source.Reader's rows into the temp table stg_raw_k (line, c0..cN).
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

// stageParquet loads a Parquet file into stg_raw_k, every column as text; line is the
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

// validateInto runs sql/ingest/validate.sql over stg_fields_k into the temp table stg_k and
// drops the staged text. On failure it leaves no table stg behind (the merge's view of that
// name could not be created over it).
func validateInto(ctx context.Context, conn *sql.Conn, k int, log *slog.Logger) (err error) {
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.Background(), "DROP VIEW IF EXISTS stg_fields; DROP TABLE IF EXISTS "+stageDB+".stg")
		}
	}()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP VIEW stg_fields AS SELECT * FROM stg_fields_%d", k)); err != nil {
		return err
	}
	// The validated rows are written out uncompressed: compressing them costs more than
	// writing them (they are read once, by the merge, then dropped). The setting is reset
	// before anything of the warehouse itself is written.
	if _, err := conn.ExecContext(ctx, "SET force_compression = 'uncompressed'"); err != nil {
		return err
	}
	_, err = execScript(ctx, conn, "ingest/validate.sql", log)
	if _, rerr := conn.ExecContext(context.Background(), "RESET force_compression"); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	q := fmt.Sprintf("DROP VIEW stg_fields; DROP TABLE IF EXISTS %[2]s.stg_%[1]d; ALTER TABLE %[2]s.stg RENAME TO stg_%[1]d; DROP VIEW stg_fields_%[1]d; DROP TABLE IF EXISTS stg_raw_%[1]d", k, stageDB)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	return nil
}

// validateTable maps a staged table's header (stg_raw_k, with a line column), validates it
// into stg_k and makes stg_v_k, the view the merge reads.
func validateTable(ctx context.Context, conn *sql.Conn, header []string, extra map[string]string, k int, log *slog.Logger, ps *piiState) error {
	m, err := MapHeader(header, extra)
	if err != nil {
		return err
	}
	if err := createFieldsView(ctx, conn, m, k, fmt.Sprintf("stg_raw_%d", k), true, ps); err != nil {
		return err
	}
	if err := validateInto(ctx, conn, k, log); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP VIEW stg_v_%d AS SELECT * FROM %s.stg_%d", k, stageDB, k))
	return err
}

// uniqueKeys makes header names usable as keys of the raw row (a STRUCT, then JSON): empty
// names become column_N, and a name already used — ignoring case, as DuckDB's STRUCT field
// names do — gets " (2)", " (3)"….
func uniqueKeys(header []string) []string {
	out := make([]string, len(header))
	used := map[string]bool{}
	for i, h := range header {
		base := strings.TrimSpace(h)
		if base == "" {
			base = "column_" + strconv.Itoa(i+1)
		}
		k := base
		for n := 2; used[strings.ToLower(k)]; n++ {
			k = base + " (" + strconv.Itoa(n) + ")"
		}
		used[strings.ToLower(k)] = true
		out[i] = k
	}
	return out
}

// stageFile scans and stages one file. It returns nil, nil for a skipped file.
func stageFile(ctx context.Context, conn *sql.Conn, p plannedFile, k int, fr *FileResult, known map[string]string, opt Options) (*stagedFile, error) {
	started := time.Now()
	format, err := Format(p.path, p.src)
	if err != nil {
		return nil, &FileError{Path: p.display, Err: err}
	}
	fr.Format = format
	if opt.Progress != nil {
		if st, err := os.Stat(p.path); err == nil {
			opt.Progress.Start(p.display, st.Size())
			defer opt.Progress.Finish()
		}
	}
	var setProgress func(int64)
	if opt.Progress != nil {
		setProgress = opt.Progress.Set
	}
	var extra map[string]string
	if p.src != nil {
		extra = p.src.Columns
	}
	var scan *scanResult
	var spec *specCSV
	var head []byte
	delim := byte(',')
	if format == "csv" {
		// The delimiter is decided from the first bytes, before the scan counts fields.
		if head, err = readHead(p.path, headSize); err != nil {
			return nil, &FileError{Path: p.display, Err: err}
		}
		if _, bom := utf16BOM(head); !bom && !strings.HasPrefix(csvEncoding(p), "utf-16") {
			delim = sniffDelimiter(head, looksLikeHeader(extra))
		}
	}
	if enc := csvEncoding(p); format == "csv" && (enc == "auto" || enc == "utf-8") {
		// The scan (Go, one core) and DuckDB's reader (which leaves part of the second core
		// idle) overlap: the file is loaded on the guess that the scan will confirm it.
		type scanned struct {
			r   *scanResult
			err error
		}
		// A file already pulled (its sha256 in the ledger) is skipped once the scan knows it:
		// the scan then stops the load, which would otherwise run on to its end for nothing
		// (a scheduled job re-pulling unchanged files: 1.3 → 0.4 s per million rows).
		specCtx, stopSpec := context.WithCancel(ctx)
		defer stopSpec()
		done := make(chan scanned, 1)
		go func() {
			r, err := scanFile(ctx, p.path, true, delim, setProgress)
			if err == nil && !opt.Force {
				if _, dup := known[r.SHA256]; dup {
					stopSpec()
				}
			}
			done <- scanned{r, err}
		}()
		spec = speculateCSV(specCtx, conn, p.path, head, delim, k, extra, opt.Logger, opt.pii)
		out := <-done
		scan, err = out.r, out.err
	} else {
		scan, err = scanFile(ctx, p.path, format == "csv", delim, setProgress)
	}
	if err != nil {
		dropStaged(conn, k)
		return nil, &FileError{Path: p.display, Err: err}
	}
	opt.Logger.Debug("scanned", "file", p.display, "seconds", time.Since(started).Seconds())
	if opt.Progress != nil {
		opt.Progress.Finish()
		opt.step("staging and validating " + p.display)
	}
	fr.SHA256 = scan.SHA256
	if what, dup := known[scan.SHA256]; dup && !opt.Force {
		dropStaged(conn, k)
		fr.Status = "skipped"
		fr.Note = "already pulled: same content as " + what
		return nil, nil
	}
	sf := &stagedFile{plan: p, res: fr, scan: scan, k: k, started: started}
	switch format {
	case "csv":
		err = stageCSV(ctx, conn, p, k, csvFile{scan: scan, head: head, delim: delim}, fr, extra, opt, spec)
	case "xlsx", "json", "ndjson":
		var r source.Reader
		if format == "xlsx" {
			sheet := ""
			if p.src != nil {
				sheet = p.src.Sheet
			}
			xo := source.XLSXOptions{Sheet: sheet, IsHeader: looksLikeHeader(extra)}
			if cfg := opt.Config; cfg != nil {
				xo.MaxPartBytes = int64(cfg.Limits.XLSXPartMB) << 20
				xo.MaxCellChars = cfg.Limits.XLSXCellChars
				xo.MaxRatio = cfg.Limits.XLSXRatio
			}
			r, err = source.OpenXLSX(p.path, xo)
		} else {
			r, err = source.OpenJSON(p.path)
		}
		if err == nil {
			var n int64
			n, err = stageReader(ctx, conn, r, k)
			r.Close()
			header := r.Header()
			if err == nil && n == 0 && len(header) == 0 {
				// JSON without a single object: no keys to check, nothing to load.
				if e, ok := r.(interface{ Empty() bool }); ok && e.Empty() && format == "json" {
					err = &source.Error{Path: p.path, Msg: "the file is empty; expected a JSON array of objects (an export of no cases is [])"}
				} else {
					header = requiredFields
					dropStaged(conn, k)
					_, err = stageReader(ctx, conn, noRows{header}, k)
				}
			}
			if err == nil {
				err = validateTable(ctx, conn, header, extra, k, opt.Logger, opt.pii)
			}
		}
	case "parquet":
		var header []string
		header, err = stageParquet(ctx, conn, p.path, k)
		if err == nil {
			err = validateTable(ctx, conn, header, extra, k, opt.Logger, opt.pii)
		}
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err != nil {
		dropStaged(conn, k)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &FileError{Path: p.display, Err: relabel(err, p)}
	}
	// A file with a header (or, for JSON, a valid shape) but no rows is pulled with 0 rows and
	// recorded in the ledger like any other, never an error.
	var n int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s.stg_%d", stageDB, k)).Scan(&n); err != nil {
		dropStaged(conn, k)
		return nil, &FileError{Path: p.display, Err: err}
	}
	if n == 0 {
		fr.Note = "no rows"
	}
	fr.PII = opt.pii.columns(k)
	opt.Logger.Debug("validated", "file", p.display, "rows", n, "seconds", time.Since(started).Seconds())
	return sf, nil
}

// relabel makes a source.Error name the file as the user named it.
func relabel(err error, p plannedFile) error {
	var se *source.Error
	if errors.As(err, &se) {
		c := *se
		c.Path = p.display
		return &c
	}
	return err
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// noRows is a source.Reader with a header and no rows.
type noRows struct{ header []string }

func (n noRows) Header() []string        { return n.header }
func (noRows) Next() (source.Row, error) { return source.Row{}, io.EOF }
func (noRows) Close() error              { return nil }
