// Package analysttest gives tests and benchmarks a project whose warehouse holds n
// generated cases (gen.WriteFile, Seed 1, pulled through ingest.Pull: the real path).
package analysttest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/gen"
	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Project writes a project into dir (created if needed) whose warehouse and snapshot hold n
// generated cases, and returns its configuration. A project already completed there by an
// earlier call (a "pulled" marker) is reused.
func Project(tb testing.TB, dir string, n int) *config.Config {
	tb.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	var items bytes.Buffer
	if err := gen.WriteItemsCSV(&items, gen.Items()); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "items.csv"), items.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	yaml := "office: 测试侨办\ntimezone: Asia/Shanghai\nwarehouse: caseload.duckdb\nitems: items.csv\n"
	if err := os.WriteFile(filepath.Join(dir, config.FileName), []byte(yaml), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		tb.Fatal(err)
	}
	done := filepath.Join(dir, "pulled")
	if _, err := os.Stat(done); err == nil {
		return cfg
	}
	os.Remove(cfg.Warehouse)
	data := filepath.Join(dir, "cases.parquet")
	if _, err := gen.WriteFile(ctx, data, gen.Options{Cases: n, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	Pull(tb, cfg, data)
	os.Remove(data)
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// Pull pulls files into the project's warehouse (publishing a new snapshot).
func Pull(tb testing.TB, cfg *config.Config, files ...string) {
	tb.Helper()
	ctx := context.Background()
	w, err := warehouse.Open(ctx, warehouse.Options{Path: cfg.Warehouse, Timezone: cfg.Timezone, Purpose: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	defer w.Close()
	res, err := ingest.Pull(ctx, w, ingest.Options{Config: cfg, Files: files, Force: true,
		Now: func() time.Time { return time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		tb.Fatal(err)
	}
	if f := res.Failed(); len(f) > 0 {
		tb.Fatal(f[0].Error)
	}
}
