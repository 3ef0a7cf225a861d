package figures

import (
	"fmt"
	"strings"
	"time"
)

// Precision is how precisely a date was given.
type Precision int

// Precisions of a Since date.
const (
	ByYear Precision = iota + 1
	ByMonth
	ByDay
)

// Since is when the office's records (and so every 累计 figure) begin, as precisely as it
// was given: "2017", "2017-03" or "2017-03-01" (caseload.yaml reports.since), or the year of
// the first case. The zero Since is unset.
type Since struct {
	Date      time.Time // the first day it covers, 00:00 UTC
	Precision Precision
}

// IsZero reports whether s is unset.
func (s Since) IsZero() bool { return s.Precision == 0 }

// ParseSince reads "2017", "2017-03" or "2017-03-01".
func ParseSince(text string) (Since, error) {
	text = strings.TrimSpace(text)
	for _, f := range []struct {
		layout string
		p      Precision
	}{{"2006", ByYear}, {"2006-01", ByMonth}, {"2006-01-02", ByDay}} {
		if len(text) != len(f.layout) {
			continue
		}
		if t, err := time.Parse(f.layout, text); err == nil && t.Year() >= 1900 {
			return Since{Date: t, Precision: f.p}, nil
		}
	}
	return Since{}, fmt.Errorf("%q is not a year, month or date like 2017, 2017-03 or 2017-03-01", text)
}

// SinceYear is the start of a year (the year of the first case).
func SinceYear(year int) Since {
	return Since{Date: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), Precision: ByYear}
}

// String writes s as ParseSince reads it.
func (s Since) String() string {
	switch s.Precision {
	case ByYear:
		return s.Date.Format("2006")
	case ByMonth:
		return s.Date.Format("2006-01")
	case ByDay:
		return s.Date.Format("2006-01-02")
	}
	return ""
}

// Since writes when 累计 figures begin: "2017年以来", "2017年3月以来", "2017年3月1日以来";
// "since 2017", "since March 2017", "since 1 March 2017"; "" for the zero Since.
func (w Words) Since(s Since) string {
	d := s.Date
	if w.en() {
		switch s.Precision {
		case ByYear:
			return "since " + d.Format("2006")
		case ByMonth:
			return "since " + d.Format("January 2006")
		case ByDay:
			return "since " + d.Format("2 January 2006")
		}
		return ""
	}
	switch s.Precision {
	case ByYear:
		return fmt.Sprintf("%d年以来", d.Year())
	case ByMonth:
		return fmt.Sprintf("%d年%d月以来", d.Year(), int(d.Month()))
	case ByDay:
		return fmt.Sprintf("%d年%d月%d日以来", d.Year(), int(d.Month()), d.Day())
	}
	return ""
}
