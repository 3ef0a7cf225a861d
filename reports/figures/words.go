package figures

import (
	"math"
	"strconv"
	"strings"

	"github.com/caseload/caseload/pipeline/period"
)

// DefaultUnit is the count word for cases when caseload.yaml sets none (reports.unit): 宗,
// as the reference office's releases write ("累计审批涉侨业务14,998宗").
const DefaultUnit = "宗"

// WanThreshold is the smallest count written in 万 in Chinese text.
const WanThreshold = 100_000

// Words writes figures into running text in one language. Unit is the count word for cases
// in Chinese text (DefaultUnit when empty); English always says "cases".
type Words struct {
	Lang Lang
	Unit string
}

func (w Words) en() bool { return w.Lang == EN }

// CaseWord is the count word for cases: Unit (default 宗), or "cases" in English.
func (w Words) CaseWord() string {
	if w.en() {
		return "cases"
	}
	if w.Unit == "" {
		return DefaultUnit
	}
	return w.Unit
}

// Num writes a count without its unit: "14,998", "25.96万", "1.23亿"; in English "14,998",
// "1.25 million". Large counts are truncated to two decimals of their unit, never rounded up.
func (w Words) Num(n int64) string {
	a := n
	if a < 0 {
		a = -a
	}
	if w.en() {
		switch {
		case a >= 1_000_000_000:
			return truncUnit(n, 1_000_000_000) + " billion"
		case a >= 1_000_000:
			return truncUnit(n, 1_000_000) + " million"
		}
		return Thousands(n)
	}
	switch {
	case a >= 100_000_000:
		return truncUnit(n, 100_000_000) + "亿"
	case a >= WanThreshold:
		return truncUnit(n, 10_000) + "万"
	}
	return Thousands(n)
}

// truncUnit writes n/unit truncated toward zero to two decimals, without trailing zeros:
// (259604, 10000) → "25.96", (100050, 10000) → "10", (120500, 10000) → "12.05".
func truncUnit(n, unit int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	hundredths := n / (unit / 100) // exact integer arithmetic: no rounding up
	s := strconv.FormatInt(hundredths/100, 10)
	if frac := hundredths % 100; frac != 0 {
		f := strconv.FormatInt(frac+100, 10)[1:] // two digits
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Cases writes a count of cases with the count word: "14,998宗", "25.96万宗";
// "14,998 cases", "1 case".
func (w Words) Cases(n int64) string {
	if w.en() {
		if n == 1 {
			return "1 case"
		}
		return w.Num(n) + " cases"
	}
	return w.Num(n) + w.CaseWord()
}

// Percent writes a fraction as a percentage with one decimal ("87.5%").
func (w Words) Percent(v float64) string { return Percent(v) }

// Comparison is the base a change is measured against.
type Comparison int

// Comparisons.
const (
	YoY Comparison = iota // the same period one year earlier (同比)
	MoM                   // the preceding period of the same kind (环比)
)

func (c Comparison) zh() (prefix, flat string) {
	if c == MoM {
		return "环比", "环比持平"
	}
	return "同比", "与上年同期持平"
}

func (c Comparison) enSuffix() string {
	if c == MoM {
		return "on the previous period"
	}
	return "year on year"
}

// Growth phrases a growth rate by its rounded value: "同比增长5.2%", "同比下降5.0%",
// "与上年同期持平" (rounds to 0.0%); "环比…", "环比持平"; "up 5.2% year on year",
// "down 3.3% on the previous period", "unchanged year on year".
func (w Words) Growth(c Comparison, g float64) string {
	d, n := Change(Growth, g)
	if w.en() {
		switch d {
		case Up:
			return "up " + n + "% " + c.enSuffix()
		case Down:
			return "down " + n + "% " + c.enSuffix()
		}
		return "unchanged " + c.enSuffix()
	}
	prefix, flat := c.zh()
	switch d {
	case Up:
		return prefix + "增长" + n + "%"
	case Down:
		return prefix + "下降" + n + "%"
	}
	return flat
}

// Points phrases a change of a ratio in percentage points: "同比提高6.0个百分点",
// "同比下降1.6个百分点", "与上年同期持平"; "up 6.0 percentage points year on year".
func (w Words) Points(c Comparison, pp float64) string {
	d, n := Change(Points, pp)
	if w.en() {
		switch d {
		case Up:
			return "up " + n + " percentage points " + c.enSuffix()
		case Down:
			return "down " + n + " percentage points " + c.enSuffix()
		}
		return "unchanged " + c.enSuffix()
	}
	prefix, flat := c.zh()
	switch d {
	case Up:
		return prefix + "提高" + n + "个百分点"
	case Down:
		return prefix + "下降" + n + "个百分点"
	}
	return flat
}

// Verb is the verb that links a ratio to its value: "达" ("reached") only when the figure
// rose (d is Up: against the same period last year, or it met a target), else the neutral
// "为" ("was"): "即办率为33.3%" does not praise a weak figure.
func (w Words) Verb(d Direction) string {
	if w.en() {
		if d == Up {
			return "reached"
		}
		return "was"
	}
	if d == Up {
		return "达"
	}
	return "为"
}

// About writes a count as a natural round figure for a headline, never more than the count:
// "近1.5万" (14,998: within 2% below 15,000), "130余" (134), "40" (exactly 40); counts below
// 10 as they are. English: "nearly 15,000", "130+", "40".
func (w Words) About(n int64) string {
	if n < 10 {
		return w.Num(n)
	}
	step := int64(10) // one significant digit below 100 (42 → 40), two above (134 → 130)
	for n/step >= 100 {
		step *= 10
	}
	floor := n / step * step
	ceil := floor + step
	switch {
	case n == floor:
		return w.round(n)
	case float64(n) >= 0.98*float64(ceil):
		if w.en() {
			return "nearly " + w.round(ceil)
		}
		return "近" + w.round(ceil)
	}
	if w.en() {
		return w.round(floor) + "+"
	}
	return w.round(floor) + "余"
}

// round writes a round figure: from 1万 in 万 ("1.5万", "26万"), as Chinese headlines do;
// English as Num.
func (w Words) round(n int64) string {
	if !w.en() && n >= 10_000 && n < 100_000_000 {
		return truncUnit(n, 10_000) + "万"
	}
	return w.Num(n)
}

// AboutCases is About with the count word: "130余宗", "近1.5万宗"; "130+ cases".
func (w Words) AboutCases(n int64) string {
	if w.en() {
		if n == 1 {
			return "1 case"
		}
		return w.About(n) + " cases"
	}
	return w.About(n) + w.CaseWord()
}

var chengZH = [...]string{"", "一成", "两成", "三成", "四成", "五成", "六成", "七成", "八成", "九成", "一倍"}

// claimEps absorbs binary floating-point noise only (0.1*3 reaches 0.3); a value short of a
// threshold by any real amount (0.29996 vs 0.30) does not reach it.
const claimEps = 1e-12

// AboutGrowth writes a positive growth (or share) as a natural figure for a headline, never
// more than it is: "近两成" (0.194: within 1.5 points below 20%), "三成以上" (0.30..0.35),
// and otherwise the exact "16.3%" (round false). English: "nearly 20%", "over 30%",
// "16.3%". Values of 100% and more are exact.
func (w Words) AboutGrowth(v float64) (text string, round bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0.1-0.015-claimEps || v >= 1 {
		return Percent(v), false
	}
	k := int(math.Floor(v*10 + claimEps)) // tenths reached
	next := float64(k+1) / 10
	switch {
	case next-v <= 0.015+claimEps:
		if w.en() {
			return "nearly " + strconv.Itoa((k+1)*10) + "%", true
		}
		return "近" + chengZH[k+1], true
	case k >= 1 && v-float64(k)/10 <= 0.05+claimEps:
		if w.en() {
			return "over " + strconv.Itoa(k*10) + "%", true
		}
		return chengZH[k] + "以上", true
	}
	return Percent(v), false
}

// NaturalPrevious reports whether p has a natural preceding period, so that 环比 may be
// written about it: a month, quarter or half-year, a one-month range, or a day range of at
// most seven days (a day against the day before, a week against the week before). Not for
// year-to-date periods (consecutive ones overlap), years (the previous year is the 同比 base
// already), longer month ranges or longer day ranges (2022-01-01..2022-11-17 against the 321
// days before is no comparison a reader makes).
func NaturalPrevious(p period.Period) bool {
	if _, ok := p.Previous(); !ok {
		return false
	}
	switch p.Kind {
	case period.Month, period.Quarter, period.Half:
		return true
	case period.MonthRange:
		return p.First.Year() == p.Last.Year() && p.First.Month() == p.Last.Month()
	case period.DayRange:
		return p.Days() <= 7
	}
	return false
}
