package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/analyst"
	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// DefaultSQLTimeout is how long one statement of `caseload sql` may run.
const DefaultSQLTimeout = 5 * time.Minute

func newSQLCmd(e *env) *cobra.Command {
	var file, format, out string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   `sql ["QUERY"]`,
		Short: "Run read-only SQL against the warehouse snapshot; exports; interactive prompt",
		Long: `Run read-only SQL (SELECT, EXPLAIN, PRAGMA) against the analyst snapshot that every
successful pull publishes (or the warehouse itself, read-only, before the first snapshot).
Queries cannot change the warehouse, and cannot read or write files through SQL.

QUERY and -f FILE.sql may hold several statements separated by ';': they run in order and
each result is printed in turn; the first failure stops the run and names the statement's
line. With no QUERY and no -f, reads statements from standard input, or opens the
interactive prompt on a terminal (.help lists its commands).

Formats: table (default), csv (UTF-8 BOM for Excel), tsv, json, ndjson, xlsx, parquet,
arrow (Arrow IPC file). -o FILE is written atomically.

Views: cases, items, calendar, countries, rejects, ingest_files, superseded, cases_named,
reject_reasons, kpi_monthly (see README "Warehouse for analysts").`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, ok := export.ParseFormat(format)
			if !ok {
				return usagef("--format %q: expected one of %s", format, strings.Join(export.Formats(), ", "))
			}
			if timeout < 0 {
				return usagef("--timeout %s: expected a positive duration such as 30s, 5m or 1h (0 = no limit)", timeout)
			}
			var script, origin string
			switch {
			case len(args) == 1 && file != "":
				return usagef("give a QUERY or -f FILE, not both")
			case len(args) == 1:
				script = args[0]
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return usagef("-f: %v", err)
				}
				script, origin = string(b), file
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			sess, err := e.openSession(cfg, timeout, "--timeout")
			if err != nil {
				return err
			}
			defer removeScratch(cfg)
			defer sess.Close()
			e.log.Debug("sql", "database", sess.Source)
			xo := e.exportOptions(cfg)
			if script == "" && file == "" {
				if isTerminal(e.stdin) {
					return e.sqlPrompt(cmd.Context(), cfg, sess, f, xo)
				}
				b, err := io.ReadAll(e.stdin)
				if err != nil {
					return err
				}
				script, origin = string(b), "<stdin>"
			}
			stmts := analyst.Split(script)
			if len(stmts) == 0 {
				return usagef("no SQL statement given")
			}
			if out == "" && f.Binary() && isTerminal(e.stdout) {
				return usagef("--format %s writes a binary file: give -o FILE", f)
			}
			if len(stmts) > 1 && out != "" && !appendable(f) {
				return usagef("--format %s -o FILE holds one result, and %d statements were given: run them one at a time, or use csv, tsv, ndjson or table", f, len(stmts))
			}
			return e.runScript(cmd.Context(), sess, stmts, origin, f, out, xo)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "run the statements of FILE.sql")
	cmd.Flags().StringVar(&format, "format", "table", "output: "+strings.Join(export.Formats(), " | "))
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE (atomically) instead of standard output")
	cmd.Flags().DurationVar(&timeout, "timeout", DefaultSQLTimeout, "stop a statement that runs longer (0 = no limit)")
	return cmd
}

// appendable formats can hold several results one after another in one file.
func appendable(f export.Format) bool {
	return f == export.Table || f == export.CSV || f == export.TSV || f == export.NDJSON
}

// openSession opens the sandboxed analyst session on the current snapshot, with the
// project's memory_limit and threads (warehouse.OpenAnalyst).
func (e *env) openSession(cfg *config.Config, timeout time.Duration, setting string) (*analyst.Session, error) {
	scratch, err := warehouse.ProcessScratchDir(cfg.Warehouse)
	if err != nil {
		return nil, err
	}
	return analyst.Open(analyst.Options{
		Warehouse:      cfg.Warehouse,
		DB:             warehouse.Options{Timezone: cfg.Timezone, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads},
		Timeout:        timeout,
		TimeoutSetting: setting,
		ScratchDir:     scratch,
	})
}

// removeScratch removes this process's scratch directory (export and spreadsheet
// temporary files) once its session is closed.
func removeScratch(cfg *config.Config) {
	if d, err := warehouse.ProcessScratchDir(cfg.Warehouse); err == nil {
		os.RemoveAll(d)
	}
}

func (e *env) exportOptions(cfg *config.Config) export.Options {
	sheet := "结果"
	if e.lang == "en" {
		sheet = "result"
	}
	tmp, _ := warehouse.ProcessScratchDir(cfg.Warehouse)
	return export.Options{Location: cfg.Location, Sheet: sheet, TempDir: tmp}
}

// statementError names the failing statement of a script: FILE:LINE for a file, the
// statement's number and line for several statements given as QUERY.
type statementError struct {
	where string
	err   error
}

func (e *statementError) Error() string { return e.where + ": " + e.err.Error() }
func (e *statementError) Unwrap() error { return e.err }

// runScript runs statements in order, each result in turn to standard output or into out.
func (e *env) runScript(ctx context.Context, sess *analyst.Session, stmts []analyst.Statement, origin string, f export.Format, out string, xo export.Options) error {
	wrap := func(i int, err error) error {
		if err == nil || len(stmts) == 1 && origin == "" {
			return e.sqlError(err)
		}
		where := fmt.Sprintf("statement %d (line %d)", i+1, stmts[i].Line)
		if origin != "" {
			where = fmt.Sprintf("%s:%d", origin, stmts[i].Line)
		}
		return e.sqlError(&statementError{where: where, err: err})
	}
	if out != "" && !appendable(f) {
		n, err := e.export(ctx, sess, stmts[0].Text, f, out, xo)
		if err != nil {
			return wrap(0, err)
		}
		e.wrote(n, out)
		return nil
	}
	write := func(w io.Writer) (int64, error) {
		var total int64
		for i, st := range stmts {
			if i > 0 && f != export.NDJSON {
				fmt.Fprintln(w)
			}
			n, err := e.runOne(ctx, sess, st.Text, f, w, xo)
			total += n
			if err != nil {
				return total, wrap(i, err)
			}
		}
		return total, nil
	}
	if out == "" {
		_, err := write(e.stdout)
		return err
	}
	var n int64
	err := warehouse.WriteAtomic(out, 0o644, func(w io.Writer) error {
		var err error
		n, err = write(w)
		return err
	})
	if err != nil {
		return err
	}
	e.wrote(n, out)
	return nil
}

func (e *env) wrote(n int64, out string) {
	if !e.quiet {
		fmt.Fprintf(e.stderr, "wrote %s to %s\n", plural(n, "row", "rows"), out)
	}
}

// runOne runs one statement and writes its result to w in format f.
func (e *env) runOne(ctx context.Context, sess *analyst.Session, stmt string, f export.Format, w io.Writer, xo export.Options) (int64, error) {
	switch f {
	case export.Parquet:
		n, err := sess.ExportParquetTo(ctx, stmt, w)
		if !errors.Is(err, analyst.ErrNotSelect) {
			return n, err
		}
	case export.Arrow:
		n, err := sess.ExportArrowTo(ctx, stmt, w, xo.Location)
		if !errors.Is(err, analyst.ErrNotSelect) {
			return n, err
		}
	}
	res, err := sess.Query(ctx, stmt)
	if err != nil {
		return 0, err
	}
	defer res.Close()
	n, err := export.Write(w, res.Rows, f, xo)
	return n, res.Wrap(err)
}

// export writes one statement's result into the file out, atomically.
func (e *env) export(ctx context.Context, sess *analyst.Session, stmt string, f export.Format, out string, xo export.Options) (int64, error) {
	if f == export.Parquet {
		n, err := sess.ExportParquet(ctx, stmt, out)
		if !errors.Is(err, analyst.ErrNotSelect) {
			return n, err
		}
	}
	var n int64
	err := warehouse.WriteAtomic(out, 0o644, func(w io.Writer) error {
		if f == export.Arrow {
			var err error
			if n, err = sess.ExportArrowTo(ctx, stmt, w, xo.Location); !errors.Is(err, analyst.ErrNotSelect) {
				return err
			}
		}
		res, err := sess.Query(ctx, stmt)
		if err != nil {
			return err
		}
		defer res.Close()
		n, err = export.Write(w, res.Rows, f, xo)
		return res.Wrap(err)
	})
	return n, err
}

// sqlError gives statement errors their exit codes: text that is not one statement is a
// usage error (2); everything else — DuckDB's errors, read-only refusals, timeouts — is 1.
func (e *env) sqlError(err error) error {
	if err == nil {
		return nil
	}
	var se *analyst.StatementError
	if errors.As(err, &se) {
		return &usageError{err}
	}
	return err
}

// openAnalystDB opens the current warehouse data read-only for analysts, with the
// project's memory_limit and threads (warehouse.OpenAnalyst); kpi and report read through it.
func openAnalystDB(cfg *config.Config) (*sql.DB, string, error) {
	return warehouse.OpenAnalyst(cfg.Warehouse, warehouse.Options{Timezone: cfg.Timezone, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads})
}
