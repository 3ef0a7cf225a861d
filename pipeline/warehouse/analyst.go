package warehouse

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// OpenAnalyst opens what analysts, kpi, report and serve read: the warehouse file, which is
// the last committed generation (see the package doc), read-only and sandboxed (no file
// access through SQL, configuration locked), with opt's Timezone, MemoryLimit and Threads,
// spill files in this process's scratch directory, capped (AnalystTempLimit). It returns the
// database and the file it opened. The caller must close it before opening the same path
// again with other settings in the same process (DuckDB shares one instance per path).
func OpenAnalyst(path string, opt Options) (*sql.DB, string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("no warehouse at %s yet: run `caseload pull` first", path)
	}
	db, err := OpenReadOnlyWith(path, opt)
	return db, path, err
}

// OpenReadOnly opens a warehouse file for analysts: read-only, no access to files or
// extensions through SQL, configuration locked.
func OpenReadOnly(path, timezone string) (*sql.DB, error) {
	return OpenReadOnlyWith(path, Options{Timezone: timezone})
}

// OpenReadOnlyWith is OpenReadOnly with the DuckDB resource settings of opt (Timezone,
// MemoryLimit, Threads, Logger); the other fields are ignored.
func OpenReadOnlyWith(path string, opt Options) (*sql.DB, error) {
	if err := checkFile(path); err != nil {
		var de *DamagedError
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if opt.Timezone == "" {
		opt.Timezone = "Asia/Shanghai"
	}
	removeDeadScratch(path, opt.Logger)
	scratch, err := ProcessScratchDir(path)
	if err != nil {
		return nil, err
	}
	settings := dbSettings{readOnly: true, tempDir: scratch, maxTempDirSize: AnalystTempLimit(path)}
	ropt := Options{Timezone: opt.Timezone, MemoryLimit: opt.MemoryLimit, Threads: opt.Threads}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		alias := generationAlias(path)
		db, err := openDB(alias, ropt, settings)
		if err == nil {
			return db, nil
		}
		lastErr = err
		if _, serr := os.Stat(alias); serr == nil {
			break // the alias was there: the error is about the file itself
		}
		// A writer committed a new generation and removed the alias between our link and
		// DuckDB's open: take the new one.
	}
	return nil, classify(path, lastErr)
}

// generationAlias returns a path naming the generation now at path by its inode:
// ".caseload/read/INODE.duckdb", a hard link made on first use. DuckDB keeps one database
// instance per path in a process: a long-running reader (caseload serve) that opened the
// warehouse path itself would be handed the old generation for as long as any query still
// held it. Under a name per generation, the next open after a commit gets the new one.
// Without a writable .caseload (read-only media) it is path itself.
func generationAlias(path string) string {
	for attempt := 0; attempt < 3; attempt++ {
		st, err := os.Stat(path)
		if err != nil {
			return path
		}
		ino := inode(st)
		dir := filepath.Join(StateDir(path), "read")
		alias := filepath.Join(dir, strconv.FormatUint(ino, 10)+".duckdb")
		if ast, err := os.Stat(alias); err == nil && inode(ast) == ino {
			return alias
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return path
		}
		tmp := alias + ".tmp-" + strconv.Itoa(os.Getpid())
		os.Remove(tmp)
		if err := os.Link(path, tmp); err != nil {
			return path
		}
		lst, err := os.Stat(tmp)
		if err != nil || inode(lst) != ino {
			os.Remove(tmp) // path was replaced between the stat and the link: again
			continue
		}
		if err := os.Rename(tmp, alias); err != nil {
			os.Remove(tmp)
			return path
		}
		return alias
	}
	return path
}

func inode(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

// removeStaleAliases removes the generation aliases of generations that are no longer the
// warehouse (readers that have one open keep reading it).
func removeStaleAliases(warehousePath string) {
	st, err := os.Stat(warehousePath)
	current := ""
	if err == nil {
		current = strconv.FormatUint(inode(st), 10) + ".duckdb"
	}
	dir := filepath.Join(StateDir(warehousePath), "read")
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != current {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// AnalystTempLimit is how much disk DuckDB may use for one reading process's spill files:
// a quarter of the free space on the warehouse's file system when it opens (at least
// 256 MiB), so that a runaway analyst query stops with an error ("… max_temp_directory_size
// …") long before it fills the disk a pull needs.
func AnalystTempLimit(path string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(ScratchDir(path), &st); err != nil {
		return ""
	}
	free := uint64(st.Bavail) * uint64(st.Bsize)
	limit := max(free/4, 256<<20)
	return fmt.Sprintf("%dMiB", limit>>20)
}
