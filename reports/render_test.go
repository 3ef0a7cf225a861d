package reports

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
)

// renderTools finds the programs the rendering test needs; it skips the test naming the
// first one missing (Debian packages chromium, libreoffice-calc-nogui, poppler-utils).
func renderTools(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tool := range []struct{ names, pkg string }{
		{"soffice libreoffice", "libreoffice-calc-nogui"},
		{"chromium chromium-browser google-chrome", "chromium"},
		{"pdfinfo", "poppler-utils"}, {"pdftoppm", "poppler-utils"}, {"pdftotext", "poppler-utils"},
	} {
		names := strings.Fields(tool.names)
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				out[names[0]] = p
				break
			}
		}
		if out[names[0]] == "" {
			testtool.Missing(t, tool.names, tool.pkg, exec.ErrNotFound)
		}
	}
	return out
}

func runTool(t *testing.T, timeout time.Duration, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return out
}

var pdfPages = regexp.MustCompile(`(?m)^Pages:\s+(\d+)`)

func pdfPageCount(t *testing.T, tools map[string]string, pdf string) int {
	t.Helper()
	m := pdfPages.FindSubmatch(runTool(t, time.Minute, tools["pdfinfo"], pdf))
	if m == nil {
		t.Fatalf("pdfinfo %s: no page count", pdf)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// chromiumArgs are the flags of a headless Chromium that fetches nothing.
func chromiumArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir=" + profile, "--hide-scrollbars",
		"--host-resolver-rules=MAP * ~NOTFOUND"}
}

// phoneProbe wraps a page in a 390-pixel iframe (srcdoc: same origin, so the script can look
// inside) whose script writes into the title how wide the page is laid out and which
// elements reach past the iframe's right edge.
func phoneProbe(page string) string {
	return `<!DOCTYPE html><html><head><title>probe</title></head><body style="margin:0">` +
		`<iframe id="f" style="width:390px;height:900px;border:0" srcdoc="` + html.EscapeString(page) + `"></iframe>` +
		`<script>document.getElementById("f").addEventListener("load",()=>{const f=document.getElementById("f");` +
		`const d=f.contentDocument,w=f.contentWindow;let bad=[];for(const e of d.querySelectorAll("body *")){` +
		`const r=e.getBoundingClientRect();if(r.width>0&&(r.right>w.innerWidth+0.5||r.left<-0.5))bad.push(e.tagName+"#"+(e.id||"")+"."+(e.getAttribute("class")||""))}` +
		`document.title="scroll="+d.documentElement.scrollWidth+" inner="+w.innerWidth+" over="+bad.length+" "+bad.slice(0,6).join(" ")})</script></body></html>`
}

var probeTitle = regexp.MustCompile(`<title>scroll=(\d+) inner=(\d+) over=(\d+)([^<]*)</title>`)

// TestRenderDemoReports renders the demo's reports the way their readers see them: the
// workbook through LibreOffice to PDF and PNG pages, the HTML in Chromium on a desktop, on a
// 390-pixel phone and printed to PDF (acceptance 2 of issue 11). It checks page counts, page
// numbers, that nothing on a phone needs sideways scrolling, and that the pages are not
// blank. REPORTS_SCREENSHOT_DIR=/some/dir keeps every PNG and PDF for a person to look at.
func TestRenderDemoReports(t *testing.T) {
	tools := renderTools(t)
	w, cfg := demoWarehouse(t)
	dir := t.TempDir()
	keep := os.Getenv("REPORTS_SCREENSHOT_DIR")
	for _, c := range []struct {
		period      string
		lang        Lang
		screens     bool   // desktop and phone screenshots, and the phone probe
		bookPages   [2]int // the workbook's printed pages: at least, at most
		maxPrintPDF int    // the HTML printed on A4
	}{
		{"2022-10", LangZH, true, [2]int{7, 10}, 6},
		{"ytd:2022-10", LangEN, false, [2]int{7, 10}, 6},
	} {
		p, err := period.Parse(c.period)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Build(context.Background(), w.DB, BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: p,
			Lang: c.lang, Unit: "宗", Since: figures.SinceYear(2017), FocusItems: []string{"QB02"}})
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, p.FileLabel())
		paths, err := WriteFiles(context.Background(), m, WriteOptions{Dir: out, Formats: []Format{XLSX, HTML}, TmpDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		xlsx, page := paths[0], paths[1]
		name := p.FileLabel()

		// the workbook, as LibreOffice prints it
		runTool(t, 3*time.Minute, tools["soffice"], "--headless", "--norestore",
			"-env:UserInstallation=file://"+filepath.Join(dir, "lo-profile"), "--convert-to", "pdf", "--outdir", out, xlsx)
		bookPDF := strings.TrimSuffix(xlsx, ".xlsx") + ".pdf"
		if n := pdfPageCount(t, tools, bookPDF); n < c.bookPages[0] || n > c.bookPages[1] {
			t.Errorf("%s: the workbook prints on %d pages, want %d to %d (one or two per sheet)", name, n, c.bookPages[0], c.bookPages[1])
		}
		runTool(t, time.Minute, tools["pdftoppm"], "-r", "60", "-png", bookPDF, filepath.Join(out, "book"))
		text := string(runTool(t, time.Minute, tools["pdftotext"], "-layout", bookPDF, "-"))
		wants := []string{"第 1 页", "汇总", "计量单位", "上年同期：", "拒收行明细", "缺少办件编号（missing_case_id）"}
		if c.lang == LangEN {
			wants = []string{"Page 1 of", "Summary", "Unit", "Same period last year: ", "Rejected rows", "case_id missing (missing_case_id)"}
		}
		for _, want := range wants {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the printed workbook lacks %q", name, want)
			}
		}
		if strings.Contains(text, "sql/kpi") || strings.Contains(text, "个百分点-") || strings.Contains(text, "-0.0") {
			t.Errorf("%s: the printed workbook shows a SQL path or a negative zero", name)
		}

		// the HTML page: desktop, phone, print
		pageHTML, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		chrome := func(args ...string) []byte {
			return runTool(t, 2*time.Minute, tools["chromium"], append(chromiumArgs(filepath.Join(dir, "chrome-"+strconv.Itoa(len(args))+name)), args...)...)
		}
		shots := map[string]string{"desktop": "1100,2600", "phone": "390,3000"}
		if !c.screens {
			shots = nil
		}
		for shot, size := range shots {
			png := filepath.Join(out, shot+".png")
			chrome("--window-size="+size, "--screenshot="+png, "file://"+page)
			if share := pngInk(t, png); share < 0.02 {
				t.Errorf("%s %s: screenshot nearly blank (%.3f of pixels drawn)", name, shot, share)
			}
		}
		if c.screens {
			probe := filepath.Join(out, "probe.html")
			if err := os.WriteFile(probe, []byte(phoneProbe(string(pageHTML))), 0o644); err != nil {
				t.Fatal(err)
			}
			g := probeTitle.FindSubmatch(chrome("--window-size=1000,1000", "--dump-dom", "file://"+probe))
			if g == nil {
				t.Fatalf("%s: the phone probe did not run", name)
			}
			if scroll, _ := strconv.Atoi(string(g[1])); scroll > 390 || string(g[3]) != "0" {
				t.Errorf("%s: on a 390-pixel phone the page is %s pixels wide, %s elements reach past the edge:%s", name, g[1], g[3], g[4])
			}
		}
		printPDF := filepath.Join(out, "print.pdf")
		chrome("--no-pdf-header-footer", "--print-to-pdf="+printPDF, "file://"+page)
		n := pdfPageCount(t, tools, printPDF)
		if n > c.maxPrintPDF {
			t.Errorf("%s: the HTML prints on %d A4 pages, want at most %d", name, n, c.maxPrintPDF)
		}
		printed := string(runTool(t, time.Minute, tools["pdftotext"], printPDF, "-"))
		for i := 1; i <= n; i++ {
			want := fmt.Sprintf("第 %d 页，共 %d 页", i, n)
			if c.lang == LangEN {
				want = fmt.Sprintf("Page %d of %d", i, n)
			}
			if !strings.Contains(printed, want) {
				t.Errorf("%s: the printed HTML lacks the page number %q", name, want)
			}
		}
		runTool(t, time.Minute, tools["pdftoppm"], "-r", "50", "-png", printPDF, filepath.Join(out, "print"))
		if keep != "" {
			files, _ := filepath.Glob(filepath.Join(out, "*"))
			for _, f := range files {
				if strings.HasSuffix(f, ".png") || strings.HasSuffix(f, ".pdf") || strings.HasSuffix(f, ".html") || strings.HasSuffix(f, ".xlsx") {
					b, _ := os.ReadFile(f)
					_ = os.WriteFile(filepath.Join(keep, name+"-"+filepath.Base(f)), b, 0o644)
				}
			}
		}
	}
}

// pngInk is the share of a PNG's pixels clearly darker than the page background.
func pngInk(t *testing.T, path string) float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no screenshot %s: %v", path, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return inkShare(img)
}
