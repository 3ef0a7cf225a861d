package period

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustParse(t *testing.T, s string) Period {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return p
}

func TestParse(t *testing.T) {
	tests := []struct {
		in, label   string
		kind        Kind
		first, last string
		days        int
	}{
		{"2022-10", "2022-10", Month, "2022-10-01", "2022-10-31", 31},
		{"2022-02", "2022-02", Month, "2022-02-01", "2022-02-28", 28},
		{"2024-02", "2024-02", Month, "2024-02-01", "2024-02-29", 29},
		{"1900-02", "1900-02", Month, "1900-02-01", "1900-02-28", 28}, // 1900 not leap
		{"2000-02", "2000-02", Month, "2000-02-01", "2000-02-29", 29}, // 2000 leap
		{"2022-12", "2022-12", Month, "2022-12-01", "2022-12-31", 31},
		{"2022-Q1", "2022-Q1", Quarter, "2022-01-01", "2022-03-31", 90},
		{"2024-Q1", "2024-Q1", Quarter, "2024-01-01", "2024-03-31", 91},
		{"2022-Q2", "2022-Q2", Quarter, "2022-04-01", "2022-06-30", 91},
		{"2022-Q3", "2022-Q3", Quarter, "2022-07-01", "2022-09-30", 92},
		{"2022-q3", "2022-Q3", Quarter, "2022-07-01", "2022-09-30", 92},
		{"2022-Q4", "2022-Q4", Quarter, "2022-10-01", "2022-12-31", 92},
		{"2022-H1", "2022-H1", Half, "2022-01-01", "2022-06-30", 181},
		{"2024-h1", "2024-H1", Half, "2024-01-01", "2024-06-30", 182},
		{"2022-H2", "2022-H2", Half, "2022-07-01", "2022-12-31", 184},
		{"2022", "2022", Year, "2022-01-01", "2022-12-31", 365},
		{"2024", "2024", Year, "2024-01-01", "2024-12-31", 366},
		{"1900", "1900", Year, "1900-01-01", "1900-12-31", 365},
		{"2999", "2999", Year, "2999-01-01", "2999-12-31", 365},
		{"2024-01-15", "2024-01-15", Day, "2024-01-15", "2024-01-15", 1},
		{"2024-02-29", "2024-02-29", Day, "2024-02-29", "2024-02-29", 1},
		{" 1900-01-01 ", "1900-01-01", Day, "1900-01-01", "1900-01-01", 1},
		{"2022-01..2022-10", "2022-01..2022-10", MonthRange, "2022-01-01", "2022-10-31", 304},
		{"2022-10..2022-10", "2022-10..2022-10", MonthRange, "2022-10-01", "2022-10-31", 31},
		{"2021-11..2022-02", "2021-11..2022-02", MonthRange, "2021-11-01", "2022-02-28", 120},
		{"2022-01-01..2022-10-31", "2022-01-01..2022-10-31", DayRange, "2022-01-01", "2022-10-31", 304},
		{"2024-02-29..2024-02-29", "2024-02-29..2024-02-29", DayRange, "2024-02-29", "2024-02-29", 1},
		{"2023-03-01..2024-02-29", "2023-03-01..2024-02-29", DayRange, "2023-03-01", "2024-02-29", 366},
		{"ytd:2022-10", "ytd:2022-10", YTD, "2022-01-01", "2022-10-31", 304},
		{"YTD:2024-02", "ytd:2024-02", YTD, "2024-01-01", "2024-02-29", 60},
		{"ytd:2022-01", "ytd:2022-01", YTD, "2022-01-01", "2022-01-31", 31},
		{"  2022-10\t", "2022-10", Month, "2022-10-01", "2022-10-31", 31},
		{" 2022-01 .. 2022-10 ", "2022-01..2022-10", MonthRange, "2022-01-01", "2022-10-31", 304},
		{"ytd: 2022-10", "ytd:2022-10", YTD, "2022-01-01", "2022-10-31", 304},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p := mustParse(t, tt.in)
			want := Period{Label: tt.label, Kind: tt.kind, First: d(tt.first), Last: d(tt.last)}
			if p != want {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, p, want)
			}
			if p.Days() != tt.days {
				t.Errorf("Days() = %d, want %d", p.Days(), tt.days)
			}
			if p.String() != tt.label {
				t.Errorf("String() = %q", p.String())
			}
			if q := mustParse(t, p.Label); q != p {
				t.Errorf("round trip: %+v != %+v", q, p)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty period"},
		{"   ", "empty period"},
		{"2022-13", "month must be 01-12"},
		{"2022-00", "month must be 01-12"},
		{"2022-1", "month must be two digits 01-12, e.g. 2022-01"},
		{"2022-Q0", "quarter must be Q1-Q4"},
		{"2022-Q5", "quarter must be Q1-Q4"},
		{"2022-H3", "half must be H1 or H2"},
		{"2022-H0", "half must be H1 or H2"},
		{"1899", "year must be 1900-2999"},
		{"3000-01", "year must be 1900-2999"},
		{"0000-Q1", "year must be 1900-2999"},
		{"1899-12..1900-01", "year must be 1900-2999"},
		{"2022-02-30..2022-03-01", "2022-02-30 does not exist: 2022-02 has days 01-28"},
		{"2023-02-29..2023-03-01", "2023-02-29 does not exist: 2023-02 has days 01-28"},
		{"2022-04-31..2022-05-01", "2022-04-31 does not exist"},
		{"2022-01-00..2022-01-05", "2022-01-00 does not exist"},
		{"2022-10..2022-01", "range is reversed: 2022-10 is after 2022-01"},
		{"2022-10-31..2022-10-30", "range is reversed"},
		{"2023-01..2022-12", "range is reversed"},
		{"2022-01..2022-10-31", "both ends of a range must be months"},
		{"2022-01-01..2022-10", "both ends of a range must be months"},
		{"2022-Q1..2022-Q3", "a range is two months"},
		{"2022-01..", "a range is two months"},
		{"2022-01..2022-02..2022-03", "a range is two months"},
		{"2022-02-30", "2022-02-30 does not exist: 2022-02 has days 01-28"},
		{"2023-02-29", "2023-02-29 does not exist"},
		{"2022-13-01", "month must be 01-12"},
		{"1899-12-31", "year must be 1900-2999"},
		{"2022-1-5", "unrecognised form"},
		{"ytd:2022", "year to date is written ytd:YYYY-MM"},
		{"ytd:2022-13", "month must be 01-12"},
		{"ytd:", "year to date is written"},
		{"previous-month", "relative rule previous-month is resolved at run time"},
		{"Year-To-Date", "relative rule year-to-date"},
		{"last-month", "unrecognised form"},
		{"22-10", "unrecognised form"},
		{"2022/10", "unrecognised form"},
		{"+2022", "unrecognised form"},
		{"２０２２", "unrecognised form"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want error", tt.in, p)
			}
			if !p.IsZero() {
				t.Errorf("non-zero period with error: %+v", p)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadPeriod) {
				t.Fatalf("error %T not a *ParseError / ErrBadPeriod", err)
			}
			if pe.Input != tt.in || !strings.HasPrefix(pe.Reason, tt.reason) {
				t.Errorf("ParseError = %+v, want reason prefix %q", pe, tt.reason)
			}
			msg := err.Error()
			for _, form := range []string{"2022-10 (month)", "2022-Q3 (quarter)", "2022-H1 (half)", "2022 (year)", "2022-10-31 (day)",
				"2022-01..2022-10 (month range)", "2022-01-01..2022-10-31 (day range)", "ytd:2022-10 (year to date)",
				"previous-month", "previous-quarter", "previous-half", "previous-year", "year-to-date", "month-to-date"} {
				if !strings.Contains(msg, form) {
					t.Errorf("message lacks %q: %s", form, msg)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := Parse("2022-13")
	want := `bad period "2022-13": month must be 01-12; accepted forms: 2022-10 (month), 2022-Q3 (quarter), ` +
		`2022-H1 (half), 2022 (year), 2022-10-31 (day), 2022-01..2022-10 (month range), 2022-01-01..2022-10-31 (day range), ` +
		`ytd:2022-10 (year to date); kpi, report and jobs also accept previous-month, previous-quarter, previous-half, ` +
		`previous-year, year-to-date, month-to-date`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	wrapped := errors.Join(errors.New("kpi"), err)
	if !errors.Is(wrapped, ErrBadPeriod) {
		t.Error("wrapped error does not match ErrBadPeriod")
	}
}

func TestResolve(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai") // time/tzdata is linked in: always there
	if err != nil {
		t.Fatal(err)
	}
	// 2022-11-01 00:30 in Shanghai is still 31 October in UTC.
	midnight := time.Date(2022, 10, 31, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		rule  string
		now   time.Time
		loc   *time.Location
		label string
		kind  Kind
	}{
		{"previous-month", midnight, sh, "2022-10", Month},
		{"previous-month", midnight, time.UTC, "2022-09", Month},
		{"previous-quarter", midnight, sh, "2022-Q3", Quarter},
		{"previous-quarter", midnight, time.UTC, "2022-Q3", Quarter},
		{"previous-quarter", time.Date(2022, 9, 30, 16, 30, 0, 0, time.UTC), sh, "2022-Q3", Quarter},
		{"previous-quarter", time.Date(2022, 9, 30, 16, 30, 0, 0, time.UTC), time.UTC, "2022-Q2", Quarter},
		{"previous-year", time.Date(2022, 12, 31, 16, 30, 0, 0, time.UTC), sh, "2022", Year},
		{"previous-year", time.Date(2022, 12, 31, 16, 30, 0, 0, time.UTC), time.UTC, "2021", Year},
		{"previous-half", midnight, sh, "2022-H1", Half},
		{"previous-year", midnight, sh, "2021", Year},
		{"year-to-date", midnight, sh, "2022-01-01..2022-11-01", DayRange},
		{"year-to-date", midnight, time.UTC, "ytd:2022-10", YTD}, // 31 Oct is a month end
		{"month-to-date", midnight, sh, "2022-11-01..2022-11-01", DayRange},
		{"month-to-date", midnight, time.UTC, "2022-10-01..2022-10-31", DayRange},
		{" Previous-Month ", midnight, sh, "2022-10", Month},
		// year boundaries
		{"previous-month", d("2023-01-15"), time.UTC, "2022-12", Month},
		{"previous-quarter", d("2023-02-15"), time.UTC, "2022-Q4", Quarter},
		{"previous-quarter", d("2023-04-01"), time.UTC, "2023-Q1", Quarter},
		{"previous-half", d("2023-06-30"), time.UTC, "2022-H2", Half},
		{"previous-half", d("2023-07-01"), time.UTC, "2023-H1", Half},
		{"previous-year", d("2023-01-01"), time.UTC, "2022", Year},
		{"year-to-date", d("2023-01-01"), time.UTC, "2023-01-01..2023-01-01", DayRange},
		{"year-to-date", d("2022-11-24"), time.UTC, "2022-01-01..2022-11-24", DayRange},
		{"year-to-date", d("2024-02-29"), time.UTC, "ytd:2024-02", YTD},
		{"year-to-date", d("2024-02-28"), time.UTC, "2024-01-01..2024-02-28", DayRange},
		{"year-to-date", d("2022-12-31"), time.UTC, "ytd:2022-12", YTD},
		{"month-to-date", d("2022-11-24"), time.UTC, "2022-11-01..2022-11-24", DayRange},
		// absolute forms pass through, "now" ignored
		{"2022-Q3", midnight, sh, "2022-Q3", Quarter},
		{"ytd:2022-10", midnight, nil, "ytd:2022-10", YTD},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"@"+tt.now.String(), func(t *testing.T) {
			p, err := Resolve(tt.rule, tt.now, tt.loc)
			if err != nil {
				t.Fatal(err)
			}
			if p.Label != tt.label || p.Kind != tt.kind {
				t.Fatalf("Resolve = %s (%s), want %s (%s)", p.Label, p.Kind, tt.label, tt.kind)
			}
			if q := mustParse(t, p.Label); q != p {
				t.Errorf("not canonical: %+v vs %+v", p, q)
			}
		})
	}

	for _, bad := range []string{"previous-week", "2022-13", ""} {
		if _, err := Resolve(bad, midnight, sh); !errors.Is(err, ErrBadPeriod) {
			t.Errorf("Resolve(%q) err = %v, want ErrBadPeriod", bad, err)
		}
	}
	if _, err := Resolve("previous-month", midnight, nil); err == nil || errors.Is(err, ErrBadPeriod) {
		t.Errorf("nil loc: err = %v, want a non-usage error", err)
	}
	if _, err := Resolve("previous-year", d("1900-06-01"), time.UTC); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("previous-year in 1900: err = %v", err)
	}
}

func TestSameLastYear(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-10", "2021-10"},
		{"2024-02", "2023-02"},
		{"2025-02", "2024-02"}, // whole month, 29 days
		{"2022-Q1", "2021-Q1"},
		{"2022-H2", "2021-H2"},
		{"2022", "2021"},
		{"2022-01..2022-10", "2021-01..2021-10"},
		{"2021-11..2024-02", "2020-11..2023-02"},
		{"ytd:2022-10", "ytd:2021-10"},
		{"ytd:2025-02", "ytd:2024-02"},
		{"2022-01-01..2022-10-31", "2021-01-01..2021-10-31"},
		{"2024-01-01..2024-02-29", "2023-01-01..2023-02-28"},
		{"2024-02-29..2024-02-29", "2023-02-28..2023-02-28"},
		{"2024-02-29..2024-03-10", "2023-02-28..2023-03-10"},
		{"2023-03-01..2024-02-29", "2022-03-01..2023-02-28"},
		{"2025-03-01..2025-03-01", "2024-03-01..2024-03-01"},
		{"2024-01-15", "2023-01-15"},
		{"2024-02-29", "2023-02-28"},
		{"2025-03-01", "2024-03-01"},
		{"2023-02-28", "2022-02-28"},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.in)
		got := p.SameLastYear()
		want := mustParse(t, tt.want)
		if got != want {
			t.Errorf("%s.SameLastYear() = %+v, want %+v", tt.in, got, want)
		}
	}
	if p := mustParse(t, "2025-02").SameLastYear(); p.Days() != 29 {
		t.Errorf("2025-02 → %s has %d days, want 29", p, p.Days())
	}
}

func TestPrevious(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-10", "2022-09"},
		{"2022-01", "2021-12"},
		{"2024-03", "2024-02"},
		{"2022-Q1", "2021-Q4"},
		{"2022-Q3", "2022-Q2"},
		{"2022-H1", "2021-H2"},
		{"2022-H2", "2022-H1"},
		{"2022", "2021"},
		{"2022-01..2022-03", "2021-10..2021-12"},
		{"2022-10..2022-10", "2022-09..2022-09"},
		{"2022-01..2022-10", "2021-03..2021-12"},
		{"2021-11..2022-02", "2021-07..2021-10"},
		{"2022-03-01..2022-03-10", "2022-02-19..2022-02-28"},
		{"2024-03-01..2024-03-10", "2024-02-20..2024-02-29"},
		{"2022-01-01..2022-01-01", "2021-12-31..2021-12-31"},
		{"2022-01-01..2022-12-31", "2021-01-01..2021-12-31"},
		{"2024-01-01..2024-12-31", "2022-12-31..2023-12-31"}, // 366 days
		{"1900-02", "1900-01"},
		{"2024-01-15", "2024-01-14"},
		{"2024-03-01", "2024-02-29"},
		{"2023-03-01", "2023-02-28"},
		{"2022-01-01", "2021-12-31"},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.in)
		got, ok := p.Previous()
		if !ok {
			t.Errorf("%s.Previous() not ok", tt.in)
			continue
		}
		if want := mustParse(t, tt.want); got != want {
			t.Errorf("%s.Previous() = %+v, want %+v", tt.in, got, want)
		}
		if p.Kind != DayRange && p.Kind != MonthRange && p.Kind != Day {
			continue
		}
		if got.Kind != p.Kind || (p.Kind != MonthRange && got.Days() != p.Days()) {
			t.Errorf("%s.Previous() = %s: kind or length differs", tt.in, got)
		}
		if !got.Last.AddDate(0, 0, 1).Equal(p.First) {
			t.Errorf("%s.Previous() = %s does not end the day before", tt.in, got)
		}
	}
	for _, in := range []string{"ytd:2022-10", "ytd:2022-01", "1900-01", "1900-Q1", "1900-H1", "1900", "1900-01..1900-02", "1900-01-01..1900-01-31", "1900-01-01"} {
		if got, ok := mustParse(t, in).Previous(); ok {
			t.Errorf("%s.Previous() = %s, want false", in, got)
		}
	}
	if _, ok := (Period{}).Previous(); ok {
		t.Error("zero Period has a previous period")
	}
}

func TestContains(t *testing.T) {
	sh := time.FixedZone("CST", 8*3600)
	p := mustParse(t, "2022-10")
	tests := []struct {
		t    time.Time
		want bool
	}{
		{d("2022-10-01"), true},
		{d("2022-10-31"), true},
		{d("2022-09-30"), false},
		{d("2022-11-01"), false},
		{time.Date(2022, 10, 31, 23, 59, 59, 999, time.UTC), true},
		{time.Date(2022, 11, 1, 0, 30, 0, 0, sh), false},                // local date is 1 Nov
		{time.Date(2022, 10, 31, 16, 30, 0, 0, time.UTC).In(sh), false}, // same instant
		{time.Date(2022, 10, 1, 0, 0, 0, 0, sh), true},                  // local date 1 Oct
		{time.Date(2022, 9, 30, 16, 0, 0, 0, time.UTC), false},          // UTC date 30 Sep
		{time.Date(2022, 9, 30, 16, 0, 0, 0, time.UTC).In(sh), true},    // local date 1 Oct
		{time.Date(2022, 10, 15, 12, 0, 0, 0, time.FixedZone("X", -11*3600)), true},
	}
	for _, tt := range tests {
		if got := p.Contains(tt.t); got != tt.want {
			t.Errorf("Contains(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	one := mustParse(t, "2024-02-29..2024-02-29")
	if !one.Contains(d("2024-02-29")) || one.Contains(d("2024-02-28")) || one.Contains(d("2024-03-01")) {
		t.Error("one-day range Contains wrong")
	}
}

func TestTrendMonths(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"2022-10", "2021-10-01", "2022-10-01"},
		{"2022-01", "2021-01-01", "2022-01-01"},
		{"2022-12", "2021-12-01", "2022-12-01"},
		{"2022-Q3", "2021-09-01", "2022-09-01"},
		{"2022", "2021-12-01", "2022-12-01"},
		{"ytd:2022-10", "2021-10-01", "2022-10-01"},
		{"2022-01-01..2022-03-15", "2021-03-01", "2022-03-01"},
		{"2024-02-29..2024-02-29", "2023-02-01", "2024-02-01"},
	}
	for _, tt := range tests {
		ms := mustParse(t, tt.in).TrendMonths()
		if len(ms) != 13 || !ms[0].Equal(d(tt.first)) || !ms[12].Equal(d(tt.last)) {
			t.Errorf("%s.TrendMonths() = %v", tt.in, ms)
			continue
		}
		for i := 1; i < 13; i++ {
			if ms[i].Day() != 1 || !ms[i-1].AddDate(0, 1, 0).Equal(ms[i]) {
				t.Errorf("%s.TrendMonths() not consecutive at %d: %v", tt.in, i, ms)
			}
		}
	}
	var got []string
	for _, m := range mustParse(t, "2022-03").TrendMonths() {
		got = append(got, m.Format("2006-01"))
	}
	want := "2021-03 2021-04 2021-05 2021-06 2021-07 2021-08 2021-09 2021-10 2021-11 2021-12 2022-01 2022-02 2022-03"
	if strings.Join(got, " ") != want {
		t.Errorf("TrendMonths(2022-03) = %v", got)
	}
}

func TestJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-10", `{"label":"2022-10","kind":"month","first_day":"2022-10-01","last_day":"2022-10-31"}`},
		{"2022-q3", `{"label":"2022-Q3","kind":"quarter","first_day":"2022-07-01","last_day":"2022-09-30"}`},
		{"2022-H1", `{"label":"2022-H1","kind":"half","first_day":"2022-01-01","last_day":"2022-06-30"}`},
		{"2022", `{"label":"2022","kind":"year","first_day":"2022-01-01","last_day":"2022-12-31"}`},
		{"2022-01..2022-10", `{"label":"2022-01..2022-10","kind":"month_range","first_day":"2022-01-01","last_day":"2022-10-31"}`},
		{"2022-01-01..2022-10-31", `{"label":"2022-01-01..2022-10-31","kind":"day_range","first_day":"2022-01-01","last_day":"2022-10-31"}`},
		{"2024-01-15", `{"label":"2024-01-15","kind":"day","first_day":"2024-01-15","last_day":"2024-01-15"}`},
		{"ytd:2022-10", `{"label":"ytd:2022-10","kind":"ytd","first_day":"2022-01-01","last_day":"2022-10-31"}`},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.in)
		b, err := json.Marshal(p)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%s) = %s, %v\nwant %s", tt.in, b, err, tt.want)
		}
		// embedded in a struct, by value and by pointer
		b, _ = json.Marshal(struct {
			P  Period  `json:"period"`
			PP *Period `json:"pp"`
		}{p, &p})
		if want := `{"period":` + tt.want + `,"pp":` + tt.want + `}`; string(b) != want {
			t.Errorf("embedded: %s", b)
		}
		var q Period
		if err := json.Unmarshal([]byte(tt.want), &q); err != nil || q != p {
			t.Errorf("Unmarshal(%s) = %+v, %v", tt.want, q, err)
		}
	}
	var q Period
	if err := json.Unmarshal([]byte(`{"label":"2022-10","kind":"quarter"}`), &q); err == nil {
		t.Error("mismatched kind accepted")
	}
	if err := json.Unmarshal([]byte(`{"label":"2022-10","last_day":"2022-10-30"}`), &q); err == nil {
		t.Error("mismatched last_day accepted")
	}
	if err := json.Unmarshal([]byte(`{"label":"2022-13"}`), &q); !errors.Is(err, ErrBadPeriod) {
		t.Errorf("bad label: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"label":"2022-10"}`), &q); err != nil || q.Label != "2022-10" {
		t.Errorf("label only: %+v %v", q, err)
	}
}

func TestLabels(t *testing.T) {
	tests := []struct{ in, zh, en string }{
		{"2022-10", "2022年10月", "October 2022"},
		{"2022-01", "2022年1月", "January 2022"},
		{"2022-Q1", "2022年第一季度", "2022 Q1"},
		{"2022-Q2", "2022年第二季度", "2022 Q2"},
		{"2022-Q3", "2022年第三季度", "2022 Q3"},
		{"2022-Q4", "2022年第四季度", "2022 Q4"},
		{"2022-H1", "2022年上半年", "2022 H1"},
		{"2022-H2", "2022年下半年", "2022 H2"},
		{"2022", "2022年", "2022"},
		{"2022-01..2022-10", "2022年1—10月", "Jan–Oct 2022"},
		{"2022-10..2022-10", "2022年10月", "October 2022"},
		{"2021-11..2022-10", "2021年11月—2022年10月", "Nov 2021 – Oct 2022"},
		{"2022-01-01..2022-10-31", "2022年1月1日至10月31日", "1 Jan – 31 Oct 2022"},
		{"2022-10-01..2022-10-15", "2022年10月1日至15日", "1–15 Oct 2022"},
		{"2022-10-31..2022-10-31", "2022年10月31日", "31 Oct 2022"},
		{"2024-01-15", "2024年1月15日", "15 Jan 2024"},
		{"2024-02-29", "2024年2月29日", "29 Feb 2024"},
		{"2021-11-01..2022-10-31", "2021年11月1日至2022年10月31日", "1 Nov 2021 – 31 Oct 2022"},
		{"ytd:2022-10", "2022年1—10月", "Jan–Oct 2022 (year to date)"},
		{"ytd:2022-01", "2022年1月", "Jan 2022 (year to date)"},
		{"ytd:2022-12", "2022年1—12月", "Jan–Dec 2022 (year to date)"},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.in)
		if got := p.ZhLabel(); got != tt.zh {
			t.Errorf("%s.ZhLabel() = %q, want %q", tt.in, got, tt.zh)
		}
		if got := p.EnLabel(); got != tt.en {
			t.Errorf("%s.EnLabel() = %q, want %q", tt.in, got, tt.en)
		}
	}
}

func TestDateHelpers(t *testing.T) {
	if got := Date(2024, 2, 29); !got.Equal(d("2024-02-29")) || got.Location() != time.UTC {
		t.Errorf("Date = %v", got)
	}
	ts := time.Date(2022, 11, 1, 0, 30, 0, 0, time.FixedZone("CST", 8*3600))
	if got := FormatDate(DateOf(ts)); got != "2022-11-01" {
		t.Errorf("DateOf local = %s", got)
	}
	if got := FormatDate(DateOf(ts.UTC())); got != "2022-10-31" {
		t.Errorf("DateOf UTC = %s", got)
	}
	if !IsRelative(" MONTH-TO-DATE ") || IsRelative("2022-10") {
		t.Error("IsRelative")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2022-10", "2022-Q3", "2022-q4", "2022-H1", "2022", "2022-01..2022-10", "2022-01-01..2022-10-31",
		"ytd:2022-10", "YTD:2024-02", "2024-02-29..2024-02-29", " 2022-01 .. 2022-03 ", "2022-13", "2022-02-30..2022-03-01",
		"2022-01..2022-10-31", "previous-month", "1900-01-01..1900-01-01", "2999-12", "", "..", "ytd:", "2022-1",
		"2024-01-15", "1900-01-01", "2023-02-29",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrBadPeriod) || pe.Input != s || !p.IsZero() {
				t.Fatalf("Parse(%q): bad error %v / %+v", s, err, p)
			}
			return
		}
		q, err := Parse(p.Label)
		if err != nil || q != p {
			t.Fatalf("Parse(%q) = %+v; Parse(label) = %+v, %v", s, p, q, err)
		}
		if p.Last.Before(p.First) || p.Days() < 1 || !p.Contains(p.First) || !p.Contains(p.Last) ||
			p.First.Year() < MinYear || p.Last.Year() > MaxYear {
			t.Fatalf("Parse(%q) = %+v: inconsistent", s, p)
		}
		if p.ZhLabel() == "" || p.EnLabel() == "" || len(p.TrendMonths()) != 13 {
			t.Fatalf("Parse(%q): empty label or trend", s)
		}
		if ly := p.SameLastYear(); ly.Kind != p.Kind || ly.Last.Before(ly.First) {
			t.Fatalf("%s.SameLastYear() = %+v", p, ly)
		}
		if prev, ok := p.Previous(); ok {
			if prev.Kind != p.Kind || !prev.Last.Before(p.First) {
				t.Fatalf("%s.Previous() = %+v", p, prev)
			}
			if r, err := Parse(prev.Label); err != nil || r != prev {
				t.Fatalf("%s.Previous() = %+v does not round-trip: %+v %v", p, prev, r, err)
			}
		} else if p.Kind != YTD {
			start := p.First.AddDate(0, 0, -1) // month, quarter, half, year
			switch p.Kind {
			case DayRange:
				start = p.First.AddDate(0, 0, -p.Days())
			case MonthRange:
				start = p.First.AddDate(0, -monthsBetween(p.First, p.Last), 0)
			}
			if start.Year() >= MinYear {
				t.Fatalf("%s.Previous() not ok", p)
			}
		}
		if b, err := json.Marshal(p); err != nil || !json.Valid(b) {
			t.Fatalf("Marshal(%s): %s %v", p, b, err)
		}
	})
}
