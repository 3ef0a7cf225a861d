package kpi

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/warehouse"
)

var update = flag.Bool("update", false, "rewrite the generated KPI macro block of the latest KPI migration from sql/kpi")

const (
	genBegin = "-- BEGIN GENERATED from sql/kpi/*.sql: do not edit (go test ./pipeline/kpi -run TestKPIMigration -update)"
	genEnd   = "-- END GENERATED"
)

// generatedMacros is sql/kpi/*.sql as persistent macros (TEMP removed), the block a KPI
// migration carries so that stored views (kpi_monthly) can use the same rules.
func generatedMacros(t *testing.T) string {
	t.Helper()
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(genBegin + "\n")
	for _, f := range files {
		fmt.Fprintf(&b, "\n-- ==== sql/%s ====\n", f.Name)
		b.WriteString(strings.TrimSpace(strings.ReplaceAll(f.SQL, "CREATE OR REPLACE TEMP MACRO", "CREATE OR REPLACE MACRO")))
		b.WriteString("\n")
	}
	b.WriteString("\n" + genEnd + "\n")
	return b.String()
}

// TestKPIMigration: the latest migration carrying the generated block matches sql/kpi.
func TestKPIMigration(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "sql", "migrations", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var latest string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), genBegin) {
			latest = p
		}
	}
	if latest == "" {
		t.Fatal("no migration carries the generated KPI macros")
	}
	b, err := os.ReadFile(latest)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, genBegin), strings.Index(text, genEnd)
	if i < 0 || j < i {
		t.Fatalf("%s: markers out of order", latest)
	}
	have := text[i : j+len(genEnd)+1]
	want := generatedMacros(t)
	if have == want {
		return
	}
	if *update {
		if err := os.WriteFile(latest, []byte(text[:i]+want+text[j+len(genEnd)+1:]), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the generated block of %s", latest)
		return
	}
	t.Errorf("sql/kpi changed but %s still has the old macros. If that migration has not shipped yet, run\n"+
		"  go test ./pipeline/kpi -run TestKPIMigration -update\n"+
		"otherwise copy it to a new migration (next number, same markers and view) and run that command.", latest)
}

// TestKPIMonthlyView: the analyst view gives, per month and item, what Compute gives for
// that month — on a fresh read-only connection, with only the warehouse's own macros.
func TestKPIMonthlyView(t *testing.T) {
	f := newFixture(t, testdata("fixture", "items.csv"), fixtureFiles()...)
	db, err := warehouse.OpenReadOnly(warehouse.SnapshotPath(f.cfg.Warehouse), testTZ)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var months, rows int
	if err := db.QueryRow("SELECT count(DISTINCT month), count(*) FROM kpi_monthly").Scan(&months, &rows); err != nil {
		t.Fatal(err)
	}
	// 2012-02 (first received) .. 2024-02 (last received/closed) = 145 months × 5 items
	if months != 145 || rows != 145*5 {
		t.Errorf("kpi_monthly: %d months, %d rows", months, rows)
	}
	for _, label := range []string{"2022-10", "2022-02", "2023-10", "2024-02"} {
		r := f.compute(t, label)
		got, err := db.QueryContext(context.Background(), `SELECT item_code, received, completed, rejected, pending_end,
			same_day_ratio, on_time_ratio, median_processing_hours, received_same_period_last_year, received_yoy_growth
			FROM kpi_monthly WHERE month = ? ORDER BY item_code`, label)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for got.Next() {
			var it ItemRow
			if err := got.Scan(&it.ItemCode, &it.Received, &it.Completed, &it.Rejected, &it.PendingEnd, &it.SameDayRatio,
				&it.OnTimeRatio, &it.MedianProcessingHours, &it.ReceivedSamePeriodLastYear, &it.ReceivedYoYGrowth); err != nil {
				t.Fatal(err)
			}
			want := r.ByItem[n]
			want.ItemName, want.Active, want.Instant = "", false, false
			if fmt.Sprint(asJSON(t, it)) != fmt.Sprint(asJSON(t, want)) {
				t.Errorf("%s %s: view %v\n compute %v", label, it.ItemCode, asJSON(t, it), asJSON(t, want))
			}
			n++
		}
		got.Close()
		if n != len(r.ByItem) {
			t.Errorf("%s: %d view rows, %d items", label, n, len(r.ByItem))
		}
	}
}
