package schedule

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/robfig/cron/v3"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t testing.TB, spec string, loc *time.Location) *Schedule {
	t.Helper()
	s, err := Parse(spec, loc)
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s
}

// local parses "2006-01-02 15:04" in loc; an ambiguous time is its first occurrence.
func local(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rfc(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, v := range ts {
		out[i] = v.Format(time.RFC3339)
	}
	return out
}

// chain lists the runs in (from, to] by calling Next repeatedly.
func chain(t testing.TB, s *Schedule, from, to time.Time) []time.Time {
	t.Helper()
	var out []time.Time
	for v := s.Next(from); !v.IsZero() && !v.After(to); v = s.Next(v) {
		if n := len(out); n > 0 && !v.After(out[n-1]) {
			t.Fatalf("%q: Next(%s) = %s is not after it", s, out[n-1], v)
		}
		out = append(out, v)
		if len(out) > 1_000_000 {
			t.Fatal("runaway chain")
		}
	}
	return out
}

func TestParseRefuses(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	for _, c := range []struct{ spec, want string }{
		{"", "empty schedule"},
		{"   ", "empty schedule"},
		{"TZ=UTC", "cannot carry its own time zone (TZ=UTC): the office time zone, timezone: in caseload.yaml (Asia/Shanghai), applies to every schedule"},
		{"TZ=Europe/London 0 6 * * *", "(TZ=Europe/London)"},
		{"CRON_TZ=America/New_York 0 6 * * *", "(CRON_TZ=America/New_York)"},
		{" cron_tz=UTC 0 6 * * *", "(cron_tz=UTC)"},
		{"tz=UTC\t0 6 * * *", "(tz=UTC)"},
		{"@every 1h", "@every is not supported: jobs run at calendar times"},
		{"@every", "@every is not supported"},
		{"@every x", "@every is not supported"},
		{"0 6 * *", "expected exactly 5 fields"},
		{"0 0 6 * * *", "expected exactly 5 fields"},
		{"60 * * * *", "above maximum"},
		{"0 24 * * *", "above maximum"},
		{"0 0 0 * *", "below minimum"},
		{"0 0 * 13 *", "above maximum"},
		{"0 0 * * 7", "above maximum"},
		{"*/0 * * * *", "step of range should be a positive number"},
		{"5-1 * * * *", "beyond end of range"},
		{"@weekly2", "unrecognized descriptor"},
		{"@DAILY", "unrecognized descriptor"},
		{"a b c d e", "failed to parse int"},
		{"0 * * * ,", "field 5 (day-of-week) names no value"},
		{", * * * *", "field 1 (minute) names no value"},
		{"0 0 ,, * *", "field 3 (day-of-month) names no value"},
	} {
		_, err := Parse(c.spec, sh)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", c.spec, err, c.want)
		}
	}
	if _, err := Parse("@daily", nil); err == nil {
		t.Error("Parse with a nil location: no error")
	}
}

func TestParseAccepts(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	for _, c := range []struct {
		spec     string
		wildcard bool
	}{
		{"0 6 1 * *", false},
		{" 0 6 1 * * ", false},
		{"0 6 1 JAN mon", false},
		{"30 2 * * *", false},
		{"0,30 9-17 * * 1-5", false},
		{"0 0-23 * * *", false}, // ISC cron looks at the first character only
		{"0/15 6 * * *", false},
		{"@yearly", false}, {"@annually", false}, {"@monthly", false}, {"@weekly", false},
		{"@daily", false}, {"@midnight", false},
		{"@hourly", true},
		{"* * * * *", true},
		{"*/15 * * * *", true},
		{"0 * * * *", true},
		{"30 */2 * * *", true},
		{"*/5 6 * * *", true},
		{"? ? ? ? ?", true},
		{"0 ? * * *", true},
	} {
		s := mustParse(t, c.spec, sh)
		if s.Wildcard() != c.wildcard {
			t.Errorf("%q: Wildcard() = %v, want %v", c.spec, s.Wildcard(), c.wildcard)
		}
		if s.String() != c.spec {
			t.Errorf("String() = %q, want %q", s.String(), c.spec)
		}
		if s.Location() != sh {
			t.Errorf("%q: Location() = %v", c.spec, s.Location())
		}
	}
}

// TestClockChanges pins the ISC cron rules on real transitions (SPEC §8).
func TestClockChanges(t *testing.T) {
	for _, c := range []struct {
		zone, spec, from, to string // runs in (from, to], local times
		want                 []string
	}{
		// America/New_York: 2024-03-10 02:00 EST → 03:00 EDT; 2024-11-03 02:00 EDT → 01:00 EST.
		{"America/New_York", "30 2 * * *", "2024-03-09 12:00", "2024-03-11 12:00", []string{"2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00"}},
		{"America/New_York", "30 2 * * *", "2024-11-02 12:00", "2024-11-04 12:00", []string{"2024-11-03T02:30:00-05:00", "2024-11-04T02:30:00-05:00"}},
		{"America/New_York", "30 1 * * *", "2024-11-02 12:00", "2024-11-04 12:00", []string{"2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"}},
		{"America/New_York", "0 2 * * *", "2024-03-10 00:00", "2024-03-10 23:00", []string{"2024-03-10T03:00:00-04:00"}},
		{"America/New_York", "59 2 * * *", "2024-03-10 00:00", "2024-03-10 23:00", []string{"2024-03-10T03:00:00-04:00"}},
		{"America/New_York", "0 3 * * *", "2024-03-10 00:00", "2024-03-10 23:00", []string{"2024-03-10T03:00:00-04:00"}},
		{"America/New_York", "0,30 2 * * *", "2024-03-10 00:00", "2024-03-10 23:00", []string{"2024-03-10T03:00:00-04:00"}},
		{"America/New_York", "30 2,3 * * *", "2024-03-10 00:00", "2024-03-10 23:00", []string{"2024-03-10T03:00:00-04:00", "2024-03-10T03:30:00-04:00"}},
		{"America/New_York", "0 1-3 * * *", "2024-11-03 00:00", "2024-11-03 23:00", []string{"2024-11-03T01:00:00-04:00", "2024-11-03T02:00:00-05:00", "2024-11-03T03:00:00-05:00"}},
		{"America/New_York", "0 * * * *", "2024-03-10 00:30", "2024-03-10 04:00", []string{"2024-03-10T01:00:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T04:00:00-04:00"}},
		{"America/New_York", "0 * * * *", "2024-11-03 00:30", "2024-11-03 03:00", []string{"2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00", "2024-11-03T02:00:00-05:00", "2024-11-03T03:00:00-05:00"}},
		{"America/New_York", "@hourly", "2024-11-03 00:30", "2024-11-03 02:00", []string{"2024-11-03T01:00:00-04:00", "2024-11-03T01:00:00-05:00", "2024-11-03T02:00:00-05:00"}},
		{"America/New_York", "* 2 * * *", "2024-03-09 12:00", "2024-03-10 23:00", nil}, // a wildcard spec: 02:xx did not happen
		// Europe/London: 2024-03-31 01:00 GMT → 02:00 BST; 2024-10-27 02:00 BST → 01:00 GMT.
		{"Europe/London", "30 1 * * *", "2024-03-30 12:00", "2024-04-01 12:00", []string{"2024-03-31T02:00:00+01:00", "2024-04-01T01:30:00+01:00"}},
		{"Europe/London", "30 1 * * *", "2024-10-26 12:00", "2024-10-28 12:00", []string{"2024-10-27T01:30:00+01:00", "2024-10-28T01:30:00Z"}},
		{"Europe/London", "0 1 * * *", "2024-03-31 00:00", "2024-03-31 12:00", []string{"2024-03-31T02:00:00+01:00"}},
		{"Europe/London", "0 2 * * *", "2024-03-31 00:00", "2024-03-31 12:00", []string{"2024-03-31T02:00:00+01:00"}},
		// Australia/Lord_Howe: a 30-minute DST. 2024-10-06 02:00 → 02:30 (+11); 2024-04-07 02:00 → 01:30 (+10:30).
		{"Australia/Lord_Howe", "0 2 * * *", "2024-10-05 12:00", "2024-10-06 12:00", []string{"2024-10-06T02:30:00+11:00"}},
		{"Australia/Lord_Howe", "15,45 2 * * *", "2024-10-05 12:00", "2024-10-06 12:00", []string{"2024-10-06T02:30:00+11:00", "2024-10-06T02:45:00+11:00"}},
		{"Australia/Lord_Howe", "45 1 * * *", "2024-04-06 12:00", "2024-04-07 12:00", []string{"2024-04-07T01:45:00+11:00"}},
		{"Australia/Lord_Howe", "*/20 1 * * *", "2024-04-06 12:00", "2024-04-07 12:00", []string{"2024-04-07T01:00:00+11:00", "2024-04-07T01:20:00+11:00", "2024-04-07T01:40:00+11:00", "2024-04-07T01:40:00+10:30"}},
		// Pacific/Apia skipped 2011-12-30 (23:59:59 -10 on the 29th → 00:00 +14 on the 31st).
		{"Pacific/Apia", "0 6 * * *", "2011-12-28 12:00", "2012-01-01 12:00", []string{"2011-12-29T06:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T06:00:00+14:00", "2012-01-01T06:00:00+14:00"}},
		{"Pacific/Apia", "0 0 30 12 *", "2011-01-01 00:00", "2012-06-01 00:00", []string{"2011-12-31T00:00:00+14:00"}},
		{"Pacific/Apia", "0 */6 * * *", "2011-12-29 12:00", "2011-12-31 07:00", []string{"2011-12-29T18:00:00-10:00", "2011-12-31T00:00:00+14:00", "2011-12-31T06:00:00+14:00"}},
		// Europe/Moscow: 2014-10-26 02:00 (+04) → 01:00 (+03), no DST; 2011-03-27 02:00 (+03) → 03:00 (+04).
		{"Europe/Moscow", "30 1 * * *", "2014-10-25 12:00", "2014-10-26 12:00", []string{"2014-10-26T01:30:00+04:00"}},
		{"Europe/Moscow", "30 2 * * *", "2011-03-26 12:00", "2011-03-27 12:00", []string{"2011-03-27T03:00:00+04:00"}},
		// America/Sao_Paulo moved its clocks at midnight: 2018-11-04 00:00 → 01:00; 2019-02-17 00:00 → 2019-02-16 23:00.
		{"America/Sao_Paulo", "@daily", "2018-11-03 12:00", "2018-11-05 12:00", []string{"2018-11-04T01:00:00-02:00", "2018-11-05T00:00:00-02:00"}},
		{"America/Sao_Paulo", "30 23 * * *", "2019-02-16 12:00", "2019-02-17 12:00", []string{"2019-02-16T23:30:00-02:00"}},
		{"America/Sao_Paulo", "@daily", "2019-02-16 12:00", "2019-02-18 12:00", []string{"2019-02-17T00:00:00-03:00", "2019-02-18T00:00:00-03:00"}},
		// Asia/Shanghai kept DST from 1986 to 1991: 1991-04-14 02:00 → 03:00.
		{"Asia/Shanghai", "30 2 * * *", "1991-04-13 12:00", "1991-04-14 12:00", []string{"1991-04-14T03:00:00+09:00"}},
	} {
		t.Run(c.zone+"/"+c.spec+"/"+c.from, func(t *testing.T) {
			loc := zone(t, c.zone)
			s := mustParse(t, c.spec, loc)
			from, to := local(t, loc, c.from), local(t, loc, c.to)
			got, omitted := s.Between(from, to, 100)
			if !slices.Equal(rfc(got), c.want) || omitted != 0 {
				t.Errorf("Between = %v (omitted %d), want %v", rfc(got), omitted, c.want)
			}
			if ch := rfc(chain(t, s, from, to)); !slices.Equal(ch, c.want) {
				t.Errorf("Next chain = %v, want %v", ch, c.want)
			}
			for _, v := range got {
				if v.Location() != loc {
					t.Errorf("%s is in %v, want %v", v, v.Location(), loc)
				}
			}
		})
	}
}

// TestWildcardCounts: wildcard jobs run on every real minute that shows a matching time.
func TestWildcardCounts(t *testing.T) {
	for _, c := range []struct {
		zone       string
		start, end time.Time // a real interval [start, end)
		realMin    int
	}{
		// spring: the wall clock shows 01:00 EST to 04:00 EDT: 3 wall hours, 2 real hours
		{"America/New_York", time.Date(2024, 3, 10, 6, 0, 0, 0, time.UTC), time.Date(2024, 3, 10, 8, 0, 0, 0, time.UTC), 120},
		// fall: 01:00 EDT to 03:00 EST: 2 wall hours, 3 real hours
		{"America/New_York", time.Date(2024, 11, 3, 5, 0, 0, 0, time.UTC), time.Date(2024, 11, 3, 8, 0, 0, 0, time.UTC), 180},
		{"Europe/London", time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 31, 2, 0, 0, 0, time.UTC), 120},
		{"Europe/London", time.Date(2024, 10, 27, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 27, 3, 0, 0, 0, time.UTC), 180},
		{"Australia/Lord_Howe", time.Date(2024, 10, 5, 14, 0, 0, 0, time.UTC), time.Date(2024, 10, 5, 17, 0, 0, 0, time.UTC), 180},
		{"Europe/Moscow", time.Date(2014, 10, 25, 21, 0, 0, 0, time.UTC), time.Date(2014, 10, 26, 0, 0, 0, 0, time.UTC), 180},
	} {
		loc := zone(t, c.zone)
		if got := int(c.end.Sub(c.start) / time.Minute); got != c.realMin {
			t.Fatalf("bad case: %d real minutes", got)
		}
		after, until := c.start.Add(-time.Second), c.end.Add(-time.Second) // (after, until] = [start, end)
		every := mustParse(t, "* * * * *", loc)
		if _, n := every.Between(after, until, 0); n != c.realMin {
			t.Errorf("%s %s: * * * * * runs %d times in %d real minutes", c.zone, c.start.In(loc), n, c.realMin)
		}
		if n := len(chain(t, every, after, until)); n != c.realMin {
			t.Errorf("%s %s: * * * * * Next chain: %d runs in %d real minutes", c.zone, c.start.In(loc), n, c.realMin)
		}
		q := mustParse(t, "*/15 * * * *", loc)
		ticks, n := q.Between(after, until, 1000)
		if n != 0 || len(ticks) != c.realMin/15 {
			t.Errorf("%s %s: */15 runs %d times (%v) in %d real minutes", c.zone, c.start.In(loc), len(ticks), rfc(ticks), c.realMin)
		}
		for i, v := range ticks {
			if v.Minute()%15 != 0 || (i > 0 && v.Sub(ticks[i-1]) != 15*time.Minute) {
				t.Errorf("%s: */15 tick %s", c.zone, v)
			}
		}
	}
}

func TestCalendar(t *testing.T) {
	for _, zn := range []string{"Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe"} {
		loc := zone(t, zn)
		from, to := time.Date(2016, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 1, 1, 0, 0, 0, 0, loc)

		monthly, _ := mustParse(t, "0 6 1 * *", loc).Between(from, to, 1000)
		if len(monthly) != 120 {
			t.Errorf("%s: 0 6 1 * * over 10 years: %d runs, want 120", zn, len(monthly))
		}
		for i, v := range monthly {
			if v.Day() != 1 || v.Hour() != 6 || v.Minute() != 0 || v.Second() != 0 || v.Month() != time.Month(i%12+1) || v.Year() != 2016+i/12 {
				t.Errorf("%s: run %d at %s", zn, i, v)
			}
		}

		d31, _ := mustParse(t, "0 6 31 * *", loc).Between(from, to, 1000)
		if len(d31) != 70 {
			t.Errorf("%s: 0 6 31 * * over 10 years: %d runs, want 70", zn, len(d31))
		}
		for _, v := range d31 {
			if v.Day() != 31 || v.Hour() != 6 {
				t.Errorf("%s: 0 6 31 * * at %s", zn, v)
			}
		}

		leap, _ := mustParse(t, "0 0 29 2 *", loc).Between(time.Date(1999, 1, 1, 0, 0, 0, 0, loc), time.Date(2031, 1, 1, 0, 0, 0, 0, loc), 1000)
		if got, want := rfc(leap), []string{"2000", "2004", "2008", "2012", "2016", "2020", "2024", "2028"}; len(got) != len(want) {
			t.Errorf("%s: 0 0 29 2 * 1999-2030: %v", zn, got)
		} else {
			for i := range got {
				if !strings.HasPrefix(got[i], want[i]+"-02-29T00:00:00") {
					t.Errorf("%s: 0 0 29 2 * run %d at %s", zn, i, got[i])
				}
			}
		}
	}

	sh := zone(t, "Asia/Shanghai")
	if got := mustParse(t, "0 0 29 2 *", sh).Next(time.Date(2096, 3, 1, 0, 0, 0, 0, sh)); !got.Equal(time.Date(2104, 2, 29, 0, 0, 0, 0, sh)) {
		t.Errorf("0 0 29 2 * after 2096-03-01: %s, want 2104-02-29 (2100 is not a leap year)", got)
	}

	// Day of month OR day of week when both are restricted; AND when either is "*".
	y2024 := func(spec string) []time.Time {
		v, _ := mustParse(t, spec, sh).Between(time.Date(2023, 12, 31, 23, 0, 0, 0, sh), time.Date(2024, 12, 31, 23, 0, 0, 0, sh), 1000)
		return v
	}
	want := func(keep func(d time.Time) bool) (out []string) {
		for d := time.Date(2024, 1, 1, 9, 0, 0, 0, sh); d.Year() == 2024; d = d.AddDate(0, 0, 1) {
			if keep(d) {
				out = append(out, d.Format(time.RFC3339))
			}
		}
		return out
	}
	for _, c := range []struct {
		spec string
		keep func(time.Time) bool
	}{
		{"0 9 1 * 1", func(d time.Time) bool { return d.Day() == 1 || d.Weekday() == time.Monday }},
		{"0 9 1,15 * mon-fri", func(d time.Time) bool {
			return d.Day() == 1 || d.Day() == 15 || (d.Weekday() != time.Saturday && d.Weekday() != time.Sunday)
		}},
		{"0 9 */10 * 0", func(d time.Time) bool { return d.Day()%10 == 1 || d.Weekday() == time.Sunday }}, // "*/10" restricts (robfig)
		{"0 9 * * 1", func(d time.Time) bool { return d.Weekday() == time.Monday }},
		{"0 9 1 * *", func(d time.Time) bool { return d.Day() == 1 }},
		{"0 9 1 * ?", func(d time.Time) bool { return d.Day() == 1 }},
		{"0 9 1-7 * */1", func(d time.Time) bool { return d.Day() <= 7 }}, // "*/1" is "*"
		{"0 9 1-31 * 1", func(d time.Time) bool { return true }},
		{"0 9 30 2 1", func(d time.Time) bool { return d.Month() == 2 && d.Weekday() == time.Monday }},
		{"0 9 * 2 1", func(d time.Time) bool { return d.Month() == 2 && d.Weekday() == time.Monday }},
	} {
		if got, w := rfc(y2024(c.spec)), want(c.keep); !slices.Equal(got, w) {
			t.Errorf("%q in 2024: %d runs, want %d (%v…)", c.spec, len(got), len(w), got[:min(len(got), 5)])
		}
	}
	if n := len(y2024("0 9 1 * 1")); n != 62 { // 53 Mondays + 12 firsts − 3 Monday firsts
		t.Errorf("0 9 1 * 1 in 2024: %d runs, want 62", n)
	}
}

func TestNeverFires(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, sh)
	for _, spec := range []string{"0 0 30 2 *", "0 0 31 2,4,6,9,11 *", "0 0 30,31 feb ?"} {
		s := mustParse(t, spec, sh)
		if s.Fires() {
			t.Errorf("%q: Fires() = true", spec)
		}
		if v := s.Next(now); !v.IsZero() {
			t.Errorf("%q: Next = %s, want the zero time", spec, v)
		}
		if v, n := s.Between(now.AddDate(-50, 0, 0), now, 5); v != nil || n != 0 {
			t.Errorf("%q: Between = %v, %d", spec, v, n)
		}
	}
	for _, spec := range []string{"0 0 29 2 *", "0 0 30 2 1", "0 0 31 * *", "0 0 * 2 *"} {
		if !mustParse(t, spec, sh).Fires() {
			t.Errorf("%q: Fires() = false", spec)
		}
	}
}

func TestBetween(t *testing.T) {
	sh := zone(t, "Asia/Shanghai")
	every := mustParse(t, "* * * * *", sh)
	for _, c := range []struct {
		year int
		want int
	}{{2025, 525_600}, {2024, 527_040}} {
		from, to := time.Date(c.year, 1, 1, 0, 0, 0, 0, sh), time.Date(c.year+1, 1, 1, 0, 0, 0, 0, sh)
		ticks, omitted := every.Between(from, to, 5)
		if omitted+len(ticks) != c.want || len(ticks) != 5 {
			t.Errorf("%d: %d ticks + %d omitted, want 5 + %d", c.year, len(ticks), omitted, c.want-5)
		}
		var want []string
		for i := 4; i >= 0; i-- {
			want = append(want, to.Add(-time.Duration(i)*time.Minute).Format(time.RFC3339))
		}
		if !slices.Equal(rfc(ticks), want) {
			t.Errorf("%d: latest 5 = %v, want %v", c.year, rfc(ticks), want)
		}
		if _, n := every.Between(from, to, 0); n != c.want {
			t.Errorf("%d: limit 0 counts %d", c.year, n)
		}
	}
	if n := len(chain(t, every, time.Date(2025, 1, 1, 0, 0, 0, 0, sh), time.Date(2026, 1, 1, 0, 0, 0, 0, sh))); n != 525_600 {
		t.Errorf("Next chain over 2025: %d", n)
	}

	// (after, until]: after excluded, until included; sub-second parts respected.
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, sh)
	for _, c := range []struct {
		after, until time.Time
		want         int
	}{
		{at, at, 0},
		{at.Add(-time.Nanosecond), at, 1},
		{at, at.Add(time.Minute - time.Nanosecond), 0},
		{at, at.Add(time.Minute), 1},
		{at.Add(time.Hour), at, 0},
		{at.Add(-time.Nanosecond), at.Add(time.Hour), 61},
	} {
		if _, n := every.Between(c.after, c.until, 0); n != c.want {
			t.Errorf("Between(%s, %s) counts %d, want %d", c.after.Format(time.RFC3339Nano), c.until.Format(time.RFC3339Nano), n, c.want)
		}
	}
	if v := every.Next(at.Add(-time.Nanosecond)); !v.Equal(at) {
		t.Errorf("Next(10:00 - 1ns) = %s", v)
	}
	if v := every.Next(at.Add(time.Nanosecond)); !v.Equal(at.Add(time.Minute)) {
		t.Errorf("Next(10:00 + 1ns) = %s", v)
	}
	// Since the beginning: nothing breaks on the zero time.
	if _, n := mustParse(t, "@yearly", sh).Between(time.Time{}, time.Date(2024, 6, 1, 0, 0, 0, 0, sh), 3); n < 2000 {
		t.Errorf("@yearly since year 1: %d omitted", n)
	}
}

// TestBetweenMatchesNext: the latest-k selection of Between equals the tail of the Next
// chain, also when the cut falls on a gap's run or inside a fall-back.
func TestBetweenMatchesNext(t *testing.T) {
	ny := zone(t, "America/New_York")
	from, to := time.Date(2024, 3, 9, 0, 0, 0, 0, ny), time.Date(2024, 11, 4, 12, 0, 0, 0, ny)
	for _, spec := range []string{"30 2 * * *", "0,30 1-3 * * *", "*/20 * * * 0", "0 * * * *", "59 1,2 * * *", "0 6 1 * *"} {
		s := mustParse(t, spec, ny)
		all := rfc(chain(t, s, from, to))
		for _, k := range []int{1, 2, 3, 7, 50, len(all) - 1, len(all), len(all) + 1} {
			got, omitted := s.Between(from, to, k)
			want := all[max(0, len(all)-k):]
			if !slices.Equal(rfc(got), want) || omitted != len(all)-len(want) {
				t.Errorf("%q limit %d: %d ticks, %d omitted; want %d, %d", spec, k, len(got), omitted, len(want), len(all)-len(want))
			}
		}
	}
}

// brute is a window of every whole minute around [from, to], for reference.
type brute struct {
	loc      *time.Location
	from, to time.Time
	instants []time.Time // every whole minute of the window, with ±2 days
	walls    []time.Time // the wall-clock time each shows, as a UTC time
	first    map[time.Time]time.Time
}

func newBrute(t *testing.T, loc *time.Location, from, to time.Time) *brute {
	b := &brute{loc: loc, from: from, to: to, first: map[time.Time]time.Time{}}
	for i := from.Add(-48 * time.Hour).Truncate(time.Minute); !i.After(to.Add(48 * time.Hour)); i = i.Add(time.Minute) {
		l := i.In(loc)
		if _, off := l.Zone(); off%60 != 0 {
			t.Fatalf("%s: offset %ds is not whole minutes", loc, off)
		}
		w := time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
		b.instants, b.walls = append(b.instants, i), append(b.walls, w)
		if _, ok := b.first[w]; !ok {
			b.first[w] = i
		}
	}
	return b
}

// runs computes the runs in (from, to] by brute force over every minute, from the rules
// as stated in the package doc, with robfig (in UTC, where there are no clock changes)
// deciding which wall-clock times a spec names.
func (b *brute) runs(t *testing.T, spec string, wildcard bool) []string {
	t.Helper()
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	rs := parsed.(*cron.SpecSchedule)
	rs.Location = time.UTC
	named := map[time.Time]bool{}
	for w := rs.Next(b.walls[0].Add(-time.Second)); !w.IsZero() && !w.After(b.walls[len(b.walls)-1]); w = rs.Next(w) {
		named[w] = true
	}
	var runs []time.Time
	if wildcard { // every real minute that shows a named time
		for k, i := range b.instants {
			if named[b.walls[k]] {
				runs = append(runs, i)
			}
		}
	} else { // each named time once: at its first showing, or the first instant past the gap
		for w := range named {
			if i, ok := b.first[w]; ok {
				runs = append(runs, i)
				continue
			}
			for k, i := range b.instants {
				if b.walls[k].After(w) {
					runs = append(runs, i)
					break
				}
			}
		}
	}
	slices.SortFunc(runs, func(a, b time.Time) int { return a.Compare(b) })
	runs = slices.CompactFunc(runs, func(a, b time.Time) bool { return a.Equal(b) })
	var out []string
	for _, r := range runs {
		if r.After(b.from) && !r.After(b.to) {
			out = append(out, r.In(b.loc).Format(time.RFC3339))
		}
	}
	return out
}

func TestAgainstBruteForce(t *testing.T) {
	specs := []string{"* * * * *", "*/15 * * * *", "*/7 1-3 * * *", "0 * * * *", "@hourly", "* 2 * * *", "30 */2 * * *",
		"30 1 * * *", "30 2 * * *", "0 2 * * *", "59 2 * * *", "0 3 * * *", "0,30 2,3 * * *", "10 1-2 * * *", "0 0 * * *",
		"30 0 * * *", "30 23 * * *", "45 1 * * *", "0 6 * * *", "@daily", "15,45 0-3 * * 0", "0 0 1 * *", "0-59 0-23 * * *",
		"5 0-4 * * 6", "0 0 30 12 *", "0 9 31 * 1"}
	windows := []struct{ zone, from, to string }{
		{"America/New_York", "2024-03-09 20:00", "2024-03-10 06:00"},
		{"America/New_York", "2024-11-02 20:00", "2024-11-03 06:00"},
		{"Europe/London", "2024-03-30 20:00", "2024-03-31 06:00"},
		{"Europe/London", "2024-10-26 20:00", "2024-10-27 06:00"},
		{"Australia/Lord_Howe", "2024-10-05 20:00", "2024-10-06 06:00"},
		{"Australia/Lord_Howe", "2024-04-06 20:00", "2024-04-07 06:00"},
		{"Pacific/Apia", "2011-12-29 12:00", "2011-12-31 12:00"},
		{"Europe/Moscow", "2014-10-25 20:00", "2014-10-26 06:00"},
		{"Europe/Moscow", "2011-03-26 20:00", "2011-03-27 06:00"},
		{"America/Sao_Paulo", "2018-11-03 20:00", "2018-11-04 06:00"},
		{"America/Sao_Paulo", "2019-02-16 20:00", "2019-02-17 06:00"},
		{"America/Havana", "2024-03-09 20:00", "2024-03-10 06:00"},
		{"Asia/Kathmandu", "1985-12-31 20:00", "1986-01-01 06:00"}, // +05:30 → +05:45
		{"Asia/Shanghai", "2024-12-31 20:00", "2025-01-01 06:00"},
		{"America/New_York", "2040-12-30 20:00", "2041-01-01 06:00"}, // golang/go#81583
		{"Australia/Sydney", "2040-12-30 20:00", "2041-01-01 12:00"},
	}
	for _, w := range windows {
		loc := zone(t, w.zone)
		from, to := local(t, loc, w.from), local(t, loc, w.to)
		ref := newBrute(t, loc, from, to)
		for _, spec := range specs {
			s := mustParse(t, spec, loc)
			want := ref.runs(t, spec, s.Wildcard())
			got, omitted := s.Between(from, to, 100_000)
			if g := rfc(got); !slices.Equal(g, want) || omitted != 0 {
				t.Errorf("%s %s %q: Between\n got %v\nwant %v", w.zone, w.from, spec, g, want)
			}
			if g := rfc(chain(t, s, from, to)); !slices.Equal(g, want) {
				t.Errorf("%s %s %q: Next chain\n got %v\nwant %v", w.zone, w.from, spec, g, want)
			}
		}
	}
}

// TestZoneBoundsLeapYear: Go's ZoneBounds ends a zone before the instant asked about on
// the last UTC day of a leap year past the zone's transition table (golang/go#81583);
// the walk must still see one span there, not crawl through it second by second.
func TestZoneBoundsLeapYear(t *testing.T) {
	for _, zn := range []string{"America/New_York", "Europe/Warsaw", "Australia/Sydney"} {
		s := mustParse(t, "* * * * *", zone(t, zn))
		from := time.Date(2040, 12, 30, 12, 0, 0, 0, time.UTC)
		for _, at := range []time.Time{from, from.Add(12 * time.Hour), from.Add(30 * time.Hour)} {
			start, end, _ := s.zoneAt(at.Unix())
			if start > at.Unix() || end <= at.Unix() {
				t.Errorf("%s: zoneAt(%s) = [%s, %s)", zn, at, time.Unix(start, 0).UTC(), time.Unix(end, 0).UTC())
			}
		}
		pieces := 0
		s.walk(from.Unix(), func(p piece) bool {
			if p.start > from.Add(72*time.Hour).Unix() {
				return false
			}
			pieces++
			return true
		})
		if pieces > 3 {
			t.Errorf("%s: %d zone spans in 3 days around 2041-01-01", zn, pieces)
		}
		if _, n := s.Between(from, from.Add(72*time.Hour), 0); n != 3*1440 {
			t.Errorf("%s: * * * * * runs %d times in 72 hours", zn, n)
		}
	}
}

// TestAgainstRobfig: in a zone without clock changes Next is robfig's SpecSchedule.Next.
func TestAgainstRobfig(t *testing.T) {
	sh := zone(t, "Asia/Shanghai") // no clock change since 1991
	specs := []string{"0 6 1 * *", "30 2 * * *", "0 0 29 2 *", "0 9 1 * 1", "15,45 8-18/2 */3 * 1-5", "0 0 31 * *", "@yearly",
		"@monthly", "@weekly", "@daily", "@hourly", "* * * * *", "*/7 */5 * * *", "59 23 31 12 *", "0 12 13 * 5", "0 4 8-14 * 0",
		"5 4 * jan,jul sun", "0 0 */2 * *", "0 0 * * */2", "1-5/2 3 4 5 6"}
	start := time.Date(1995, 1, 1, 0, 0, 0, 0, sh).Unix()
	step := int64(86400*365*95) / 997
	for _, spec := range specs {
		s := mustParse(t, spec, sh)
		parsed, _ := cron.ParseStandard(spec)
		rs := parsed.(*cron.SpecSchedule)
		rs.Location = sh
		for i := int64(0); i < 997; i++ {
			at := time.Unix(start+i*step+i*i%7919, 0).In(sh)
			want := rs.Next(at)
			if want.IsZero() { // robfig gives up after 5 years
				continue
			}
			for k := 0; k < 3; k++ {
				got := s.Next(at)
				if !got.Equal(want) {
					t.Fatalf("%q Next(%s) = %s, robfig says %s", spec, at, got, want)
				}
				if at, want = got, rs.Next(got); want.IsZero() {
					break
				}
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0 6 1 * *", "@monthly", "@hourly", "* * * * *", "*/15 * * * *", "0 0 30 2 *", "0 0 29 2 *",
		"TZ=UTC", "TZ=UTC 0 * * * *", "CRON_TZ=", "@every 1h", "0 9 1 * 1", "1-5/2,*/7 3 ? JAN-mar sun-SAT", "0/0 * * * *",
		"-1 * * * *", "1-2-3 * * * *", "*/99999999999999999999 * * * *", "", " ", "@", "0 0 1 1 0/3"} {
		f.Add(s, int64(1_700_000_000), uint8(0))
	}
	zones := []*time.Location{zone(f, "Asia/Shanghai"), zone(f, "America/New_York"), zone(f, "Australia/Lord_Howe"), zone(f, "Pacific/Apia"), time.UTC}
	lo, hi := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	const bound = (2922 + 2) * 24 * time.Hour // 8 years with two 29ths of February, and a clock change
	f.Fuzz(func(t *testing.T, spec string, sec int64, z uint8) {
		loc := zones[int(z)%len(zones)]
		s, err := Parse(spec, loc)
		if err != nil {
			if s != nil {
				t.Fatal("a schedule and an error")
			}
			return
		}
		at := time.Unix(lo+((sec%(hi-lo))+(hi-lo))%(hi-lo), int64(z)*1000)
		for range 3 {
			next := s.Next(at)
			if !s.Fires() {
				if !next.IsZero() {
					t.Fatalf("%q does not fire but Next(%s) = %s", spec, at, next)
				}
				return
			}
			if !next.After(at) || next.Sub(at) > bound {
				t.Fatalf("%q in %s: Next(%s) = %s", spec, loc, at, next)
			}
			if ticks, n := s.Between(at, next, 2); len(ticks) != 1 || n != 0 || !ticks[0].Equal(next) {
				t.Fatalf("%q in %s: Between(%s, %s) = %v, %d", spec, loc, at, next, ticks, n)
			}
			at = next
		}
	})
}

func ExampleSchedule_Between() {
	loc, _ := time.LoadLocation("America/New_York")
	s, _ := Parse("30 2 * * *", loc)
	ticks, omitted := s.Between(time.Date(2024, 3, 1, 0, 0, 0, 0, loc), time.Date(2024, 3, 12, 0, 0, 0, 0, loc), 3)
	for _, v := range ticks {
		fmt.Println(v.Format(time.RFC3339))
	}
	fmt.Println("omitted:", omitted)
	// Output:
	// 2024-03-09T02:30:00-05:00
	// 2024-03-10T03:00:00-04:00
	// 2024-03-11T02:30:00-04:00
	// omitted: 8
}
