package kpi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	sqlfiles "github.com/caseload/caseload/sql"
)

// TestFixtureData checks the fixture landed as the expectations assume (local dates,
// countries, superseded and rejected rows), so a wrong figure points at the KPI SQL.
func TestFixtureData(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	rows, err := f.db.Query(`SELECT case_id, received_date::VARCHAR, coalesce(completed_date::VARCHAR, '-'), status, coalesce(country, '-')
		FROM cases WHERE case_id IN ('C01', 'C02', 'C05', 'C09', 'B01', 'B03', 'C04', 'C06') ORDER BY case_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var a, b, c, d, e string
		if err := rows.Scan(&a, &b, &c, &d, &e); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{a, b, c, d, e}, " "))
	}
	want := []string{
		"B01 2012-03-01 2022-03-01 completed US",
		"B03 2012-02-29 2022-02-28 completed SG",
		"C01 2022-10-01 2022-10-08 completed US",
		"C02 2022-10-11 2022-10-12 completed JP",
		"C04 2022-10-13 2022-10-13 completed ID",
		"C05 2022-10-14 2022-10-31 completed US",
		"C06 2022-10-20 - in_progress -",
		"C09 2022-11-01 2022-11-01 completed GB",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("fixture cases\n got %q\nwant %q", got, want)
	}
}

// TestExpected compares Compute with every hand-written expectation under
// testdata/expected (acceptance 1 and 2 of issue 3).
func TestExpected(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	files, err := filepath.Glob(testdata("expected", "*.json"))
	if err != nil || len(files) < 8 {
		t.Fatalf("expected files: %v %v", files, err)
	}
	kinds := map[period.Kind]bool{}
	for _, file := range files {
		want := readExpected(t, file)
		label := want["period"].(string)
		t.Run(filepath.Base(file), func(t *testing.T) {
			r := f.compute(t, label)
			kinds[r.Period.Kind] = true
			compareExpected(t, want, r)
		})
	}
	for _, k := range []period.Kind{period.Month, period.Quarter, period.Half, period.Year, period.YTD, period.DayRange} {
		if !kinds[k] {
			t.Errorf("no expectation for a %s period", k)
		}
	}
}

// TestProperties: by_item and by_channel add up to the totals, and the months of a year
// add up to the year, for every kind of period over the fixture.
func TestProperties(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	labels := []string{"2021", "2022", "2023", "2024", "2022-10", "2022-Q3", "2022-H2", "ytd:2022-10",
		"2022-01..2022-12", "2012-01-01..2024-12-31", "2011", "2024-02"}
	for _, l := range labels {
		r := f.compute(t, l)
		checkAddsUp(t, r)
	}
	for _, y := range []string{"2021", "2022", "2023", "2024"} {
		checkYearMonths(t, f.compute(t, y))
	}
}

func checkAddsUp(t *testing.T, r *Result) {
	t.Helper()
	var items, completed, rejected, pending, sly, channels int64
	for _, it := range r.ByItem {
		items += it.Received
		completed += it.Completed
		rejected += it.Rejected
		pending += it.PendingEnd
		sly += it.ReceivedSamePeriodLastYear
	}
	for _, c := range r.ByChannel {
		channels += c.Received
	}
	k := r.KPIs
	if items != k.Int("received") || channels != k.Int("received") || completed != k.Int("completed") ||
		rejected != k.Int("rejected") || pending != k.Int("pending_end") {
		t.Errorf("%s: by_item/by_channel do not add up: items %d channels %d received %d; completed %d/%d rejected %d/%d pending %d/%d",
			r.Period.Label, items, channels, k.Int("received"), completed, k.Int("completed"), rejected, k.Int("rejected"), pending, k.Int("pending_end"))
	}
	if len(r.ByChannel) != 6 || r.ByChannel[0].Channel != "window" || r.ByChannel[5].Channel != "mail" {
		t.Errorf("%s: by_channel %v", r.Period.Label, r.ByChannel)
	}
	if len(r.Monthly) != 13 {
		t.Errorf("%s: %d monthly rows", r.Period.Label, len(r.Monthly))
	}
	// the base of the growth is the by_item sum too
	if g := k["received_yoy_growth"]; g != nil && sly > 0 {
		want := float64(k.Int("received")-sly) / float64(sly)
		if !sameValue(want, *g) {
			t.Errorf("%s: received_yoy_growth %v, by_item base gives %v", r.Period.Label, *g, want)
		}
	}
}

func checkYearMonths(t *testing.T, r *Result) {
	t.Helper()
	var rec, comp int64
	for _, m := range r.Monthly[1:] {
		if !strings.HasPrefix(m.Month, r.Period.Label+"-") {
			t.Fatalf("%s: monthly row %s", r.Period.Label, m.Month)
		}
		rec += m.Received
		comp += m.Completed
	}
	if rec != r.KPIs.Int("received") || comp != r.KPIs.Int("completed") {
		t.Errorf("%s: months add up to received %d completed %d, year has %d, %d", r.Period.Label, rec, comp, r.KPIs.Int("received"), r.KPIs.Int("completed"))
	}
}

// TestFingerprint: the same accepted data gives the same fingerprint whatever the file
// names and pull order; changing one field of one case changes it.
func TestFingerprint(t *testing.T) {
	items := testdata("fixture", "items.csv")
	a := newFixture(t, items, fixtureFiles()...)
	fa := a.compute(t, "2022-10").Data.Fingerprint
	if len(fa) != 64 {
		t.Fatalf("fingerprint %q", fa)
	}
	if again := a.compute(t, "2021").Data.Fingerprint; again != fa {
		t.Errorf("fingerprint depends on the period: %s vs %s", again, fa)
	}

	// Same rows, other names, update file first: C05's versions are ordered by updated_at.
	dir := t.TempDir()
	copyTo := func(src, name string) string {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := fixtureFiles()
	x := copyTo(files[1], "zz-first.csv")
	y := copyTo(files[0], "aa-second.csv")
	b := newFixture(t, items, x, y)
	if fb := b.compute(t, "2022-10").Data.Fingerprint; fb != fa {
		t.Errorf("same data, other order and names: fingerprint %s, want %s", fb, fa)
	}

	// One field of one case changes (C03's trips 1 -> 2).
	src, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), "C03,QB01,2022-10-12 09:00,2022-10-12 10:30,completed,window,overseas_chinese,US,,1,", "C03,QB01,2022-10-12 09:00,2022-10-12 10:30,completed,window,overseas_chinese,US,,2,", 1)
	if changed == string(src) {
		t.Fatal("test edit did not apply")
	}
	c := newFixture(t, items, copyTo2(t, dir, "changed.csv", changed), files[1])
	if fc := c.compute(t, "2022-10").Data.Fingerprint; fc == fa {
		t.Errorf("a changed case kept the fingerprint %s", fc)
	}
}

func copyTo2(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEmptyWarehouse: no case at all — counts 0, ratios null, no error.
func TestEmptyWarehouse(t *testing.T) {
	dir := t.TempDir()
	empty := copyTo2(t, dir, "empty.csv", "case_id,item_code,received_at,status\n")
	f := newFixture(t, testdata("fixture", "items.csv"), empty)
	r := f.compute(t, "2022-10")
	for _, k := range Keys() {
		v := r.KPIs[k]
		switch {
		case isCount(k):
			if v == nil || (*v != 0 && k != "active_items" && k != "instant_items") {
				t.Errorf("%s = %v", k, show(v))
			}
		default:
			if v != nil && k != "instant_items_ratio" {
				t.Errorf("%s = %v, want null", k, *v)
			}
		}
	}
	if r.Data.Cases != 0 || r.Data.Fingerprint == "" || len(r.ByItem) != 5 || len(r.Monthly) != 13 {
		t.Errorf("data %+v, %d items, %d months", r.Data, len(r.ByItem), len(r.Monthly))
	}
}

// TestTimezoneMismatch: figures asked for in another timezone than the warehouse's dates.
func TestTimezoneMismatch(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	p, _ := period.Parse("2022-10")
	_, err := Compute(context.Background(), f.db, "x", "Europe/Paris", p)
	var tz *TimezoneMismatchError
	if !errors.As(err, &tz) || tz.Warehouse != testTZ {
		t.Fatalf("err = %v", err)
	}
}

// TestDefinitions: every §5 key has exactly one bilingual definition, parsed from the SQL.
func TestDefinitions(t *testing.T) {
	defs, err := Definitions()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, d := range defs {
		count[d.Key]++
		if d.Name == "" || d.ZH == "" || d.EN == "" || !strings.HasPrefix(d.File, "sql/kpi/") {
			t.Errorf("incomplete definition %+v", d)
		}
		if !strings.HasSuffix(d.ZH, "。") || !strings.HasSuffix(d.EN, ".") {
			t.Errorf("%s: definitions are sentences: %q / %q", d.Key, d.ZH, d.EN)
		}
	}
	for i, k := range Keys() {
		if count[k] != 1 {
			t.Errorf("%s has %d definitions", k, count[k])
		}
		if defs[i].Key != k || defs[i].Scope != "kpis" {
			t.Errorf("definition %d is %s (%s), want %s", i, defs[i].Key, defs[i].Scope, k)
		}
	}
	if d, ok := DefinitionOf("received_same_period_last_year"); !ok || d.Scope != "by_item" {
		t.Errorf("received_same_period_last_year: %+v %v", d, ok)
	}
	if d, _ := DefinitionOf("instant_items_ratio"); d.Name != "即办率" || !strings.Contains(d.EN, "0.875") {
		t.Errorf("instant_items_ratio: %+v", d)
	}
}

func TestParseDefinitionsErrors(t *testing.T) {
	bad := map[string]string{
		"no en":     "-- @kpi a 甲\n-- zh: 甲。\nSELECT 1;",
		"two zh":    "-- @kpi a 甲\n-- zh: 甲。\n-- zh: 乙。\n-- en: A.\n",
		"bad head":  "-- @kpi a\n-- zh: 甲。\n-- en: A.\n",
		"stray":     "-- @kpi a 甲\n-- zh: 甲。\n-- something else\n-- en: A.\n",
		"bad scope": "-- @kpi a 甲 total\n-- zh: 甲。\n-- en: A.\n",
		"no name":   "-- @kpi a 甲\n-- zh: 甲。\n-- en: A.\nSELECT 1;",
	}
	for name, text := range bad {
		if _, err := parseDefinitions("x.sql", text); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	defs, err := parseDefinitions("x.sql", "-- @kpi a 甲\n-- name: A\n-- zh: 第一行，\n--     第二行。\n-- en: First line,\n--     second line.\n-- @kpi b 乙 by_item\n-- name: B\n-- zh: 乙。\n-- en: B.\nSELECT 1;\n")
	if err != nil || len(defs) != 2 || defs[0].ZH != "第一行，第二行。" || defs[0].EN != "First line, second line." || defs[1].Scope != "by_item" || defs[0].NameEN != "A" {
		t.Errorf("%+v %v", defs, err)
	}
}

func TestFormat(t *testing.T) {
}

// TestResultJSONKeys: the §7.1 document has every field of Result (MarshalJSON lists them by
// hand) and the period object keeps label, kind, first_day, last_day and adds the comparison
// periods.
func TestResultJSONKeys(t *testing.T) {
	p, _ := period.Parse("ytd:2022-10")
	b, err := json.Marshal(Result{Period: p, KPIs: Values{}})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeOf(Result{})
	for i := 0; i < rt.NumField(); i++ {
		tag := strings.Split(rt.Field(i).Tag.Get("json"), ",")[0]
		if _, ok := doc[tag]; !ok {
			t.Errorf("the JSON document lacks %q", tag)
		}
	}
	if len(doc) != rt.NumField() {
		t.Errorf("%d keys for %d fields", len(doc), rt.NumField())
	}
	var per map[string]any
	json.Unmarshal(doc["period"], &per)
	want := map[string]any{"label": "ytd:2022-10", "kind": "ytd", "first_day": "2022-01-01", "last_day": "2022-10-31", "previous_period": nil,
		"same_period_last_year": map[string]any{"label": "ytd:2021-10", "kind": "ytd", "first_day": "2021-01-01", "last_day": "2021-10-31"}}
	if !reflect.DeepEqual(per, want) {
		t.Errorf("period object %v", per)
	}
}

// isCount reports whether a §5 key counts (cases, items, countries) rather than measures a
// ratio, a growth, hours or a mean.
func isCount(k string) bool {
	for _, suffix := range []string{"_ratio", "_share", "_rate", "_growth"} {
		if strings.HasSuffix(k, suffix) {
			return false
		}
	}
	return k != "median_processing_hours" && k != "avg_trips"
}

// TestComputeAll: the figures of periods computed together (one kpi_reports call, as a report
// computes its period with the same period last year and the previous one) are those of each
// period computed alone — also for overlapping periods, periods with the same days but other
// comparison bases (2022, ytd:2022-12, 2022-01..2022-12) and a period asked twice.
func TestComputeAll(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	sets := [][]string{
		{"2022-10", "2021-10", "2022-09"},
		{"ytd:2022-10", "ytd:2021-10"},
		{"2022", "ytd:2022-12", "2022-01..2022-12", "2022-Q4", "2022-10", "2022-10-01..2022-10-30", "2022"},
		{"2024-02-29", "2023-02-28", "2024-02-28", "2011", "2012-01-01..2024-12-31"},
	}
	for _, set := range sets {
		var ps []period.Period
		for _, l := range set {
			p, err := period.Parse(l)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		rs, err := ComputeAll(context.Background(), f.db, "测试侨办", testTZ, ps...)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != len(ps) {
			t.Fatalf("%v: %d results", set, len(rs))
		}
		for i, r := range rs {
			alone := f.compute(t, set[i])
			if r.Period != ps[i] {
				t.Errorf("%v: result %d is for %s", set, i, r.Period.Label)
			}
			got, want := asJSON(t, r), asJSON(t, alone)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s computed with %v:\n%v\nalone:\n%v", set[i], set, got, want)
			}
		}
	}
	if _, err := ComputeAll(context.Background(), f.db, "x", testTZ); err == nil {
		t.Error("no period: no error")
	}
}

// TestKPISum: the warehouse's record of the KPI SQL it installed (meta kpi_sql_sha256,
// written by pipeline/warehouse) is sqlfiles.KPISum, so Compute uses the warehouse's own macros
// instead of installing them again.
func TestKPISum(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"))
	want := sqlfiles.KPISum()
	have, err := warehouse.Meta(context.Background(), f.w.DB, "kpi_sql_sha256")
	if err != nil {
		t.Fatal(err)
	}
	if have != want {
		t.Errorf("meta kpi_sql_sha256 %s, KPISum %s: the recipes differ and every computation installs the macros again", have, want)
	}
}

// TestOtherVersionMacros: a warehouse whose macros are not this binary's (another version
// wrote it: meta kpi_sql_sha256 differs, its kpi_reports is missing) gets the binary's own
// as TEMP macros, with the same figures.
func TestOtherVersionMacros(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	want := asJSON(t, f.compute(t, "2022-10"))
	f.w.Close()
	f.db.Close()
	rw, err := sql.Open("duckdb", f.cfg.Warehouse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec("UPDATE meta SET value = 'another version' WHERE key = 'kpi_sql_sha256'; DROP VIEW kpi_monthly; DROP MACRO TABLE kpi_monthly_rows; DROP MACRO TABLE kpi_report; DROP MACRO TABLE kpi_reports"); err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.OpenReadOnly(f.cfg.Warehouse, testTZ)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, _ := period.Parse("2022-10")
	r, err := Compute(context.Background(), db, "测试侨办", testTZ, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := asJSON(t, r); !reflect.DeepEqual(got, want) {
		t.Errorf("with TEMP macros\n%v\nwant\n%v", got, want)
	}
}
