package kpi

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/period"
	sqlfiles "github.com/caseload/caseload/sql"
)

// sqlDir is the embedded directory of the KPI SQL.
const sqlDir = "kpi"

// File is one embedded KPI SQL file.
type File struct {
	Name string // e.g. "kpi/10_volume.sql"
	SQL  string
}

// Files returns the KPI SQL files in the order they must run (name order: each file may use
// the macros of the files before it).
func Files() ([]File, error) {
	entries, err := fs.ReadDir(sqlfiles.FS, sqlDir)
	if err != nil {
		return nil, fmt.Errorf("kpi: embedded SQL: %w", err)
	}
	var out []File
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		name := path.Join(sqlDir, e.Name())
		b, err := fs.ReadFile(sqlfiles.FS, name)
		if err != nil {
			return nil, fmt.Errorf("kpi: embedded SQL: %w", err)
		}
		out = append(out, File{Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		return nil, errors.New("kpi: no embedded SQL files")
	}
	return out, nil
}

// Install creates the KPI macros (TEMP, so it works on a read-only connection) on conn.
func Install(ctx context.Context, conn *sql.Conn) error {
	files, err := Files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if _, err := conn.ExecContext(ctx, f.SQL); err != nil {
			return fmt.Errorf("kpi: sql/%s: %w", f.Name, err)
		}
	}
	return nil
}

// TimezoneMismatchError reports that the warehouse's stored local dates were computed in
// another timezone than the one the figures are asked for.
type TimezoneMismatchError struct {
	Warehouse, Asked string
}

func (e *TimezoneMismatchError) Error() string {
	return fmt.Sprintf("the warehouse's local dates are in %s, not %s: run `caseload pull` once with the new timezone to recompute them", e.Warehouse, e.Asked)
}

// Compute computes every figure of SPEC §5 for period p from the warehouse db and returns
// the §7.1 document. office and timezone are copied into the result; timezone must be the
// one the warehouse's local dates were computed in (meta.timezone).
//
// It only reads: the KPI rules are installed as TEMP macros on one connection, and all
// queries run in one transaction, so the figures and the fingerprint describe the same data
// even if a pull commits meanwhile. It works on the read-only analyst snapshot.
func Compute(ctx context.Context, db *sql.DB, office, timezone string, p period.Period) (*Result, error) {
	if p.IsZero() {
		return nil, errors.New("kpi: no period given")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", p.Label, err)
	}
	defer conn.Close()
	if err := Install(ctx, conn); err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("kpi %s: %w", p.Label, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep

	if err := checkTimezone(ctx, tx, timezone); err != nil {
		return nil, err
	}
	res := &Result{Office: office, Timezone: timezone, Period: p, KPIs: Values{}}
	steps := []struct {
		what string
		fn   func(context.Context, *sql.Tx, *Result) error
	}{
		{"figures", readReport},
		{"channels", readChannels},
		{"monthly series", readSeries},
		{"backlog", readBacklog},
		{"data", readData},
	}
	for _, s := range steps {
		if err := s.fn(ctx, tx, res); err != nil {
			return nil, fmt.Errorf("kpi %s: %s: %w", p.Label, s.what, classify(err))
		}
	}
	return res, nil
}

// classify adds a hint to DuckDB errors a user can act on; others pass unchanged.
func classify(err error) error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeCatalog {
		return fmt.Errorf("%w (is this a caseload warehouse of a compatible version?)", err)
	}
	return err
}

func checkTimezone(ctx context.Context, tx *sql.Tx, timezone string) error {
	var stored string
	err := tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'timezone'").Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (stored == timezone || timezone == "")) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kpi: %w", classify(err))
	}
	return &TimezoneMismatchError{Warehouse: stored, Asked: timezone}
}

// day formats a date for binding (DATE parameters are bound as text, never as instants).
func day(t time.Time) string { return period.FormatDate(t) }

func readReport(ctx context.Context, tx *sql.Tx, res *Result) error {
	p := res.Period
	y := p.SameLastYear()
	var p0, p1 any
	if prev, ok := p.Previous(); ok {
		p0, p1 = day(prev.First), day(prev.Last)
	}
	rows, err := tx.QueryContext(ctx,
		"SELECT * FROM kpi_report(?::DATE, ?::DATE, ?::DATE, ?::DATE, ?::DATE, ?::DATE)",
		day(p.First), day(p.Last), day(y.First), day(y.Last), p0, p1)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[c] = i
	}
	for _, k := range keys {
		if _, ok := idx[k]; !ok {
			return fmt.Errorf("sql/kpi/70_report.sql returns no column %q", k)
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	sawTotal := false
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r := rowReader{cols: idx, vals: vals}
		switch r.str("scope") {
		case "total":
			sawTotal = true
			for _, k := range keys {
				res.KPIs[k] = r.num(k)
			}
		case "item":
			res.ByItem = append(res.ByItem, ItemRow{
				ItemCode:                   r.str("item_code"),
				ItemName:                   r.str("item_name"),
				Active:                     r.boolean("active"),
				Instant:                    r.boolean("instant"),
				Received:                   r.count("received"),
				Completed:                  r.count("completed"),
				Rejected:                   r.count("rejected"),
				PendingEnd:                 r.count("pending_end"),
				SameDayRatio:               r.num("same_day_ratio"),
				OnTimeRatio:                r.num("on_time_ratio"),
				MedianProcessingHours:      r.num("median_processing_hours"),
				ReceivedSamePeriodLastYear: r.count("received_same_period_last_year"),
				ReceivedYoYGrowth:          r.num("received_yoy_growth"),
			})
		}
		if r.err != nil {
			return r.err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !sawTotal {
		return errors.New("sql/kpi/70_report.sql returned no total row")
	}
	return nil
}

func readChannels(ctx context.Context, tx *sql.Tx, res *Result) error {
	p := res.Period
	rows, err := tx.QueryContext(ctx, "SELECT channel, name_zh, received, share FROM kpi_channels(?::DATE, ?::DATE)", day(p.First), day(p.Last))
	if err != nil {
		return err
	}
	defer rows.Close()
	res.ByChannel = []ChannelRow{}
	for rows.Next() {
		var c ChannelRow
		var share sql.NullFloat64
		if err := rows.Scan(&c.Channel, &c.NameZH, &c.Received, &share); err != nil {
			return err
		}
		if c.Share, err = finite("share", share); err != nil {
			return err
		}
		res.ByChannel = append(res.ByChannel, c)
	}
	return rows.Err()
}

func readSeries(ctx context.Context, tx *sql.Tx, res *Result) error {
	rows, err := tx.QueryContext(ctx, "SELECT month, partial, received, completed FROM kpi_series(?::DATE)", day(res.Period.Last))
	if err != nil {
		return err
	}
	defer rows.Close()
	res.Monthly = []MonthRow{}
	for rows.Next() {
		var m MonthRow
		if err := rows.Scan(&m.Month, &m.Partial, &m.Received, &m.Completed); err != nil {
			return err
		}
		res.Monthly = append(res.Monthly, m)
	}
	return rows.Err()
}

func readBacklog(ctx context.Context, tx *sql.Tx, res *Result) error {
	rows, err := tx.QueryContext(ctx, `SELECT since_year, backlog_total, backlog_resolved, backlog_resolved_over_10y
		FROM kpi_backlog(?::DATE) WHERE scope = 'since_year' ORDER BY since_year`, day(res.Period.Last))
	if err != nil {
		return err
	}
	defer rows.Close()
	res.Backlog = []BacklogRow{}
	for rows.Next() {
		var b BacklogRow
		if err := rows.Scan(&b.SinceYear, &b.Total, &b.Resolved, &b.ResolvedOver10y); err != nil {
			return err
		}
		res.Backlog = append(res.Backlog, b)
	}
	return rows.Err()
}

func readData(ctx context.Context, tx *sql.Tx, res *Result) error {
	var last sql.NullTime
	d := &res.Data
	if err := tx.QueryRowContext(ctx, "SELECT cases, rejects, last_pull, fingerprint FROM kpi_data()").
		Scan(&d.Cases, &d.Rejects, &last, &d.Fingerprint); err != nil {
		return err
	}
	if last.Valid {
		t := last.Time
		if loc, err := time.LoadLocation(res.Timezone); err == nil && res.Timezone != "" {
			t = t.In(loc)
		}
		d.LastPull = &t
	}
	return nil
}

// rowReader converts the columns of one kpi_report row; the first error sticks.
type rowReader struct {
	cols map[string]int
	vals []any
	err  error
}

func (r *rowReader) get(col string) any {
	i, ok := r.cols[col]
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("sql/kpi/70_report.sql returns no column %q", col)
		}
		return nil
	}
	return r.vals[i]
}

func (r *rowReader) str(col string) string {
	switch v := r.get(col).(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func (r *rowReader) boolean(col string) bool {
	b, _ := r.get(col).(bool)
	return b
}

func (r *rowReader) count(col string) int64 {
	if v := r.num(col); v != nil {
		return int64(*v)
	}
	return 0
}

func (r *rowReader) num(col string) *float64 {
	v, err := toFloat(col, r.get(col))
	if err != nil && r.err == nil {
		r.err = err
	}
	return v
}

// toFloat converts a DuckDB numeric value to a figure; nil stays nil; NaN and ±Inf are
// errors (the SQL guards every division, so they would be a bug).
func toFloat(col string, v any) (*float64, error) {
	var f float64
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case int:
		f = float64(x)
	case uint64:
		f = float64(x)
	case uint32:
		f = float64(x)
	case bool:
		if x {
			f = 1
		}
	case *big.Int:
		f, _ = new(big.Float).SetInt(x).Float64()
	case duckdb.Decimal:
		f = x.Float64()
	default:
		return nil, fmt.Errorf("column %s: unexpected value %T", col, v)
	}
	return finite(col, sql.NullFloat64{Float64: f, Valid: true})
}

func finite(col string, v sql.NullFloat64) (*float64, error) {
	if !v.Valid {
		return nil, nil
	}
	if math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return nil, fmt.Errorf("column %s is %v: a division the SQL should guard", col, v.Float64)
	}
	f := v.Float64
	return &f, nil
}
