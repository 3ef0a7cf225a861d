package warehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite template/warehouse.duckdb.gz from a warehouse made from nothing")

// TestTemplateIsCurrent: the embedded template is what Open makes from nothing (schema,
// views, macros, types, sequences, indexes and every row, applied_at aside). With -update
// it is rewritten from such a warehouse.
func TestTemplateIsCurrent(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.duckdb")
	w := open(t, fresh, Options{fromScratch: true})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	const file = "template/warehouse.duckdb.gz"
	if *update {
		writeTemplate(t, fresh, file)
	}
	gz, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !*update && !bytes.Equal(gz, templateGz) {
		t.Fatalf("%s differs from the embedded template (rebuild)", file)
	}
	tmpl := filepath.Join(dir, "template.duckdb")
	if err := os.WriteFile(tmpl, gunzip(t, gz), 0o600); err != nil {
		t.Fatal(err)
	}
	want, got := dumpWarehouse(t, fresh), dumpWarehouse(t, tmpl)
	for i := 0; i < max(len(want), len(got)); i++ {
		var a, b string
		if i < len(want) {
			a = want[i]
		}
		if i < len(got) {
			b = got[i]
		}
		if a != b {
			t.Fatalf("the embedded template is out of date (regenerate it: go test ./pipeline/warehouse -run TestTemplateIsCurrent -update)\nfirst difference, line %d:\n  made from nothing: %s\n  template:          %s", i+1, a, b)
		}
	}
	db, err := sql.Open("duckdb", tmpl+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var epoch bool
	if err := db.QueryRow("SELECT bool_and(applied_at = 'epoch'::TIMESTAMPTZ) FROM schema_migrations").Scan(&epoch); err != nil || !epoch {
		t.Errorf("the template's migrations should carry applied_at = epoch (%v)", err)
	}
}

// TestNewWarehouseFromTemplate: a new warehouse is the template, with nothing left to
// set up (one generation: the caller's), its migrations dated at creation, and another
// timezone applied on top.
func TestNewWarehouseFromTemplate(t *testing.T) {
	before := time.Now().Add(-time.Minute)
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := open(t, path, Options{})
	if w.seq != 1 {
		t.Errorf("generations begun at open: %d, want 1 (the template needs no setup commit)", w.seq)
	}
	var oldest time.Time
	if err := w.DB.QueryRow("SELECT min(applied_at) FROM schema_migrations").Scan(&oldest); err != nil {
		t.Fatal(err)
	}
	if oldest.Before(before) {
		t.Errorf("applied_at %v: want the time the warehouse was created", oldest)
	}
	w.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("warehouse file: %v %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(StateDir(path), "gen-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}

	// What a start killed while writing the template leaves is removed by the next one.
	path2 := filepath.Join(t.TempDir(), "w.duckdb")
	half := filepath.Join(filepath.Dir(path2), ".w.duckdb.tmp-123")
	if err := os.WriteFile(half, gunzip(t, templateGz)[:4096], 0o600); err != nil {
		t.Fatal(err)
	}
	w = open(t, path2, Options{Timezone: "Europe/Berlin"})
	defer w.Close()
	if got := one(t, w, "SELECT value FROM meta WHERE key = 'timezone'"); got != "Europe/Berlin" {
		t.Errorf("timezone %q", got)
	}
	if _, err := os.Stat(half); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", half, err)
	}
}

// writeTemplate turns a warehouse made from nothing into the template file: migrations
// dated epoch (migrate dates them at the new warehouse's first open), gzipped.
func writeTemplate(t *testing.T, fresh, file string) {
	t.Helper()
	db, err := sql.Open("duckdb", fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE schema_migrations SET applied_at = 'epoch'::TIMESTAMPTZ; CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	os.Remove(fresh + ".wal")
	raw, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes, %d uncompressed)", file, b.Len(), len(raw))
}

func gunzip(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// dumpWarehouse lists a warehouse file's catalogue and contents as lines of text, in a
// fixed order, without schema_migrations.applied_at.
func dumpWarehouse(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	var out []string
	add := func(label, q string) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, label+" "+fmt.Sprintf("%v", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	const here = "database_name = current_database()"
	add("table", "SELECT table_name, sql FROM duckdb_tables() WHERE "+here+" ORDER BY ALL")
	add("view", "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND "+here+" ORDER BY ALL")
	add("function", "SELECT function_name, function_type, parameters::VARCHAR, macro_definition FROM duckdb_functions() WHERE NOT internal AND "+here+" ORDER BY ALL")
	add("type", "SELECT type_name, logical_type, labels::VARCHAR FROM duckdb_types() WHERE NOT internal AND "+here+" ORDER BY ALL")
	add("sequence", "SELECT sequence_name, start_value, min_value, max_value, increment_by, cycle, last_value FROM duckdb_sequences() WHERE "+here+" ORDER BY ALL")
	add("index", "SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE "+here+" ORDER BY ALL")
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE "+here+" ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		q := fmt.Sprintf(`SELECT * FROM %q ORDER BY ALL`, tb)
		if tb == "schema_migrations" {
			q = `SELECT * EXCLUDE (applied_at) FROM schema_migrations ORDER BY ALL`
		}
		add("row "+tb, q)
	}
	return out
}
