package newsbrief

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/reports/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func render(paras []Paragraph, lang string) string {
	var b strings.Builder
	for _, p := range paras {
		fmt.Fprintf(&b, "## %s\n%s\n", p.Title, p.Text(lang))
		for _, s := range p.Sentences {
			fmt.Fprintf(&b, "  - %s\n    keys=%s period=%s", s.Text, strings.Join(s.Keys, ","), s.Period)
			if s.Base != "" {
				fmt.Fprintf(&b, " base=%s", s.Base)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from golden file (go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	cases := map[string]func() Input{
		// rise year on year, fall on the previous month
		"month": func() Input {
			return Input{Office: fixture.Office, Current: fixture.Month(), LastYear: fixture.MonthLastYear(), Previous: fixture.MonthPrevious()}
		},
		// year to date: the “三侨生” item +31.7% → headline "30%以上"
		"ytd": func() Input { return Input{Office: fixture.Office, Current: fixture.YTD()} },
		// changes that round to 0.0% are flat, either sign
		"flat": func() Input {
			r := fixture.Month()
			r.KPIs["received_yoy_growth"] = fixture.F(0.0004)
			r.KPIs["received_mom_growth"] = fixture.F(-0.0004)
			return Input{Office: fixture.Office, Current: r}
		},
		// base 0: growth is null → no growth clause, no item growth
		"base0": func() Input {
			r := fixture.YTD()
			r.KPIs["received_yoy_growth"] = nil
			for i := range r.ByItem {
				r.ByItem[i].ReceivedSamePeriodLastYear = 0
				r.ByItem[i].ReceivedYoYGrowth = nil
			}
			return Input{Office: fixture.Office, Current: r}
		},
		// nulls (empty period): ratios and growth omitted with their clauses
		"null": func() Input {
			r := fixture.Month()
			for _, k := range []string{"same_day_ratio", "on_time_ratio", "instant_items_ratio", "received_yoy_growth",
				"received_mom_growth", "avg_trips", "backlog_resolution_rate", "bundle_share"} {
				r.KPIs[k] = nil
			}
			r.KPIs["backlog_total"] = fixture.F(0)
			r.KPIs["backlog_resolved"] = fixture.F(0)
			r.KPIs["completed"] = nil
			return Input{Current: r}
		},
		// 万 and rounding edges: 123,456 → 12.3万; item growth 0.29996 shows 30.0% but is not "30%以上";
		// a fall on a large base; a day range ending mid-month (截至…17日)
		"edges": func() Input {
			r := fixture.YTD()
			r.KPIs["completed_cumulative"] = fixture.F(123456)
			r.KPIs["received"] = fixture.F(1234567)
			r.KPIs["received_yoy_growth"] = fixture.F(-0.0873)
			r.ByItem[1].ReceivedSamePeriodLastYear = 25000
			r.ByItem[1].ReceivedYoYGrowth = fixture.F(0.29996)
			r.KPIs["backlog_resolved"] = fixture.F(40)
			r.KPIs["backlog_resolved_over_10y"] = fixture.F(29)
			return Input{Office: fixture.Office, Current: r}
		},
	}
	for name, in := range cases {
		for _, lang := range []string{"zh", "en"} {
			t.Run(name+"_"+lang, func(t *testing.T) {
				golden(t, name+"."+lang, render(Build(in(), lang), lang))
			})
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		n      int64
		zh, en string
	}{
		{14998, "14,998", "14,998"}, {99999, "99,999", "99,999"}, {100000, "10.0万", "100,000"},
		{123456, "12.3万", "123,456"}, {122500, "12.3万", "122,500"}, {129960, "13.0万", "129,960"},
		{1234567, "123.5万", "1.2 million"}, {250000000, "2.5亿", "250.0 million"}, {0, "0", "0"}, {-1234, "-1,234", "-1,234"},
	} {
		if got := CountZH(c.n); got != c.zh {
			t.Errorf("CountZH(%d) = %q, want %q", c.n, got, c.zh)
		}
		if got := CountEN(c.n); got != c.en {
			t.Errorf("CountEN(%d) = %q, want %q", c.n, got, c.en)
		}
	}
	for _, c := range []struct {
		v    float64
		dir  Direction
		text string
	}{
		{0.0004, Flat, "0.0"}, {-0.0004, Flat, "0.0"}, {0, Flat, "0.0"}, {0.317, Up, "31.7"},
		{-0.05, Down, "5.0"}, {0.29996, Up, "30.0"}, {0.0005, Up, "0.1"}, {-0.00049, Flat, "0.0"},
	} {
		d, s := Change(c.v)
		if d != c.dir || s != c.text {
			t.Errorf("Change(%v) = %v %q, want %v %q", c.v, d, s, c.dir, c.text)
		}
	}
	for _, c := range []struct {
		v    float64
		tens int
		ok   bool
	}{
		{0.29996, 20, true}, {0.3, 30, true}, {0.317, 30, true}, {0.1 * 3, 30, true}, {0.7, 70, true},
		{0.0999, 0, false}, {0.1, 10, true}, {1.5, 150, true}, {-0.4, 0, false}, {0.2999999, 20, true},
	} {
		tens, ok := AtLeastTens(c.v)
		if tens != c.tens || ok != c.ok {
			t.Errorf("AtLeastTens(%v) = %d %v, want %d %v", c.v, tens, ok, c.tens, c.ok)
		}
	}
	for _, c := range []struct {
		n    int64
		f    int64
		more bool
	}{{42, 40, true}, {40, 40, false}, {23, 20, true}, {7, 7, false}, {155, 100, true}, {14998, 14000, true}} {
		f, more := AtLeastCount(c.n)
		if f != c.f || more != c.more {
			t.Errorf("AtLeastCount(%d) = %d %v", c.n, f, more)
		}
	}
	if got := Pct(0.875); got != "87.5%" {
		t.Errorf("Pct = %q", got)
	}
	if got := Pct(-0.00001); got != "0.0%" {
		t.Errorf("Pct(-0.00001) = %q", got)
	}
}

// Every sentence names at least one key and its period; keys are §5 keys or by_item[...] keys.
func TestTraceable(t *testing.T) {
	known := map[string]bool{}
	for _, k := range kpi.Keys() {
		known[k] = true
	}
	for _, lang := range []string{"zh", "en"} {
		for _, p := range Build(Input{Current: fixture.YTD()}, lang) {
			for _, s := range p.Sentences {
				if len(s.Keys) == 0 || s.Period != "ytd:2022-10" {
					t.Errorf("%q: keys %v period %q", s.Text, s.Keys, s.Period)
				}
				for _, k := range s.Keys {
					if !known[k] && !strings.HasPrefix(k, "by_item[") {
						t.Errorf("%q: unknown key %q", s.Text, k)
					}
				}
			}
		}
	}
}
