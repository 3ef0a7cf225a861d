package reports

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func writePage(t testing.TB, m *Model) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(context.Background(), &buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// A tag that loads something: src=, href=, url(, @import, srcset, or a script element.
var loadingTag = regexp.MustCompile(`(?i)<[a-z][^>]*\s(src|href|srcset|action|poster|data)\s*=|url\(|@import|<script|<link|<iframe|<object|<embed`)

func TestHTMLSelfContained(t *testing.T) {
	for _, m := range []*Model{monthModel(t, LangZH), monthModel(t, LangEN), ytdModel(t, LangZH)} {
		page := writePage(t, m)
		for _, bad := range []string{"http://", "https://", "//cdn", "@font-face"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s page contains %q", m.Lang, bad)
			}
		}
		if loc := loadingTag.FindStringIndex(page); loc != nil {
			t.Errorf("%s page loads a resource: %q", m.Lang, page[loc[0]:min(loc[1]+40, len(page))])
		}
		if m.Lang == LangZH && !strings.Contains(page, `<html lang="zh-CN">`) {
			t.Errorf("no lang=zh-CN")
		}
		for _, want := range []string{"<svg", "@media print", "@page", "break-before:page", "max-width:600px", "新闻稿素材", m.Current.Data.Fingerprint} {
			if m.Lang == LangEN && want == "新闻稿素材" {
				want = "News-brief draft"
			}
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", m.Lang, want)
			}
		}
		if strings.Count(page, "<svg") != 2 {
			t.Errorf("%d charts, want 2", strings.Count(page, "<svg"))
		}
	}
	// the news brief and its sources are on the page
	page := writePage(t, ytdModel(t, LangZH))
	for _, want := range []string{"截至2022年10月底，福清市侨办累计审批涉侨业务14,998宗。", "即办率为87.5%", "“三侨生”身份认定受理187宗，同比增长31.7%",
		"已化解历史疑难件42宗，其中积压十年以上的23宗，化解率为50.0%", "by_item[QB02].received_yoy_growth", "ytd:2022-10"} {
		if !strings.Contains(page, want) && !strings.Contains(page, strings.ReplaceAll(want, "“", "&#34;")) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestHTMLEscapesData(t *testing.T) {
	m := monthModel(t, LangZH)
	m.Current.ByItem[0].ItemName = `<script>alert("x")</script>`
	m.Current.ByItem[1].ItemName = `"><img src=x onerror=alert(1)>`
	m.Office = `侨办<b>&`
	m.Quality.UnrecognisedCountries = append(m.Quality.UnrecognisedCountries,
		CountryValueRow{Value: `"><img src=x onerror=alert(2)>`, Cases: 1}, CountryValueRow{Value: `<script>alert(3)</script>`, Cases: 1})
	m.Quality.Files[0].Path = `incoming/<svg onload=alert(4)>.csv`
	page := writePage(t, m)
	for _, bad := range []string{"<script", "<img", "<b>", "<svg onload"} {
		if strings.Contains(page, bad) {
			t.Errorf("unescaped %q in the page", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		"&#34;&gt;&lt;img src=x onerror=alert(2)&gt;", "&lt;script&gt;alert(3)&lt;/script&gt;", "侨办&lt;b&gt;&amp;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the escaped text %q", want)
		}
	}
}

// TestHTMLChromium renders the page in headless Chromium (no network, no JavaScript needed)
// and checks that the screenshot is not blank. REPORTS_SCREENSHOT_DIR keeps the PNGs.
func TestHTMLChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Skip("chromium not found")
	}
	dir := t.TempDir()
	keep := os.Getenv("REPORTS_SCREENSHOT_DIR")
	for _, c := range []struct {
		name   string
		m      *Model
		width  int
		height int
	}{
		{"desktop-zh", monthModel(t, LangZH), 1100, 2400},
		{"phone-zh", ytdModel(t, LangZH), 390, 2400},
		{"desktop-en", monthModel(t, LangEN), 1100, 1600},
	} {
		html := filepath.Join(dir, c.name+".html")
		if err := os.WriteFile(html, []byte(writePage(t, c.m)), 0o644); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(dir, c.name+".png")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
			"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile-"+c.name),
			"--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND", // no name resolves: nothing can be fetched
			"--window-size="+itoa(c.width)+","+itoa(c.height), "--screenshot="+shot, "file://"+html)
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: chromium: %v\n%s", c.name, err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatalf("%s: no screenshot: %v\n%s", c.name, err, out)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if nonBlank := inkShare(img); nonBlank < 0.02 {
			t.Errorf("%s: screenshot nearly blank (%.3f of pixels drawn)", c.name, nonBlank)
		}
		if keep != "" {
			b, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(keep, c.name+".png"), b, 0o644)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// inkShare is the share of pixels that are clearly darker than the page background.
func inkShare(img image.Image) float64 {
	b := img.Bounds()
	var ink, all int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (r+g+bl)/3 < 0xB000 {
				ink++
			}
			all++
		}
	}
	return float64(ink) / float64(all)
}
