package period

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// AcceptedForms lists every accepted period form with an example; it ends every
// ParseError message and can be used in help text.
const AcceptedForms = "accepted forms: 2022-10 (month), 2022-Q3 (quarter), 2022-H1 (half), 2022 (year), 2022-10-31 (day), " +
	"2022-01..2022-10 (month range), 2022-01-01..2022-10-31 (day range), ytd:2022-10 (year to date); " +
	"kpi, report and jobs also accept previous-month, previous-quarter, previous-half, previous-year, year-to-date, month-to-date"

// Relative rules accepted by Resolve.
const (
	PreviousMonth   = "previous-month"
	PreviousQuarter = "previous-quarter"
	PreviousHalf    = "previous-half"
	PreviousYear    = "previous-year"
	YearToDate      = "year-to-date"
	MonthToDate     = "month-to-date"
)

// ErrBadPeriod matches every *ParseError with errors.Is: the period given by the
// user is unknown or malformed (a usage error, CLI exit code 2).
var ErrBadPeriod = errors.New("bad period")

// ParseError reports an unknown or malformed period.
type ParseError struct {
	Input  string // the text as given
	Reason string // what is wrong, e.g. "month must be 01-12"
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("bad period %q: %s; %s", e.Input, e.Reason, AcceptedForms)
}

// Is makes errors.Is(err, ErrBadPeriod) true.
func (e *ParseError) Is(target error) bool { return target == ErrBadPeriod }

// IsRelative reports whether s (trimmed, case-insensitive) is a relative rule
// that only Resolve accepts.
func IsRelative(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case PreviousMonth, PreviousQuarter, PreviousHalf, PreviousYear, YearToDate, MonthToDate:
		return true
	}
	return false
}

// Parse parses an absolute period form of SPEC §6 (see the package doc).
// Errors are *ParseError.
func Parse(s string) (Period, error) {
	p, reason := parse(s)
	if reason != "" {
		return Period{}, &ParseError{Input: s, Reason: reason}
	}
	return p, nil
}

func parse(in string) (Period, string) {
	s := strings.TrimSpace(in)
	if s == "" {
		return Period{}, "empty period"
	}
	if IsRelative(s) {
		return Period{}, "relative rule " + strings.ToLower(s) + " is resolved at run time and only accepted by jobs; give an absolute period"
	}

	if len(s) >= 4 && strings.EqualFold(s[:4], "ytd:") {
		rest := strings.TrimSpace(s[4:])
		if !isShape(rest, "dddd-dd") {
			return Period{}, "year to date is written ytd:YYYY-MM, e.g. ytd:2022-10"
		}
		y, m, reason := parseMonth(rest)
		if reason != "" {
			return Period{}, reason
		}
		return ytdPeriod(y, m), ""
	}

	if a, b, ok := strings.Cut(s, ".."); ok {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		switch {
		case isShape(a, "dddd-dd") && isShape(b, "dddd-dd"):
			y1, m1, reason := parseMonth(a)
			if reason != "" {
				return Period{}, reason
			}
			y2, m2, reason := parseMonth(b)
			if reason != "" {
				return Period{}, reason
			}
			f, l := Date(y1, m1, 1), Date(y2, m2, 1)
			if l.Before(f) {
				return Period{}, fmt.Sprintf("range is reversed: %s is after %s", a, b)
			}
			return monthRangePeriod(f, l), ""
		case isShape(a, "dddd-dd-dd") && isShape(b, "dddd-dd-dd"):
			f, reason := parseDay(a)
			if reason != "" {
				return Period{}, reason
			}
			l, reason := parseDay(b)
			if reason != "" {
				return Period{}, reason
			}
			if l.Before(f) {
				return Period{}, fmt.Sprintf("range is reversed: %s is after %s", a, b)
			}
			return dayRangePeriod(f, l), ""
		case (isShape(a, "dddd-dd") || isShape(a, "dddd-dd-dd")) && (isShape(b, "dddd-dd") || isShape(b, "dddd-dd-dd")):
			return Period{}, "both ends of a range must be months (2022-01..2022-10) or both days (2022-01-01..2022-10-31)"
		default:
			return Period{}, "a range is two months YYYY-MM..YYYY-MM or two days YYYY-MM-DD..YYYY-MM-DD"
		}
	}

	switch {
	case isShape(s, "dddd"):
		y, reason := parseYear(s)
		if reason != "" {
			return Period{}, reason
		}
		return yearPeriod(y), ""
	case isShape(s, "dddd-dd"):
		y, m, reason := parseMonth(s)
		if reason != "" {
			return Period{}, reason
		}
		return monthPeriod(y, m), ""
	case isShape(s, "dddd-Qd"):
		y, reason := parseYear(s[:4])
		if reason != "" {
			return Period{}, reason
		}
		q := int(s[6] - '0')
		if q < 1 || q > 4 {
			return Period{}, "quarter must be Q1-Q4"
		}
		return quarterPeriod(y, q), ""
	case isShape(s, "dddd-Hd"):
		y, reason := parseYear(s[:4])
		if reason != "" {
			return Period{}, reason
		}
		h := int(s[6] - '0')
		if h < 1 || h > 2 {
			return Period{}, "half must be H1 or H2"
		}
		return halfPeriod(y, h), ""
	case isShape(s, "dddd-dd-dd"):
		d, reason := parseDay(s)
		if reason != "" {
			return Period{}, reason
		}
		return dayPeriod(d), ""
	case isShape(s, "dddd-d"):
		return Period{}, "month must be two digits 01-12, e.g. " + s[:5] + "0" + s[5:]
	}
	return Period{}, "unrecognised form"
}

// isShape reports whether s matches shape, where 'd' is an ASCII digit, 'Q' and
// 'H' match either case, and any other byte matches itself.
func isShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, w := s[i], shape[i]
		switch w {
		case 'd':
			if c < '0' || c > '9' {
				return false
			}
		case 'Q', 'H':
			if c != w && c != w+('a'-'A') {
				return false
			}
		default:
			if c != w {
				return false
			}
		}
	}
	return true
}

// digits converts a string of ASCII digits (already checked by isShape).
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func parseYear(s string) (int, string) {
	y := digits(s)
	if y < MinYear || y > MaxYear {
		return 0, fmt.Sprintf("year must be %d-%d", MinYear, MaxYear)
	}
	return y, ""
}

// parseMonth parses "YYYY-MM" (shape already checked).
func parseMonth(s string) (int, time.Month, string) {
	y, reason := parseYear(s[:4])
	if reason != "" {
		return 0, 0, reason
	}
	m := digits(s[5:7])
	if m < 1 || m > 12 {
		return 0, 0, "month must be 01-12"
	}
	return y, time.Month(m), ""
}

// parseDay parses "YYYY-MM-DD" (shape already checked).
func parseDay(s string) (time.Time, string) {
	y, m, reason := parseMonth(s[:7])
	if reason != "" {
		return time.Time{}, reason
	}
	d := digits(s[8:10])
	if last := endOfMonth(Date(y, m, 1)).Day(); d < 1 || d > last {
		return time.Time{}, fmt.Sprintf("%s does not exist: %04d-%02d has days 01-%02d", s, y, int(m), last)
	}
	return Date(y, m, d), ""
}
