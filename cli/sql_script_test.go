package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLScripts: several statements (QUERY, -f, standard input) run in turn; the first
// failure stops the run naming the statement's line; --timeout stops a runaway query with
// caseload's own message; TIMESTAMPTZ is shown in the office timezone.
func TestSQLScripts(t *testing.T) {
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	out, errs, code := run(t, dir, "sql", "SELECT 1 AS a; SELECT 'x;y' AS b", "--format", "csv")
	if code != 0 || out != "\ufeffa\r\n1\r\n\n\ufeffb\r\nx;y\r\n" {
		t.Errorf("two statements: %d %q %s", code, out, errs)
	}
	script := filepath.Join(dir, "q.sql")
	os.WriteFile(script, []byte("-- first; a comment\nSELECT 1 AS a;\n\n/* then */ SELECT\n  nope;\nSELECT 3;\n"), 0o644)
	out, errs, code = run(t, dir, "sql", "-f", script, "--format", "csv")
	if code != ExitFailure || !strings.Contains(errs, "q.sql:4: Binder Error") || !strings.Contains(out, "a\r\n1") || strings.Contains(out, "3") {
		t.Errorf("-f failure: %d %q %q", code, out, errs)
	}
	if _, errs, code := run(t, dir, "sql", "SELECT 1; DROP TABLE cases"); code != ExitFailure || !strings.Contains(errs, "statement 2 (line 1): read-only: DROP") {
		t.Errorf("refused second statement: %d %q", code, errs)
	}
	if _, errs, code := run(t, dir, "sql", "--timeout", "1s", "SELECT count(*) FROM range(1000000000000000) a"); code != ExitFailure || !strings.Contains(errs, "caseload: query stopped after 1s (--timeout)") {
		t.Errorf("timeout: %d %q", code, errs)
	}
	out, _, code = run(t, dir, "sql", "SELECT received_at FROM cases", "--format", "json")
	if code != 0 || !strings.Contains(out, `"received_at":"2022-10-01 09:00:00+08:00"`) {
		t.Errorf("timestamptz json: %q", out)
	}
	if _, errs, code := run(t, dir, "sql", "SELECT 1", "--format", "parquet", "-o", filepath.Join(dir, "no", "such", "dir.parquet")); code == 0 {
		t.Errorf("export into a missing directory: %q", errs)
	}
	if _, errs, code := run(t, dir, "sql", "SELECT 1; SELECT 2", "--format", "xlsx", "-o", filepath.Join(dir, "x.xlsx")); code != ExitUsage || !strings.Contains(errs, "holds one result") {
		t.Errorf("two results into one xlsx: %d %q", code, errs)
	}
}
