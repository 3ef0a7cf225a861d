// Package ingest pulls case-record files into the warehouse (SPEC §4.1–§4.2).
//
// A pull has two phases on one connection:
//
//  1. stage and validate: each file is scanned (sha256, encoding, CSV record lines), skipped
//     when its sha256 is already in the ledger, and validated and normalised by the embedded
//     SQL (sql/ingest/validate.sql) into a table of the pull's scratch database (in memory,
//     spilled to the process's scratch directory; not the warehouse), one row per source row with its
//     line and its reject reason, if any. A CSV file is validated straight from DuckDB's reader,
//     while the Go scan runs; each row's line comes from its position, so validation uses no
//     join (lookups are ENUM casts, sql/ingest/lookups.sql). Other formats are staged as
//     text with their lines first. A malformed file stops here with a *source.Error and
//     loads nothing (the other files go on unless --all-or-nothing).
//  2. merge, in ONE transaction: the item catalogue is reloaded, then each validated file
//     in pull order is merged (sql/ingest/merge.sql): rejects, supersede rule, cases,
//     ledger. If anything fails or the process is killed, the warehouse is exactly as before.
//
// Staging happens outside the transaction because a DuckDB error inside a transaction
// aborts it (a bad file must not abort the good ones), and because the merge reads a temp
// table filled inside the transaction far more slowly than one filled before it.
//
// Files: pull.go (planning, the two phases), result.go (what a pull reports), stage.go,
// stagecsv.go, csv.go, scan.go, decode.go, fields.go (phase 1), merge.go (phase 2's per-file
// merge and the connection's scratch state), pii.go (personal data at staging).
package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/pii"
	"github.com/caseload/caseload/pipeline/warehouse"
	sqlfiles "github.com/caseload/caseload/sql"
)

// Progress receives progress of long steps (a terminal bar, or nothing).
type Progress interface {
	Start(label string, total int64) // total bytes, or -1 when unknown
	Set(done int64)
	Finish()
	Step(label string) // a step of unknown length is under way ("" when it is over)
}

// Options configures a pull.
type Options struct {
	Config       *config.Config
	Files        []string // explicit files, pulled in this order; empty = the configured sources
	Force        bool     // re-pull files whose sha256 is already in the ledger
	AllOrNothing bool     // a malformed file fails the whole pull
	Now          func() time.Time
	Logger       *slog.Logger
	Progress     Progress
	// LookupEnv reads the environment (the personal-data key, pii.key_env); default os.LookupEnv.
	LookupEnv func(string) (string, bool)

	tempDir string    // where transcoded files go (beside the warehouse)
	pii     *piiState // the personal-data policy and each file's plan
	piiOff  bool      // benchmarks only: no personal-data rules
}

type plannedFile struct {
	path    string // absolute
	display string
	src     *config.Source // nil = defaults
}

type stagedFile struct {
	plan    plannedFile
	res     *FileResult
	scan    *scanResult
	k       int
	started time.Time
}

// planFiles lists the files a pull reads, in pull order.
func planFiles(cfg *config.Config, files []string) ([]plannedFile, error) {
	var out []plannedFile
	seen := map[string]bool{}
	if len(files) > 0 {
		for _, f := range files {
			abs, err := filepath.Abs(f)
			if err != nil {
				return nil, err
			}
			st, err := os.Stat(abs)
			if err != nil {
				return nil, fmt.Errorf("pull %s: %w", f, err)
			}
			if st.IsDir() {
				return nil, fmt.Errorf("pull %s: is a directory; name files, or configure a source glob", f)
			}
			if seen[abs] {
				continue
			}
			seen[abs] = true
			out = append(out, plannedFile{path: abs, display: display(cfg, abs), src: matchSource(cfg, abs)})
		}
		return out, nil
	}
	for i := range cfg.Sources {
		s := &cfg.Sources[i]
		matches, err := filepath.Glob(s.Path)
		if err != nil {
			return nil, fmt.Errorf("source %s: %w", s.Name, err)
		}
		sort.Strings(matches)
		for _, m := range matches {
			if st, err := os.Stat(m); err != nil || st.IsDir() || strings.HasPrefix(filepath.Base(m), ".") {
				continue
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			out = append(out, plannedFile{path: m, display: display(cfg, m), src: s})
		}
	}
	return out, nil
}

func display(cfg *config.Config, abs string) string {
	if cfg != nil {
		if rel, err := filepath.Rel(cfg.Dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return abs
}

func matchSource(cfg *config.Config, abs string) *config.Source {
	if cfg == nil {
		return nil
	}
	for i := range cfg.Sources {
		if ok, _ := filepath.Match(cfg.Sources[i].Path, abs); ok {
			return &cfg.Sources[i]
		}
	}
	return nil
}

// Format decides a file's format from the source setting or its extension.
func Format(path string, src *config.Source) (string, error) {
	if src != nil && src.Format != "" && src.Format != "auto" {
		return src.Format, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		return "csv", nil
	case ".xlsx", ".xlsm":
		return "xlsx", nil
	case ".xls":
		return "", fmt.Errorf("%s is in the old .xls format: open it in Excel or WPS and save as .xlsx or CSV", filepath.Base(path))
	case ".json":
		return "json", nil
	case ".ndjson", ".jsonl":
		return "ndjson", nil
	case ".parquet", ".pq":
		return "parquet", nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension; expected .csv, .xlsx, .json, .ndjson or .parquet (or set format: in the source)", filepath.Base(path))
}

// step reports a step of unknown length to the progress display, if any.
func (o Options) step(label string) {
	if o.Progress != nil {
		o.Progress.Step(label)
	}
}

// Pull runs a pull in the warehouse's open generation and commits it (w.Commit) when it
// changed anything: new files merged, or a changed item catalogue. The returned error is set
// when nothing was committed (or committing failed); files that failed individually are
// reported in Result with status "failed".
func Pull(ctx context.Context, w *warehouse.Warehouse, opt Options) (*Result, error) {
	if w.DB == nil {
		if err := w.Begin(ctx); err != nil {
			return nil, err
		}
	}
	rec := &stepRecorder{inner: opt.Progress}
	opt.Progress = rec
	res, changed, err := merge(ctx, w, opt)
	if err != nil && ctx.Err() != nil {
		return res, &InterruptedError{Step: rec.last, Err: context.Cause(ctx)}
	}
	if err != nil || !changed {
		return res, err // nothing new: the generation is discarded by w.Close
	}
	opt.step("committing")
	defer opt.step("")
	if err := w.Commit(ctx); err != nil {
		return nil, err
	}
	if opt.Logger != nil {
		opt.Logger.Debug("committed")
	}
	res.Warehouse = w.Path
	return res, nil
}

// InterruptedError is a pull stopped by its context (Ctrl-C, SIGTERM, a job's timeout)
// before it committed: the warehouse is exactly as it was before the pull.
type InterruptedError struct {
	Step string // what the pull was doing ("staging and validating incoming/x.csv", "merging …")
	Err  error  // the context's cause
}

func (e *InterruptedError) Error() string {
	what := "the pull was interrupted"
	if e.Step != "" {
		what += " while " + e.Step
	}
	return what + " (" + e.Err.Error() + "): nothing was committed, the warehouse is as it was before this pull"
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// stepRecorder passes progress on and remembers the step under way.
type stepRecorder struct {
	inner Progress
	last  string
}

func (r *stepRecorder) Start(label string, total int64) {
	r.last = "reading " + label
	if r.inner != nil {
		r.inner.Start(label, total)
	}
}
func (r *stepRecorder) Set(done int64) {
	if r.inner != nil {
		r.inner.Set(done)
	}
}
func (r *stepRecorder) Finish() {
	if r.inner != nil {
		r.inner.Finish()
	}
}
func (r *stepRecorder) Step(label string) {
	if label != "" {
		r.last = label
	}
	if r.inner != nil {
		r.inner.Step(label)
	}
}

// merge stages, validates and merges the files into the open generation, on one
// connection that it closes before returning (the generation can only be committed once
// every connection to it is closed). changed reports whether it wrote anything.
func merge(ctx context.Context, w *warehouse.Warehouse, opt Options) (res *Result, changed bool, err error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := opt.Config
	if opt.LookupEnv == nil {
		opt.LookupEnv = os.LookupEnv
	}
	// The key is checked before anything is read: a pull that would have to keep personal data
	// it was told to hash stops here.
	policy, err := pii.Resolve(cfg.PII, opt.LookupEnv)
	if err != nil {
		return nil, false, err
	}
	opt.pii = &piiState{policy: policy, off: opt.piiOff, plans: map[int]*piiPlan{}}
	plan, err := planFiles(cfg, opt.Files)
	if err != nil {
		return nil, false, err
	}
	items, err := warehouse.ReadItems(cfg.Items)
	if err != nil {
		return nil, false, err
	}
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	defer conn.Close()
	// Temp objects would outlive the pull on this pooled connection (in a long-running
	// process, the whole staged data): drop them however the pull ends.
	defer dropTemp(conn, len(plan))
	// Validated rows wait for the merge in a scratch database of their own (stageDB): an
	// in-memory database, whose blocks DuckDB spills to the process's scratch directory when
	// the memory limit needs the room, and which is gone with the process however it ends.
	// Not a file: the table's creation committed through that file's WAL and checkpoint, 0.25
	// s per million rows (1.97 → 1.73 s for a 1M pull, peak 404 → 390 MiB; at 10M under
	// memory_limit 1GB: the same time, peak 1.23 → 1.29 GB). Not the warehouse's generation,
	// which would keep the space after the drop.
	if _, err := conn.ExecContext(ctx, "ATTACH ':memory:' AS "+stageDB); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	defer conn.ExecContext(context.Background(), "DETACH DATABASE IF EXISTS "+stageDB)
	opt.tempDir = w.TempDir()
	if _, err := conn.ExecContext(ctx, sqlfiles.MustRead("ingest/functions.sql")); err != nil {
		return nil, false, fmt.Errorf("pull: parsing functions: %w", err)
	}
	if err := policy.Register(conn); err != nil {
		return nil, false, err
	}
	// Validation (at staging) reads the pull time and the catalogue this pull loads.
	pullTime := opt.Now()
	if err := setFixedOffset(ctx, conn, w.Timezone(), pullTime); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SET VARIABLE pull_time = ?::TIMESTAMPTZ", pullTime); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	if err := stageItems(ctx, conn, items); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	if _, err := conn.ExecContext(ctx, sqlfiles.MustRead("ingest/lookups.sql")); err != nil {
		return nil, false, fmt.Errorf("pull: lookups: %w", err)
	}
	res = &Result{PII: &PIIPolicy{Policy: policy.Default, Reason: policy.Reason, KeyEnv: policy.KeyEnv, KeyID: policy.KeyID}}
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(pull_id), 0) + 1 FROM ingest_files").Scan(&res.PullID); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	var lastKey sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT pii->>'key_id' FROM ingest_files WHERE pii->>'key_id' IS NOT NULL ORDER BY file_id DESC LIMIT 1`).Scan(&lastKey); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	known := map[string]string{}
	rows, err := conn.QueryContext(ctx, "SELECT sha256, path || ' (pulled ' || strftime(pulled_at, '%Y-%m-%d %H:%M') || ')' FROM ingest_files")
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	for rows.Next() {
		var sha, what string
		if err := rows.Scan(&sha, &what); err != nil {
			rows.Close()
			return nil, false, err
		}
		known[sha] = what
	}
	rows.Close()

	// Phase 1: stage every file.
	var staged []*stagedFile
	res.Files = make([]FileResult, len(plan))
	for k, p := range plan {
		fr := &res.Files[k]
		fr.Path = p.display
		if p.src != nil {
			fr.Source = p.src.Name
		}
		sf, err := stageFile(ctx, conn, p, k, fr, known, opt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			// A message may quote a value from the file (a cell beyond the header, a bad
			// byte's line): what looks like personal data in it is masked (pipeline/pii).
			err = maskedError{err}
			fr.Status, fr.Error, fr.err = "failed", err.Error(), err
			// Reported once, by the caller, from Result; here only for -v.
			opt.Logger.Debug("file not pulled", "file", p.display, "err", err)
			if opt.AllOrNothing {
				res.Files = res.Files[:k+1]
				return res, false, fmt.Errorf("nothing pulled (--all-or-nothing): %w", err)
			}
			continue
		}
		if sf != nil {
			staged = append(staged, sf)
			known[sf.scan.SHA256] = p.display + " (this pull)"
			res.Warnings = append(res.Warnings, keptWarnings(fr)...)
		}
	}
	if len(staged) > 0 && policy.KeyID != "" && lastKey.Valid && lastKey.String != policy.KeyID && hashes(res.Files) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the personal-data key in $%s is not the one earlier pulls hashed with (key id %s, now %s): the same person hashes differently in the files of this pull and in earlier ones; if the key was changed by mistake, set the earlier key and pull these files again with --force",
			policy.KeyEnv, lastKey.String, policy.KeyID))
	}
	for _, w := range res.Warnings {
		opt.Logger.Warn(w)
	}

	// Phase 2: one transaction. Every validated row has its line, so the merge need not
	// keep the order rows are produced in; letting DuckDB write them in any order makes the
	// insert into cases parallel (0.3 s less per million rows). Staging (above) must keep
	// the order: there the line numbers come from the validated table's rowid.
	// The merge streams the staged rows into cases: it needs little memory of its own, but
	// DuckDB keeps every page it reads or writes in its buffer pool while the memory limit
	// allows. Under a lower limit the pages of cases already written are evicted instead,
	// and the staged rows (an in-memory database) and the contest's hash table would spill
	// to the scratch directory: with a 256 MiB cap the merge's peak memory at 1M rows went
	// from 520 to 420 MB, at 10M from 1.5 to 1.3 GB, its time unchanged; with 192 MiB (since
	// the staged rows are held in memory) a 1M pull peaks at 362 instead of 375-460 MiB, in
	// the same time (farm-bench, 9 pairs: 1.01×), and the peak is validation's again. The
	// warehouse's own limit is set again after the merge, however it ends.
	restore, err := capMemory(ctx, conn, w.MemoryLimitBytes(), mergeMemory)
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	defer restore()
	if _, err := conn.ExecContext(ctx, "SET SESSION preserve_insertion_order = false"); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	commit := false
	defer func() {
		if !commit {
			tx.Rollback()
		}
	}()
	itemsBefore, err := itemsDigest(ctx, tx)
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	if err := warehouse.LoadItems(ctx, tx, items); err != nil {
		return nil, false, err
	}
	itemsAfter, err := itemsDigest(ctx, tx)
	if err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SET VARIABLE pull_id = %d::BIGINT", res.PullID)); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	for _, sf := range staged {
		opt.step("merging " + sf.plan.display)
		if err := mergeFile(ctx, tx, sf, res.PullID, pullTime, res.PII, opt.pii, opt.Logger); err != nil {
			return nil, false, fmt.Errorf("pull %s: %w", sf.plan.display, err)
		}
		logPII(opt.Logger, sf.res)
		for _, w := range idLikeWarnings(sf.res) {
			opt.Logger.Warn(w)
			res.Warnings = append(res.Warnings, w)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("pull: %w", err)
	}
	commit = true
	return res, len(staged) > 0 || itemsBefore != itemsAfter, nil
}
