package kpi

import (
	"math"
	"strconv"
	"strings"
)

// Unit is how a figure is measured, and so how it is shown.
type Unit string

// Units of the §5 figures.
const (
	UnitCount Unit = "count" // cases, items, countries: an integer
	UnitRatio Unit = "ratio" // a fraction in [0, 1] (growth may exceed that): shown as a percentage
	UnitHours Unit = "hours" // median_processing_hours
	UnitMean  Unit = "mean"  // avg_trips
)

// UnitOf returns the unit of a §5 key (or a by_item figure).
func UnitOf(key string) Unit {
	switch {
	case key == "median_processing_hours":
		return UnitHours
	case key == "avg_trips":
		return UnitMean
	case strings.HasSuffix(key, "_ratio"), strings.HasSuffix(key, "_share"),
		strings.HasSuffix(key, "_rate"), strings.HasSuffix(key, "_growth"):
		return UnitRatio
	}
	return UnitCount
}

// FormatValue shows a figure for people: counts with thousands separators (14,998), ratios
// as percentages with one decimal (87.5%), hours with one decimal, means with two; "—"
// for a null figure.
func FormatValue(key string, v Value) string {
	if v == nil {
		return "—"
	}
	switch UnitOf(key) {
	case UnitRatio:
		return Percent(*v)
	case UnitHours:
		return fixed(*v, 1)
	case UnitMean:
		return fixed(*v, 2)
	}
	return Thousands(int64(*v))
}

// Percent formats a fraction as a percentage with one decimal, rounding half away from
// zero (四舍五入): 0.875 → "87.5%", 0.30251 → "30.3%".
func Percent(f float64) string {
	return fixed(f*100, 1) + "%"
}

// fixed formats x with d decimals, rounding half away from zero (strconv rounds exact
// halves to even: 1.125 would show as 1.12).
func fixed(x float64, d int) string {
	p := math.Pow10(d)
	r := math.Round(x*p) / p
	if r == 0 {
		r = 0 // no "-0.0"
	}
	return strconv.FormatFloat(r, 'f', d, 64)
}

// Thousands formats an integer with thousands separators: 14998 → "14,998".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// RawValue is a figure for machines (CSV): the shortest exact decimal, integers without a
// decimal point, "" for null.
func RawValue(v Value) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// ItemByCode returns the by_item row of an item (false when the item is not in r).
func (r *Result) ItemByCode(code string) (ItemRow, bool) {
	for _, it := range r.ByItem {
		if it.ItemCode == code {
			return it, true
		}
	}
	return ItemRow{}, false
}
