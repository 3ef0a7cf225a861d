package analyst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// Parquet export: DuckDB writes it. Measured against the alternatives (README, "Benchmarks"),
// DuckDB's own parallel Parquet writer is the only way to stay near DuckDB's COPY speed:
// scanning a million cases through database/sql alone takes about twice as long as COPY
// writes them, before any Arrow or Parquet encoding; duckdb-go's Arrow interface needs the
// duckdb_arrow build tag, which `go run`/`go test` users would have to pass.
//
// The analyst database cannot write files (enable_external_access=false, locked), so the
// statement — checked first in the analyst sandbox to be one SELECT — runs in a private
// in-memory DuckDB instance with the same snapshot attached read-only, whose only reachable
// directory is a fresh one under the project's scratch directory
// (warehouse.OpenExportSandbox). The statement is passed as a string literal to DuckDB's
// query() table function, which accepts exactly one SELECT, so its text cannot change the
// COPY around it. The finished file is synced and renamed onto the destination (copied
// atomically when that is on another file system).

// ErrNotSelect is returned by ExportParquet for a statement DuckDB cannot COPY (EXPLAIN,
// PRAGMA): the caller writes those with the export package's Parquet writer instead.
var ErrNotSelect = errors.New("not a SELECT")

// ExportParquet writes the result of stmt to dst as Parquet (zstd, DuckDB's row groups),
// atomically, and returns the number of rows.
func (s *Session) ExportParquet(ctx context.Context, stmt, dst string) (int64, error) {
	return s.exportParquet(ctx, stmt, func(tmp string) error {
		if err := place(tmp, dst); err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
		return nil
	})
}

// ExportParquetTo is ExportParquet to a stream (standard output).
func (s *Session) ExportParquetTo(ctx context.Context, stmt string, w io.Writer) (int64, error) {
	return s.exportParquet(ctx, stmt, func(tmp string) error {
		f, err := os.Open(tmp)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
}

func (s *Session) exportParquet(ctx context.Context, stmt string, deliver func(tmp string) error) (int64, error) {
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return 0, err
	}
	t, err := check(conn, stmt)
	conn.Close()
	if err != nil {
		return 0, err
	}
	if t != duckdb.STATEMENT_TYPE_SELECT {
		return 0, ErrNotSelect
	}
	scratch := s.opt.ScratchDir
	if scratch == "" {
		if scratch, err = warehouse.ProcessScratchDir(s.opt.Warehouse); err != nil {
			return 0, err
		}
	}
	dir, err := os.MkdirTemp(scratch, "export-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)

	r := &Result{parent: ctx, opt: s.opt}
	if s.opt.Timeout > 0 {
		r.ctx, r.cancel = context.WithTimeout(ctx, s.opt.Timeout)
	} else {
		r.ctx, r.cancel = context.WithCancel(ctx)
	}
	defer r.cancel()
	xc, closeX, err := warehouse.OpenExportSandbox(r.ctx, s.Source, s.opt.DB, dir)
	if err != nil {
		return 0, r.Wrap(err)
	}
	defer closeX()
	tmp := filepath.Join(dir, "out.parquet")
	copySQL := "COPY (FROM query('" + strings.ReplaceAll(stmt, "'", "''") + "')) TO '" +
		strings.ReplaceAll(tmp, "'", "''") + "' (FORMAT parquet, COMPRESSION zstd)"
	res, err := xc.ExecContext(r.ctx, copySQL)
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeParser {
		// The statement parsed on its own (check), so query() refused it: a SELECT in
		// name only, such as PRAGMA table_info, which DuckDB rewrites into a SELECT.
		return 0, ErrNotSelect
	}
	if err != nil {
		return 0, r.Wrap(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, err
	}
	if err := closeX(); err != nil {
		return 0, err
	}
	if err := deliver(tmp); err != nil {
		return 0, err
	}
	return n, nil
}

// place moves a finished file onto dst atomically: synced, mode 0644, renamed (or, across
// file systems, copied through warehouse.WriteAtomic).
func place(tmp, dst string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	err = os.Rename(tmp, dst)
	if err == nil {
		if d, derr := os.Open(filepath.Dir(dst)); derr == nil {
			_ = d.Sync()
			d.Close()
		}
		return nil
	}
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	return warehouse.WriteAtomic(dst, 0o644, func(w io.Writer) error {
		_, err := io.Copy(w, f)
		return err
	})
}
