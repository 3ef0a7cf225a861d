package period

import (
	"errors"
	"strings"
	"time"
)

// Resolve returns the period s denotes at time now in the office time zone loc.
// s is an absolute form (see Parse) or a relative rule: previous-month,
// previous-quarter, previous-half, previous-year, year-to-date, month-to-date.
// Relative rules use the calendar date of now in loc ("today"); see the package
// doc for their exact meaning. A bad s gives a *ParseError; a nil loc is a
// programming error and gives a plain error.
func Resolve(s string, now time.Time, loc *time.Location) (Period, error) {
	if !IsRelative(s) {
		return Parse(s)
	}
	if loc == nil {
		return Period{}, errors.New("period: Resolve needs a time zone (nil *time.Location)")
	}
	today := DateOf(now.In(loc))
	y, m := today.Year(), today.Month()
	var p Period
	switch strings.ToLower(strings.TrimSpace(s)) {
	case PreviousMonth:
		f := Date(y, m-1, 1)
		p = monthPeriod(f.Year(), f.Month())
	case PreviousQuarter:
		p, _ = quarterPeriod(y, quarterOf(m)).Previous()
	case PreviousHalf:
		p, _ = halfPeriod(y, halfOf(m)).Previous()
	case PreviousYear:
		p = yearPeriod(y - 1)
	case YearToDate:
		if today.Equal(endOfMonth(today)) {
			p = ytdPeriod(y, m)
		} else {
			p = dayRangePeriod(Date(y, 1, 1), today)
		}
	case MonthToDate:
		p = dayRangePeriod(Date(y, m, 1), today)
	}
	if y := p.First.Year(); p.IsZero() || y < MinYear || p.Last.Year() > MaxYear {
		return Period{}, &ParseError{Input: s, Reason: "today is " + FormatDate(today) +
			", which gives a period outside the years 1900-2999"}
	}
	return p, nil
}

// Rules lists the relative rules Resolve accepts.
func Rules() []string {
	return []string{PreviousMonth, PreviousQuarter, PreviousHalf, PreviousYear, YearToDate, MonthToDate}
}
