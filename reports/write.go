package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/newsbrief"
)

// Format is an output format of `caseload report`.
type Format string

// Output formats.
const (
	XLSX Format = "xlsx"
	HTML Format = "html"
	PDF  Format = "pdf" // the HTML report printed by Chromium (WriteOptions.PDF)
	JSON Format = "json"
)

// AllFormats are the formats written when none are asked for, in the order they are written.
// PDF is not among them: it needs Chromium.
func AllFormats() []Format { return []Format{XLSX, HTML, JSON} }

// formatOrder is the order of every format.
var formatOrder = []Format{XLSX, HTML, PDF, JSON}

// KnownFormats lists every format, in the order they are written.
func KnownFormats() []Format { return append([]Format(nil), formatOrder...) }

// ParseFormats parses a comma-separated list ("xlsx,html"); duplicates are dropped and the
// result in the order formats are written (xlsx, html, pdf, json).
func ParseFormats(s string) ([]Format, error) {
	all := formatOrder
	var names []string
	for _, f := range all {
		names = append(names, string(f))
	}
	want := map[Format]bool{}
	for _, part := range strings.Split(s, ",") {
		f := Format(strings.ToLower(strings.TrimSpace(part)))
		switch {
		case f == "":
		case slices.Contains(all, f):
			want[f] = true
		default:
			return nil, fmt.Errorf("format %q: expected %s", part, strings.Join(names, ", "))
		}
	}
	var out []Format
	for _, f := range all {
		if want[f] {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no format given: expected one or more of %s", strings.Join(names, ", "))
	}
	return out, nil
}

// DefaultNameTmpl is the default file name pattern (without extension).
const DefaultNameTmpl = "report-{period}"

// FileBase expands a name pattern for a period: "{period}" becomes the period label with
// the characters that file systems refuse or treat specially replaced by '-'
// ("ytd:2022-10" → "ytd-2022-10"; "2022-01..2022-10" stays as it is).
func FileBase(tmpl string, p period.Period) string {
	if tmpl == "" {
		tmpl = DefaultNameTmpl
	}
	name := strings.ReplaceAll(tmpl, "{period}", p.FileLabel())
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '-'
		}
		return r
	}, name)
}

// ExpandDir replaces "{period}" in an output directory pattern (a job's `out:`) with
// p.FileLabel().
func ExpandDir(dir string, p period.Period) string {
	return strings.ReplaceAll(dir, "{period}", p.FileLabel())
}

// WriteOptions say where and what to write.
type WriteOptions struct {
	Dir      string   // output directory (created if missing)
	NameTmpl string   // file name pattern without extension; default DefaultNameTmpl
	Formats  []Format // default all
	// Details adds the row-level sheet to the workbook.
	Details Details
	// PDF prints the HTML report (format pdf), e.g. with reports/pdf.FromHTML.
	PDF func(ctx context.Context, html []byte) ([]byte, error)
	// TmpDir is where the workbook writer may spill large streamed sheets ("" = the system
	// default, which the CLI never uses: it passes the process's scratch directory).
	TmpDir string
}

// WriteFiles renders the requested formats and publishes them into opt.Dir (§7.4).
//
// Every file is rendered completely before any is published, and each is published through
// a temporary file in the same directory renamed into place: a failed or cancelled run
// (unwritable directory, full disk, error while rendering) leaves the previous files as they
// were and no temporary file behind. Temporary files left by a run that was killed
// (.NAME.tmp-*) are removed at the start of the next run for the same names.
// It returns the paths written, in opt.Formats order.
func WriteFiles(ctx context.Context, m *Model, opt WriteOptions) ([]string, error) {
	formats := opt.Formats
	if len(formats) == 0 {
		formats = AllFormats()
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("report output: %w", err)
	}
	base := FileBase(opt.NameTmpl, m.Period)
	type rendered struct {
		path string
		data []byte
	}
	var out []rendered
	for _, f := range formats {
		path := filepath.Join(opt.Dir, base+"."+string(f))
		removeStaleTemps(path)
		var buf bytes.Buffer
		var err error
		switch f {
		case XLSX:
			err = WriteXLSX(ctx, &buf, m, XLSXOptions{Details: opt.Details, TmpDir: opt.TmpDir})
		case HTML:
			err = WriteHTML(ctx, &buf, m)
		case JSON:
			err = WriteJSON(&buf, m)
		case PDF:
			err = writePDF(ctx, &buf, m, opt.PDF)
		default:
			err = fmt.Errorf("unknown format %q", f)
		}
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", path, err)
		}
		out = append(out, rendered{path, buf.Bytes()})
	}
	var paths []string
	for _, r := range out {
		if err := ctx.Err(); err != nil {
			return paths, err
		}
		err := warehouse.WriteAtomic(r.path, 0o644, func(w io.Writer) error {
			_, err := w.Write(r.data)
			return err
		})
		if err != nil {
			return paths, fmt.Errorf("report %s: %w", r.path, err)
		}
		paths = append(paths, r.path)
	}
	return paths, nil
}

func writePDF(ctx context.Context, w io.Writer, m *Model, print func(context.Context, []byte) ([]byte, error)) error {
	if print == nil {
		return fmt.Errorf("pdf: no printer configured")
	}
	var h bytes.Buffer
	if err := WriteHTML(ctx, &h, m); err != nil {
		return err
	}
	b, err := print(ctx, h.Bytes())
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// removeStaleTemps removes the temporary files WriteAtomic makes for path (.NAME.tmp-*)
// that a killed run left behind.
func removeStaleTemps(path string) {
	pattern := filepath.Join(filepath.Dir(path), "."+globEscape(filepath.Base(path))+".tmp-*")
	matches, _ := filepath.Glob(pattern)
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

// WriteJSON writes the §7.1 document of the period (the KPI result) as indented JSON, with
// one more key after the §7.1 ones: "news_brief", the draft as the HTML report shows it
// ({"lang": "zh", "paragraphs": [...]}), so that a delivery quotes the very sentences of the
// files it carries.
func WriteJSON(w io.Writer, m *Model) error {
	doc, err := json.Marshal(m.Current)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	brief, err := json.Marshal(struct {
		Lang       string                `json:"lang"`
		Paragraphs []newsbrief.Paragraph `json:"paragraphs"`
	}{string(m.Lang), m.Brief})
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	doc = bytes.TrimRight(doc, " \n")
	if len(doc) < 2 || doc[len(doc)-1] != '}' {
		return fmt.Errorf("json: the KPI document is not an object")
	}
	joined := append(append(append(doc[:len(doc)-1:len(doc)-1], `,"news_brief":`...), brief...), '}')
	var out bytes.Buffer
	if err := json.Indent(&out, joined, "", "  "); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}
