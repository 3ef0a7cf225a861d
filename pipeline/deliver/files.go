package deliver

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports"
)

// ExistingReports lists the period's report files in dir (already expanded for the period)
// named by the reports.name pattern nameTmpl, in the order xlsx, html, pdf, json. None is an
// error saying how to write them.
func ExistingReports(dir, nameTmpl string, p period.Period) ([]string, error) {
	base := reports.FileBase(nameTmpl, p)
	var paths []string
	for _, f := range []string{"xlsx", "html", "pdf", "json"} {
		path := filepath.Join(dir, base+"."+f)
		if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
			paths = append(paths, path)
		}
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no report files of %s in %s (%s.*): write them first with `caseload report --period %s`", p.Label, dir, base, p.Label)
	}
	return paths, nil
}
