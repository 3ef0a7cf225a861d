package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/kpi"
)

// kpiProject is a project with the KPI fixture of pipeline/kpi/testdata pulled through
// `caseload pull`.
func kpiProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	fixture, err := filepath.Abs("../pipeline/kpi/testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	yaml := "office: 测试侨办\ntimezone: Asia/Shanghai\nwarehouse: caseload.duckdb\nitems: " + filepath.Join(fixture, "items.csv") + "\n"
	cfg := filepath.Join(dir, "caseload.yaml")
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "--config", cfg, "--quiet", "pull", filepath.Join(fixture, "01-cases.csv"), filepath.Join(fixture, "02-update.csv"))
	if code != 0 {
		t.Fatalf("pull: exit %d: %s", code, stderr)
	}
	return cfg
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestKPIJSON: `caseload kpi --format json` gives every §5 key with the hand-computed
// values of pipeline/kpi/testdata/expected, as JSON numbers or null.
func TestKPIJSON(t *testing.T) {
	cfg := kpiProject(t)
	files, _ := filepath.Glob("../pipeline/kpi/testdata/expected/*.json")
	if len(files) == 0 {
		t.Fatal("no expectations")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var want struct {
			Period string         `json:"period"`
			KPIs   map[string]any `json:"kpis"`
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := runCLI(t, "--config", cfg, "kpi", "--period", want.Period, "--format", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", want.Period, code, stderr)
		}
		var got struct {
			Office string `json:"office"`
			Period struct {
				Label string `json:"label"`
			} `json:"period"`
			KPIs    map[string]any   `json:"kpis"`
			ByItem  []map[string]any `json:"by_item"`
			Monthly []map[string]any `json:"monthly"`
			Data    map[string]any   `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: %v\n%s", want.Period, err, out)
		}
		if got.Office != "测试侨办" || got.Period.Label != want.Period || len(got.ByItem) != 5 || len(got.Monthly) != 13 {
			t.Errorf("%s: office %q period %q, %d items, %d months", want.Period, got.Office, got.Period.Label, len(got.ByItem), len(got.Monthly))
		}
		if len(got.KPIs) != len(kpi.Keys()) {
			t.Errorf("%s: %d kpis", want.Period, len(got.KPIs))
		}
		for _, k := range kpi.Keys() {
			w, g := want.KPIs[k], got.KPIs[k]
			wf, wok := w.(float64)
			gf, gok := g.(float64)
			if (w == nil) != (g == nil) || wok != gok || (wok && math.Abs(wf-gf) > 1e-9*math.Max(1, math.Abs(wf))) {
				t.Errorf("%s: %s = %v, want %v", want.Period, k, g, w)
			}
		}
		if fp, _ := got.Data["fingerprint"].(string); len(fp) != 64 || got.Data["cases"] != 28.0 {
			t.Errorf("%s: data %v", want.Period, got.Data)
		}
	}
	if !strings.Contains(mustRun(t, "--config", cfg, "kpi", "--period", "2022-10", "--format", "json"), `"received": 9,`) {
		t.Error("counts are not plain JSON integers")
	}
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	return out
}

func TestKPITableAndCSV(t *testing.T) {
	cfg := kpiProject(t)
	out := mustRun(t, "--config", cfg, "kpi", "--period", "2022-10")
	for _, want := range []string{"测试侨办 · 2022年10月", "即办率", "50.0%", "“三侨生”身份认定", "华侨回国落户审核（已停办）", "打包办", "11.1%", "2021-10"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// CJK-aware alignment: the value column ends at the same display column on every KPI row.
	lines := strings.Split(out, "\n")
	var ends []int
	for _, l := range lines[3 : 3+len(kpi.Keys())] {
		ends = append(ends, displayWidth(l))
	}
	for _, e := range ends {
		if e != ends[0] {
			t.Errorf("KPI rows not aligned: widths %v\n%s", ends, strings.Join(lines[:30], "\n"))
			break
		}
	}
	en := mustRun(t, "--config", cfg, "--lang", "en", "kpi", "--period", "2022-Q4", "--format", "table")
	if !strings.Contains(en, "2022 Q4") || !strings.Contains(en, "by item") {
		t.Errorf("--lang en table:\n%s", en)
	}

	csvOut := mustRun(t, "--config", cfg, "kpi", "--period", "2022-10", "--format", "csv")
	if !strings.HasPrefix(csvOut, "\ufeffkey,name_zh,value\r\n") {
		t.Errorf("csv header: %q", csvOut[:min(40, len(csvOut))])
	}
	rows := strings.Split(strings.TrimSpace(csvOut), "\r\n")
	if len(rows) != 1+len(kpi.Keys()) {
		t.Errorf("csv has %d rows", len(rows))
	}
	for _, want := range []string{"received,受理量,9", "instant_items_ratio,即办率,0.5", "same_day_ratio,当日办结率,0.3333333333333333", "received_mom_growth,受理量环比增长率,8"} {
		if !strings.Contains(csvOut, want+"\r\n") {
			t.Errorf("csv lacks %q", want)
		}
	}
	if empty := mustRun(t, "--config", cfg, "kpi", "--period", "2011", "--format", "csv"); !strings.Contains(empty, "same_day_ratio,当日办结率,\r\n") {
		t.Errorf("null is an empty cell: %s", empty)
	}
}

func TestKPIBadPeriod(t *testing.T) {
	for _, p := range []string{"2022-13", "last-month", "2022-Q5", "ytd:2022", "2022-02-30..2022-03-01"} {
		code, _, stderr := runCLI(t, "kpi", "--period", p)
		if code != ExitUsage || !strings.Contains(stderr, "accepted forms") || !strings.Contains(stderr, "ytd:2022-10") {
			t.Errorf("--period %s: exit %d, %s", p, code, stderr)
		}
	}
	if code, _, stderr := runCLI(t, "kpi"); code != ExitUsage || !strings.Contains(stderr, "accepted forms") {
		t.Errorf("no --period: exit %d, %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "kpi", "--period", "2022-10", "--format", "xml"); code != ExitUsage {
		t.Errorf("--format xml: exit %d", code)
	}
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
