package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runsJSON runs `caseload runs --format json` in dir.
func runsJSON(t *testing.T, dir string, args ...string) []runJSON {
	t.Helper()
	out, errs, code := run(t, dir, append([]string{"runs", "--format", "json", "--limit", "0"}, args...)...)
	if code != 0 {
		t.Fatalf("runs: %d %s", code, errs)
	}
	var rs []runJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("runs JSON: %v\n%s", err, out)
	}
	return rs
}

// TestBackfillDemo: on the demo, a backfill of ten months writes ten periods' reports in ten
// runs (trigger backfill); with --only-missing it then runs nothing (issue 9, acceptance 5).
func TestBackfillDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: writes and pulls the demo project")
	}
	dir := t.TempDir()
	if _, errs, code := run(t, dir, "--quiet", "demo", "demo"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	proj := filepath.Join(dir, "demo")
	out, errs, code := run(t, proj, "run", "monthly-report", "--from", "2022-01", "--to", "2022-10")
	if code != 0 {
		t.Fatalf("backfill: %d\n%s%s", code, out, errs)
	}
	rs := runsJSON(t, proj)
	if len(rs) != 10 {
		t.Fatalf("%d runs, want 10", len(rs))
	}
	for i, r := range rs {
		want := fmt.Sprintf("2022-%02d", 10-i)
		if r.Period != want || r.Trigger != "backfill" || r.Status != "succeeded" || len(r.Outputs) != 3 {
			t.Errorf("run %d: %+v", i, r)
		}
		if _, err := os.Stat(filepath.Join(proj, "reports", want, "report-"+want+".xlsx")); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
	out, errs, code = run(t, proj, "run", "monthly-report", "--from", "2022-01", "--to", "2022-10", "--only-missing")
	if code != 0 || !strings.Contains(out, "nothing to run") || len(runsJSON(t, proj)) != 10 {
		t.Errorf("--only-missing: %d\n%s%s", code, out, errs)
	}
	out, _, code = run(t, proj, "run", "monthly-report", "--from", "2022-09", "--to", "2022-11", "--only-missing", "--dry-run")
	if code != 0 || !strings.Contains(out, "2022-09                skip (succeeded in run") || !strings.Contains(out, "2022-11                run") {
		t.Errorf("--dry-run:\n%s", out)
	}
}
