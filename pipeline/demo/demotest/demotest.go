// Package demotest gives tests a warehouse holding the reference office's demo dataset,
// pulled through the real path (demo.WriteProject, then ingest.Pull).
package demotest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/demo"
	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// PullTime is the pull time the demo is pulled at (after the dataset's last case).
var pullTime = time.Date(2022, 12, 1, 9, 0, 0, 0, time.UTC)

// Warehouse writes the demo project into a temporary directory and pulls it; w.DB then
// reads the committed data. The warehouse is closed when the test ends. It skips the test in -short mode.
func Warehouse(t testing.TB) (*warehouse.Warehouse, *config.Config) {
	t.Helper()
	if testing.Short() {
		t.Skip("short mode: writes and pulls the whole demo project")
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := demo.WriteProject(ctx, dir); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	w, err := warehouse.Open(ctx, warehouse.Options{Path: cfg.Warehouse, Timezone: cfg.Timezone, Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := ingest.Pull(ctx, w, ingest.Options{Config: cfg, Now: func() time.Time { return pullTime }}); err != nil {
		t.Fatal(err)
	}
	// The pull committed its generation; w.DB reads a new one (a copy of what was committed).
	if err := w.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	return w, cfg
}
