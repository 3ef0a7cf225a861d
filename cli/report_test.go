package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	for _, want := range []string{"新闻稿素材", "即办率达87.5%", "化解历史疑难件42宗", "化解率50.0%"} {
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
		{"report"}, {"report", "--period", "2022-13"}, {"report", "--period", "2022-10", "--format", "docx"},
	} {
		if _, errs, code := run(t, proj, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
}
