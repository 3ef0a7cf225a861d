package kpi

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

const testTZ = "Asia/Shanghai"

// pullTime is the fixture's pull time: 2024-03-01 20:00 in the office timezone.
var pullTime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a temp project whose warehouse holds the given files, pulled through the real
// ingest path; db is the read-only analyst snapshot (as `caseload kpi` reads it).
type fixture struct {
	dir string
	cfg *config.Config
	w   *warehouse.Warehouse
	db  *sql.DB // the snapshot, read-only
}

func newFixture(t testing.TB, itemsPath string, files ...string) *fixture {
	t.Helper()
	dir := t.TempDir()
	items, err := filepath.Abs(itemsPath)
	if err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf("office: 测试侨办\ntimezone: %s\nwarehouse: caseload.duckdb\nitems: %s\n", testTZ, items)
	if err := os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, "caseload.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{dir: dir, cfg: cfg}
	f.open(t)
	if len(files) > 0 {
		f.pull(t, files...)
	}
	return f
}

func (f *fixture) open(t testing.TB) {
	t.Helper()
	w, err := warehouse.Open(context.Background(), warehouse.Options{Path: f.cfg.Warehouse, Timezone: f.cfg.Timezone, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	f.w = w
	t.Cleanup(func() { w.Close() })
}

func (f *fixture) pull(t testing.TB, files ...string) {
	t.Helper()
	res, err := ingest.Pull(context.Background(), f.w, ingest.Options{Config: f.cfg, Files: files, Now: func() time.Time { return pullTime }})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	for _, fr := range res.Files {
		if fr.Status == "failed" {
			t.Fatalf("pull %s: %s", fr.Path, fr.Error)
		}
	}
	if f.db != nil {
		f.db.Close()
	}
	db, err := warehouse.OpenReadOnly(f.cfg.Warehouse, f.cfg.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	f.db = db
	t.Cleanup(func() { db.Close() })
}

func (f *fixture) compute(t testing.TB, label string) *Result {
	t.Helper()
	p, err := period.Parse(label)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compute(context.Background(), f.db, "测试侨办", testTZ, p)
	if err != nil {
		t.Fatalf("Compute %s: %v", label, err)
	}
	return r
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"testdata"}, parts...)...)
}

// ---- comparing a Result with a hand-written expectation ----

// asJSON round-trips v through encoding/json into generic values.
func asJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameValue compares two decoded JSON values; numbers within a relative 1e-12.
func sameValue(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case float64:
		g, ok := got.(float64)
		if !ok {
			return false
		}
		return w == g || math.Abs(w-g) <= 1e-12*math.Max(math.Abs(w), math.Abs(g))
	default:
		return fmt.Sprint(want) == fmt.Sprint(got)
	}
}

// compareObject reports every field of want that got lacks or has a different value for.
func compareObject(t testing.TB, where string, want, got map[string]any) {
	t.Helper()
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s.%s: missing (want %v)", where, k, want[k])
			continue
		}
		if !sameValue(want[k], g) {
			t.Errorf("%s.%s = %v, want %v", where, k, show(g), show(want[k]))
		}
	}
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}

func objects(t testing.TB, v any) []map[string]any {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("want an array, got %T", v)
	}
	out := make([]map[string]any, len(arr))
	for i, x := range arr {
		out[i] = x.(map[string]any)
	}
	return out
}

// compareExpected checks a Result against one testdata/expected/*.json file.
func compareExpected(t *testing.T, want map[string]any, r *Result) {
	t.Helper()
	got := asJSON(t, r).(map[string]any)
	wk := want["kpis"].(map[string]any)
	for _, k := range Keys() {
		if _, ok := wk[k]; !ok {
			t.Errorf("expected file lacks kpis.%s: every §5 key must be written down", k)
		}
	}
	compareObject(t, "kpis", wk, got["kpis"].(map[string]any))
	if len(got["kpis"].(map[string]any)) != len(Keys()) {
		t.Errorf("kpis has %d keys, want %d", len(got["kpis"].(map[string]any)), len(Keys()))
	}
	if w, ok := want["by_item"]; ok {
		gi := objects(t, got["by_item"])
		wi := objects(t, w)
		if len(wi) == len(gi) { // complete list: order matters too
			for i := range wi {
				compareObject(t, fmt.Sprintf("by_item[%d]", i), wi[i], gi[i])
			}
		} else {
			for _, x := range wi {
				found := false
				for _, g := range gi {
					if g["item_code"] == x["item_code"] {
						compareObject(t, "by_item["+x["item_code"].(string)+"]", x, g)
						found = true
					}
				}
				if !found {
					t.Errorf("by_item lacks %v", x["item_code"])
				}
			}
		}
	}
	for _, sec := range []string{"by_channel", "monthly", "backlog_by_since_year"} {
		w, ok := want[sec]
		if !ok {
			continue
		}
		wl, gl := objects(t, w), objects(t, got[sec])
		if len(wl) != len(gl) {
			t.Errorf("%s has %d rows, want %d: %v", sec, len(gl), len(wl), gl)
			continue
		}
		for i := range wl {
			compareObject(t, fmt.Sprintf("%s[%d]", sec, i), wl[i], gl[i])
		}
	}
	if w, ok := want["monthly_last"]; ok {
		gl := objects(t, got["monthly"])
		compareObject(t, "monthly[last]", w.(map[string]any), gl[len(gl)-1])
	}
	if w, ok := want["data"]; ok {
		compareObject(t, "data", w.(map[string]any), got["data"].(map[string]any))
	}
}

func readExpected(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if _, ok := m["period"].(string); !ok {
		t.Fatalf("%s: no period", path)
	}
	return m
}

func fixtureFiles() []string {
	return []string{testdata("fixture", "01-cases.csv"), testdata("fixture", "02-update.csv")}
}
