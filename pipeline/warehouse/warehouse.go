// Package warehouse opens caseload's DuckDB file: one writer process at a time (a lock file
// names the holder), per-connection settings through the connector's init function,
// embedded numbered migrations applied once, reference data (countries, calendar, items),
// and read-only, sandboxed opens for analysts.
//
// # Generations: how a write commits
//
// The warehouse file (caseload.duckdb) is never written in place. A writer copies it to a
// new file under the caseload-owned directory beside it (.caseload/gen-PID-N.duckdb), makes
// all its changes there (a pull's staging, validation and merge, a job's run record), then
// commits by CHECKPOINT, closing DuckDB, fsync, and rename(2) over caseload.duckdb, and an
// fsync of the directory. The rename is the commit point, so a pull is atomic by
// construction: a process killed at any instant leaves either the old file or the new one,
// complete, plus a stray generation file that the next writer removes. We chose this over
// trusting DuckDB's WAL because DuckDB 1.5.6 can leave a torn state when a process is killed
// during the COMMIT of a transaction whose large insert spilled to disk before the commit
// while small writes (the ledger) sat in the WAL: the big insert survived and the ledger
// did not (issue "Safe to leave unattended", defect 1). The copy costs little: about 36 MB
// and 10–20 ms per million cases (copy_file_range), and it replaces the snapshot copy that
// earlier versions made after every pull.
//
// Because the file in place is only ever replaced whole, it is also the analysts' snapshot:
// readers (caseload sql, kpi, report, serve) open it read-only at any time, see the last
// committed write, and keep the generation they opened until they reopen. A snapshot can
// therefore never be older than the last committed write, and there is no publish step to
// be interrupted. The generation before the last commit is kept as a hard link at
// .caseload/previous.duckdb: if the warehouse file is damaged from outside (a disk error,
// a bad copy), the error names it as the way back.
//
// Setup changes at open (migrations, reference data, the KPI macros) are committed as a
// generation of their own before the caller's generation begins. A new warehouse is the
// embedded template (template.go), written into place before anything else.
//
// # The .caseload directory
//
// .caseload/ beside the warehouse holds generations being written (gen-*.duckdb; any found
// by the next writer are left by a killed one and removed), the previous generation, and
// tmp/PID-START/: each process's scratch directory (DuckDB spill files, transcoded inputs,
// excelize's streaming files), removed by the next caseload start once that process is gone
// (PID and start time from /proc, so a reused PID is not mistaken for the owner).
// Analysts' spill space is capped (max_temp_directory_size), so a runaway query cannot fill
// the disk a pull needs.
//
// # Errors at open
//
// A directory, an empty, zeroed or non-DuckDB file, or a truncated one is a *DamagedError
// saying what is wrong and how to recover; another process holding the file (a DuckDB CLI
// opened read-write on it, found by fcntl F_GETLK) is an *InUseError naming its PID; another
// caseload writer is an *InUseError naming the holder from the lock file. DuckDB's own open
// errors are classified by their type (errors.As, *duckdb.Error), never by their text.
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
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/caseload/caseload/sql"
)

// Options configures Open.
type Options struct {
	Path        string // the warehouse file
	Timezone    string // office timezone (IANA); every connection's TimeZone
	MemoryLimit string // DuckDB memory_limit; "" = default
	Threads     int    // DuckDB threads; 0 = default
	Purpose     string // what the holder is doing, written into the lock file ("pull", "run monthly-report 2022-10"…)
	// CalendarOverride is a project holidays file (date,name,is_off_day) that adds to or
	// overrides the embedded official calendar; "" = none.
	CalendarOverride string
	Logger           *slog.Logger

	fromScratch bool // make a new warehouse from nothing rather than from the template (its test)
}

// Warehouse is a warehouse held by this process for writing. DB is the generation being
// written: a private copy of the warehouse whose changes become visible to everyone else
// only when Commit renames it into place. Close without Commit discards them.
type Warehouse struct {
	DB   *sql.DB
	Path string

	opt  Options
	lock *Lock
	log  *slog.Logger
	gen  string // the generation file behind DB ("" when none is open)

	// Interrupted lists the runs this open found left `running` by a process that died and
	// marked `interrupted` (sql/jobs/interrupted.sql): the caller alerts on them.
	Interrupted []InterruptedRun

	seq     int
	scratch string
	compact bool // a migration applied in this open asks for a compacting commit (Migration.Compact)
}

// Open takes the writer lock, checks the warehouse file, removes what killed runs left in
// .caseload, brings the warehouse up to date (created mode 0600 from the embedded template
// if missing, template.go; migrations, reference data, KPI macros: committed at once if
// anything changed) and begins a generation for the caller's writes (DB).
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
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		return nil, &DamagedError{Path: abs, What: "is a directory, not a DuckDB file", Hint: "give the warehouse file's path (warehouse: in caseload.yaml or --db), e.g. " + filepath.Join(abs, "caseload.duckdb")}
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("warehouse %s: %w", abs, err)
	}
	lk, err := AcquireLock(abs, opt.Purpose)
	if err != nil {
		return nil, err
	}
	w := &Warehouse{Path: abs, opt: opt, lock: lk, log: opt.Logger}
	if err := w.start(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

func (w *Warehouse) start(ctx context.Context) error {
	if err := os.MkdirAll(StateDir(w.Path), 0o700); err != nil {
		return fmt.Errorf("warehouse %s: %w", w.Path, err)
	}
	w.removeLeftovers()
	scratch, err := ProcessScratchDir(w.Path)
	if err != nil {
		return err
	}
	w.scratch = scratch
	if _, err := os.Stat(w.Path); errors.Is(err, os.ErrNotExist) && !w.opt.fromScratch {
		if err := w.installTemplate(ctx); err != nil {
			return err
		}
	}
	if err := w.checkLive(ctx); err != nil {
		return err
	}
	if err := w.Begin(ctx); err != nil {
		return err
	}
	_, statErr := os.Stat(w.Path)
	existed := statErr == nil
	changed, err := w.setup(ctx)
	if err != nil {
		return err
	}
	if changed {
		if w.compact && existed {
			if err := w.compactGeneration(ctx); err != nil {
				return err
			}
		}
		if err := w.Commit(ctx); err != nil {
			return err
		}
		return w.Begin(ctx)
	}
	return nil
}

// setup applies migrations, reference data and KPI macros to the open generation and
// reports whether it changed anything.
func (w *Warehouse) setup(ctx context.Context) (bool, error) {
	_, statErr := os.Stat(w.Path)
	created := errors.Is(statErr, os.ErrNotExist)
	migrated, err := w.migrate(ctx)
	if err != nil {
		return false, err
	}
	interrupted, err := w.markInterrupted(ctx)
	if err != nil {
		return false, err
	}
	t0 := time.Now()
	refreshed, err := w.refreshReference(ctx)
	if err != nil {
		return false, err
	}
	if refreshed {
		w.log.Debug("reference data loaded", "seconds", time.Since(t0).Seconds())
	}
	t0 = time.Now()
	kpi, err := w.refreshKPI(ctx)
	if err != nil {
		return false, fmt.Errorf("warehouse %s: %w", w.Path, err)
	}
	if kpi {
		w.log.Debug("KPI macros installed", "seconds", time.Since(t0).Seconds())
	}
	return created || migrated || interrupted || refreshed || kpi, nil
}

// InterruptedRun is a job run found `running` at open, whose process is gone.
type InterruptedRun struct {
	RunID   int64
	Job     string
	Period  string
	Attempt int
	Error   string
}

// markInterrupted turns the runs left `running` by dead processes into `interrupted`: this
// process holds the writer lock, which every run holds from start to end.
func (w *Warehouse) markInterrupted(ctx context.Context) (bool, error) {
	rows, err := w.DB.QueryContext(ctx, sqlfiles.MustRead("jobs/interrupted.sql"))
	if err != nil {
		return false, fmt.Errorf("warehouse %s: interrupted runs: %w", w.Path, err)
	}
	defer rows.Close()
	for rows.Next() {
		var r InterruptedRun
		if err := rows.Scan(&r.RunID, &r.Job, &r.Period, &r.Attempt, &r.Error); err != nil {
			return false, err
		}
		w.Interrupted = append(w.Interrupted, r)
		w.log.Warn("a run was interrupted: its process ended without finishing it", "run", r.RunID, "job", r.Job, "period", r.Period)
	}
	return len(w.Interrupted) > 0, rows.Err()
}

// SetPurpose rewrites what the lock file says the holder is doing (e.g. once a run has its
// id), so that a busy message names it.
func (w *Warehouse) SetPurpose(purpose string) {
	if w.lock != nil {
		w.lock.setPurpose(purpose)
	}
}

// Close discards a generation that was not committed, removes this process's scratch
// directory and releases the lock.
func (w *Warehouse) Close() error {
	var err error
	if w.DB != nil {
		err = w.DB.Close()
		w.DB = nil
	}
	if w.gen != "" {
		removeGeneration(w.gen)
		w.gen = ""
	}
	if w.scratch != "" {
		os.RemoveAll(w.scratch)
		w.scratch = ""
	}
	if w.lock != nil {
		w.lock.Release()
		w.lock = nil
	}
	return err
}

// Timezone is the office timezone every connection uses.
func (w *Warehouse) Timezone() string { return w.opt.Timezone }

// MemoryLimitBytes is the configured DuckDB memory_limit in bytes, 0 when none is set
// (DuckDB's default) or it is not a plain size.
func (w *Warehouse) MemoryLimitBytes() int64 { return sizeBytes(w.opt.MemoryLimit) }

// sizeBytes reads a DuckDB size such as "4000000000B", "1GB" or "512 MiB"; 0 if it is none.
func sizeBytes(s string) int64 {
	s = strings.ToUpper(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if err != nil || v <= 0 {
				return 0
			}
			return int64(v * u.mult)
		}
	}
	return 0
}

// TempDir is this process's scratch directory (.caseload/tmp/PID-START): temporary files of
// the writer (transcoded inputs, DuckDB spill files) go there and are removed by Close, or by
// the next start if the process was killed.
func (w *Warehouse) TempDir() string { return w.scratch }

// dbSettings are the DuckDB settings of one open.
type dbSettings struct {
	readOnly       bool
	tempDir        string
	maxTempDirSize string // "" = DuckDB's default
}

func dsn(path string, opt Options, s dbSettings) string {
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	if opt.MemoryLimit != "" {
		q.Set("memory_limit", opt.MemoryLimit)
	}
	if opt.Threads > 0 {
		q.Set("threads", strconv.Itoa(opt.Threads))
	}
	if s.tempDir != "" {
		q.Set("temp_directory", s.tempDir)
	}
	if s.readOnly {
		// enable_external_access=false is set by the connection init function (openDB), not
		// here: the driver applies DSN options in map order, and once external access is off
		// DuckDB refuses to set temp_directory.
		q.Set("access_mode", "READ_ONLY")
	}
	return path + "?" + q.Encode()
}

// openDB opens a connector whose init function sets each connection's TimeZone (and, for
// read-only use, locks the configuration afterwards so a query cannot change it).
func openDB(path string, opt Options, s dbSettings) (*sql.DB, error) {
	tz := opt.Timezone
	c, err := duckdb.NewConnector(dsn(path, opt, s), func(e driver.ExecerContext) error {
		ctx := context.Background()
		if s.readOnly {
			// The configuration is global to the DuckDB instance, and a process shares one
			// instance per file: once the first connection has locked it, later ones inherit
			// TimeZone and must not set it again. Two connections may race here (concurrent
			// opens of one generation, e.g. caseload serve): the loser's SET fails because the
			// winner just locked the configuration, which is then as wanted.
			if locked(ctx, e) {
				return nil
			}
			// max_temp_directory_size is set here rather than in the DSN so that two opens of
			// one generation in a process (which DuckDB serves from one cached instance) have
			// the same DSN even when the free disk space, and so the limit, moved between them.
			set := "SET GLOBAL TimeZone = '" + escape(tz) + "'; "
			if s.maxTempDirSize != "" {
				set += "SET GLOBAL max_temp_directory_size = '" + escape(s.maxTempDirSize) + "'; "
			}
			_, err := e.ExecContext(ctx, set+"SET GLOBAL enable_external_access = false; SET lock_configuration = true", nil)
			if err != nil && locked(ctx, e) {
				return nil
			}
			return err
		}
		// A writer does not compress text with FSST: analysing and compressing the text
		// columns that way cost a pull about 0.1 s per million rows (of 2.3 s), for a
		// warehouse file a quarter smaller (40 → 30 MB per million cases; a year of a county
		// office's cases is well under a megabyte either way). Dictionary compression, which
		// serves the repetitive columns (item codes, countries, districts, file names), stays.
		// README "Benchmarks". (A DSN option of this name is ignored by the driver.)
		_, err := e.ExecContext(ctx, "SET TimeZone = '"+escape(tz)+"'; SET disabled_compression_methods = 'fsst'", nil)
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

func escape(s string) string { return strings.ReplaceAll(s, "'", "''") }

// locked reports whether the connection's instance has its configuration locked.
func locked(ctx context.Context, e driver.ExecerContext) bool {
	q, ok := e.(driver.QueryerContext)
	if !ok {
		return false
	}
	rows, err := q.QueryContext(ctx, "SELECT current_setting('lock_configuration')::VARCHAR", nil)
	if err != nil {
		return false
	}
	defer rows.Close()
	vals := make([]driver.Value, 1)
	return rows.Next(vals) == nil && fmt.Sprint(vals[0]) == "true"
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
