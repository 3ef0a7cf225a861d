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

// prepare makes the KPI macros of this binary available on conn. A warehouse written by this
// binary already holds them as persistent macros, and says so (meta kpi_sql_sha256 equal to
// sqlfiles.KPISum): then nothing is installed, which saves 15–25 ms per computation. Otherwise
// (a warehouse written by another version, or one without the value) they are installed as
// TEMP macros, which take precedence over the warehouse's own.
func prepare(ctx context.Context, conn *sql.Conn) error {
	want := sqlfiles.KPISum()
	var have string
	err := conn.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = 'kpi_sql_sha256'").Scan(&have)
	if err == nil && have == want {
		return nil
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("kpi: %w", classify(err))
	}
	return Install(ctx, conn)
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
// It only reads: the KPI rules are the warehouse's own macros when they are this binary's
// (see prepare), else they are installed as TEMP macros on one connection, and all queries
// run in one transaction, so the figures and the fingerprint describe the same data even if
// a pull commits meanwhile. It works on the read-only analyst snapshot.
func Compute(ctx context.Context, db *sql.DB, office, timezone string, p period.Period) (*Result, error) {
	rs, err := ComputeAll(ctx, db, office, timezone, p)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// ComputeAll is Compute for several periods at once — a report's period, the same period last
// year and the previous period — and returns their results in the order asked. Each result
// is what Compute gives for its period, but the figures of all of them come from one query
// (kpi_reports, sql/kpi/80_report.sql: one pass over `cases` per side for every period) and one
// fingerprint, in one transaction.
func ComputeAll(ctx context.Context, db *sql.DB, office, timezone string, ps ...period.Period) ([]*Result, error) {
	if len(ps) == 0 {
		return nil, errors.New("kpi: no period given")
	}
	var labels []string
	for _, p := range ps {
		if p.IsZero() {
			return nil, errors.New("kpi: no period given")
		}
		labels = append(labels, p.Label)
	}
	what := "kpi " + strings.Join(labels, ", ")
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer conn.Close()
	if err := prepare(ctx, conn); err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep

	if err := checkTimezone(ctx, tx, timezone); err != nil {
		return nil, err
	}
	res := make([]*Result, len(ps))
	for i, p := range ps {
		res[i] = &Result{Office: office, Timezone: timezone, Period: p, KPIs: Values{},
			ByChannel: []ChannelRow{}, Monthly: []MonthRow{}, Backlog: []BacklogRow{}}
	}
	if err := readReports(ctx, tx, res); err != nil {
		return nil, fmt.Errorf("%s: figures: %w", what, classify(err))
	}
	var data DataInfo
	if err := readData(ctx, tx, timezone, &data); err != nil {
		return nil, fmt.Errorf("%s: data: %w", what, classify(err))
	}
	for _, r := range res {
		r.Data = data
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

// reportsQuery is the kpi_reports call for n periods: one STRUCT of six DATE parameters each.
func reportsQuery(n int) string {
	const one = "{'d0': ?::DATE, 'd1': ?::DATE, 'y0': ?::DATE, 'y1': ?::DATE, 'p0': ?::DATE, 'p1': ?::DATE}"
	return "SELECT * FROM kpi_reports([" + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ") + "])"
}

// readReports reads the rows of kpi_reports into the results: each row names its period by
// its position (pos, from 1) in the list asked for.
func readReports(ctx context.Context, tx *sql.Tx, res []*Result) error {
	var args []any
	for _, r := range res {
		p := r.Period
		y := p.SameLastYear()
		var p0, p1 any
		if prev, ok := p.Previous(); ok {
			p0, p1 = day(prev.First), day(prev.Last)
		}
		args = append(args, day(p.First), day(p.Last), day(y.First), day(y.Last), p0, p1)
	}
	rows, err := tx.QueryContext(ctx, reportsQuery(len(res)), args...)
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
	for _, k := range append(append([]string(nil), keys...), "pos", "scope") {
		if _, ok := idx[k]; !ok {
			return fmt.Errorf("sql/kpi/80_report.sql returns no column %q", k)
		}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	sawTotal := make([]bool, len(res))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r := rowReader{cols: idx, vals: vals}
		pos := r.count("pos")
		if pos < 1 || int(pos) > len(res) {
			return fmt.Errorf("sql/kpi/80_report.sql returned a row for period %d of %d", pos, len(res))
		}
		out := res[pos-1]
		switch r.str("scope") {
		case "total":
			sawTotal[pos-1] = true
			for _, k := range keys {
				out.KPIs[k] = r.num(k)
			}
		case "item":
			out.ByItem = append(out.ByItem, ItemRow{
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
		case "channel":
			out.ByChannel = append(out.ByChannel, ChannelRow{
				Channel:  r.str("channel"),
				NameZH:   r.str("name_zh"),
				Received: r.count("received"),
				Share:    r.num("share"),
			})
		case "month":
			out.Monthly = append(out.Monthly, MonthRow{
				Month:     r.str("month"),
				Partial:   r.boolean("partial"),
				Received:  r.count("received"),
				Completed: r.count("completed"),
			})
		case "since_year":
			out.Backlog = append(out.Backlog, BacklogRow{
				SinceYear:       int(r.count("since_year")),
				Total:           r.count("backlog_total"),
				Resolved:        r.count("backlog_resolved"),
				ResolvedOver10y: r.count("backlog_resolved_over_10y"),
			})
		default:
			return fmt.Errorf("sql/kpi/80_report.sql returned a row of scope %q", r.str("scope"))
		}
		if r.err != nil {
			return r.err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i, ok := range sawTotal {
		if !ok {
			return fmt.Errorf("sql/kpi/80_report.sql returned no total row for %s", res[i].Period.Label)
		}
	}
	return nil
}

func readData(ctx context.Context, tx *sql.Tx, timezone string, d *DataInfo) error {
	var last sql.NullTime
	if err := tx.QueryRowContext(ctx, "SELECT cases, rejects, last_pull, fingerprint FROM kpi_data()").
		Scan(&d.Cases, &d.Rejects, &last, &d.Fingerprint); err != nil {
		return err
	}
	if last.Valid {
		t := last.Time
		if loc, err := time.LoadLocation(timezone); err == nil && timezone != "" {
			t = t.In(loc)
		}
		d.LastPull = &t
	}
	return nil
}

// rowReader converts the columns of one kpi_reports row; the first error sticks.
type rowReader struct {
	cols map[string]int
	vals []any
	err  error
}

func (r *rowReader) get(col string) any {
	i, ok := r.cols[col]
	if !ok {
		if r.err == nil {
			r.err = fmt.Errorf("sql/kpi/80_report.sql returns no column %q", col)
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
