package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// PreviousPath is where the generation before the last commit is kept (a hard link).
func PreviousPath(warehousePath string) string {
	return filepath.Join(StateDir(warehousePath), "previous.duckdb")
}

// Begin starts a new generation: a copy of the warehouse file (or a new file when there is
// none yet) under .caseload, opened read-write as w.DB.
func (w *Warehouse) Begin(ctx context.Context) error {
	if w.DB != nil {
		return errors.New("warehouse: a generation is already open")
	}
	w.seq++
	gen := filepath.Join(StateDir(w.Path), fmt.Sprintf("gen-%d-%d.duckdb", os.Getpid(), w.seq))
	removeGeneration(gen)
	if _, err := os.Stat(w.Path); err == nil {
		if err := copyFile(w.Path, gen); err != nil {
			removeGeneration(gen)
			return fmt.Errorf("warehouse %s: copy for writing: %w", w.Path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("warehouse %s: %w", w.Path, err)
	}
	db, err := openDB(gen, w.opt, dbSettings{tempDir: w.scratch})
	if err != nil {
		removeGeneration(gen)
		return w.classify(w.Path, err)
	}
	w.DB, w.gen = db, gen
	w.log.Debug("generation begun", "file", gen)
	return nil
}

// Commit makes the open generation the warehouse: CHECKPOINT, close, fsync, keep the
// current file as the previous generation, rename the new one into place, fsync the
// directory. The rename is the commit point. It goes on to the end even when ctx is
// cancelled once it has started (it takes milliseconds; stopping half-way would only
// waste the work). Afterwards w.DB is nil; Begin starts another generation.
func (w *Warehouse) Commit(ctx context.Context) error {
	if w.DB == nil {
		return errors.New("warehouse: no generation to commit")
	}
	ctx = context.WithoutCancel(ctx)
	gen := w.gen
	fail := func(step string, err error) error {
		if w.DB != nil {
			w.DB.Close()
			w.DB = nil
		}
		removeGeneration(gen)
		w.gen = ""
		return fmt.Errorf("commit %s: %s: %w", w.Path, step, err)
	}
	w.log.Debug("commit: checkpoint")
	if _, err := w.DB.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fail("checkpoint", err)
	}
	err := w.DB.Close()
	w.DB = nil
	if err != nil {
		return fail("close", err)
	}
	if st, err := os.Stat(gen + ".wal"); err == nil {
		if st.Size() > 0 {
			return fail("close", fmt.Errorf("DuckDB left %d bytes in %s.wal after a checkpoint", st.Size(), gen))
		}
		os.Remove(gen + ".wal")
	}
	w.log.Debug("commit: closed")
	if err := syncFile(gen); err != nil {
		return fail("fsync", err)
	}
	if err := os.Chmod(gen, 0o600); err != nil {
		return fail("chmod", err)
	}
	w.log.Debug("commit: synced")
	if w.compact {
		// The generation was compacted to leave no trace of removed data: neither may the
		// previous one, which still holds it.
		os.Remove(PreviousPath(w.Path))
		w.compact = false
	} else {
		w.keepPrevious()
	}
	if err := os.Rename(gen, w.Path); err != nil {
		return fail("rename into place", err)
	}
	w.gen = ""
	syncDir(filepath.Dir(w.Path))
	w.log.Debug("commit: renamed into place", "file", w.Path)
	removeStaleAliases(w.Path)
	return nil
}

// compactGeneration rewrites the open generation into a fresh file (COPY FROM DATABASE:
// tables, views, macros, sequences with their values, constraints), so that data a migration
// removed does not survive in the file's free blocks. The fresh file replaces the generation.
func (w *Warehouse) compactGeneration(ctx context.Context) error {
	fresh := w.gen + ".compact"
	removeGeneration(fresh)
	var name string
	if err := w.DB.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		return fmt.Errorf("compact %s: %w", w.Path, err)
	}
	conn, err := w.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("compact %s: %w", w.Path, err)
	}
	for _, q := range []string{
		"CHECKPOINT",
		"ATTACH '" + escape(fresh) + "' AS caseload_compact",
		`COPY FROM DATABASE "` + strings.ReplaceAll(name, `"`, `""`) + `" TO caseload_compact`,
		"DETACH caseload_compact",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			removeGeneration(fresh)
			return fmt.Errorf("compact %s: %w", w.Path, err)
		}
	}
	conn.Close()
	if err := w.DB.Close(); err != nil {
		removeGeneration(fresh)
		return fmt.Errorf("compact %s: %w", w.Path, err)
	}
	w.DB = nil
	removeGeneration(w.gen)
	if err := os.Rename(fresh, w.gen); err != nil {
		return fmt.Errorf("compact %s: %w", w.Path, err)
	}
	db, err := openDB(w.gen, w.opt, dbSettings{tempDir: w.scratch})
	if err != nil {
		return w.classify(w.Path, err)
	}
	w.DB = db
	w.log.Info("the warehouse was rewritten into a fresh file, so that no trace of the data a migration removed stays in it", "file", w.Path)
	return nil
}

// keepPrevious hard-links the current warehouse file as the previous generation (best
// effort: a file system without hard links simply keeps none).
func (w *Warehouse) keepPrevious() {
	if _, err := os.Stat(w.Path); err != nil {
		return
	}
	prev := PreviousPath(w.Path)
	tmp := prev + ".tmp"
	os.Remove(tmp)
	if err := os.Link(w.Path, tmp); err != nil {
		w.log.Debug("previous generation not kept", "err", err)
		return
	}
	if err := os.Rename(tmp, prev); err != nil {
		os.Remove(tmp)
		w.log.Debug("previous generation not kept", "err", err)
	}
}

// checkLive checks the warehouse file before it is copied: what a damaged file is, and a
// WAL beside it (left by caseload versions that wrote in place) replayed into it first.
func (w *Warehouse) checkLive(ctx context.Context) error {
	if _, err := os.Stat(w.Path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := checkFile(w.Path); err != nil {
		return err
	}
	if st, err := os.Stat(w.Path + ".wal"); err == nil && st.Size() > 0 {
		// Earlier caseload versions wrote the warehouse in place; a WAL beside it holds
		// committed transactions not yet checkpointed. A copy without it would lose them.
		w.log.Info("replaying the write-ahead log an earlier caseload left beside the warehouse", "file", w.Path+".wal")
		db, err := openDB(w.Path, w.opt, dbSettings{tempDir: w.scratch})
		if err != nil {
			return w.classify(w.Path, err)
		}
		_, err = db.ExecContext(ctx, "CHECKPOINT")
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("warehouse %s: replaying its write-ahead log: %w", w.Path, err)
		}
	}
	return nil
}

// removeLeftovers removes what killed runs left: generations being written (only the lock
// holder calls this, so none is live), a new warehouse's template half-written beside it, the
// scratch directories of processes that are gone,
// and files of earlier caseload versions (the analyst snapshot copy, which the warehouse
// file itself now is, and temporary files beside the warehouse).
func (w *Warehouse) removeLeftovers() {
	state := StateDir(w.Path)
	gens, _ := filepath.Glob(filepath.Join(state, "gen-*.duckdb*"))
	for _, g := range gens {
		if os.Remove(g) == nil {
			w.log.Info("removed a generation an interrupted write left", "file", g)
		}
	}
	os.Remove(PreviousPath(w.Path) + ".tmp")
	// A new warehouse's template being written (installTemplate, through WriteAtomic).
	tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(w.Path), "."+filepath.Base(w.Path)+".tmp-*"))
	for _, t := range tmps {
		if os.Remove(t) == nil {
			w.log.Info("removed a new warehouse an interrupted start left half-written", "file", t)
		}
	}
	removeDeadScratch(w.Path, w.log)
	removeStaleAliases(w.Path)
	dir := filepath.Dir(w.Path)
	snap := legacySnapshotPath(w.Path)
	for _, pat := range []string{snap, snap + ".wal", "." + filepath.Base(snap) + ".tmp-*", ".caseload-utf8-*.csv"} {
		if !filepath.IsAbs(pat) {
			pat = filepath.Join(dir, pat)
		}
		matches, _ := filepath.Glob(pat)
		for _, m := range matches {
			if os.Remove(m) == nil {
				w.log.Info("removed a file an earlier caseload version left", "file", m)
			}
		}
	}
}

// legacySnapshotPath is where caseload versions before generations kept the analysts' copy.
func legacySnapshotPath(warehouse string) string {
	ext := filepath.Ext(warehouse)
	return strings.TrimSuffix(warehouse, ext) + ".snapshot" + ext
}

func removeGeneration(gen string) {
	os.Remove(gen)
	os.Remove(gen + ".wal")
	os.RemoveAll(gen + ".tmp")
}

// copyFile copies src to dst (created 0600; io.Copy uses copy_file_range on Linux).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
