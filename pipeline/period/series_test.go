package period

import (
	"strings"
	"testing"
)

func TestSeries(t *testing.T) {
	for _, c := range []struct {
		kind     Kind
		from, to string
		want     string
	}{
		{Month, "2022-01", "2022-10", "2022-01 2022-02 2022-03 2022-04 2022-05 2022-06 2022-07 2022-08 2022-09 2022-10"},
		{Month, "2021-11-15", "2022-01-03", "2021-11 2021-12 2022-01"},
		{Quarter, "2022-01", "2022-10", "2022-Q1 2022-Q2 2022-Q3 2022-Q4"},
		{Half, "2021", "2022-03", "2021-H1 2021-H2 2022-H1"},
		{Year, "2019-05", "2022", "2019 2020 2021 2022"},
		{YTD, "2022-01", "2022-03", "ytd:2022-01 ytd:2022-02 ytd:2022-03"},
		{Month, "2022-10", "2022-10", "2022-10"},
	} {
		from, err := Parse(c.from)
		if err != nil {
			t.Fatal(err)
		}
		to, err := Parse(c.to)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := Series(c.kind, from, to)
		if err != nil {
			t.Errorf("%s %s..%s: %v", c.kind, c.from, c.to, err)
			continue
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Label)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s %s..%s: %v, want %s", c.kind, c.from, c.to, got, c.want)
		}
	}
	a, _ := Parse("2022-10")
	b, _ := Parse("2022-01")
	if _, err := Series(Month, a, b); err == nil {
		t.Error("--to before --from accepted")
	}
	for rule, kind := range map[string]Kind{"previous-month": Month, "previous-quarter": Quarter, "year-to-date": YTD, "previous-year": Year, "month-to-date": Month, "previous-half": Half} {
		if k, ok := KindOfRule(rule); !ok || k != kind {
			t.Errorf("%s: %s %v", rule, k, ok)
		}
	}
}
