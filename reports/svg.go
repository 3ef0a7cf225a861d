package reports

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"
)

// DroidSansFallbackFull.ttf (Apache-2.0, Debian fonts-droid-fallback; see NOTICE) gives the
// chart library the metrics of CJK glyphs, so that axis labels and legends are laid out for
// the width Chinese text really takes. The HTML never loads it: the SVG text is drawn with
// the reader's system CJK fonts (CSS font stack), which have near-identical CJK advance widths.
//
//go:embed DroidSansFallbackFull.ttf
var cjkFontTTF []byte

// chartFont parses the embedded font (once per report; parsing is cheap next to rendering).
func chartFont() (*truetype.Font, error) {
	f, err := truetype.Parse(cjkFontTTF)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	return f, nil
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
func intLabel(v float64) string { return kpi.Thousands(int64(math.Round(v))) }

// trendSVG draws the 13-month received/completed lines.
func trendSVG(f *truetype.Font, months []string, received, completed []float64, names [2]string) (string, error) {
	opt := charts.NewLineChartOptionWithData([][]float64{received, completed})
	opt.Theme = chartTheme()
	opt.XAxis.Labels = months
	opt.XAxis.LabelFontStyle = fontStyle(f, 10)
	opt.XAxis.LabelCount = len(months) // every month, slanted so that 13 labels fit
	opt.XAxis.LabelRotation = charts.DegreesToRadians(-35)
	opt.YAxis = []charts.YAxisOption{{LabelFontStyle: fontStyle(f, 10), Min: charts.Ptr(0.0)}}
	opt.Legend = charts.LegendOption{SeriesNames: names[:], FontStyle: fontStyle(f, 12), Offset: charts.OffsetCenter}
	opt.LineStrokeWidth = 2.5
	opt.ValueFormatter = intLabel
	opt.Padding = charts.NewBoxEqual(16)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: 760, Height: 320, Font: f})
	if err := p.LineChart(opt); err != nil {
		return "", fmt.Errorf("trend chart: %w", err)
	}
	return finishSVG(p)
}

// barsSVG draws one horizontal bar per category.
func barsSVG(f *truetype.Font, labels []string, values []float64, height int) (string, error) {
	opt := charts.NewBarChartOptionWithData([][]float64{values})
	opt.Horizontal = true
	opt.Theme = chartTheme()
	opt.CategoryAxis.Labels = labels
	opt.CategoryAxis.LabelFontStyle = fontStyle(f, 12)
	opt.ValueAxis = []charts.ValueAxisOption{{LabelFontStyle: fontStyle(f, 10), Min: charts.Ptr(0.0)}}
	opt.SeriesList[0].Label = charts.SeriesLabel{Show: charts.Ptr(true), FontStyle: fontStyle(f, 11), ValueFormatter: intLabel}
	opt.ValueFormatter = intLabel
	opt.Padding = charts.NewBoxEqual(16)
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: 760, Height: height, Font: f})
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
