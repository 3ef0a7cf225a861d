// Package kpi computes the figures of SPEC §5 for a period (§6) in DuckDB, from the SQL in
// sql/kpi/, and returns them as a Result — the document of SPEC §7.1.
package kpi

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/caseload/caseload/pipeline/period"
)

// Keys are the KPI keys of SPEC §5, in the documented order.
var keys = []string{
	"received", "completed", "completed_cumulative", "rejected", "pending_end",
	"active_items", "instant_items", "instant_items_ratio", "same_day_ratio", "on_time_ratio",
	"median_processing_hours", "countries", "countries_cumulative",
	"backlog_total", "backlog_resolved", "backlog_resolution_rate", "backlog_resolved_over_10y",
	"bundle_share", "outreach_cases", "remote_cases", "avg_trips",
	"received_yoy_growth", "received_mom_growth",
}

// Keys returns the §5 KPI keys in order.
func Keys() []string { return append([]string(nil), keys...) }

// Value is one figure: nil when undefined (a ratio over 0 cases, growth from base 0).
type Value = *float64

// Values holds the §5 figures by key; it marshals in §5 order with null for nil.
type Values map[string]Value

// Int returns a count figure as int64 (0 when nil).
func (v Values) Int(key string) int64 {
	if p := v[key]; p != nil {
		return int64(*p)
	}
	return 0
}

// MarshalJSON writes every §5 key in order; integers without a decimal point.
func (v Values) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(v[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ItemRow is one item of by_item.
type ItemRow struct {
	ItemCode                   string   `json:"item_code"`
	ItemName                   string   `json:"item_name"`
	Active                     bool     `json:"active"`  // active on the period's last day
	Instant                    bool     `json:"instant"` // instant item on the period's last day
	Received                   int64    `json:"received"`
	Completed                  int64    `json:"completed"`
	Rejected                   int64    `json:"rejected"`
	PendingEnd                 int64    `json:"pending_end"`
	SameDayRatio               *float64 `json:"same_day_ratio"`
	OnTimeRatio                *float64 `json:"on_time_ratio"`
	MedianProcessingHours      *float64 `json:"median_processing_hours"`
	ReceivedSamePeriodLastYear int64    `json:"received_same_period_last_year"`
	ReceivedYoYGrowth          *float64 `json:"received_yoy_growth"`
}

// ChannelRow is one channel of by_channel (every channel of §4.1, zeros included).
type ChannelRow struct {
	Channel  string   `json:"channel"`
	Received int64    `json:"received"`
	Share    *float64 `json:"share"`   // of cases received in P
	NameZH   string   `json:"name_zh"` // 窗口, 打包办, … (from sql/kpi/40_reach.sql)
}

// MonthRow is one month of the 13-month series.
type MonthRow struct {
	Month     string `json:"month"` // YYYY-MM
	Received  int64  `json:"received"`
	Completed int64  `json:"completed"`
	// Partial is set on the last month when the period ends before the month does: that
	// month is counted up to the period's last day only.
	Partial bool `json:"partial"`
}

// BacklogRow breaks the backlog down by the year the problem arose (backlog_since).
type BacklogRow struct {
	SinceYear       int   `json:"since_year"`
	Total           int64 `json:"total"`             // backlog cases received by the end of P
	Resolved        int64 `json:"resolved"`          // … completed by the end of P
	ResolvedOver10y int64 `json:"resolved_over_10y"` // … completed ≥ backlog_since + 10 years
}

// DataInfo describes the data the figures were computed from.
type DataInfo struct {
	Cases       int64      `json:"cases"`
	Rejects     int64      `json:"rejects"`
	LastPull    *time.Time `json:"last_pull"`
	Fingerprint string     `json:"fingerprint"` // hash of the accepted case data
}

// Result is the §7.1 document for one period.
type Result struct {
	Office    string        `json:"office"`
	Timezone  string        `json:"timezone"`
	Period    period.Period `json:"period"`
	KPIs      Values        `json:"kpis"`
	ByItem    []ItemRow     `json:"by_item"`
	ByChannel []ChannelRow  `json:"by_channel"`
	Monthly   []MonthRow    `json:"monthly"`
	Backlog   []BacklogRow  `json:"backlog_by_since_year"`
	Data      DataInfo      `json:"data"`
}

// MarshalJSON writes the §7.1 document. The period object carries, besides label, kind,
// first_day and last_day, the periods the comparisons are made against:
// "same_period_last_year" (the 同比 base) and "previous_period" (the 环比 base; null for
// ytd: periods), each {label, kind, first_day, last_day}.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Office    string       `json:"office"`
		Timezone  string       `json:"timezone"`
		Period    periodDoc    `json:"period"`
		KPIs      Values       `json:"kpis"`
		ByItem    []ItemRow    `json:"by_item"`
		ByChannel []ChannelRow `json:"by_channel"`
		Monthly   []MonthRow   `json:"monthly"`
		Backlog   []BacklogRow `json:"backlog_by_since_year"`
		Data      DataInfo     `json:"data"`
	}{r.Office, r.Timezone, newPeriodDoc(r.Period), r.KPIs, r.ByItem, r.ByChannel, r.Monthly, r.Backlog, r.Data})
}

// periodDoc is the period object of the §7.1 document.
type periodDoc struct {
	Label              string         `json:"label"`
	Kind               period.Kind    `json:"kind"`
	FirstDay           string         `json:"first_day"`
	LastDay            string         `json:"last_day"`
	SamePeriodLastYear *period.Period `json:"same_period_last_year"`
	PreviousPeriod     *period.Period `json:"previous_period"`
}

func newPeriodDoc(p period.Period) periodDoc {
	d := periodDoc{Label: p.Label, Kind: p.Kind, FirstDay: period.FormatDate(p.First), LastDay: period.FormatDate(p.Last)}
	if p.IsZero() {
		return d
	}
	ly := p.SameLastYear()
	d.SamePeriodLastYear = &ly
	if prev, ok := p.Previous(); ok {
		d.PreviousPeriod = &prev
	}
	return d
}

// Definition is one figure's definition, parsed from the header comment of its .sql file.
type Definition struct {
	Key    string `json:"key"`
	Name   string `json:"name_zh"` // short Chinese name, e.g. 受理量
	NameEN string `json:"name_en"` // short English name, e.g. Received
	ZH     string `json:"zh"`      // the definition in Chinese
	EN     string `json:"en"`      // the definition in English
	File   string `json:"file"`    // e.g. sql/kpi/volume.sql
	// Scope is "kpis" for the §5 keys (Keys()) and "by_item" for figures that exist only
	// per item (received_same_period_last_year).
	Scope string `json:"scope"`
}
