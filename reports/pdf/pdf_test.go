package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/caseload/caseload/reports"
	"github.com/caseload/caseload/reports/internal/fixture"
)

func needChromium(t *testing.T) {
	t.Helper()
	if _, err := FindChromium(""); err != nil {
		testtool.Missing(t, "Chromium", DebianPackage, err)
	}
}

func needPoppler(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext", "pdftoppm", "pdffonts"} {
		testtool.Path(t, tool, "poppler-utils")
	}
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func writePDF(t *testing.T, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 20)])
	}
	p := filepath.Join(t.TempDir(), "out.pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// The reference office's month report: A4 pages, page numbers in the footer, the headline
// figures in the text, a CJK font embedded.
func TestReportPDF(t *testing.T) {
	needChromium(t)
	needPoppler(t)
	m, err := reports.New(reports.Inputs{Lang: reports.LangZH, Office: fixture.Office, Timezone: "Asia/Shanghai",
		GeneratedAt: time.Date(2022, 11, 1, 6, 0, 0, 0, time.UTC), Current: fixture.Month(), LastYear: fixture.MonthLastYear(),
		Previous: fixture.MonthPrevious(), Definitions: fixture.Definitions()})
	if err != nil {
		t.Fatal(err)
	}
	var html bytes.Buffer
	if err := reports.WriteHTML(context.Background(), &html, m); err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	b, err := FromHTML(context.Background(), html.Bytes(), Options{ScratchDir: scratch})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(scratch); len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v", left)
	}
	path := writePDF(t, b)
	info := tool(t, "pdfinfo", path)
	if !strings.Contains(info, "(A4)") {
		t.Errorf("not A4:\n%s", info)
	}
	pages, _ := strconv.Atoi(regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)[1])
	if pages < 2 {
		t.Fatalf("%d pages", pages)
	}
	text := tool(t, "pdftotext", "-layout", path, "-")
	// pdftotext spaces text by its position: compare without blanks
	flat := strings.Join(strings.Fields(text), "")
	for _, want := range []string{"主要指标", "新闻稿素材", fmt.Sprintf("第1/%d页", pages), fmt.Sprintf("第%d/%d页", pages, pages)} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// one page number per page: the HTML's own print counter is silenced in the PDF
	if n := strings.Count(flat, "页，共"); n != 0 {
		t.Errorf("the HTML's page counter is printed too (%d times): two page numbers per page", n)
	}
	// every sentence of the news brief is in the PDF
	for _, p := range m.Brief {
		for _, s := range p.Sentences {
			if !strings.Contains(flat, strings.Join(strings.Fields(s.Text), "")) {
				t.Errorf("PDF text lacks %q", s.Text)
			}
		}
	}
	if fonts := tool(t, "pdffonts", path); !regexp.MustCompile(`(?i)(DroidSansFallback|CJK|WenQuanYi|Hei|Song)\S*\s+CID`).MatchString(fonts) {
		t.Errorf("no embedded CJK font:\n%s", fonts)
	}
}

// Chinese glyphs are drawn, not tofu boxes: six different characters, printed large in
// fixed cells, render to six different, non-empty shapes, each unlike the rendering of a
// character no font has.
func TestChineseGlyphsDrawn(t *testing.T) {
	needChromium(t)
	needPoppler(t)
	chars := []rune("侨办统计报表")
	missing := '\U0010FFFD' // a private-use code point: no font draws it
	var cells strings.Builder
	for i, c := range append(chars, missing) {
		fmt.Fprintf(&cells, `<div style="position:absolute;left:%dmm;top:20mm;width:25mm;height:25mm;font-size:56pt;line-height:25mm;text-align:center">%c</div>`, 10+i*27, c)
	}
	doc := `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>字形</title>
<style>@page{size:A4 landscape;margin:0}body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Droid Sans Fallback",sans-serif}</style></head>
<body>` + cells.String() + `</body></html>`
	b, err := FromHTML(context.Background(), []byte(doc), Options{ScratchDir: t.TempDir(), Footer: "字形测试"})
	if err != nil {
		t.Fatal(err)
	}
	path := writePDF(t, b)
	const dpi = 72
	prefix := filepath.Join(t.TempDir(), "page")
	tool(t, "pdftoppm", "-r", strconv.Itoa(dpi), "-f", "1", "-l", "1", "-png", "-singlefile", path, prefix)
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	mm := func(v int) int { return int(float64(v) / 25.4 * dpi) }
	var shapes []string
	for i := range len(chars) + 1 {
		r := image.Rect(mm(10+i*27), mm(20), mm(10+i*27+25), mm(45))
		shapes = append(shapes, shape(img, r))
	}
	for i, c := range chars {
		if strings.Count(shapes[i], "#") < 20 {
			t.Errorf("%c: almost no ink", c)
		}
		if shapes[i] == shapes[len(chars)] {
			t.Errorf("%c is drawn like a character no font has (tofu)", c)
		}
		for j := range i {
			if shapes[i] == shapes[j] {
				t.Errorf("%c and %c are drawn alike (tofu boxes)", c, chars[j])
			}
		}
	}
	if t.Failed() {
		for i, s := range shapes {
			t.Logf("cell %d:\n%s", i, s)
		}
	}
}

// shape is a cell of the image as a grid of dark (#) and light (.) pixels.
func shape(img image.Image, r image.Rectangle) string {
	var b strings.Builder
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if (cr+cg+cb)/3 < 0x8000 {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// No request leaves the browser: images, styles, scripts and frames from the network or
// from other files are refused; the test server is never reached.
func TestNoNetwork(t *testing.T) {
	needChromium(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	doc := `<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title>
<link rel="stylesheet" href="` + srv.URL + `/style.css"><script src="` + srv.URL + `/app.js"></script></head>
<body><p>离线</p><img src="` + srv.URL + `/pixel.png"><iframe src="file:///etc/hostname"></iframe>
<img src="https://example.com/logo.png"></body></html>`
	var blocked []string
	b, err := FromHTML(context.Background(), []byte(doc), Options{ScratchDir: t.TempDir(), Blocked: func(u string) { blocked = append(blocked, u) }})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("no PDF")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the page reached the network %d times", n)
	}
	if got := strings.Join(blocked, " "); !strings.Contains(got, "/pixel.png") || !strings.Contains(got, "/app.js") || !strings.Contains(got, "file:///etc/hostname") {
		t.Errorf("blocked: %v", blocked)
	}
}

// Without Chromium the error names the Debian package to install.
func TestNoChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := FromHTML(context.Background(), []byte("<p>x</p>"), Options{ScratchDir: t.TempDir()})
	if !errors.Is(err, ErrNoChromium) || !strings.Contains(err.Error(), `install the Debian package "chromium" (apt-get install chromium)`) {
		t.Errorf("%v", err)
	}
	_, err = FromHTML(context.Background(), []byte("<p>x</p>"), Options{Chromium: "/opt/none/chrome"})
	if !errors.Is(err, ErrNoChromium) || !strings.Contains(err.Error(), "at /opt/none/chrome (CASELOAD_CHROMIUM)") {
		t.Errorf("%v", err)
	}
}
