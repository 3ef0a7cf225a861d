package newsbrief

import (
	"math"
	"strconv"
	"strings"

	"github.com/caseload/caseload/pipeline/kpi"
)

// Number style (decisions, also in reports/README.md):
//
//   - Counts below WanThreshold are written in full with thousands separators (14,998宗),
//     as the office's own releases do; from WanThreshold on they are written in 万 with one
//     decimal, rounded half up (四舍五入) on the exact integer: 123,456 → 12.3万,
//     122,500 → 12.3万. From 1亿 on, 亿 with one decimal. English keeps full figures below
//     one million and writes "1.2 million" above.
//   - Percentages have one decimal (87.5%), from the unrounded fraction.
//   - A change is "flat" (持平) when it rounds to 0.0%: 0.0004 and −0.0004 are flat.
//   - Threshold claims ("30%以上", "40余宗", "over 30%", "40+") round DOWN: a claim is made
//     only when the unrounded value reaches it; 0.29996 shows as 30.0% but is not "30%以上".

// WanThreshold is the smallest count written in 万 in Chinese text.
const WanThreshold = 100_000

// Grouped writes n with thousands separators: 14998 → "14,998".
func Grouped(n int64) string { return kpi.Thousands(n) }

// roundTenths returns n/unit rounded half up to one decimal, as "12.3".
func roundTenths(n, unit int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	t := (n*10 + unit/2) / unit // tenths, half up
	s := strconv.FormatInt(t/10, 10) + "." + strconv.FormatInt(t%10, 10)
	if neg {
		s = "-" + s
	}
	return s
}

// CountZH writes a count the Chinese way (no unit): "14,998", "12.3万", "1.2亿".
func CountZH(n int64) string {
	a := n
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 100_000_000:
		return roundTenths(n, 100_000_000) + "亿"
	case a >= WanThreshold:
		return roundTenths(n, 10_000) + "万"
	}
	return Grouped(n)
}

// CountEN writes a count in English: "14,998", "123,456", "1.2 million".
func CountEN(n int64) string {
	a := n
	if a < 0 {
		a = -a
	}
	if a >= 1_000_000 {
		return roundTenths(n, 1_000_000) + " million"
	}
	return Grouped(n)
}

// Pct writes a fraction as a percentage with one decimal: 0.875 → "87.5%".
// Negative zero is written "0.0%".
func Pct(v float64) string { return pct1(v) + "%" }

// pct1 is the percentage number with one decimal, no sign for zero, rounded exactly as the
// tables and the workbook round it (kpi.Percent, 四舍五入).
func pct1(v float64) string { return strings.TrimSuffix(kpi.Percent(v), "%") }

// roundedPct is the percentage as shown (one decimal), as a number: 0.09996 → 10.0.
func roundedPct(v float64) float64 {
	f, _ := strconv.ParseFloat(pct1(v), 64)
	return f
}

// Direction is the rounded direction of a change.
type Direction int

// Directions of a change after rounding to one decimal of a percent.
const (
	Flat Direction = iota
	Up
	Down
)

// Change classifies a growth fraction after rounding to one decimal of a percent and
// returns the absolute percentage number as shown ("31.7").
func Change(g float64) (Direction, string) {
	s := pct1(g)
	switch {
	case s == "0.0":
		return Flat, s
	case strings.HasPrefix(s, "-"):
		return Down, s[1:]
	default:
		return Up, s
	}
}

// claimEps absorbs binary floating-point noise only (e.g. 0.1*3); a value short of a
// threshold by any real amount (0.29996 vs 0.30) does not reach it.
const claimEps = 1e-12

// AtLeastTens returns the largest multiple of 10% that v reaches (0.317 → 30, 0.29996 → 20,
// 0.30 → 30) and whether it is at least 10%.
func AtLeastTens(v float64) (int, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0.1-claimEps {
		return 0, false
	}
	k := int(math.Floor(v * 10))
	for float64(k+1)/10 <= v+claimEps {
		k++
	}
	for k > 0 && float64(k)/10 > v+claimEps {
		k--
	}
	return k * 10, k >= 1
}

// AtLeastCount rounds a count down for a "40余宗"/"40+" claim: it returns the floor to a
// round figure (tens below 100, hundreds below 1,000, thousands above) and whether the count
// exceeds it (so "余"/"+" applies). Counts below 10 are returned as they are.
func AtLeastCount(n int64) (int64, bool) {
	var unit int64
	switch {
	case n < 10:
		return n, false
	case n < 100:
		unit = 10
	case n < 1000:
		unit = 100
	default:
		unit = 1000
	}
	f := n / unit * unit
	return f, f < n
}
