package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"

	"github.com/duckdb/duckdb-go/v2"
)

// OpenExportSandbox opens a private in-memory DuckDB instance for an export that DuckDB
// writes itself (COPY … TO a Parquet file): src — the file OpenAnalyst opened — is attached
// read-only as the default catalog, and the instance is sandboxed like OpenAnalyst's
// (enable_external_access=false, lock_configuration=true, opt's Timezone, MemoryLimit and
// Threads) except that DuckDB may read and write files inside dir (allowed_directories,
// set before external access is switched off), where it also spills. dir must be a fresh
// directory the caller owns and removes; nothing else is reachable through SQL.
//
// It returns the instance's one connection and the function that closes the instance.
func OpenExportSandbox(ctx context.Context, src string, opt Options, dir string) (*sql.Conn, func() error, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	c, err := duckdb.NewConnector(dsn("", opt, dbSettings{}), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("export sandbox: %w", err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("export sandbox: %w", err)
	}
	closeAll := func() error {
		conn.Close()
		return db.Close()
	}
	tz := opt.Timezone
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	for _, s := range []string{
		"ATTACH '" + escape(src) + "' AS analyst (READ_ONLY)",
		"USE analyst",
		"SET TimeZone = '" + escape(tz) + "'",
		"SET temp_directory = '" + escape(filepath.Join(abs, "spill")) + "'",
		"SET allowed_directories = ['" + escape(abs+string(filepath.Separator)) + "']",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			closeAll()
			return nil, nil, classify(src, err)
		}
	}
	return conn, closeAll, nil
}
