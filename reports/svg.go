package reports

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/caseload/caseload/reports/figures"
	"github.com/caseload/caseload/reports/textwidth"
)

// DroidSansFallbackFull.ttf (Apache-2.0, Debian fonts-droid-fallback; see NOTICE) gives the
// chart library the metrics of CJK glyphs, so that axis labels and legends are laid out for
// the width Chinese text really takes. It has no Latin glyphs (the library would measure every
// digit one em wide and misplace numeric labels), so text without CJK characters is measured
// with Go Regular (golang.org/x/image/font/gofont, BSD), whose digits are as wide as those of
// the usual sans-serif fonts. The HTML never loads either font: the SVG text is drawn with the
// reader's system fonts (CSS font stack), which have near-identical advance widths.
//
//go:embed DroidSansFallbackFull.ttf
var cjkFontTTF []byte

// chartFonts are the fonts the chart library measures text with.
type chartFonts struct{ cjk, latin *truetype.Font }

// chartFont parses the embedded CJK font (once per report; parsing is cheap next to rendering).
func chartFont() (*truetype.Font, error) {
	f, err := truetype.Parse(cjkFontTTF)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	return f, nil
}

func loadChartFonts() (chartFonts, error) {
	cjk, err := chartFont()
	if err != nil {
		return chartFonts{}, err
	}
	latin, err := truetype.Parse(goregular.TTF)
	if err != nil {
		return chartFonts{}, fmt.Errorf("chart font: %w", err)
	}
	return chartFonts{cjk: cjk, latin: latin}, nil
}

// For is the font that measures texts: the CJK font when any holds a CJK character.
func (c chartFonts) For(texts ...string) *truetype.Font {
	for _, t := range texts {
		for _, r := range t {
			if textwidth.Rune(r) == 2 {
				return c.cjk
			}
		}
	}
	return c.latin
}

// chartTheme is a light theme with the report's colours.
func chartTheme() charts.ColorPalette {
	return charts.GetTheme(charts.ThemeLight).WithSeriesColors([]charts.Color{
		charts.ColorFromHex("#2F6EBA"), charts.ColorFromHex("#E07B39"), charts.ColorFromHex("#5AA469"),
	})
}

func fontStyle(f *truetype.Font, size float64) charts.FontStyle {
	return charts.FontStyle{Font: f, FontSize: size, FontColor: charts.ColorFromHex("#333333")}
}

// intLabel writes axis and bar labels as whole numbers with thousands separators.
func intLabel(v float64) string { return figures.Thousands(int64(math.Round(v))) }

// niceAxis returns an axis top and its number of intervals for values up to max: steps of
// 1, 2 or 5 × 10^k, at most maxIntervals of them, with room above the largest value (for the
// bar labels), so that the labels are round numbers spaced widely enough never to overlap.
func niceAxis(max float64, maxIntervals int) (top float64, intervals int) {
	if max <= 0 || math.IsNaN(max) || math.IsInf(max, 0) {
		return 5, 5
	}
	for mag := 1.0; ; mag *= 10 {
		for _, f := range []float64{1, 2, 5} {
			step := f * mag
			n := int(math.Ceil(max / step))
			if step*float64(n)-max < 0.08*step*float64(n) {
				n++ // headroom for the value labels at the end of the longest bar
			}
			if n <= maxIntervals {
				return step * float64(n), n
			}
		}
	}
}

// valueAxis is a value axis from 0 with round labels (niceAxis).
func valueAxis(f chartFonts, max float64, maxIntervals int) charts.ValueAxisOption {
	top, n := niceAxis(max, maxIntervals)
	no := false
	return charts.ValueAxisOption{LabelFontStyle: fontStyle(f.latin, 10), Min: charts.Ptr(0.0), Max: charts.Ptr(top),
		LabelCount: n + 1, PreferNiceIntervals: &no}
}

func maxOf(vals ...[]float64) float64 {
	m := 0.0
	for _, vs := range vals {
		for _, v := range vs {
			m = math.Max(m, v)
		}
	}
	return m
}

// Chart widths: the page's charts are drawn twice, for screens and paper (wide) and for
// phones (narrow), and CSS shows one: scaled to a phone's width, the wide chart's labels would
// be too small to read, and scrolling it sideways is what phone readers must never need.
const (
	wideChart   = 760
	narrowChart = 360
)

// trendSVG draws the 13-month received/completed lines, width pixels wide.
func trendSVG(f chartFonts, width int, months []string, received, completed []float64, names [2]string) (string, error) {
	opt := charts.NewLineChartOptionWithData([][]float64{received, completed})
	opt.Theme = chartTheme()
	opt.XAxis.Labels = months
	opt.XAxis.LabelFontStyle = fontStyle(f.latin, 10)
	opt.XAxis.LabelCount = len(months) // every month, slanted so that 13 labels fit
	opt.XAxis.LabelRotation = charts.DegreesToRadians(-35)
	height, intervals := 320, 6
	if width < wideChart {
		opt.XAxis.LabelRotation = charts.DegreesToRadians(-60)
		height, intervals = 280, 4
	}
	opt.YAxis = []charts.YAxisOption{valueAxis(f, maxOf(received, completed), intervals)}
	opt.Legend = charts.LegendOption{SeriesNames: names[:], FontStyle: fontStyle(f.For(names[:]...), 12), Offset: charts.OffsetCenter}
	opt.LineStrokeWidth = 2.5
	opt.ValueFormatter = intLabel
	opt.Padding = charts.NewBoxEqual(16)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: height, Font: f.For(names[:]...)})
	if err := p.LineChart(opt); err != nil {
		return "", fmt.Errorf("trend chart: %w", err)
	}
	return finishSVG(p)
}

// barsSVG draws one horizontal bar per category, width pixels wide.
func barsSVG(f chartFonts, width int, labels []string, values []float64) (string, error) {
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.Horizontal = true
	opt.Theme = chartTheme()
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelFontStyle = fontStyle(f.For(labels...), 12)
	intervals := 6
	if width < wideChart {
		intervals = 3
	}
	opt.ValueAxis = []charts.ValueAxisOption{valueAxis(f, maxOf(values), intervals)}
	opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: fontStyle(f.latin, 11), ValueFormatter: intLabel}
	opt.ValueFormatter = intLabel
	opt.Padding = charts.NewBoxEqual(16)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: width, Height: 60 + 36*len(labels), Font: f.For(labels...)})
	if err := p.BarChart(opt); err != nil {
		return "", fmt.Errorf("bar chart: %w", err)
	}
	return finishSVG(p)
}

// finishSVG returns the SVG for inlining in HTML: the XML namespace declarations (URLs that
// HTML5 does not need) are dropped so that the page holds no URL at all, and the output is
// checked to be drawing only — the chart library escapes its text, and a script or event
// handler in a chart would be a bug, refused here rather than shipped.
func finishSVG(p *charts.Painter) (string, error) {
	b, err := p.Bytes()
	if err != nil {
		return "", err
	}
	s := string(b)
	s = strings.Replace(s, ` xmlns="http://www.w3.org/2000/svg"`, "", 1)
	s = strings.Replace(s, ` xmlns:xlink="http://www.w3.org/1999/xlink"`, "", 1)
	s = strings.Replace(s, "<svg ", `<svg role="img" `, 1)
	low := strings.ToLower(s)
	for _, bad := range []string{"<script", "<foreignobject", "javascript:", " onload", " onerror", " onclick", "href=", "http:", "https:"} {
		if strings.Contains(low, bad) {
			return "", errors.New("chart SVG contains " + bad)
		}
	}
	return s, nil
}
