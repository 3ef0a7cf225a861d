package period

import (
	"fmt"
	"strings"
)

// KindOfRule is the kind of period a relative rule gives: previous-month and month-to-date
// give months (a month-to-date period of a past month is the whole month), previous-quarter
// quarters, previous-half halves, previous-year years, year-to-date ytd periods.
func KindOfRule(rule string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(rule)) {
	case PreviousMonth, MonthToDate:
		return Month, true
	case PreviousQuarter:
		return Quarter, true
	case PreviousHalf:
		return Half, true
	case PreviousYear:
		return Year, true
	case YearToDate:
		return YTD, true
	}
	return "", false
}

// Series lists, in order, the periods of kind from the one holding from.First to the one
// holding to.Last (a backfill: `caseload run JOB --from 2022-01 --to 2022-10`). Kinds:
// Month, Quarter, Half, Year, YTD (one ytd period per month end). At most 1,200 periods.
func Series(kind Kind, from, to Period) ([]Period, error) {
	if to.Last.Before(from.First) {
		return nil, fmt.Errorf("--to %s ends before --from %s begins", to.Label, from.Label)
	}
	var out []Period
	cur := Date(from.First.Year(), from.First.Month(), 1)
	for !cur.After(to.Last) {
		var p Period
		switch kind {
		case Month:
			p = monthPeriod(cur.Year(), cur.Month())
		case YTD:
			p = ytdPeriod(cur.Year(), cur.Month())
		case Quarter:
			p = quarterPeriod(cur.Year(), quarterOf(cur.Month()))
		case Half:
			p = halfPeriod(cur.Year(), halfOf(cur.Month()))
		case Year:
			p = yearPeriod(cur.Year())
		default:
			return nil, fmt.Errorf("periods of kind %s cannot be listed one after another", kind)
		}
		if len(out) == 0 || out[len(out)-1].Label != p.Label {
			out = append(out, p)
		}
		if len(out) > 1200 {
			return nil, fmt.Errorf("more than 1,200 periods from %s to %s", from.Label, to.Label)
		}
		cur = p.Last.AddDate(0, 0, 1)
		if kind == YTD {
			cur = Date(p.Last.Year(), p.Last.Month()+1, 1)
		}
	}
	return out, nil
}
