package warehouse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// InUseError reports that another process holds the warehouse.
type InUseError struct {
	Path   string
	Holder string // "PID 1234 (caseload pull since 2026-11-24T10:00:00+08:00)" or "PID 1234" for a non-caseload process
	Other  bool   // the holder is not a caseload writer (e.g. a DuckDB CLI opened the file read-write)
}

func (e *InUseError) Error() string {
	if e.Other {
		return fmt.Sprintf("warehouse %s is open for writing in another program (%s), not caseload; close it there (open it read-only, e.g. duckdb -readonly) and try again", e.Path, e.Holder)
	}
	if e.Holder == "" {
		return fmt.Sprintf("warehouse %s is in use by another caseload; try again when it has finished", e.Path)
	}
	return fmt.Sprintf("warehouse %s is in use by another caseload: %s; try again when it has finished", e.Path, e.Holder)
}

// DamagedError reports a warehouse (or a file given as one) that cannot be read as a DuckDB
// database, with what is wrong and how to recover.
type DamagedError struct {
	Path string
	What string // "is a directory", "is empty", "is not a DuckDB database (…)", "cannot be read: …"
	Hint string // how to recover
	Err  error  // DuckDB's error, if it gave one
}

func (e *DamagedError) Error() string {
	s := fmt.Sprintf("warehouse %s %s", e.Path, e.What)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Check says what is wrong with a warehouse file that cannot be a DuckDB database (a
// *DamagedError), judged by its header; nil for a sound-looking one.
func Check(path string) error { return checkFile(path) }

// duckdbMagic sits at byte 8 of every DuckDB database file.
var duckdbMagic = []byte("DUCK")

// checkFile says what is wrong with a file that should be a DuckDB database: a directory,
// empty, all zeros, or something else entirely (judged by the header, before DuckDB opens it).
func checkFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("warehouse %s: %w", path, err)
	}
	if st.IsDir() {
		return &DamagedError{Path: path, What: "is a directory, not a DuckDB file", Hint: "give the warehouse file's path (warehouse: in caseload.yaml or --db)"}
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("warehouse %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("warehouse %s: %w", path, err)
	}
	head = head[:n]
	switch {
	case n == 0:
		return &DamagedError{Path: path, What: "is empty (0 bytes), not a DuckDB database", Hint: recoveryHint(path)}
	case len(bytes.Trim(head, "\x00")) == 0:
		return &DamagedError{Path: path, What: fmt.Sprintf("is not a DuckDB database: its first %d bytes are zeros (%s)", n, size(st.Size())), Hint: recoveryHint(path)}
	case n < 12 || !bytes.Equal(head[8:12], duckdbMagic):
		return &DamagedError{Path: path, What: "is not a DuckDB database (no DuckDB header" + describeContent(head) + ")", Hint: recoveryHint(path)}
	}
	return nil
}

func describeContent(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3")):
		return "; it is an SQLite database"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "; it is a ZIP file, perhaps a workbook"
	case bytes.HasPrefix(head, []byte("PAR1")):
		return "; it is a Parquet file"
	}
	return ""
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// recoveryHint says how to get a readable warehouse back: the previous generation if there
// is a sound one, otherwise pulling the sources again into a new file.
func recoveryHint(path string) string {
	prev := PreviousPath(path)
	if st, err := os.Stat(prev); err == nil && checkFile(prev) == nil {
		return fmt.Sprintf("the generation before the last write (%s) is %s: restore it with `cp %s %s`; `caseload pull` then pulls the files of the last write again",
			st.ModTime().Format(time.RFC3339), prev, shellQuote(prev), shellQuote(path))
	}
	return fmt.Sprintf("no earlier generation is kept; move the file aside and run `caseload pull` to rebuild the warehouse from the source files (e.g. `mv %s %s.damaged`)", shellQuote(path), shellQuote(path))
}

func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// classify turns DuckDB's open errors into messages a user can act on. DuckDB reports a
// lock held by another process, a truncated file and an unreadable one all as IO errors;
// which one it is comes from the operating system (fcntl F_GETLK names the holder) and
// from the file's header, never from the error's text.
func classify(path string, err error) error {
	var de *duckdb.Error
	if !errors.As(err, &de) {
		return fmt.Errorf("open warehouse %s: %w", path, err)
	}
	first := strings.SplitN(de.Msg, "\n", 2)[0]
	switch de.Type {
	case duckdb.ErrorTypeIO:
		if pid := lockHolder(path); pid != 0 {
			return &InUseError{Path: path, Holder: fmt.Sprintf("PID %d", pid), Other: true}
		}
		if cerr := checkFile(path); cerr != nil {
			return cerr
		}
		return &DamagedError{Path: path, What: "cannot be read as a DuckDB database (" + first + ")", Hint: recoveryHint(path), Err: err}
	case duckdb.ErrorTypeSerialization, duckdb.ErrorTypeCatalog, duckdb.ErrorTypeInternal, duckdb.ErrorTypeFatal:
		return &DamagedError{Path: path, What: "is damaged (" + first + ")", Hint: recoveryHint(path), Err: err}
	}
	return fmt.Errorf("open warehouse %s: %w", path, err)
}

func (w *Warehouse) classify(path string, err error) error { return classify(path, err) }

// lockHolder returns the PID of another process holding a write lock (fcntl, as DuckDB
// takes) on path, or 0.
func lockHolder(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, &lk); err != nil {
		return 0
	}
	if lk.Type == syscall.F_UNLCK {
		return 0
	}
	return int(lk.Pid)
}
