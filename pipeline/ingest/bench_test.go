package ingest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/gen"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// benchRows is the size of the generated file (CASELOAD_BENCH_ROWS, default 1,000,000).
func benchRows() int {
	if s := os.Getenv("CASELOAD_BENCH_ROWS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 1_000_000
}

// benchCSV writes the benchmark file with caseload's own generator (what `caseload gen
// --cases N -o FILE.csv` writes): the 13 §4.1 columns, timestamps in five forms, countries
// as codes and Chinese names.
func benchCSV(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("bench-%d.csv", n))
	if _, err := gen.WriteFile(context.Background(), path, gen.Options{Cases: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return path
}

func toGB18030(b *testing.B, src string) string {
	b.Helper()
	dst := src[:len(src)-4] + "-gb18030.csv"
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(out)
	if _, err := io.Copy(w, transform.NewReader(in, simplifiedchinese.GB18030.NewEncoder())); err != nil {
		b.Fatal(err)
	}
	w.Flush()
	out.Close()
	return dst
}

// native is DuckDB's own path for the same file: read_csv + INSERT into a typed table.
func native(b *testing.B, dir, path string) time.Duration {
	b.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dir, "native.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (case_id VARCHAR, item_code VARCHAR, received_at VARCHAR, completed_at VARCHAR,
		status VARCHAR, channel VARCHAR, applicant_type VARCHAR, country VARCHAR, district VARCHAR, trips INTEGER,
		backlog VARCHAR, backlog_since VARCHAR, updated_at VARCHAR)`); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if _, err := db.Exec(`INSERT INTO t SELECT * FROM read_csv('` + path + `', header = true)`); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

func pullOnce(b *testing.B, dir, path string) time.Duration {
	b.Helper()
	return pullWith(b, dir, path, Options{})
}

// pullWith pulls path into a new warehouse in dir with opt (Config, Files and Now set here)
// and returns the time the pull took.
func pullWith(b *testing.B, dir, path string, opt Options) time.Duration {
	b.Helper()
	items := filepath.Join(dir, "items.csv")
	f, err := os.Create(items)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.WriteItemsCSV(f, gen.Items()); err != nil {
		b.Fatal(err)
	}
	f.Close()
	cfg := &config.Config{Dir: dir, Office: "bench", Timezone: "Asia/Shanghai", Items: items, Warehouse: filepath.Join(dir, "w.duckdb"), Quality: config.Quality{MaxRejectRatio: 1}}
	w, err := warehouse.Open(context.Background(), warehouse.Options{Path: cfg.Warehouse, Timezone: cfg.Timezone})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	start := time.Now()
	var log *slog.Logger
	if os.Getenv("CASELOAD_BENCH_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	opt.Config, opt.Files, opt.Logger, opt.Now = cfg, []string{path}, log, func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	res, err := Pull(context.Background(), w, opt)
	if err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	if f := res.Files[0]; f.Status != "pulled" || f.RowsRead != int64(benchRows()) {
		b.Fatalf("pull: %+v", f)
	}
	return d
}

// BenchmarkPull measures a whole pull (scan, stage, validate, merge, ledger, snapshot) of a
// generated UTF-8 and GB18030 CSV, and DuckDB's native read_csv + INSERT of the same file in
// the same run. Reported: rows/s of each and x_native = pull time / native time.
func BenchmarkPull(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	utf := benchCSV(b, dir, n)
	gb := toGB18030(b, utf)
	for _, c := range []struct{ name, path string }{{"utf8", utf}, {"gb18030", gb}} {
		b.Run(c.name, func(b *testing.B) {
			var ours, nat time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				d1 := b.TempDir()
				d2 := b.TempDir()
				nat += native(b, d1, utf) // native always reads the UTF-8 file: DuckDB cannot decode GB18030 offline
				b.StartTimer()
				ours += pullOnce(b, d2, c.path)
			}
			b.ReportMetric(float64(n)*float64(b.N)/ours.Seconds(), "rows/s")
			b.ReportMetric(float64(n)*float64(b.N)/nat.Seconds(), "native_rows/s")
			b.ReportMetric(ours.Seconds()/nat.Seconds(), "x_native")
		})
	}
}

// BenchmarkPullPII measures what the personal-data rules cost (issue 12: under 10% of a
// pull): the same generated file with personal-data columns (caseload gen --pii: 申请人姓名,
// 身份证号, 联系电话 and a 备注 that sometimes repeats them) pulled with the rules off (every
// column kept as it is: the yardstick), without a key (three columns dropped, 备注 searched
// and masked) and with a key (three columns hashed, 备注 searched and masked), in turn in the
// same run. Reported per variant: wall seconds per pull and the ratio to the yardstick
// (x_off), and the CPU seconds of the process (user + system, all threads) per pull and their
// ratio (cpu_x_off): on a machine shared with other work the wall time drifts by tens of per
// cent from one pull to the next, the CPU time much less.
func BenchmarkPullPII(b *testing.B) {
	n := benchRows()
	dir := b.TempDir()
	path := filepath.Join(dir, fmt.Sprintf("bench-pii-%d.csv", n))
	if _, err := gen.WriteFile(context.Background(), path, gen.Options{Cases: n, Seed: 1, PII: true}); err != nil {
		b.Fatal(err)
	}
	variants := []struct {
		name string
		opt  Options
	}{
		{"off", Options{piiOff: true, LookupEnv: withKey(testKey)}},
		{"drop", Options{LookupEnv: withKey("")}},
		{"hash", Options{LookupEnv: withKey(testKey)}},
	}
	wall := make([]time.Duration, len(variants))
	cpu := make([]time.Duration, len(variants))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range variants {
			k := (i + j) % len(variants) // each in turn first, so drift spreads over all
			c0 := cpuTime(b)
			wall[k] += pullWith(b, b.TempDir(), path, variants[k].opt)
			cpu[k] += cpuTime(b) - c0
		}
	}
	for j, v := range variants {
		b.ReportMetric(wall[j].Seconds()/float64(b.N), v.name+"_s")
		b.ReportMetric(cpu[j].Seconds()/float64(b.N), v.name+"_cpu_s")
		if j > 0 {
			b.ReportMetric(wall[j].Seconds()/wall[0].Seconds(), v.name+"_x_off")
			b.ReportMetric(cpu[j].Seconds()/cpu[0].Seconds(), v.name+"_cpu_x_off")
		}
	}
}

// cpuTime is the CPU time this process has used (user and system, all threads).
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
