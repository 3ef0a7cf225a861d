package warehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// A new warehouse starts as a copy of the embedded template (template/warehouse.duckdb.gz):
// the warehouse Open makes from nothing for the default timezone (Asia/Shanghai) and no
// calendar override — every migration applied, the reference data loaded (15,000 calendar
// days, 250 countries and their 4,000 keys), the KPI macros installed — and nothing else.
// Making that from nothing takes DuckDB 0.25–0.3 s (and a commit of its own); writing the
// template out takes a few milliseconds, which is most of a new warehouse's setup cost in
// a first pull.
//
// The template is only a head start: Open's setup then runs on it as on any warehouse, so a
// template older than the embedded SQL or data (a build whose template was not regenerated)
// is brought up to date by the same migrations and refreshes, and another timezone or a
// calendar override is applied and committed as for an existing warehouse.
// TestTemplateIsCurrent fails while the template differs from a warehouse made from
// nothing (schema, macros, views, types, sequences and every row); regenerate it with
//
//	go test ./pipeline/warehouse -run TestTemplateIsCurrent -update
//
// Its schema_migrations rows carry applied_at = epoch (1970-01-01 UTC), which the first open
// of the new warehouse sets to that moment (migrate); that correction is written with the
// first commit of that warehouse.
//
//go:embed template/warehouse.duckdb.gz
var templateGz []byte

// templatePath is the embedded template's name in messages.
const templatePath = "pipeline/warehouse/template/warehouse.duckdb.gz"

// installTemplate writes the template as the warehouse file, atomically: through a file
// named as a generation (so that what a killed process leaves is removed by the next
// writer, removeLeftovers), fsynced, renamed into place, and the directory fsynced. The
// caller holds the writer lock and has checked that no warehouse file exists.
func (w *Warehouse) installTemplate(ctx context.Context) error {
	tmp := filepath.Join(StateDir(w.Path), fmt.Sprintf("gen-%d-0.duckdb", os.Getpid()))
	fail := func(err error) error {
		os.Remove(tmp)
		return fmt.Errorf("warehouse %s: creating it from the template: %w", w.Path, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(templateGz))
	if err != nil {
		return fail(fmt.Errorf("%s: %w", templatePath, err))
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fail(err)
	}
	if _, err := io.Copy(f, zr); err != nil {
		f.Close()
		return fail(fmt.Errorf("%s: %w", templatePath, err))
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, w.Path); err != nil {
		return fail(err)
	}
	syncDir(filepath.Dir(w.Path))
	w.log.Debug("warehouse created from the template", "file", w.Path)
	return nil
}
