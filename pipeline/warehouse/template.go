package warehouse

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
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

// installTemplate writes the template as the warehouse file, atomically (WriteAtomic: a
// temporary file beside it, fsynced, renamed into place; what a killed process leaves of the
// temporary file is removed by the next writer, removeLeftovers). The caller holds the
// writer lock and has checked that no warehouse file exists.
func (w *Warehouse) installTemplate(ctx context.Context) error {
	err := WriteAtomic(w.Path, 0o600, func(out io.Writer) error {
		zr, err := gzip.NewReader(bytes.NewReader(templateGz))
		if err != nil {
			return fmt.Errorf("%s: %w", templatePath, err)
		}
		if _, err := io.Copy(out, zr); err != nil {
			return fmt.Errorf("%s: %w", templatePath, err)
		}
		return ctx.Err()
	})
	if err != nil {
		return fmt.Errorf("warehouse %s: creating it from the template: %w", w.Path, err)
	}
	w.log.Debug("warehouse created from the template", "file", w.Path)
	return nil
}
