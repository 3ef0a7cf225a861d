// Package warehouse opens caseload's DuckDB file: one writer process at a time (a lock file
// names the holder), per-connection settings through the connector's init function,
// embedded numbered migrations applied once, reference data (countries, calendar, items),
// and the read-only analyst snapshot published after each successful write.
package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/caseload/caseload/sql"
)

// Options configures Open.
type Options struct {
	Path        string // the warehouse file
	Timezone    string // office timezone (IANA); every connection's TimeZone
	MemoryLimit string // DuckDB memory_limit; "" = default
	Threads     int    // DuckDB threads; 0 = default
	Purpose     string // what the holder is doing, written into the lock file ("pull", "report"…)
	// CalendarOverride is a project holidays file (date,name,is_off_day) that adds to or
	// overrides the embedded official calendar; "" = none.
	CalendarOverride string
	Logger           *slog.Logger
}

// Warehouse is an open, migrated warehouse held by this process for writing.
type Warehouse struct {
	DB   *sql.DB
	Path string
	opt  Options
	lock *Lock
	log  *slog.Logger
}

// InUseError reports that another process holds the warehouse.
type InUseError struct {
	Path   string
	Holder string // "PID 1234 (caseload pull since 2026-11-24T10:00:00+08:00)" or "" when unknown
}

func (e *InUseError) Error() string {
	if e.Holder == "" {
		return fmt.Sprintf("warehouse %s is in use by another process; try again when it has finished", e.Path)
	}
	return fmt.Sprintf("warehouse %s is in use by another caseload: %s; try again when it has finished", e.Path, e.Holder)
}

// Open takes the writer lock, opens (creating if needed, mode 0600) and migrates the warehouse.
func Open(ctx context.Context, opt Options) (*Warehouse, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Timezone == "" {
		opt.Timezone = "Asia/Shanghai"
	}
	abs, err := filepath.Abs(opt.Path)
	if err != nil {
		return nil, fmt.Errorf("warehouse %s: %w", opt.Path, err)
	}
	opt.Path = abs
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("warehouse %s: %w", abs, err)
	}
	lk, err := AcquireLock(abs, opt.Purpose)
	if err != nil {
		return nil, err
	}
	created := false
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		created = true
	}
	db, err := openDB(abs, opt, false)
	if err != nil {
		lk.Release()
		return nil, classifyOpen(abs, err)
	}
	w := &Warehouse{DB: db, Path: abs, opt: opt, lock: lk, log: opt.Logger}
	if err := w.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if created {
		_ = os.Chmod(abs, 0o600)
	}
	if err := w.refreshReference(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.refreshKPI(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("warehouse %s: %w", abs, err)
	}
	return w, nil
}

// Close closes the database and releases the lock.
func (w *Warehouse) Close() error {
	var err error
	if w.DB != nil {
		err = w.DB.Close()
		w.DB = nil
	}
	if w.lock != nil {
		w.lock.Release()
		w.lock = nil
	}
	return err
}

// Timezone is the office timezone every connection uses.
func (w *Warehouse) Timezone() string { return w.opt.Timezone }

func dsn(path string, opt Options, readOnly bool) string {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if opt.MemoryLimit != "" {
		q.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.Threads > 0 {
		q.Set("threads", strconv.Itoa(opt.Threads))
	}
	if readOnly {
		q.Set("access_mode", "READ_ONLY")
		q.Set("enable_external_access", "false")
	}
	return path + "?" + q.Encode()
}

// openDB opens a connector whose init function sets each connection's TimeZone (and, for
// read-only use, locks the configuration afterwards so a query cannot change it).
func openDB(path string, opt Options, readOnly bool) (*sql.DB, error) {
	tz := opt.Timezone
	c, err := duckdb.NewConnector(dsn(path, opt, readOnly), func(e driver.ExecerContext) error {
		ctx := context.Background()
		if readOnly {
			// The configuration is global: once locked by the first connection, later
			// connections inherit TimeZone and must not try to set it again.
			if q, ok := e.(driver.QueryerContext); ok {
				rows, err := q.QueryContext(ctx, "SELECT current_setting('lock_configuration')::VARCHAR", nil)
				if err == nil {
					vals := make([]driver.Value, 1)
					locked := rows.Next(vals) == nil && fmt.Sprint(vals[0]) == "true"
					rows.Close()
					if locked {
						return nil
					}
				}
			}
			_, err := e.ExecContext(ctx, "SET GLOBAL TimeZone = '"+escape(tz)+"'; SET lock_configuration = true", nil)
			return err
		}
		_, err := e.ExecContext(ctx, "SET TimeZone = '"+escape(tz)+"'", nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxIdleConns(4)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// classifyOpen turns DuckDB's open errors into messages a user can act on.
func classifyOpen(path string, err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeIO {
		// Another process (not a caseload that took our lock) has the file open.
		return fmt.Errorf("%w (%s)", &InUseError{Path: path}, strings.SplitN(de.Msg, "\n", 2)[0])
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
}

func escape(s string) string { return strings.ReplaceAll(s, "'", "''") }

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := sqlfiles.FS.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", name)
		}
		b, err := sqlfiles.FS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %03d", out[i].Version)
		}
	}
	return out, nil
}

func (w *Warehouse) migrate(ctx context.Context) error {
	if _, err := w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrate %s: %w", w.Path, err)
	}
	applied := map[int]bool{}
	rows, err := w.DB.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate %s: %w", w.Path, err)
	}
	maxApplied := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		applied[v] = true
		maxApplied = max(maxApplied, v)
	}
	rows.Close()
	ms, err := Migrations()
	if err != nil {
		return err
	}
	if len(ms) > 0 && maxApplied > ms[len(ms)-1].Version {
		return fmt.Errorf("warehouse %s has schema version %d, newer than this caseload knows (%d): use a newer caseload", w.Path, maxApplied, ms[len(ms)-1].Version)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := w.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, ?, now())", m.Version, m.Name)
			return err
		}); err != nil {
			return fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
		}
		w.log.Debug("migration applied", "version", m.Version, "name", m.Name)
	}
	return nil
}

func (w *Warehouse) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := w.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Meta reads a meta value ("" when absent).
func Meta(ctx context.Context, q Querier, key string) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta writes a meta value.
func SetMeta(ctx context.Context, q Querier, key, value string) error {
	_, err := q.ExecContext(ctx, "INSERT OR REPLACE INTO meta VALUES (?, ?)", key, value)
	return err
}

// Querier is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SnapshotPath is where the analyst snapshot of a warehouse lives:
// caseload.duckdb -> caseload.snapshot.duckdb.
func SnapshotPath(warehouse string) string {
	ext := filepath.Ext(warehouse)
	return strings.TrimSuffix(warehouse, ext) + ".snapshot" + ext
}

// PublishSnapshot checkpoints the warehouse and atomically replaces the analyst snapshot
// with a copy of it. Readers of the old snapshot keep their open file.
func (w *Warehouse) PublishSnapshot(ctx context.Context) (string, error) {
	if _, err := w.DB.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return "", fmt.Errorf("snapshot: checkpoint: %w", err)
	}
	dst := SnapshotPath(w.Path)
	w.RemoveStale(filepath.Base(dst))
	if err := copyFileAtomic(w.Path, dst, 0o600); err != nil {
		return "", fmt.Errorf("snapshot %s: %w", dst, err)
	}
	return dst, nil
}

// TempDir is where the writer keeps its temporary files (beside the warehouse, so they are
// on the same file system and removed by the next writer if a run was killed).
func (w *Warehouse) TempDir() string { return filepath.Dir(w.Path) }

// RemoveStale removes temporary files a killed run left beside the warehouse: the
// snapshot's ".<name>.tmp-*" copies and ".caseload-utf8-*.csv" transcoded files. Only the lock holder
// calls it, so no live run's file is touched.
func (w *Warehouse) RemoveStale(names ...string) {
	dir := filepath.Dir(w.Path)
	patterns := []string{".caseload-utf8-*.csv"}
	for _, n := range names {
		patterns = append(patterns, "."+n+".tmp-*")
	}
	for _, pat := range patterns {
		matches, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, m := range matches {
			if err := os.Remove(m); err == nil {
				w.log.Info("removed a temporary file left by an interrupted run", "file", m)
			}
		}
	}
}

// OpenAnalyst opens what analysts, kpi and report read: the snapshot of the warehouse at
// path (or, before the first one, the warehouse itself), read-only and sandboxed (no file
// access through SQL, configuration locked), with opt's Timezone, MemoryLimit and Threads.
// It returns the database and the file it opened.
func OpenAnalyst(path string, opt Options) (*sql.DB, string, error) {
	snap := SnapshotPath(path)
	if _, err := os.Stat(snap); err == nil {
		db, err := OpenReadOnlyWith(snap, opt)
		return db, snap, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, "", fmt.Errorf("no warehouse at %s yet: run `caseload pull` first", path)
	}
	if held, who := Held(path); held {
		return nil, "", fmt.Errorf("the warehouse is being written (%s) and has no snapshot yet; try again when that has finished", who)
	}
	db, err := OpenReadOnlyWith(path, opt)
	return db, path, err
}

// OpenReadOnly opens a warehouse or snapshot file for analysts: read-only, no access to
// files or extensions through SQL, configuration locked.
func OpenReadOnly(path, timezone string) (*sql.DB, error) {
	return OpenReadOnlyWith(path, Options{Timezone: timezone})
}

// OpenReadOnlyWith is OpenReadOnly with the DuckDB resource settings of opt (Timezone,
// MemoryLimit, Threads); the other fields are ignored.
func OpenReadOnlyWith(path string, opt Options) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if opt.Timezone == "" {
		opt.Timezone = "Asia/Shanghai"
	}
	db, err := openDB(path, Options{Timezone: opt.Timezone, MemoryLimit: opt.MemoryLimit, Threads: opt.Threads}, true)
	if err != nil {
		return nil, classifyOpen(path, err)
	}
	return db, nil
}
