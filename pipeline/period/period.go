package period

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Kind is the form a Period was written in.
type Kind string

// The kinds of period (SPEC §6). The strings appear in JSON output.
const (
	Month      Kind = "month"
	Quarter    Kind = "quarter"
	Half       Kind = "half"
	Year       Kind = "year"
	Day        Kind = "day"
	MonthRange Kind = "month_range"
	DayRange   Kind = "day_range"
	YTD        Kind = "ytd"
)

// MinYear and MaxYear bound the years Parse accepts.
const (
	MinYear = 1900
	MaxYear = 2999
)

// Period is a set of whole calendar days [First, Last].
type Period struct {
	Label string    // canonical label: "2022-10", "2022-Q3", "2022-H1", "2022", "2022-10-31", "2022-01..2022-10", "2022-01-01..2022-10-31", "ytd:2022-10"
	Kind  Kind      // the form of Label
	First time.Time // first day, 00:00 UTC, inclusive
	Last  time.Time // last day, 00:00 UTC, inclusive
}

// Date returns the calendar date y-m-d as a time.Time at 00:00 UTC.
// Out-of-range values are normalised as by time.Date.
func Date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// DateOf returns the calendar date of t in t's own location, as a date (00:00 UTC).
// To get the office-local date of a timestamp use DateOf(t.In(loc)).
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

// FormatDate formats a date as "2006-01-02".
func FormatDate(d time.Time) string {
	return d.Format(time.DateOnly)
}

// ---- constructors (inputs already validated; labels derived from First/Last) ----

func monthPeriod(y int, m time.Month) Period {
	f := Date(y, m, 1)
	return Period{Label: fmtMonth(f), Kind: Month, First: f, Last: endOfMonth(f)}
}

func quarterPeriod(y, q int) Period {
	f := Date(y, time.Month(3*(q-1)+1), 1)
	return Period{Label: fmt.Sprintf("%04d-Q%d", y, q), Kind: Quarter, First: f, Last: f.AddDate(0, 3, -1)}
}

func halfPeriod(y, h int) Period {
	f := Date(y, time.Month(6*(h-1)+1), 1)
	return Period{Label: fmt.Sprintf("%04d-H%d", y, h), Kind: Half, First: f, Last: f.AddDate(0, 6, -1)}
}

func yearPeriod(y int) Period {
	return Period{Label: fmt.Sprintf("%04d", y), Kind: Year, First: Date(y, 1, 1), Last: Date(y, 12, 31)}
}

func dayPeriod(d time.Time) Period {
	return Period{Label: FormatDate(d), Kind: Day, First: d, Last: d}
}

// monthRangePeriod covers the whole months of from .. to (any day of each).
func monthRangePeriod(from, to time.Time) Period {
	f := Date(from.Year(), from.Month(), 1)
	l := endOfMonth(to)
	return Period{Label: fmtMonth(f) + ".." + fmtMonth(l), Kind: MonthRange, First: f, Last: l}
}

func dayRangePeriod(first, last time.Time) Period {
	return Period{Label: FormatDate(first) + ".." + FormatDate(last), Kind: DayRange, First: first, Last: last}
}

func ytdPeriod(y int, m time.Month) Period {
	f := Date(y, 1, 1)
	return Period{Label: "ytd:" + fmtMonth(Date(y, m, 1)), Kind: YTD, First: f, Last: endOfMonth(Date(y, m, 1))}
}

func fmtMonth(d time.Time) string { return fmt.Sprintf("%04d-%02d", d.Year(), int(d.Month())) }

// endOfMonth returns the last day of d's month.
func endOfMonth(d time.Time) time.Time {
	return Date(d.Year(), d.Month()+1, 0)
}

func quarterOf(m time.Month) int { return (int(m)-1)/3 + 1 }
func halfOf(m time.Month) int    { return (int(m)-1)/6 + 1 }

// monthsBetween counts the whole months from a's month to b's month, inclusive.
func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month()) + 1
}

// ---- methods ----

// String returns the canonical label.
func (p Period) String() string { return p.Label }

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p == Period{} }

// Days returns the number of days in p (at least 1 for a valid period).
func (p Period) Days() int {
	return int(p.Last.Sub(p.First)/(24*time.Hour)) + 1
}

// Contains reports whether the calendar date of d, in d's own location, lies in p.
// Pass a date, or a timestamp already converted to the office time zone.
func (p Period) Contains(d time.Time) bool {
	day := DateOf(d)
	return !day.Before(p.First) && !day.After(p.Last)
}

// TrendMonths returns the first days of the 13 months ending with the month of
// p.Last, oldest first (the "monthly" series of SPEC §7.1).
func (p Period) TrendMonths() []time.Time {
	end := Date(p.Last.Year(), p.Last.Month(), 1)
	out := make([]time.Time, 13)
	for i := range out {
		out[i] = end.AddDate(0, i-12, 0)
	}
	return out
}

// SameLastYear returns the same kind of period one year earlier (同比 base).
// Whole-month kinds shift by one year; a day and each end of a day range shift by
// one year, with 29 February becoming 28 February.
func (p Period) SameLastYear() Period {
	y := p.First.Year() - 1
	switch p.Kind {
	case Month:
		return monthPeriod(y, p.First.Month())
	case Quarter:
		return quarterPeriod(y, quarterOf(p.First.Month()))
	case Half:
		return halfPeriod(y, halfOf(p.First.Month()))
	case Year:
		return yearPeriod(y)
	case MonthRange:
		return monthRangePeriod(p.First.AddDate(-1, 0, 0), Date(p.Last.Year()-1, p.Last.Month(), 1))
	case YTD:
		return ytdPeriod(p.Last.Year()-1, p.Last.Month())
	case Day:
		return dayPeriod(yearEarlier(p.First))
	case DayRange:
		return dayRangePeriod(yearEarlier(p.First), yearEarlier(p.Last))
	}
	return p
}

// yearEarlier returns the same date one year earlier; 29 Feb becomes 28 Feb.
func yearEarlier(d time.Time) time.Time {
	y, m, day := d.Date()
	if m == time.February && day == 29 {
		day = 28
	}
	return Date(y-1, m, day)
}

// Previous returns the preceding period of the same kind (环比 base): the previous
// day, month, quarter, half or year; for a month range the same number of whole months
// immediately before; for a day range the same number of days immediately before.
// It reports false for YTD periods (consecutive year-to-date periods overlap, so
// 环比 is undefined), for the zero Period, and when the result would start before
// MinYear.
func (p Period) Previous() (Period, bool) {
	var q Period
	switch p.Kind {
	case Month:
		f := p.First.AddDate(0, -1, 0)
		q = monthPeriod(f.Year(), f.Month())
	case Quarter:
		f := p.First.AddDate(0, -3, 0)
		q = quarterPeriod(f.Year(), quarterOf(f.Month()))
	case Half:
		f := p.First.AddDate(0, -6, 0)
		q = halfPeriod(f.Year(), halfOf(f.Month()))
	case Year:
		q = yearPeriod(p.First.Year() - 1)
	case Day:
		q = dayPeriod(p.First.AddDate(0, 0, -1))
	case MonthRange:
		n := monthsBetween(p.First, p.Last)
		q = monthRangePeriod(p.First.AddDate(0, -n, 0), p.First.AddDate(0, -1, 0))
	case DayRange:
		n := p.Days()
		q = dayRangePeriod(p.First.AddDate(0, 0, -n), p.First.AddDate(0, 0, -1))
	default: // YTD, zero
		return Period{}, false
	}
	if q.First.Year() < MinYear {
		return Period{}, false
	}
	return q, true
}

type periodJSON struct {
	Label    string `json:"label"`
	Kind     Kind   `json:"kind"`
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
}

// MarshalJSON encodes p as
// {"label":"2022-10","kind":"month","first_day":"2022-10-01","last_day":"2022-10-31"}.
func (p Period) MarshalJSON() ([]byte, error) {
	return json.Marshal(periodJSON{Label: p.Label, Kind: p.Kind, FirstDay: FormatDate(p.First), LastDay: FormatDate(p.Last)})
}

// UnmarshalJSON decodes the form written by MarshalJSON. The label is parsed;
// kind, first_day and last_day, when present, must agree with it.
func (p *Period) UnmarshalJSON(b []byte) error {
	var v periodJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	q, err := Parse(v.Label)
	if err != nil {
		return err
	}
	if (v.Kind != "" && v.Kind != q.Kind) ||
		(v.FirstDay != "" && v.FirstDay != FormatDate(q.First)) ||
		(v.LastDay != "" && v.LastDay != FormatDate(q.Last)) {
		return errors.New("period: JSON kind/first_day/last_day do not match label " + q.Label)
	}
	*p = q
	return nil
}
