package reports

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/image/math/fixed"

	"github.com/caseload/caseload/reports/textwidth"
)

func TestNiceAxis(t *testing.T) {
	for _, c := range []struct {
		max       float64
		top       float64
		intervals int
	}{{100, 120, 6}, {110, 120, 6}, {37, 50, 5}, {30, 40, 4}, {356, 400, 4}, {0, 5, 5}, {1, 2, 2}, {14998, 20000, 4}, {9, 10, 5}} {
		top, n := niceAxis(c.max, 6)
		if top != c.top || n != c.intervals {
			t.Errorf("niceAxis(%v) = %v, %d; want %v, %d", c.max, top, n, c.top, c.intervals)
		}
	}
}

var (
	svgElem = regexp.MustCompile(`(?s)<svg.*?</svg>`)
	svgText = regexp.MustCompile(`<text x="(-?[\d.]+)" y="(-?[\d.]+)"([^>]*)>([^<]*)</text>`)
	svgSize = regexp.MustCompile(`font-size:([\d.]+)px`)
)

// TestChartLabelsDoNotOverlap: on every chart of the reference office's pages (wide and
// narrow), labels drawn on the same line (an axis, a legend) leave room between them, measured
// with real glyph widths (Go Regular for Latin text, the CJK font for Chinese). Slanted labels
// (the months) are laid out by the chart library for their rotation and are not compared.
func TestChartLabelsDoNotOverlap(t *testing.T) {
	fonts, err := loadChartFonts()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Model{monthModel(t, LangZH), ytdModel(t, LangEN)} {
		for n, svg := range svgElem.FindAllString(writePage(t, m), -1) {
			type label struct {
				x, w float64
				text string
			}
			lines := map[string][]label{}
			for _, g := range svgText.FindAllStringSubmatch(svg, -1) {
				if strings.Contains(g[3], "transform") {
					continue
				}
				x, _ := strconv.ParseFloat(g[1], 64)
				size := 12.0
				if sm := svgSize.FindStringSubmatch(g[3]); sm != nil {
					size, _ = strconv.ParseFloat(sm[1], 64)
				}
				lines[g[2]] = append(lines[g[2]], label{x, textWidth(fonts, g[4], size), g[4]})
			}
			for y, ls := range lines {
				sort.Slice(ls, func(i, j int) bool { return ls[i].x < ls[j].x })
				for i := 1; i < len(ls); i++ {
					if ls[i-1].x+ls[i-1].w+3 > ls[i].x {
						t.Errorf("%s chart %d: labels %q and %q overlap on y=%s (x %.0f+%.0f, %.0f)", m.Lang, n, ls[i-1].text, ls[i].text, y, ls[i-1].x, ls[i-1].w, ls[i].x)
					}
				}
			}
		}
	}
}

// textWidth is the advance width of s in px at size px: CJK characters from the CJK font,
// others from Go Regular (as wide as common sans-serif fonts).
func textWidth(f chartFonts, s string, size float64) float64 {
	scale := fixed.Int26_6(size * 64)
	w := fixed.Int26_6(0)
	for _, r := range s {
		font := f.latin
		if textwidth.Rune(r) == 2 {
			font = f.cjk
		}
		w += font.HMetric(scale, font.Index(r)).AdvanceWidth
	}
	return float64(w) / 64
}
