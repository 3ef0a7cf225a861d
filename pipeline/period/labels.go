package period

import (
	"fmt"
	"strings"
	"time"
)

var zhQuarter = [...]string{"", "第一季度", "第二季度", "第三季度", "第四季度"}

// ZhLabel returns the Chinese label for report titles, in the style of Chinese
// official statistics: "2022年10月", "2022年第三季度", "2022年上半年", "2022年",
// "2022年10月31日", "2022年1—10月", "2022年1月1日至10月31日", and "2022年1—10月" for
// ytd:2022-10.
// See the package doc for every case.
func (p Period) ZhLabel() string {
	f, l := p.First, p.Last
	switch p.Kind {
	case Month:
		return zhMonth(f)
	case Quarter:
		return fmt.Sprintf("%d年%s", f.Year(), zhQuarter[quarterOf(f.Month())])
	case Half:
		if halfOf(f.Month()) == 1 {
			return fmt.Sprintf("%d年上半年", f.Year())
		}
		return fmt.Sprintf("%d年下半年", f.Year())
	case Year:
		return fmt.Sprintf("%d年", f.Year())
	case Day:
		return zhDay(f)
	case MonthRange, YTD:
		switch {
		case f.Year() != l.Year():
			return zhMonth(f) + "—" + zhMonth(l)
		case f.Month() == l.Month():
			return zhMonth(f)
		default:
			return fmt.Sprintf("%d年%d—%d月", f.Year(), int(f.Month()), int(l.Month()))
		}
	case DayRange:
		switch {
		case f.Year() != l.Year():
			return zhDay(f) + "至" + zhDay(l)
		case f.Equal(l):
			return zhDay(f)
		case f.Month() == l.Month():
			return fmt.Sprintf("%s至%d日", zhDay(f), l.Day())
		default:
			return fmt.Sprintf("%s至%d月%d日", zhDay(f), int(l.Month()), l.Day())
		}
	}
	return p.Label
}

func zhMonth(d time.Time) string { return fmt.Sprintf("%d年%d月", d.Year(), int(d.Month())) }
func zhDay(d time.Time) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year(), int(d.Month()), d.Day())
}

// EnLabel returns the English label: "October 2022", "2022 Q3", "2022 H1",
// "2022", "31 Oct 2022", "Jan–Oct 2022", "1 Jan – 31 Oct 2022", "Jan–Oct 2022 (year to date)".
// See the package doc for every case.
func (p Period) EnLabel() string {
	f, l := p.First, p.Last
	switch p.Kind {
	case Month:
		return f.Format("January 2006")
	case Quarter:
		return fmt.Sprintf("%d Q%d", f.Year(), quarterOf(f.Month()))
	case Half:
		return fmt.Sprintf("%d H%d", f.Year(), halfOf(f.Month()))
	case Year:
		return fmt.Sprintf("%d", f.Year())
	case Day:
		return f.Format("2 Jan 2006")
	case MonthRange:
		if f.Year() == l.Year() && f.Month() == l.Month() {
			return f.Format("January 2006")
		}
		return enMonths(f, l)
	case YTD:
		return enMonths(f, l) + " (year to date)"
	case DayRange:
		switch {
		case f.Year() != l.Year():
			return f.Format("2 Jan 2006") + " – " + l.Format("2 Jan 2006")
		case f.Equal(l):
			return f.Format("2 Jan 2006")
		case f.Month() == l.Month():
			return fmt.Sprintf("%d–%s", f.Day(), l.Format("2 Jan 2006"))
		default:
			return f.Format("2 Jan") + " – " + l.Format("2 Jan 2006")
		}
	}
	return p.Label
}

// enMonths formats a span of whole months: "Jan–Oct 2022", "Jan 2022",
// "Nov 2021 – Oct 2022".
func enMonths(f, l time.Time) string {
	switch {
	case f.Year() != l.Year():
		return f.Format("Jan 2006") + " – " + l.Format("Jan 2006")
	case f.Month() == l.Month():
		return f.Format("Jan 2006")
	default:
		return f.Format("Jan") + "–" + l.Format("Jan 2006")
	}
}

// FileLabel is the label as it may appear in a file or directory name: characters that file
// systems refuse or treat specially become '-' ("ytd:2022-10" → "ytd-2022-10";
// "2022-01..2022-10" stays as it is). Report files, job out directories and delivery folders
// all name periods this way.
func (p Period) FileLabel() string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ':', '/', '\\', '*', '?', '"', '<', '>', '|', ' ':
			return '-'
		}
		return r
	}, p.Label)
}
