package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func count(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func readCount(t *testing.T, path, q string) int {
	t.Helper()
	db, _, err := OpenAnalyst(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return count(t, db, q)
}

func insertMeta(t *testing.T, w *Warehouse, key string) {
	t.Helper()
	if err := SetMeta(context.Background(), w.DB, key, "x"); err != nil {
		t.Fatal(err)
	}
}

// TestGenerations: changes are private until Commit, which replaces the warehouse file
// whole and keeps the one before as the previous generation; Close without Commit discards
// them and leaves no file behind.
func TestGenerations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := open(t, path, Options{})
	base := readCount(t, path, "SELECT count(*) FROM meta")
	insertMeta(t, w, "discarded")
	if got := readCount(t, path, "SELECT count(*) FROM meta"); got != base {
		t.Errorf("a reader sees uncommitted changes: %d rows, want %d", got, base)
	}
	w.Close()
	if got := readCount(t, path, "SELECT count(*) FROM meta"); got != base {
		t.Errorf("Close without Commit kept the changes: %d rows, want %d", got, base)
	}
	if gens, _ := filepath.Glob(filepath.Join(StateDir(path), "gen-*")); len(gens) != 0 {
		t.Errorf("generation files left: %v", gens)
	}

	w = open(t, path, Options{})
	defer w.Close()
	// A reader that opened before the commit keeps its generation; one after sees the new.
	old, _, err := OpenAnalyst(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	insertMeta(t, w, "kept")
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if w.DB != nil {
		t.Error("DB is still open after Commit")
	}
	if got := count(t, old, "SELECT count(*) FROM meta"); got != base {
		t.Errorf("the reader opened before the commit sees %d rows, want %d", got, base)
	}
	if got := readCount(t, path, "SELECT count(*) FROM meta"); got != base+1 {
		t.Errorf("after Commit: %d rows, want %d", got, base+1)
	}
	if got := readCount(t, PreviousPath(path), "SELECT count(*) FROM meta"); got != base {
		t.Errorf("previous generation: %d rows, want %d", got, base)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if _, err := os.Stat(path + ".wal"); err == nil {
		t.Error("a WAL beside the committed warehouse")
	}
	// Writing again needs a new generation.
	if err := w.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(t, w.DB, "SELECT count(*) FROM meta"); got != base+1 {
		t.Errorf("new generation starts from %d rows, want %d", got, base+1)
	}
}

// TestLeftovers: a start removes the generations and scratch directories that killed
// processes left, the snapshot file of earlier versions, and stale generation aliases; it
// keeps a live process's scratch directory.
func TestLeftovers(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "w.duckdb")
	open(t, path, Options{}).Close()
	state := StateDir(path)
	dead := filepath.Join(ScratchDir(path), "999999999-1")
	reused := filepath.Join(ScratchDir(path), fmt.Sprintf("%d-1", os.Getppid())) // a live PID with another start time
	live := filepath.Join(ScratchDir(path), processTag(os.Getppid()))
	for _, d := range []string{dead, reused, live, filepath.Join(state, "read")} {
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "spill.tmp"), []byte("x"), 0o600)
	}
	for _, f := range []string{filepath.Join(state, "gen-1-1.duckdb"), filepath.Join(state, "gen-1-1.duckdb.wal"),
		filepath.Join(state, "read", "12345.duckdb"), filepath.Join(dir, "w.snapshot.duckdb"), filepath.Join(dir, ".caseload-utf8-1.csv")} {
		os.WriteFile(f, []byte("x"), 0o600)
	}
	w := open(t, path, Options{})
	defer w.Close()
	for _, gone := range []string{dead, reused, filepath.Join(state, "gen-1-1.duckdb"), filepath.Join(state, "gen-1-1.duckdb.wal"),
		filepath.Join(state, "read", "12345.duckdb"), filepath.Join(dir, "w.snapshot.duckdb"), filepath.Join(dir, ".caseload-utf8-1.csv")} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("%s was not removed", gone)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's scratch directory was removed: %v", err)
	}
}

// TestDamagedWarehouse: files that are not readable DuckDB databases are reported as what
// they are, with the way back, never as "in use".
func TestDamagedWarehouse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.duckdb")
	w := open(t, good, Options{})
	insertMeta(t, w, "a")
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	content, _ := os.ReadFile(good)
	cases := []struct {
		name  string
		setup func(path string)
		want  string
	}{
		{"directory", func(p string) { os.Mkdir(p, 0o755) }, "is a directory"},
		{"empty", func(p string) { os.WriteFile(p, nil, 0o600) }, "is empty"},
		{"zeroed", func(p string) { os.WriteFile(p, make([]byte, 1<<20), 0o600) }, "are zeros"},
		{"text", func(p string) { os.WriteFile(p, []byte("case_id,item_code\n"), 0o600) }, "not a DuckDB database"},
		{"sqlite", func(p string) { os.WriteFile(p, append([]byte("SQLite format 3\x00"), make([]byte, 4096)...), 0o600) }, "SQLite"},
		{"truncated", func(p string) { os.WriteFile(p, content[:len(content)/3], 0o600) }, "cannot be read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.duckdb")
			c.setup(path)
			var iu *InUseError
			_, err := Open(ctx, Options{Path: path})
			if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &iu) {
				t.Errorf("writer: %v, want %q", err, c.want)
			}
			if c.name != "directory" && (err == nil || !strings.Contains(err.Error(), "caseload pull")) {
				t.Errorf("writer: no way back in %v", err)
			}
			_, _, err = OpenAnalyst(path, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) || errors.As(err, &iu) {
				t.Errorf("reader: %v, want %q", err, c.want)
			}
		})
	}
	// With a previous generation, the message names it and how to restore it.
	w = open(t, good, Options{})
	insertMeta(t, w, "b")
	if err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	w.Close()
	os.WriteFile(good, make([]byte, 4096), 0o600)
	_, err := Open(ctx, Options{Path: good})
	if err == nil || !strings.Contains(err.Error(), "cp "+PreviousPath(good)+" "+good) {
		t.Errorf("no restore command in %v", err)
	}
}

// TestHeldByOtherProgram: a DuckDB opened read-write on the warehouse by another program
// (a real second process) is named with its PID; caseload's writer is not blocked (it
// copies), readers are.
func TestHeldByOtherProgram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	open(t, path, Options{}).Close()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHoldDuckDB$")
	cmd.Env = append(os.Environ(), "CASELOAD_TEST_DUCKDB_HOLD="+path)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("helper did not open the file: %q %v", buf, err)
	}
	_, _, err := OpenAnalyst(path, Options{})
	var iu *InUseError
	if !errors.As(err, &iu) || !iu.Other || !strings.Contains(err.Error(), fmt.Sprintf("PID %d", cmd.Process.Pid)) {
		t.Errorf("reader: %v", err)
	}
	w, err := Open(context.Background(), Options{Path: path})
	if err != nil {
		t.Errorf("writer blocked by another program's read-write open: %v", err)
	} else {
		w.Close()
	}
}

// TestHoldDuckDB is TestHeldByOtherProgram's helper process.
func TestHoldDuckDB(t *testing.T) {
	path := os.Getenv("CASELOAD_TEST_DUCKDB_HOLD")
	if path == "" {
		return // only runs as TestHeldByOtherProgram's helper process
	}
	db, err := sql.Open("duckdb", path)
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("held\n")
	time.Sleep(60 * time.Second)
}

// TestLegacyWAL: a warehouse written in place by an earlier caseload, killed with committed
// transactions still in its WAL, keeps them: the WAL is replayed before the first copy.
func TestLegacyWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	open(t, path, Options{}).Close()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWriteInPlace$")
	cmd.Env = append(os.Environ(), "CASELOAD_TEST_IN_PLACE="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper: %v %s", err, out)
	}
	if st, err := os.Stat(path + ".wal"); err != nil || st.Size() == 0 {
		t.Fatalf("the helper left no WAL: %v", err)
	}
	w := open(t, path, Options{})
	defer w.Close()
	if got := count(t, w.DB, "SELECT count(*) FROM meta WHERE key = 'in-place'"); got != 1 {
		t.Errorf("the WAL's transaction was lost")
	}
}

// TestWriteInPlace is TestLegacyWAL's helper: it commits a write in place, as caseload did
// before generations, and exits without closing (no checkpoint).
func TestWriteInPlace(t *testing.T) {
	path := os.Getenv("CASELOAD_TEST_IN_PLACE")
	if path == "" {
		return // only runs as TestLegacyWAL's helper process
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA disable_checkpoint_on_shutdown; INSERT INTO meta VALUES ('in-place', 'x')"); err != nil {
		t.Fatal(err)
	}
	os.Exit(0)
}

// TestAnalystTempLimit: a reading process spills into its own scratch directory under
// .caseload/tmp, capped, with external access off and the configuration locked.
func TestAnalystTempLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	open(t, path, Options{}).Close()
	db, _, err := OpenAnalyst(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tmp, limit, external, locked string
	if err := db.QueryRow(`SELECT current_setting('temp_directory'), current_setting('max_temp_directory_size'),
		current_setting('enable_external_access')::VARCHAR, current_setting('lock_configuration')::VARCHAR`).Scan(&tmp, &limit, &external, &locked); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tmp, ScratchDir(path)+string(filepath.Separator)) {
		t.Errorf("temp_directory %s, want under %s", tmp, ScratchDir(path))
	}
	if want := AnalystTempLimit(path); limit == "" || want == "" {
		t.Errorf("max_temp_directory_size %q (limit %q)", limit, want)
	}
	if external != "false" || locked != "true" {
		t.Errorf("enable_external_access %s, lock_configuration %s", external, locked)
	}
	if _, err := db.Exec("SET max_temp_directory_size = '1TB'"); err == nil {
		t.Error("a query could raise its own spill limit")
	}
}

// TestConcurrentReaders: many opens of one generation at once (caseload serve) all succeed:
// they share one DuckDB instance, whose configuration the first locks.
func TestConcurrentReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	open(t, path, Options{}).Close()
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		go func() {
			db, _, err := OpenAnalyst(path, Options{})
			if err == nil {
				var n int
				err = db.QueryRow("SELECT count(*) FROM meta").Scan(&n)
				db.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 16; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
