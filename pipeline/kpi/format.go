package kpi

import (
	"strings"

	"github.com/caseload/caseload/reports/figures"
)

// How a figure is shown is decided in one place, reports/figures; this file only says what
// each §5 key measures.

// Unit is how a figure is measured (figures.Unit).
type Unit = figures.Unit

// Units of the §5 figures.
const (
	UnitCount  = figures.Count  // cases, items, countries: an integer
	UnitRatio  = figures.Ratio  // a fraction in [0, 1]: shown as a percentage
	UnitGrowth = figures.Growth // received_yoy_growth, received_mom_growth
	UnitHours  = figures.Hours  // median_processing_hours
	UnitMean   = figures.Mean   // avg_trips
)

// UnitOf returns the unit of a §5 key (or a by_item figure).
func UnitOf(key string) Unit {
	switch {
	case key == "median_processing_hours":
		return UnitHours
	case key == "avg_trips":
		return UnitMean
	case strings.HasSuffix(key, "_growth"):
		return UnitGrowth
	case strings.HasSuffix(key, "_ratio"), strings.HasSuffix(key, "_share"), strings.HasSuffix(key, "_rate"):
		return UnitRatio
	}
	return UnitCount
}

// FormatValue shows a figure for people (figures.Value): counts with thousands separators
// (14,998), ratios as percentages with one decimal (87.5%), hours with one decimal, means
// with two; "—" for a null figure.
func FormatValue(key string, v Value) string { return figures.Value(UnitOf(key), v) }

// Percent formats a fraction as a percentage with one decimal (figures.Percent).
//
// Deprecated: call figures.Percent.
func Percent(f float64) string { return figures.Percent(f) }

// Thousands formats an integer with thousands separators (figures.Thousands).
//
// Deprecated: call figures.Thousands.
func Thousands(n int64) string { return figures.Thousands(n) }

// RawValue is a figure for machines (CSV): the shortest exact decimal, integers without a
// decimal point, "" for null (figures.Raw).
func RawValue(v Value) string { return figures.Raw(v) }

// ItemByCode returns the by_item row of an item (false when the item is not in r).
func (r *Result) ItemByCode(code string) (ItemRow, bool) {
	for _, it := range r.ByItem {
		if it.ItemCode == code {
			return it, true
		}
	}
	return ItemRow{}, false
}
