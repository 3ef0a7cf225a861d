package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/period"
)

func TestReportCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: pulls the demo dataset")
	}
	dir := t.TempDir()
	if _, errs, code := run(t, dir, "--quiet", "demo", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errs)
	}
	proj := filepath.Join(dir, "demo")
	out, errs, code := run(t, proj, "report", "--period", "ytd:2022-10", "--details")
	if code != 0 {
		t.Fatalf("report: exit %d\n%s", code, errs)
	}
	for _, ext := range []string{"xlsx", "html", "json"} {
		path := filepath.Join(proj, "reports", "report-ytd-2022-10."+ext)
		if !strings.Contains(out, path) {
			t.Errorf("output does not say where %s is:\n%s", ext, out)
		}
		if st, err := os.Stat(path); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", path, err)
		}
	}
	// the JSON is the KPI document of the period
	b, err := os.ReadFile(filepath.Join(proj, "reports", "report-ytd-2022-10.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Period struct{ Label string } `json:"period"`
		KPIs   map[string]any         `json:"kpis"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Period.Label != "ytd:2022-10" || doc.KPIs["instant_items_ratio"] != 0.875 {
		t.Errorf("json: %v %+v", err, doc)
	}
	// the HTML carries the news-brief draft with the office's figures
	html, _ := os.ReadFile(filepath.Join(proj, "reports", "report-ytd-2022-10.html"))
	for _, want := range []string{"新闻稿素材", "即办率为87.5%，与上年同期持平", "已化解历史疑难件42宗", "化解率为50.0%",
		"2017年以来累计审批涉侨业务14,856宗", "分事项看，“三侨生”身份认定受理252宗，同比增长34.0%"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("html lacks %q", want)
		}
	}
	// English, one format, another directory, a custom-free default name
	out, errs, code = run(t, proj, "--lang", "en", "report", "--period", "2022-10", "--format", "html", "--out", "en")
	if code != 0 || !strings.Contains(out, filepath.Join("en", "report-2022-10.html")) {
		t.Fatalf("report en: exit %d\n%s%s", code, out, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(proj, "en", "report-2022-10.html")); !strings.Contains(string(b), "News-brief draft") {
		t.Errorf("english html")
	}
	// usage errors
	for _, args := range [][]string{
		{"report"}, {"report", "--period", "2022-13"}, {"report", "--period", "2022-10", "--format", "doc"},
		{"report", "--period", "last-month"},
	} {
		if _, errs, code := run(t, proj, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}

// TestReportPeriodsAndSettings: `report` takes the relative rules `kpi` takes (resolved today
// in the office timezone) and a single day; reports.focus_items and reports.since that the
// data contradict are errors naming caseload.yaml, the line and the key.
func TestReportPeriodsAndSettings(t *testing.T) {
	dir := newDir(t)
	if _, errs, code := run(t, dir, "--quiet", "pull"); code != 0 {
		t.Fatalf("pull: %s", errs)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	prev, err := period.Resolve("previous-month", time.Now(), loc)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := run(t, dir, "report", "--period", "previous-month", "--format", "json")
	if code != 0 || !strings.Contains(out, "report-"+prev.Label+".json") {
		t.Errorf("previous-month: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = run(t, dir, "report", "--period", "2022-10-01", "--format", "json")
	if code != 0 || !strings.Contains(out, "report-2022-10-01.json") {
		t.Errorf("single day: exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "reports", "report-2022-10-01.json"))
	if !strings.Contains(string(b), `"same_period_last_year": {`) || !strings.Contains(string(b), `"first_day": "2021-10-01"`) {
		t.Errorf("the JSON period object lacks the comparison periods:\n%.600s", b)
	}

	cfg := filepath.Join(dir, "caseload.yaml")
	orig, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(append([]byte{}, orig...), "reports:\n  unit: 件\n  focus_items:\n    - QB01\n    - QB99\n"...), 0o644)
	_, errs, code = run(t, dir, "report", "--period", "2022-10", "--format", "html")
	if code != ExitFailure || !strings.Contains(errs, `caseload.yaml:10: reports.focus_items: "QB99" is not an item code of the catalogue (QB01)`) {
		t.Errorf("unknown focus item: exit %d, %s", code, errs)
	}
	os.WriteFile(cfg, append(append([]byte{}, orig...), "reports:\n  since: 2023\n"...), 0o644)
	_, errs, code = run(t, dir, "report", "--period", "2022-10", "--format", "html")
	if code != ExitFailure || !strings.Contains(errs, "caseload.yaml:7: reports.since: 2023 is after the first case (received 2022-10-01)") {
		t.Errorf("since after the first case: exit %d, %s", code, errs)
	}
	os.WriteFile(cfg, append(append([]byte{}, orig...), "reports:\n  unit: 件\n  since: 2022-10\n"...), 0o644)
	if out, errs, code := run(t, dir, "report", "--period", "2022-10", "--format", "html"); code != 0 {
		t.Fatalf("report: exit %d %s%s", code, out, errs)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "reports", "report-2022-10.html"))
	if !strings.Contains(string(page), "2022年10月以来累计审批涉侨业务0件") && !strings.Contains(string(page), "共受理涉侨业务1件") {
		t.Errorf("the unit and start of 累计 are not the configured ones")
	}
}

// TestKilledReportLeavesNoTemp: `report --details` killed while excelize spills the detail
// sheet into temporary files leaves nothing in the system temporary directory (TMPDIR) and no
// report file; the spill lives in the process's scratch directory beside the warehouse.
func TestKilledReportLeavesNoTemp(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the binary and reports 60,000 cases")
	}
	bin := filepath.Join(t.TempDir(), "caseload")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/caseload/caseload/cmd/caseload").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := newDir(t)
	tmp := filepath.Join(t.TempDir(), "system-tmp")
	os.MkdirAll(tmp, 0o755)
	env := append(os.Environ(), "TMPDIR="+tmp)
	cmd := exec.Command(bin, "gen", "--cases", "60000", "--from", "2022-01-01", "--to", "2022-12-31", "-o", filepath.Join(dir, "incoming", "big.csv"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(items+"QB02,b,,0,20,,\nQB03,c,,20,60,,\nQB04,d,,0,20,,\nQB05,e,,0,20,,\nQB06,f,,0,20,,\nQB07,g,,0,20,,\nQB08,h,,0,20,,\n"), 0o644)
	pull := exec.Command(bin, "--quiet", "pull")
	pull.Dir, pull.Env = dir, env
	if out, err := pull.CombinedOutput(); err != nil {
		t.Fatalf("pull: %v %s", err, out)
	}
	report := exec.Command(bin, "report", "--period", "2022", "--details", "--format", "xlsx")
	report.Dir, report.Env = dir, env
	if err := report.Start(); err != nil {
		t.Fatal(err)
	}
	// The process's scratch directory is .caseload/tmp/PID-START (see warehouse.ProcessScratchDir).
	scratch := filepath.Join(dir, ".caseload", "tmp", strconv.Itoa(report.Process.Pid)+"-*")
	spilled := false
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(scratch, "excelize-*")); len(m) > 0 {
			spilled = true
			break
		}
		if report.ProcessState != nil {
			break
		}
	}
	report.Process.Signal(syscall.SIGKILL)
	report.Wait()
	if !spilled {
		t.Fatalf("excelize never spilled into %s", scratch)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("the killed report left %d files in TMPDIR (%s)", len(ents), ents[0].Name())
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "reports")); len(ents) > 0 {
		t.Errorf("the killed report left %s in reports/", ents[0].Name())
	}
	// the next run completes and leaves its own scratch directory empty (removed)
	again := exec.Command(bin, "report", "--period", "2022-10", "--details", "--format", "xlsx")
	again.Dir, again.Env = dir, env
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("report after the kill: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".caseload", "tmp", strconv.Itoa(again.Process.Pid))); !os.IsNotExist(err) {
		t.Errorf("the finished report left its scratch directory: %v", err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("a report left files in TMPDIR")
	}
}
