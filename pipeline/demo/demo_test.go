package demo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/config"
)

// TestWriteProject: the demo project is caseload.yaml (the §3 form, valid, with the report
// wording keys), the catalogue and the four exports, the same bytes every time; a second demo
// into the same directory is refused.
func TestWriteProject(t *testing.T) {
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	files, err := WriteProject(ctx, dirA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteProject(ctx, dirB); err != nil {
		t.Fatal(err)
	}
	want := []string{"caseload.yaml", "items.csv", "incoming/2017-2019.csv", "incoming/2020-2021.xlsx", "incoming/2022.csv",
		"incoming/2022-11-update.ndjson"}
	if len(files) != len(want) {
		t.Fatalf("files %v", files)
	}
	for i, f := range files {
		rel, _ := filepath.Rel(dirA, f.Path)
		if filepath.ToSlash(rel) != want[i] || f.Note == "" {
			t.Errorf("file %d: %+v", i, f)
		}
		a, _ := os.ReadFile(f.Path)
		b, _ := os.ReadFile(filepath.Join(dirB, rel))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: not deterministic", rel)
		}
	}

	// caseload.yaml: the §3 form, and it loads
	y, _ := os.ReadFile(filepath.Join(dirA, "caseload.yaml"))
	for _, s := range []string{"\noffice: 示范县侨办\n", "\ntimezone: Asia/Shanghai\n", "\nwarehouse: caseload.duckdb\n",
		"\nitems: items.csv\n", "\n  - name: approvals\n", "\n    path: \"incoming/*\"\n", "\n    encoding: auto\n",
		"\n  - name: monthly-report\n", "schedule: \"0 6 1 * *\"", "period: previous-month", "steps: [pull, report]",
		"formats: [xlsx, html, json]", "out: reports/{period}", "\n  unit: 宗", "\n  since: 2017", "\n  focus_items: [QB02]"} {
		if !bytes.Contains(y, []byte(s)) {
			t.Errorf("caseload.yaml lacks %q", s)
		}
	}
	cfg, err := config.Load(filepath.Join(dirA, "caseload.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Reports.Unit != "宗" || cfg.Reports.Since.String() != "2017" || strings.Join(cfg.Reports.FocusCodes(), ",") != FocusItem {
		t.Errorf("reports settings: %+v", cfg.Reports)
	}

	// A second demo into the same directory is refused; a changed caseload.yaml is not replaced.
	if _, err := WriteProject(ctx, dirA); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second demo into the same directory: %v", err)
	}
	dirC := t.TempDir()
	os.WriteFile(filepath.Join(dirC, "caseload.yaml"), []byte("office: mine\n"), 0o644)
	if _, err := WriteProject(ctx, dirC); err == nil || !strings.Contains(err.Error(), "differs from the demo's") {
		t.Errorf("demo over another project: %v", err)
	}
}
