package figures

import (
	"math"
	"strconv"
	"strings"
)

// Lang is the language a figure is written in.
type Lang string

// Languages.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// LangOf maps "en" to EN and anything else to ZH (the reports' default).
func LangOf(s string) Lang {
	if s == string(EN) {
		return EN
	}
	return ZH
}

// Unit is what a number measures, and so how it is shown.
type Unit string

// Units.
const (
	Count  Unit = "count"  // cases, items, countries: an integer
	Ratio  Unit = "ratio"  // a fraction in [0, 1], shown as a percentage
	Growth Unit = "growth" // (current − base) / base, shown as a signed percentage
	Points Unit = "points" // a difference of two ratios, in percentage points (×100 already)
	Hours  Unit = "hours"  // a duration in hours, one decimal
	Mean   Unit = "mean"   // a mean of small counts (trips per case), two decimals
)

// Thousands writes an integer with thousands separators: 14998 → "14,998".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Fixed writes x with d decimals, rounded half away from zero (strconv rounds exact halves
// to even: 1.125 would show as 1.12); a value that rounds to zero is "0.0", never "-0.0".
func Fixed(x float64, d int) string {
	return strconv.FormatFloat(roundTo(x, d), 'f', d, 64)
}

// roundTo rounds x to d decimals, half away from zero, without a negative zero.
func roundTo(x float64, d int) float64 {
	p := math.Pow10(d)
	// x*p can land a hair below an exact half (0.0335*1000 = 33.499999999999996): a value
	// within floating-point noise of a half is a half, and rounds away from zero.
	v := x * p
	r := math.Round(v)
	if frac := math.Abs(v - math.Trunc(v)); frac != 0.5 && math.Abs(frac-0.5) < 1e-12*math.Max(1, math.Abs(v)) {
		r = math.Trunc(v) + math.Copysign(1, v)
	}
	r /= p
	if r == 0 {
		return 0
	}
	return r
}

// Percent writes a fraction as a percentage with one decimal: 0.875 → "87.5%",
// 0.30251 → "30.3%", -0.00001 → "0.0%".
func Percent(f float64) string { return Fixed(f*100, 1) + "%" }

// Value writes a figure as a table or terminal shows it: counts with separators, ratios and
// growth as percentages with one decimal, points and hours with one decimal, means with two;
// "—" for nil.
func Value(u Unit, v *float64) string {
	if v == nil {
		return "—"
	}
	switch u {
	case Ratio, Growth:
		return Percent(*v)
	case Points, Hours:
		return Fixed(*v, 1)
	case Mean:
		return Fixed(*v, 2)
	}
	return Thousands(int64(math.Round(*v)))
}

// Raw writes a figure for machines (CSV): the shortest exact decimal, integers without a
// decimal point, "" for nil.
func Raw(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// decimals is how many decimals of v's shown number a unit keeps (of the fraction for
// ratios and growth: 0.001 = 0.1%).
func decimals(u Unit) int {
	switch u {
	case Ratio, Growth:
		return 3
	case Points, Hours:
		return 1
	case Mean:
		return 2
	}
	return 0
}

// Round returns v rounded to the precision it is shown with (ratios and growth to 0.1%,
// points and hours to 0.1, means to 0.01, counts to 1). Comparison cells store this value,
// so a reader never sees "-0.0%" for a change that rounds to nothing.
func Round(u Unit, v float64) float64 { return roundTo(v, decimals(u)) }

// XLSXFormat is the Excel number format of a unit. Points carry their unit word
// ("个百分点" / " pp"), growth and points their sign.
func XLSXFormat(u Unit, l Lang) string {
	switch u {
	case Ratio:
		return "0.0%"
	case Growth:
		return "+0.0%;-0.0%;0.0%"
	case Points:
		pp := `"个百分点"`
		if l == EN {
			pp = `" pp"`
		}
		return "+0.0" + pp + ";-0.0" + pp + ";0.0" + pp
	case Hours:
		return "#,##0.0"
	case Mean:
		return "0.00"
	}
	return "#,##0"
}

// Direction is the direction of a change as shown, after rounding.
type Direction int

// Directions.
const (
	Flat Direction = iota
	Up
	Down
)

// Change returns the direction of a change after rounding to what is shown, and its size
// as shown without sign: growth as a percentage number (0.3172 → Up, "31.7"), points with
// one decimal (-1.64 → Down, "1.6"). A change that rounds to zero is Flat, "0.0".
func Change(u Unit, v float64) (Direction, string) {
	var s string
	if u == Growth || u == Ratio {
		s = Fixed(v*100, 1)
	} else {
		s = Fixed(v, decimals(u))
	}
	switch {
	case strings.Trim(s, "0.") == "":
		return Flat, s
	case strings.HasPrefix(s, "-"):
		return Down, s[1:]
	}
	return Up, s
}

// Delta writes a change for a table or badge: "+5.2%", "-1.3%", "+6.0个百分点" ("+6.0 pp"),
// and "持平" ("flat") when it rounds to zero.
func Delta(l Lang, u Unit, v float64) (Direction, string) {
	d, n := Change(u, v)
	unit := ""
	switch u {
	case Growth, Ratio:
		unit = "%"
	case Points:
		unit = "个百分点"
		if l == EN {
			unit = " pp"
		}
	}
	switch d {
	case Up:
		return d, "+" + n + unit
	case Down:
		return d, "-" + n + unit
	}
	if l == EN {
		return d, "flat"
	}
	return d, "持平"
}
