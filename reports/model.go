// Package reports turns KPI results into what the office hands around (SPEC §7.2–§7.4): an
// Excel workbook for officials, a self-contained HTML report with a news-brief draft for
// publicity staff, and the §7.1 JSON document.
//
// One Model feeds every writer. Build fills it from the warehouse (kpi.ComputeAll for the
// period, the same period last year and the previous period in one pass, the definitions from
// the KPI SQL header comments, and the data-quality queries of sql/reports); New fills it from
// results already computed, so the writers never touch the database. Writers only format the
// Model.
package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
	"github.com/caseload/caseload/reports/newsbrief"
)

// Model is everything a report shows.
type Model struct {
	Lang        Lang
	Office      string
	Timezone    string
	GeneratedAt time.Time // in the office timezone
	Period      period.Period

	Current  *kpi.Result // the period
	LastYear *kpi.Result // the same period one year earlier (同比 base); nil if not computed
	Previous *kpi.Result // the preceding period (环比 base); nil for ytd periods

	Definitions []kpi.Definition
	Quality     Quality

	// Unit is the count word for cases (reports.unit, default 宗); Since is when 累计 figures
	// start (reports.since, else the year of the first case); FocusItems are the item codes the
	// news brief always mentions (reports.focus_items).
	Unit       string
	Since      figures.Since
	FocusItems []string

	Summary []SummaryRow          // one row per §5 key, in §5 order
	Brief   []newsbrief.Paragraph // the 新闻稿素材 draft
}

// Words writes figures into sentences in the report's language with its count word.
func (m *Model) Words() figures.Words {
	return figures.Words{Lang: figures.LangOf(string(m.Lang)), Unit: m.Unit}
}

// SamePeriodLastYear is the period the 同比 comparisons are made against.
func (m *Model) SamePeriodLastYear() period.Period { return m.Period.SameLastYear() }

// PreviousPeriod is the period the 环比 comparisons are made against (false for ytd:).
func (m *Model) PreviousPeriod() (period.Period, bool) { return m.Period.Previous() }

// SummaryRow is one figure with its comparisons, as the summary sheet and the headline cards
// show it. Comparisons follow §5: growth (current − base) / base for counts and amounts (nil
// when the base is 0); for ratios the change in percentage points (current − base) × 100,
// because a growth rate of a rate reads wrongly; none for the growth figures themselves.
type SummaryRow struct {
	Key        string
	Name       string
	Kind       Kind
	Current    *float64
	LastYear   *float64
	YoY        *float64 // growth fraction, or percentage points for KindRatio
	Previous   *float64
	MoM        *float64
	Definition string // from the KPI SQL header comment, in the report language
}

// Quality is the data-quality section: the state of the warehouse the figures were computed
// from (all pulls, not only the period), from sql/reports/quality_*.sql.
type Quality struct {
	Files                 []FileRow
	RejectReasons         []ReasonRow
	RejectRows            []RejectRow // the first MaxRejectRows rejected rows, in pull and line order
	RejectRowsTruncated   bool        // more rejected rows exist than were listed (the total: RejectReasons)
	UnrecognisedCountries []CountryValueRow
	CountriesTruncated    bool // more distinct values exist than were listed
}

// RejectedTotal is the number of rejected rows of the whole warehouse.
func (q Quality) RejectedTotal() int64 {
	var n int64
	for _, r := range q.RejectReasons {
		n += r.Rows
	}
	return n
}

// RejectRow is one rejected source row: where it is and why it was refused.
type RejectRow struct {
	File   string
	Line   int64
	CaseID string // as written; "" when missing
	Reason string
}

// FileRow is one pulled file of the ledger.
type FileRow struct {
	Path                string
	PulledAt            time.Time
	Format              string
	RowsRead            int64
	Accepted            int64
	Superseded          int64
	Rejected            int64
	UnrecognisedCountry int64
}

// ReasonRow counts rejected rows with one reason code.
type ReasonRow struct {
	Reason string
	Rows   int64
}

// CountryValueRow counts accepted cases whose country value was not recognised.
type CountryValueRow struct {
	Value string
	Cases int64
}

// Inputs are the parts a Model is made of.
type Inputs struct {
	Lang        Lang
	Office      string // default: Current.Office
	Timezone    string // default: Current.Timezone
	GeneratedAt time.Time
	Current     *kpi.Result // required
	LastYear    *kpi.Result
	Previous    *kpi.Result
	Definitions []kpi.Definition
	Quality     Quality
	Unit        string        // count word for cases; default figures.DefaultUnit
	Since       figures.Since // configured start of 累计; zero: the year of FirstCase
	FocusItems  []string      // item codes the brief always mentions; each must be in Current.ByItem
	// FirstCase is the local date of the earliest case received (zero: unknown or no case).
	FirstCase time.Time
}

// UnknownItemError reports an item code (reports.focus_items) that is not in the catalogue.
type UnknownItemError struct {
	Code  string
	Known []string // the catalogue's item codes
}

func (e *UnknownItemError) Error() string {
	return fmt.Sprintf("item %q is not in the item catalogue (%s)", e.Code, strings.Join(e.Known, ", "))
}

// SinceError reports a configured start of 累计 figures later than the first case: every
// 累计 figure counts from the first case, so "2019年以来累计…" would claim more than the data.
type SinceError struct {
	Since     figures.Since
	FirstCase time.Time
}

func (e *SinceError) Error() string {
	return fmt.Sprintf("%s is after the first case (received %s): cumulative figures count every case, so they cannot be quoted as since %s; give %d or earlier, or leave it out",
		e.Since, period.FormatDate(e.FirstCase), e.Since, e.FirstCase.Year())
}

// New builds a Model from computed results. It does not touch a database.
func New(in Inputs) (*Model, error) {
	if in.Current == nil {
		return nil, errors.New("reports: no KPI result for the period")
	}
	if in.Lang == "" {
		in.Lang = LangZH
	}
	if _, ok := ParseLang(string(in.Lang)); !ok {
		return nil, fmt.Errorf("reports: language %q: expected zh or en", in.Lang)
	}
	m := &Model{
		Lang: in.Lang, Office: in.Office, Timezone: in.Timezone, GeneratedAt: in.GeneratedAt,
		Period: in.Current.Period, Current: in.Current, LastYear: in.LastYear, Previous: in.Previous,
		Definitions: in.Definitions, Quality: in.Quality, Unit: in.Unit, Since: in.Since, FocusItems: in.FocusItems,
	}
	if m.Unit == "" {
		m.Unit = figures.DefaultUnit
	}
	switch {
	case m.Since.IsZero() && !in.FirstCase.IsZero():
		m.Since = figures.SinceYear(in.FirstCase.Year())
	case !m.Since.IsZero() && !in.FirstCase.IsZero() && in.FirstCase.Before(m.Since.Date):
		return nil, &SinceError{Since: m.Since, FirstCase: in.FirstCase}
	}
	for _, code := range m.FocusItems {
		if _, ok := in.Current.ItemByCode(code); !ok {
			var known []string
			for _, it := range in.Current.ByItem {
				known = append(known, it.ItemCode)
			}
			return nil, &UnknownItemError{Code: code, Known: known}
		}
	}
	if m.Office == "" {
		m.Office = in.Current.Office
	}
	if m.Timezone == "" {
		m.Timezone = in.Current.Timezone
	}
	if m.GeneratedAt.IsZero() {
		m.GeneratedAt = time.Now()
	}
	if loc, err := time.LoadLocation(m.Timezone); err == nil && m.Timezone != "" {
		m.GeneratedAt = m.GeneratedAt.In(loc)
	}
	m.Summary = m.summary()
	m.Brief = newsbrief.Build(newsbrief.Input{Office: m.Office, Current: in.Current, LastYear: in.LastYear, Previous: in.Previous,
		Unit: m.Unit, Since: m.Since, FocusItems: m.FocusItems}, string(m.Lang))
	return m, nil
}

// itemName is an item's name, marked （已停办） when the item is no longer offered on the
// period's last day (as `caseload kpi` marks it).
func (m *Model) itemName(it kpi.ItemRow) string {
	if !it.Active {
		return it.ItemName + tDiscontinued.in(m.Lang)
	}
	return it.ItemName
}

// Definition returns the definition of key in the model's definitions (ok false if none).
func (m *Model) Definition(key string) (kpi.Definition, bool) {
	for _, d := range m.Definitions {
		if d.Key == key {
			return d, true
		}
	}
	return kpi.Definition{}, false
}

// KPIName is the display name of a §5 key in the report language: the short name of the
// figure's SQL header comment (the key itself when there is no definition).
func (m *Model) KPIName(key string) string {
	if d, ok := m.Definition(key); ok {
		if m.Lang == LangEN && d.NameEN != "" {
			return d.NameEN
		}
		if m.Lang != LangEN && d.Name != "" {
			return d.Name
		}
	}
	return key
}

func (m *Model) summary() []SummaryRow {
	var rows []SummaryRow
	for _, key := range kpi.Keys() {
		r := SummaryRow{Key: key, Name: m.KPIName(key), Kind: KindOf(key), Current: m.Current.KPIs[key]}
		if d, ok := m.Definition(key); ok {
			r.Definition = d.ZH
			if m.Lang == LangEN {
				r.Definition = d.EN
			}
		}
		if r.Kind != KindGrowth {
			if m.LastYear != nil {
				r.LastYear = m.LastYear.KPIs[key]
				r.YoY = compare(r.Kind, r.Current, r.LastYear)
			}
			if m.Previous != nil {
				r.Previous = m.Previous.KPIs[key]
				r.MoM = compare(r.Kind, r.Current, r.Previous)
			}
		}
		switch key { // the KPI SQL's own growth figures are the reference for received
		case "received":
			r.YoY = m.Current.KPIs["received_yoy_growth"]
			if m.Previous != nil {
				r.MoM = m.Current.KPIs["received_mom_growth"]
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// compare is §5 growth for amounts, a percentage-point difference for ratios.
func compare(k Kind, cur, base *float64) *float64 {
	if cur == nil || base == nil {
		return nil
	}
	var v float64
	switch k {
	case KindRatio:
		v = (*cur - *base) * 100
	default:
		if *base == 0 {
			return nil
		}
		v = (*cur - *base) / *base
	}
	return &v
}

// ComputeFunc computes the KPI results of periods, in the order given (kpi.ComputeAll).
type ComputeFunc func(ctx context.Context, ps ...period.Period) ([]*kpi.Result, error)

// BuildOptions say what to build a Model for.
type BuildOptions struct {
	Office      string
	Timezone    string // IANA name, e.g. Asia/Shanghai
	Period      period.Period
	Lang        Lang
	GeneratedAt time.Time // zero: now
	// Compute overrides the KPI computation (default: kpi.ComputeAll on db); tests use it.
	Compute ComputeFunc
	// Definitions overrides the definitions (default: kpi.Definitions()).
	Definitions func() ([]kpi.Definition, error)
	// Unit, Since and FocusItems are caseload.yaml's reports.unit, reports.since and
	// reports.focus_items (see Inputs).
	Unit       string
	Since      figures.Since
	FocusItems []string
}

// Build computes the KPI results for the period, the same period last year and (if there is
// one) the previous period — together, in one computation — reads the definitions and the
// data-quality figures, and returns the Model. db is the read-only analyst database.
func Build(ctx context.Context, db *sql.DB, opt BuildOptions) (*Model, error) {
	compute := opt.Compute
	if compute == nil {
		compute = func(ctx context.Context, ps ...period.Period) ([]*kpi.Result, error) {
			return kpiComputeAll(ctx, db, opt.Office, opt.Timezone, ps...)
		}
	}
	defs := opt.Definitions
	if defs == nil {
		defs = kpiDefinitions
	}
	ps := []period.Period{opt.Period, opt.Period.SameLastYear()}
	if pp, ok := opt.Period.Previous(); ok {
		ps = append(ps, pp)
	}
	rs, err := compute(ctx, ps...)
	if err == nil && len(rs) != len(ps) {
		err = fmt.Errorf("%d KPI results for %d periods", len(rs), len(ps))
	}
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", opt.Period.Label, err)
	}
	cur, ly := rs[0], rs[1]
	var prev *kpi.Result
	if len(rs) > 2 {
		prev = rs[2]
	}
	d, err := defs()
	if err != nil {
		return nil, fmt.Errorf("report %s: definitions: %w", opt.Period.Label, err)
	}
	q, err := QueryQuality(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", opt.Period.Label, err)
	}
	first, err := QueryFirstCase(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", opt.Period.Label, err)
	}
	return New(Inputs{
		Lang: opt.Lang, Office: opt.Office, Timezone: opt.Timezone, GeneratedAt: opt.GeneratedAt,
		Current: cur, LastYear: ly, Previous: prev, Definitions: d, Quality: q,
		Unit: opt.Unit, Since: opt.Since, FocusItems: opt.FocusItems, FirstCase: first,
	})
}
