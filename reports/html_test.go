package reports

import (
	"bytes"
	"context"
	"image"
	"regexp"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/period"
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
		plain := strings.ReplaceAll(page, "<wbr>", "")
		for _, want := range []string{"<svg", "@media print", "@page", "counter(pages)", "max-width:600px", "新闻稿素材", m.Current.Data.Fingerprint} {
			if m.Lang == LangEN && want == "新闻稿素材" {
				want = "News-brief draft"
			}
			if !strings.Contains(plain, want) {
				t.Errorf("%s page lacks %q", m.Lang, want)
			}
		}
		if strings.Count(page, "<svg") != 4 {
			t.Errorf("%d charts, want 2 (each wide and narrow)", strings.Count(page, "<svg"))
		}
	}
	// the news brief and its sources are on the page
	page := strings.ReplaceAll(writePage(t, ytdModel(t, LangZH)), "<wbr>", "")
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

// TestHTMLCardsAndIdentifiers: card tooltips are the figure's definition in the report's
// language (not the KPI key); identifiers break only at "_", ".", "/" or brackets; retired
// items are marked; 环比 badges only for a natural previous period.
func TestHTMLCardsAndIdentifiers(t *testing.T) {
	m := monthModel(t, LangZH)
	m.Current.ByItem[3].Active = false
	page := writePage(t, m)
	def, _ := m.Definition("received")
	if !strings.Contains(page, `title="`+def.ZH+`"`) || strings.Contains(page, `title="received"`) {
		t.Errorf("card tooltip is not the Chinese definition")
	}
	if !strings.Contains(page, "completed_<wbr>cumulative") || strings.Contains(page, "word-break:break-all") {
		t.Errorf("identifiers may break inside a word")
	}
	if !strings.Contains(page, m.Current.ByItem[3].ItemName+"（已停办）") {
		t.Errorf("retired item not marked")
	}
	if !strings.Contains(page, "环比 ▼") {
		t.Errorf("month page lacks its 环比 badges")
	}
	if ytd := writePage(t, ytdModel(t, LangZH)); strings.Contains(ytd, "环比 ▲") || strings.Contains(ytd, "环比 ▼") || strings.Contains(ytd, "环比 ▬") {
		t.Errorf("ytd page has 环比 badges")
	}
	long := monthModel(t, LangZH)
	long.Period, _ = period.Parse("2022-01-01..2022-10-31")
	long.Current.Period = long.Period
	if p := writePage(t, long); strings.Contains(p, "环比 ▲") || strings.Contains(p, "环比 ▼") {
		t.Errorf("a 304-day range has 环比 badges")
	}
}
