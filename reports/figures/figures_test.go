package figures

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/period"
)

var zh = Words{Lang: ZH, Unit: "宗"}
var en = Words{Lang: EN}

// TestNumEdges: counts at the 万 and 亿 edges are never written above the true figure, and
// never with a trailing ".0" (SPEC §7.3: 259,604 is "25.96万", never "26.0万").
func TestNumEdges(t *testing.T) {
	for _, c := range []struct {
		n      int64
		zh, en string
	}{
		{0, "0", "0"}, {7, "7", "7"}, {14998, "14,998", "14,998"}, {99999, "99,999", "99,999"},
		{100000, "10万", "100,000"}, {100001, "10万", "100,001"}, {100050, "10万", "100,050"},
		{100100, "10.01万", "100,100"}, {109999, "10.99万", "109,999"}, {120500, "12.05万", "120,500"},
		{123456, "12.34万", "123,456"}, {129960, "12.99万", "129,960"}, {259604, "25.96万", "259,604"},
		{999999, "99.99万", "999,999"}, {1000000, "100万", "1 million"}, {1234567, "123.45万", "1.23 million"},
		{1259604, "125.96万", "1.25 million"}, {1999999, "199.99万", "1.99 million"},
		{99999999, "9999.99万", "99.99 million"}, {100000000, "1亿", "100 million"},
		{123456789, "1.23亿", "123.45 million"}, {129999999, "1.29亿", "129.99 million"},
		{250000000, "2.5亿", "250 million"}, {1000000000, "10亿", "1 billion"}, {-1234, "-1,234", "-1,234"},
		{-259604, "-25.96万", "-259,604"},
	} {
		if got := zh.Num(c.n); got != c.zh {
			t.Errorf("zh Num(%d) = %q, want %q", c.n, got, c.zh)
		}
		if got := en.Num(c.n); got != c.en {
			t.Errorf("en Num(%d) = %q, want %q", c.n, got, c.en)
		}
	}
	if got := zh.Cases(259604); got != "25.96万宗" {
		t.Errorf("Cases = %q", got)
	}
	if got := (Words{Lang: ZH, Unit: "件"}).Cases(14998); got != "14,998件" {
		t.Errorf("unit 件: %q", got)
	}
	if got := (Words{Lang: ZH}).Cases(3); got != "3宗" {
		t.Errorf("default unit: %q", got)
	}
	if en.Cases(1) != "1 case" || en.Cases(2) != "2 cases" {
		t.Errorf("en cases: %q %q", en.Cases(1), en.Cases(2))
	}
}

// parseWords reads a number written by Num or About back (the round figure, without 近/余).
func parseWords(s string) float64 {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "近"), "nearly ")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "余"), "+")
	mult := 1.0
	for suffix, m := range map[string]float64{"万": 1e4, "亿": 1e8, " million": 1e6, " billion": 1e9} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		panic(s)
	}
	return f * mult
}

// TestNumNeverAbove: over many counts, the written figure is never above the true one, and
// never more than 1% below it; "余"/"+" claims are below it, "近" claims within 2% above.
func TestNumNeverAbove(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50_000; i++ {
		n := int64(math.Pow(10, r.Float64()*10))
		for _, w := range []Words{zh, en} {
			s := w.Num(n)
			v := parseWords(s)
			if v > float64(n)*(1+1e-12) || v < float64(n)*0.99 || strings.HasSuffix(strings.TrimRight(s, "万亿 millionbi"), ".0") {
				t.Fatalf("%s Num(%d) = %q", w.Lang, n, s)
			}
			a := w.About(n)
			av := parseWords(a)
			switch {
			case strings.HasPrefix(a, "近") || strings.HasPrefix(a, "nearly "):
				if av <= float64(n) || float64(n) < 0.98*av {
					t.Fatalf("%s About(%d) = %q", w.Lang, n, a)
				}
			case strings.HasSuffix(a, "余") || strings.HasSuffix(a, "+"):
				if av >= float64(n) {
					t.Fatalf("%s About(%d) = %q", w.Lang, n, a)
				}
			default:
				if av != float64(n) && !(n >= 1e6 && av <= float64(n)) {
					t.Fatalf("%s About(%d) = %q", w.Lang, n, a)
				}
			}
		}
	}
}

func TestAbout(t *testing.T) {
	for _, c := range []struct {
		n      int64
		zh, en string
	}{
		{7, "7", "7"}, {40, "40", "40"}, {42, "40余", "40+"}, {23, "20余", "20+"}, {49, "近50", "nearly 50"},
		{134, "130余", "130+"}, {155, "150余", "150+"}, {198, "近200", "nearly 200"}, {2731, "2,700余", "2,700+"},
		{14998, "近1.5万", "nearly 15,000"}, {14000, "1.4万", "14,000"}, {14500, "1.4万余", "14,000+"},
		{259604, "近26万", "nearly 260,000"}, {254000, "25万余", "250,000+"},
	} {
		if got := zh.About(c.n); got != c.zh {
			t.Errorf("zh About(%d) = %q, want %q", c.n, got, c.zh)
		}
		if got := en.About(c.n); got != c.en {
			t.Errorf("en About(%d) = %q, want %q", c.n, got, c.en)
		}
	}
	if got := zh.AboutCases(134); got != "130余宗" {
		t.Errorf("AboutCases = %q", got)
	}
	for _, c := range []struct {
		v      float64
		zh, en string
	}{
		{0.194, "近两成", "nearly 20%"}, {0.340, "三成以上", "over 30%"}, {0.3404, "三成以上", "over 30%"},
		{0.3, "三成以上", "over 30%"}, {0.1 * 3, "三成以上", "over 30%"}, {0.29996, "近三成", "nearly 30%"},
		{0.163, "16.3%", "16.3%"}, {0.05, "5.0%", "5.0%"}, {0.37, "37.0%", "37.0%"}, {0.99, "近一倍", "nearly 100%"},
		{1.5, "150.0%", "150.0%"}, {0.1, "一成以上", "over 10%"}, {0.0999, "近一成", "nearly 10%"},
	} {
		got, round := zh.AboutGrowth(c.v)
		if got != c.zh || round == strings.HasSuffix(got, "%") {
			t.Errorf("zh AboutGrowth(%v) = %q %v, want %q", c.v, got, round, c.zh)
		}
		if got, _ := en.AboutGrowth(c.v); got != c.en {
			t.Errorf("en AboutGrowth(%v) = %q, want %q", c.v, got, c.en)
		}
	}
}

func TestPercentsAndChanges(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0.875, "87.5%"}, {0.30251, "30.3%"}, {-0.00001, "0.0%"}, {0.0335, "3.4%"}, {1.125 / 100, "1.1%"}, {0.00125, "0.1%"}} {
		if got := Percent(c.v); got != c.want {
			t.Errorf("Percent(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := Fixed(1.125, 2); got != "1.13" {
		t.Errorf("Fixed half away: %q", got)
	}
	if got := Fixed(-0.04, 1); got != "0.0" {
		t.Errorf("Fixed no -0.0: %q", got)
	}
	for _, c := range []struct {
		u    Unit
		v    float64
		dir  Direction
		text string
	}{
		{Growth, 0.0004, Flat, "0.0"}, {Growth, -0.0004, Flat, "0.0"}, {Growth, 0, Flat, "0.0"}, {Growth, 0.317, Up, "31.7"},
		{Growth, -0.05, Down, "5.0"}, {Growth, 0.29996, Up, "30.0"}, {Growth, 0.0005, Up, "0.1"}, {Growth, -0.00049, Flat, "0.0"},
		{Points, -0.04, Flat, "0.0"}, {Points, -1.64, Down, "1.6"}, {Points, 6.04, Up, "6.0"}, {Points, 0.05, Up, "0.1"},
	} {
		d, s := Change(c.u, c.v)
		if d != c.dir || s != c.text {
			t.Errorf("Change(%s, %v) = %v %q, want %v %q", c.u, c.v, d, s, c.dir, c.text)
		}
	}
	for _, c := range []struct {
		l    Lang
		u    Unit
		v    float64
		want string
	}{
		{ZH, Growth, 0.052, "+5.2%"}, {ZH, Growth, -0.0127, "-1.3%"}, {ZH, Growth, 0.0004, "持平"}, {EN, Growth, -0.0004, "flat"},
		{ZH, Points, 6.04, "+6.0个百分点"}, {ZH, Points, -0.04, "持平"}, {EN, Points, -1.6, "-1.6 pp"},
	} {
		if _, got := Delta(c.l, c.u, c.v); got != c.want {
			t.Errorf("Delta(%s, %s, %v) = %q, want %q", c.l, c.u, c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		u    Unit
		v    float64
		want float64
	}{{Growth, -0.0004, 0}, {Growth, 0.0335, 0.034}, {Points, -0.04, 0}, {Points, -1.64, -1.6}, {Hours, 1.19166, 1.2}, {Count, 3.0, 3}} {
		if got := Round(c.u, c.v); got != c.want || math.Signbit(got) != math.Signbit(c.want) {
			t.Errorf("Round(%s, %v) = %v, want %v", c.u, c.v, got, c.want)
		}
	}
	v := 1.1916666666667
	if got := Value(Hours, &v); got != "1.2" {
		t.Errorf("Value hours: %q", got)
	}
	if Value(Ratio, nil) != "—" || Raw(nil) != "" {
		t.Error("nil figures")
	}
	if f := XLSXFormat(Points, ZH); f != `+0.0"个百分点";-0.0"个百分点";0.0"个百分点"` {
		t.Errorf("points format %s", f)
	}
}

func TestPhrases(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{zh.Growth(YoY, 0.052), "同比增长5.2%"}, {zh.Growth(YoY, -0.05), "同比下降5.0%"}, {zh.Growth(YoY, 0.0004), "与上年同期持平"},
		{zh.Growth(MoM, -0.033), "环比下降3.3%"}, {zh.Growth(MoM, -0.0004), "环比持平"},
		{en.Growth(YoY, 0.052), "up 5.2% year on year"}, {en.Growth(MoM, 0), "unchanged on the previous period"},
		{zh.Points(YoY, 6.04), "同比提高6.0个百分点"}, {zh.Points(YoY, -1.6), "同比下降1.6个百分点"}, {zh.Points(YoY, 0.04), "与上年同期持平"},
		{en.Points(YoY, -1.6), "down 1.6 percentage points year on year"},
		{zh.Verb(Up), "达"}, {zh.Verb(Flat), "为"}, {zh.Verb(Down), "为"}, {en.Verb(Up), "reached"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

func TestSince(t *testing.T) {
	for _, c := range []struct{ in, zh, en string }{
		{"2017", "2017年以来", "since 2017"}, {"2017-03", "2017年3月以来", "since March 2017"},
		{"2017-03-01", "2017年3月1日以来", "since 1 March 2017"},
	} {
		s, err := ParseSince(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if zh.Since(s) != c.zh || en.Since(s) != c.en || s.String() != c.in {
			t.Errorf("%s: %q %q %q", c.in, zh.Since(s), en.Since(s), s.String())
		}
	}
	for _, bad := range []string{"", "17", "2017-13", "2017-02-30", "2017/03", "二〇一七", "1899"} {
		if _, err := ParseSince(bad); err == nil {
			t.Errorf("ParseSince(%q) accepted", bad)
		}
	}
	if zh.Since(SinceYear(2017)) != "2017年以来" || (Since{}).IsZero() != true {
		t.Error("SinceYear")
	}
}

func TestNaturalPrevious(t *testing.T) {
	for label, want := range map[string]bool{
		"2022-10": true, "2022-Q3": true, "2022-H1": true, "2022-10..2022-10": true, "2022-10-31..2022-10-31": true,
		"2022-10-01..2022-10-07": true, "ytd:2022-10": false, "2022": false, "2022-01..2022-10": false,
		"2022-01-01..2022-11-17": false, "2022-10-01..2022-10-08": false,
	} {
		p, err := period.Parse(label)
		if err != nil {
			t.Fatal(err)
		}
		if got := NaturalPrevious(p); got != want {
			t.Errorf("NaturalPrevious(%s) = %v, want %v", label, got, want)
		}
	}
}
