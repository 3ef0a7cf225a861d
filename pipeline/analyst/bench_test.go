package analyst

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/analyst/analysttest"
	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// BenchmarkExport exports `SELECT * FROM cases` from a warehouse of generated cases (the
// real path: gen + ingest.Pull) and compares with DuckDB's own
// `COPY (SELECT * FROM cases) TO 'x.parquet' (FORMAT parquet)` on the same snapshot,
// measured alternately in the same run.
//
//	CASELOAD_BENCH_CASES   number of cases (default 1000000; the issue also asks 10000000)
//	CASELOAD_BENCH_MEMORY  DuckDB memory_limit (default 1GB), both sides
//	CASELOAD_BENCH_THREADS DuckDB threads (default 2, the target machine's cores), both sides
//	CASELOAD_BENCH_DIR     keep the generated project there and reuse it across runs
//
// Reported: parquet: caseload-s and copy-s per export, ratio (caseload / COPY), the peak
// resident memory of the process during caseload's exports (VmHWM, Linux), file sizes;
// arrow (the caseload sql path), arrow-rows and xlsx-rows (writers fed by database/sql rows;
// xlsx only up to 1,000,000 rows): seconds per export and peak memory.
//
//	go test ./pipeline/analyst -run '^$' -bench Export -benchtime 5x
func BenchmarkExport(b *testing.B) {
	n := testtool.EnvInt(b, "CASELOAD_BENCH_CASES", 1_000_000)
	mem := testtool.Env("CASELOAD_BENCH_MEMORY", "1GB")
	threads := testtool.EnvInt(b, "CASELOAD_BENCH_THREADS", 2)
	dir := os.Getenv("CASELOAD_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	} else {
		dir = filepath.Join(dir, fmt.Sprintf("cases-%d", n))
	}
	cfg := analysttest.Project(b, dir, n)
	ctx := context.Background()
	opt := Options{Warehouse: cfg.Warehouse, DB: warehouse.Options{Timezone: cfg.Timezone, MemoryLimit: mem, Threads: threads}}
	s, err := Open(opt)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	out := b.TempDir()
	const q = "SELECT * FROM cases"

	b.Run(fmt.Sprintf("parquet/cases=%d", n), func(b *testing.B) {
		// DuckDB's own COPY: a plain in-memory instance with the same snapshot attached
		// (one process cannot open the file twice with different settings), same limits.
		v := url.Values{}
		v.Set("memory_limit", mem)
		v.Set("threads", strconv.Itoa(threads))
		plain, err := sql.Open("duckdb", "?"+v.Encode())
		if err != nil {
			b.Fatal(err)
		}
		defer plain.Close()
		plain.SetMaxOpenConns(1)
		if _, err := plain.Exec("ATTACH '" + s.Source + "' AS wh (READ_ONLY); USE wh"); err != nil {
			b.Fatal(err)
		}
		mine, yard := filepath.Join(out, "caseload.parquet"), filepath.Join(out, "copy.parquet")
		copySQL := "COPY (" + q + ") TO '" + yard + "' (FORMAT parquet)"
		if _, err := plain.Exec(copySQL); err != nil { // warm the file pages
			b.Fatal(err)
		}
		var tMine, tCopy time.Duration
		var peak float64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			testtool.ResetPeakRSS()
			t0 := time.Now()
			rows, err := s.ExportParquet(ctx, q, mine)
			if err != nil {
				b.Fatal(err)
			}
			tMine += time.Since(t0)
			peak = max(peak, testtool.PeakRSSMB())
			if rows != int64(n) {
				b.Fatalf("exported %d rows, want %d", rows, n)
			}
			t0 = time.Now()
			if _, err := plain.Exec(copySQL); err != nil {
				b.Fatal(err)
			}
			tCopy += time.Since(t0)
		}
		b.StopTimer()
		b.ReportMetric(tMine.Seconds()/float64(b.N), "caseload-s")
		b.ReportMetric(tCopy.Seconds()/float64(b.N), "copy-s")
		b.ReportMetric(tMine.Seconds()/tCopy.Seconds(), "ratio")
		if peak > 0 {
			b.ReportMetric(peak, "peak-RSS-MB")
		}
		b.ReportMetric(fileMB(mine), "caseload-MB")
		b.ReportMetric(fileMB(yard), "copy-MB")
	})

	// Arrow as caseload sql writes it (DuckDB's Parquet read back in batches).
	b.Run(fmt.Sprintf("arrow/cases=%d", n), func(b *testing.B) {
		var peak float64
		start := time.Now()
		for i := 0; i < b.N; i++ {
			testtool.ResetPeakRSS()
			rows, err := s.ExportArrowTo(ctx, q, io.Discard, nil)
			if err != nil || rows != int64(n) {
				b.Fatalf("%d rows, %v", rows, err)
			}
			peak = max(peak, testtool.PeakRSSMB())
		}
		b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/op")
		if peak > 0 {
			b.ReportMetric(peak, "peak-RSS-MB")
		}
	})

	// Writers fed by database/sql rows (Flight SQL's record batches, XLSX, the fallback for
	// statements DuckDB cannot COPY): DuckDB materialises the result first.
	for _, f := range []export.Format{export.Arrow, export.XLSX} {
		if f == export.XLSX && n > 1_000_000 {
			continue
		}
		b.Run(fmt.Sprintf("%s-rows/cases=%d", f, n), func(b *testing.B) {
			var peak float64
			start := time.Now()
			for i := 0; i < b.N; i++ {
				testtool.ResetPeakRSS()
				res, err := s.Query(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				rows, err := export.Write(io.Discard, res.Rows, f, export.Options{TempDir: out})
				res.Close()
				if err != nil || rows != int64(n) {
					b.Fatalf("%d rows, %v", rows, err)
				}
				peak = max(peak, testtool.PeakRSSMB())
			}
			b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/op")
			if peak > 0 {
				b.ReportMetric(peak, "peak-RSS-MB")
			}
		})
	}
}

func fileMB(path string) float64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return float64(st.Size()) / (1 << 20)
}
