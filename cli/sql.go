package cli

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/export"
)

func newSQLCmd(e *env) *cobra.Command {
	var file, format, out string
	cmd := &cobra.Command{
		Use:   `sql ["QUERY"]`,
		Short: "Run a read-only SQL query against the warehouse snapshot",
		Long: `Run one read-only SQL statement (SELECT, EXPLAIN, PRAGMA) against the analyst snapshot
that every successful pull publishes (or the warehouse itself, read-only, before the first
snapshot). Queries cannot change the warehouse, and cannot read or write files through SQL.
With no QUERY and no -f, reads statements from a terminal prompt (end each with ;).

Views: cases, items, calendar, countries, rejects, ingest_files, superseded, cases_named,
reject_reasons (see README "Warehouse for analysts").`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, ok := export.ParseFormat(format)
			if !ok {
				return usagef("--format %q: expected one of %s", format, strings.Join(export.Formats(), ", "))
			}
			var query string
			switch {
			case len(args) == 1 && file != "":
				return usagef("give a QUERY or -f FILE, not both")
			case len(args) == 1:
				query = args[0]
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return usagef("-f: %v", err)
				}
				query = string(b)
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			db, src, err := openAnalystDB(cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			e.log.Debug("sql", "database", src)
			if query == "" {
				if !isTerminal(e.stdin) {
					b, err := io.ReadAll(e.stdin)
					if err != nil {
						return err
					}
					query = string(b)
				} else {
					return e.sqlPrompt(cmd.Context(), db, f)
				}
			}
			return e.runQuery(cmd.Context(), db, query, f, out)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "read the query from FILE.sql")
	cmd.Flags().StringVar(&format, "format", "table", "output: "+strings.Join(export.Formats(), " | "))
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE (atomically) instead of standard output")
	return cmd
}

// openAnalystDB opens the current warehouse data read-only for analysts, with the
// project's memory_limit and threads (warehouse.OpenAnalyst).
func openAnalystDB(cfg *config.Config) (*sql.DB, string, error) {
	return warehouse.OpenAnalyst(cfg.Warehouse, warehouse.Options{Timezone: cfg.Timezone, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads})
}

// readOnlyStatement checks a query is exactly one statement of a reading kind, and returns it
// prepared. Multi-statement text is refused, so nothing can ride along after a SELECT.
func readOnlyStatement(ctx context.Context, conn *sql.Conn, query string) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		st, err := c.Prepare(query)
		if err != nil {
			var de *duckdb.Error
			if errors.As(err, &de) {
				return err
			}
			return usagef("give exactly one SQL statement (%v)", err)
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("unexpected statement %T", st)
		}
		t, err := ds.StatementType()
		if err != nil {
			return err
		}
		switch t {
		case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN, duckdb.STATEMENT_TYPE_PRAGMA:
			return nil
		}
		return &readOnlyError{kind: stmtName(t)}
	})
}

type readOnlyError struct{ kind string }

func (e *readOnlyError) Error() string {
	return fmt.Sprintf("read-only: %s statements are not allowed; caseload sql runs SELECT, EXPLAIN and PRAGMA only", e.kind)
}

func stmtName(t duckdb.StmtType) string {
	names := map[duckdb.StmtType]string{
		duckdb.STATEMENT_TYPE_INSERT: "INSERT", duckdb.STATEMENT_TYPE_UPDATE: "UPDATE", duckdb.STATEMENT_TYPE_DELETE: "DELETE",
		duckdb.STATEMENT_TYPE_CREATE: "CREATE", duckdb.STATEMENT_TYPE_DROP: "DROP", duckdb.STATEMENT_TYPE_ALTER: "ALTER",
		duckdb.STATEMENT_TYPE_COPY: "COPY", duckdb.STATEMENT_TYPE_ATTACH: "ATTACH", duckdb.STATEMENT_TYPE_DETACH: "DETACH",
		duckdb.STATEMENT_TYPE_SET: "SET", duckdb.STATEMENT_TYPE_LOAD: "LOAD", duckdb.STATEMENT_TYPE_EXPORT: "EXPORT",
		duckdb.STATEMENT_TYPE_TRANSACTION: "transaction", duckdb.STATEMENT_TYPE_CREATE_FUNC: "CREATE FUNCTION",
		duckdb.STATEMENT_TYPE_VACUUM: "VACUUM", duckdb.STATEMENT_TYPE_CALL: "CALL", duckdb.STATEMENT_TYPE_EXTENSION: "extension",
		duckdb.STATEMENT_TYPE_VARIABLE_SET: "SET VARIABLE", duckdb.STATEMENT_TYPE_ANALYZE: "ANALYZE",
		duckdb.STATEMENT_TYPE_PREPARE: "PREPARE", duckdb.STATEMENT_TYPE_EXECUTE: "EXECUTE",
	}
	if n, ok := names[t]; ok {
		return n
	}
	return "this kind of"
}

func (e *env) runQuery(ctx context.Context, db *sql.DB, query string, f export.Format, out string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	query = strings.TrimSpace(query)
	if err := readOnlyStatement(ctx, conn, query); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	if out == "" {
		return export.Write(e.stdout, rows, f)
	}
	return warehouse.WriteAtomic(out, 0o644, func(w io.Writer) error {
		return export.Write(w, rows, f)
	})
}

// sqlPrompt is the interactive prompt: statements end with ';', results print as tables.
func (e *env) sqlPrompt(ctx context.Context, db *sql.DB, f export.Format) error {
	fmt.Fprintln(e.stderr, "caseload sql — read-only; end a statement with ; — Ctrl-D to quit")
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 1<<20), 1<<24)
	var buf strings.Builder
	prompt := func() {
		if buf.Len() == 0 {
			fmt.Fprint(e.stderr, "caseload> ")
		} else {
			fmt.Fprint(e.stderr, "      ...> ")
		}
	}
	prompt()
	for in.Scan() {
		buf.WriteString(in.Text())
		buf.WriteByte('\n')
		if strings.HasSuffix(strings.TrimSpace(buf.String()), ";") {
			q := strings.TrimSuffix(strings.TrimSpace(buf.String()), ";")
			buf.Reset()
			if strings.TrimSpace(q) != "" {
				if err := e.runQuery(ctx, db, q, f, ""); err != nil {
					fmt.Fprintln(e.stderr, "error: "+err.Error())
				}
			}
		}
		prompt()
	}
	fmt.Fprintln(e.stderr)
	return in.Err()
}
