package cli

import (
	"context"
	"os"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/pdf"
)

// pdfPrinter prints the HTML report with headless Chromium, in this process's scratch
// directory beside the warehouse.
func (e *env) pdfPrinter(cfg *config.Config) func(context.Context, []byte) ([]byte, error) {
	return func(ctx context.Context, html []byte) ([]byte, error) {
		scratch, err := warehouse.ProcessScratchDir(cfg.Warehouse)
		if err != nil {
			return nil, err
		}
		defer os.Remove(scratch) // this process's directory, if nothing else of it is left there
		return pdf.FromHTML(ctx, html, pdf.Options{Chromium: os.Getenv("CASELOAD_CHROMIUM"), ScratchDir: scratch, Lang: e.lang})
	}
}
