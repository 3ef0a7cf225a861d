package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/demo/demotest"
	"github.com/caseload/caseload/pipeline/gen"
	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// demoWarehouse pulls the generated reference-office dataset (real CSV, XLSX and NDJSON
// files) into a fresh warehouse.
func demoWarehouse(t *testing.T) (*warehouse.Warehouse, *config.Config) {
	t.Helper()
	w, cfg := demotest.Warehouse(t)
	return w, cfg
}

func TestBuildFromWarehouse(t *testing.T) {
	w, cfg := demoWarehouse(t)
	ctx := context.Background()
	p, _ := period.Parse("2022-10")
	var calls [][]string
	m, err := Build(ctx, w.DB, BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: p, Lang: LangZH,
		Compute: func(ctx context.Context, ps ...period.Period) ([]*kpi.Result, error) {
			var labels []string
			for _, p := range ps {
				labels = append(labels, p.Label)
			}
			calls = append(calls, labels)
			return kpi.ComputeAll(ctx, w.DB, cfg.Office, cfg.Timezone, ps...)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(calls) != "[[2022-10 2021-10 2022-09]]" {
		t.Errorf("computed %v, want one computation of the period, same period last year, previous", calls)
	}
	if m.LastYear == nil || m.Previous == nil || len(m.Definitions) == 0 || len(m.Brief) == 0 {
		t.Fatalf("model incomplete: %+v", m)
	}
	// each of the three is what kpi.Compute gives for its period alone
	for _, r := range []*kpi.Result{m.Current, m.LastYear, m.Previous} {
		alone, err := kpi.Compute(ctx, w.DB, cfg.Office, cfg.Timezone, r.Period)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := mustJSON(t, r), mustJSON(t, alone); a != b {
			t.Errorf("%s computed with the others differs from alone:\n%s\n%s", r.Period.Label, a, b)
		}
	}
	// the workbook read back with openpyxl holds exactly the KPI results (= caseload kpi --format json)
	checkOpenpyxl(t, m)
	// the default path (kpi.Compute, kpi.Definitions) gives the same figures
	m2, err := Build(ctx, w.DB, BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: p})
	if err != nil {
		t.Fatal(err)
	}
	if *m2.Current.KPIs["received"] != *m.Current.KPIs["received"] {
		t.Errorf("default Build differs")
	}
	// ytd has no previous period
	ytd, _ := period.Parse("ytd:2022-10")
	m3, err := Build(ctx, w.DB, BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: ytd})
	if err != nil {
		t.Fatal(err)
	}
	if m3.Previous != nil {
		t.Errorf("ytd has a previous period")
	}

	// data quality: every pulled file, rows add up, rejects by reason, unrecognised countries
	q := m.Quality
	if len(q.Files) != 4 {
		t.Fatalf("files %+v", q.Files)
	}
	var read, acc, sup, rej, unrec int64
	for _, f := range q.Files {
		if f.RowsRead != f.Accepted+f.Superseded+f.Rejected {
			t.Errorf("%s: rows do not add up: %+v", f.Path, f)
		}
		read += f.RowsRead
		acc += f.Accepted
		sup += f.Superseded
		rej += f.Rejected
		unrec += f.UnrecognisedCountry
	}
	var byReason int64
	for _, r := range q.RejectReasons {
		byReason += r.Rows
	}
	if byReason != rej || rej == 0 {
		t.Errorf("rejects by reason %d, rejected rows %d", byReason, rej)
	}
	if m.Current.Data.Rejects != rej || read != acc+sup+rej {
		t.Errorf("ledger read %d accepted %d superseded %d rejected %d; data says %d rejects", read, acc, sup, rej, m.Current.Data.Rejects)
	}
	var unrecCases int64
	for _, c := range q.UnrecognisedCountries {
		unrecCases += c.Cases
	}
	if len(q.UnrecognisedCountries) == 0 || unrecCases == 0 {
		t.Errorf("no unrecognised country values: %+v (ledger says %d)", q.UnrecognisedCountries, unrec)
	}

	// details: cases of the period, case ids hashed
	hexRef := regexp.MustCompile(`^[0-9a-f]{12}$`)
	ids := map[string]bool{}
	rows, err := w.DB.QueryContext(ctx, "SELECT case_id FROM cases")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = true
	}
	rows.Close()
	n := 0
	for d, err := range QueryDetails(ctx, w.DB, p, m.Current.Data.Fingerprint) {
		if err != nil {
			t.Fatal(err)
		}
		if !hexRef.MatchString(d.CaseRef) || ids[d.CaseRef] {
			t.Fatalf("case ref %q is not a hash", d.CaseRef)
		}
		inP := p.Contains(d.ReceivedDate) || (d.CompletedDate != nil && p.Contains(*d.CompletedDate))
		if !inP {
			t.Fatalf("row outside the period: %+v", d)
		}
		n++
	}
	if int64(n) < m.Current.KPIs.Int("received") {
		t.Errorf("%d detail rows, fewer than the %d cases received", n, m.Current.KPIs.Int("received"))
	}
}

// BenchmarkReportMillion builds the report model of one month from a warehouse of 1,000,000
// generated cases (one kpi.ComputeAll of the month, the same month last year and the previous
// month; definitions; data quality) and writes the workbook, the HTML report and the JSON. The
// warehouse is built once, outside the timer. Each phase is reported on its own (build-ms,
// xlsx-ms, html-ms, json-ms per report). With REPORTS_BENCH_DETAILS=1 the month's detail sheet
// is added to the workbook.
func BenchmarkReportMillion(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "items.csv"), itemsCSV(b), 0o644); err != nil {
		b.Fatal(err)
	}
	yaml := "office: 福清市侨办\ntimezone: Asia/Shanghai\nwarehouse: caseload.duckdb\nitems: items.csv\nsources:\n  - name: cases\n    path: incoming/*.parquet\n"
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(yaml), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "incoming"), 0o755); err != nil {
		b.Fatal(err)
	}
	if _, err := gen.WriteFile(ctx, filepath.Join(dir, "incoming", "cases.parquet"), gen.Options{Cases: 1_000_000, Seed: 7}); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		b.Fatal(err)
	}
	w, err := warehouse.Open(ctx, warehouse.Options{Path: cfg.Warehouse, Timezone: cfg.Timezone, Purpose: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ingest.Pull(ctx, w, ingest.Options{Config: cfg}); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	// as `caseload report` reads it: the analyst snapshot (the writer's connection is gone
	// once the pull has committed its generation)
	db, _, err := warehouse.OpenAnalyst(cfg.Warehouse, warehouse.Options{Timezone: cfg.Timezone})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	p, _ := period.Parse("2022-10")
	details := os.Getenv("REPORTS_BENCH_DETAILS") == "1"
	var build, xlsx, html, js time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		m, err := Build(ctx, db, BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: p})
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		opt := XLSXOptions{}
		if details {
			opt.Details = QueryDetails(ctx, db, p, m.Current.Data.Fingerprint)
		}
		if err := WriteXLSX(ctx, io.Discard, m, opt); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if err := WriteHTML(ctx, io.Discard, m); err != nil {
			b.Fatal(err)
		}
		t3 := time.Now()
		if err := WriteJSON(io.Discard, m); err != nil {
			b.Fatal(err)
		}
		t4 := time.Now()
		build, xlsx, html, js = build+t1.Sub(t0), xlsx+t2.Sub(t1), html+t3.Sub(t2), js+t4.Sub(t3)
	}
	n := float64(b.N)
	for _, m := range []struct {
		d    time.Duration
		unit string
	}{{build, "build-ms"}, {xlsx, "xlsx-ms"}, {html, "html-ms"}, {js, "json-ms"}} {
		b.ReportMetric(float64(m.d.Microseconds())/1000/n, m.unit)
	}
}

func itemsCSV(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gen.WriteItemsCSV(&buf, gen.Items()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
