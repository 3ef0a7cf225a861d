// Package analyst runs analysts' SQL safely (SPEC §9), for `caseload sql`, its prompt and
// the Flight SQL server alike.
//
// A Session is a read-only, sandboxed database opened through warehouse.OpenAnalyst on the
// current snapshot: DuckDB's enable_external_access=false and lock_configuration=true, the
// project's memory limit and threads. Every statement is checked before it runs: exactly
// one statement, of a reading kind (SELECT, EXPLAIN, PRAGMA); it runs under a timeout, and a
// statement stopped by the timeout or cancelled gets caseload's own error (*TimeoutError,
// ErrCancelled) rather than DuckDB's "Interrupted". Scripts are cut into statements by
// Split, which knows DuckDB's strings and comments.
//
// The exports live in the sub-package export (formats that only need the rows) and here
// (Parquet, which DuckDB itself writes: see parquet.go).
package analyst

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Options configures a Session.
type Options struct {
	Warehouse string            // the warehouse file; warehouse.OpenAnalyst picks what to open
	DB        warehouse.Options // Timezone, MemoryLimit, Threads
	// Timeout stops a statement that runs longer (0 = no limit). TimeoutSetting names where
	// it was set, for the message: "--timeout", "serve.timeout".
	Timeout        time.Duration
	TimeoutSetting string
	// ScratchDir is where exports that DuckDB writes itself put their temporary files
	// (a directory caseload owns, on the same file system as the outputs if possible).
	ScratchDir string
}

// Session is an open, sandboxed, read-only view of the warehouse.
type Session struct {
	DB     *sql.DB
	Source string // the file opened (the snapshot, or the warehouse before the first one)
	opt    Options
}

// Open opens a session on the current snapshot.
func Open(opt Options) (*Session, error) {
	db, src, err := warehouse.OpenAnalyst(opt.Warehouse, opt.DB)
	if err != nil {
		return nil, err
	}
	return &Session{DB: db, Source: src, opt: opt}, nil
}

// Close closes the session's database.
func (s *Session) Close() error { return s.DB.Close() }

// TimeoutError is returned for a statement stopped by the timeout.
type TimeoutError struct {
	After   time.Duration
	Setting string
}

func (e *TimeoutError) Error() string {
	if e.Setting == "" {
		return fmt.Sprintf("query stopped after %s", e.After)
	}
	return fmt.Sprintf("query stopped after %s (%s)", e.After, e.Setting)
}

// ErrCancelled is returned for a statement cancelled by its caller (Ctrl-C at the prompt,
// a client that went away).
var ErrCancelled = errors.New("query cancelled")

// ReadOnlyError refuses a statement that is not of a reading kind.
type ReadOnlyError struct{ Kind string }

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("read-only: %s statements are not allowed; only SELECT, EXPLAIN and PRAGMA run here", e.Kind)
}

// StatementError refuses text that is not exactly one statement DuckDB can prepare as such.
type StatementError struct{ Msg string }

func (e *StatementError) Error() string { return e.Msg }

// Column is a result column: its name and DuckDB type name.
type Column = export.Column

// Result is a running statement's rows. Close it; Wrap the errors met while reading it.
type Result struct {
	Rows   *sql.Rows
	ctx    context.Context
	parent context.Context
	cancel context.CancelFunc
	conn   *sql.Conn
	opt    Options
}

// Query checks stmt (one statement of a reading kind) and starts it with args bound to its
// parameters ($1 or ?). The timeout runs from now until the Result is closed.
func (s *Session) Query(ctx context.Context, stmt string, args ...any) (*Result, error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := check(conn, stmt); err != nil {
		conn.Close()
		return nil, err
	}
	r := &Result{parent: ctx, conn: conn, opt: s.opt}
	if s.opt.Timeout > 0 {
		r.ctx, r.cancel = context.WithTimeout(ctx, s.opt.Timeout)
	} else {
		r.ctx, r.cancel = context.WithCancel(ctx)
	}
	rows, err := conn.QueryContext(r.ctx, stmt, args...)
	if err != nil {
		err = r.Wrap(err)
		r.Close()
		return nil, err
	}
	r.Rows = rows
	return r, nil
}

// Columns describes the result's columns.
func (r *Result) Columns() ([]Column, error) {
	cts, err := r.Rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	cols := make([]Column, len(cts))
	for i, ct := range cts {
		cols[i] = Column{Name: ct.Name(), Type: strings.ToUpper(ct.DatabaseTypeName())}
	}
	return cols, nil
}

// Wrap turns an error met while running or reading the statement into caseload's own when
// the timeout stopped it or its caller cancelled it; other errors are returned as they are.
func (r *Result) Wrap(err error) error {
	if err == nil {
		return nil
	}
	if r.parent.Err() != nil {
		return ErrCancelled
	}
	if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{After: r.opt.Timeout, Setting: r.opt.TimeoutSetting}
	}
	return err
}

// Close ends the statement and releases its connection.
func (r *Result) Close() error {
	var err error
	if r.Rows != nil {
		err = r.Rows.Close()
	}
	r.cancel()
	r.conn.Close()
	return err
}

// Describe checks stmt like Query and returns its result columns and the types of its
// parameters, without running it.
func (s *Session) Describe(ctx context.Context, stmt string) ([]Column, []duckdb.Type, error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	var cols []Column
	var params []duckdb.Type
	err = conn.Raw(func(dc any) error {
		st, err := prepare(dc, stmt)
		if err != nil {
			return err
		}
		defer st.Close()
		if _, err := reading(st); err != nil {
			return err
		}
		n, err := st.ColumnCount()
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			name, err := st.ColumnName(i)
			if err != nil {
				return err
			}
			info, err := st.ColumnTypeInfo(i)
			if err != nil {
				return err
			}
			cols = append(cols, Column{Name: name, Type: typeName(info)})
		}
		for i := 1; i <= st.NumInput(); i++ {
			t, err := st.ParamType(i)
			if err != nil {
				return err
			}
			params = append(params, t)
		}
		return nil
	})
	return cols, params, err
}

// check prepares stmt on conn and refuses it unless it is exactly one statement of a
// reading kind. Multi-statement text is refused, so nothing can ride along after a SELECT.
func check(conn *sql.Conn, stmt string) (duckdb.StmtType, error) {
	var t duckdb.StmtType
	err := conn.Raw(func(dc any) error {
		st, err := prepare(dc, stmt)
		if err != nil {
			return err
		}
		defer st.Close()
		t, err = reading(st)
		return err
	})
	return t, err
}

// reading refuses a prepared statement that is not of a reading kind.
func reading(st *duckdb.Stmt) (duckdb.StmtType, error) {
	t, err := st.StatementType()
	if err != nil {
		return t, err
	}
	switch t {
	case duckdb.STATEMENT_TYPE_SELECT, duckdb.STATEMENT_TYPE_EXPLAIN, duckdb.STATEMENT_TYPE_PRAGMA:
		return t, nil
	}
	return t, &ReadOnlyError{Kind: stmtName(t)}
}

func prepare(dc any, stmt string) (*duckdb.Stmt, error) {
	c, ok := dc.(*duckdb.Conn)
	if !ok {
		return nil, fmt.Errorf("unexpected driver connection %T", dc)
	}
	if strings.TrimSpace(stmt) == "" {
		return nil, &StatementError{Msg: "empty statement"}
	}
	st, err := c.Prepare(stmt)
	if err != nil {
		var de *duckdb.Error
		if errors.As(err, &de) {
			return nil, err
		}
		// duckdb-go refuses text holding several statements before DuckDB sees it.
		return nil, &StatementError{Msg: fmt.Sprintf("give exactly one SQL statement here (%v)", err)}
	}
	ds, ok := st.(*duckdb.Stmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("unexpected statement %T", st)
	}
	return ds, nil
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

// typeName names a prepared statement's column type the way database/sql's
// DatabaseTypeName names a result column's.
func typeName(info duckdb.TypeInfo) string {
	if info.Alias() == "JSON" {
		return "JSON"
	}
	if d, ok := info.Details().(*duckdb.DecimalDetails); ok {
		return fmt.Sprintf("DECIMAL(%d,%d)", d.Width, d.Scale)
	}
	if n, ok := scalarTypeNames[info.InternalType()]; ok {
		return n
	}
	return "OTHER"
}

var scalarTypeNames = map[duckdb.Type]string{
	duckdb.TYPE_BOOLEAN: "BOOLEAN", duckdb.TYPE_TINYINT: "TINYINT", duckdb.TYPE_SMALLINT: "SMALLINT",
	duckdb.TYPE_INTEGER: "INTEGER", duckdb.TYPE_BIGINT: "BIGINT", duckdb.TYPE_UTINYINT: "UTINYINT",
	duckdb.TYPE_USMALLINT: "USMALLINT", duckdb.TYPE_UINTEGER: "UINTEGER", duckdb.TYPE_UBIGINT: "UBIGINT",
	duckdb.TYPE_FLOAT: "FLOAT", duckdb.TYPE_DOUBLE: "DOUBLE", duckdb.TYPE_TIMESTAMP: "TIMESTAMP",
	duckdb.TYPE_DATE: "DATE", duckdb.TYPE_TIME: "TIME", duckdb.TYPE_INTERVAL: "INTERVAL",
	duckdb.TYPE_HUGEINT: "HUGEINT", duckdb.TYPE_UHUGEINT: "UHUGEINT", duckdb.TYPE_VARCHAR: "VARCHAR",
	duckdb.TYPE_BLOB: "BLOB", duckdb.TYPE_TIMESTAMP_S: "TIMESTAMP_S", duckdb.TYPE_TIMESTAMP_MS: "TIMESTAMP_MS",
	duckdb.TYPE_TIMESTAMP_NS: "TIMESTAMP_NS", duckdb.TYPE_ENUM: "ENUM", duckdb.TYPE_UUID: "UUID",
	duckdb.TYPE_TIME_TZ: "TIMETZ", duckdb.TYPE_TIMESTAMP_TZ: "TIMESTAMPTZ", duckdb.TYPE_BIT: "BIT",
}
