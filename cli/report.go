package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports"
)

func newReportCmd(e *env) *cobra.Command {
	var periodArg, formats, out string
	var details bool
	cmd := &cobra.Command{
		Use:   "report --period P [--format xlsx,html,pdf,json] [--out DIR] [--details]",
		Short: "Write the period's Excel workbook, HTML report (with news-brief draft) and JSON",
		Long: `Write the reports of one period from the analyst snapshot of the warehouse:

  xlsx  the workbook for officials: 汇总, 分事项, 月度趋势, 办理渠道, 积案化解, 数据质量, 指标说明
        (English sheet names with --lang en); --details adds the row-level sheet 办件明细
        (streamed; case ids hashed, no personal identifiers)
  html  one self-contained page for publicity staff, with the 新闻稿素材 news-brief draft
  pdf   the HTML report printed on A4 with page numbers by headless Chromium (Debian package
        chromium; CASELOAD_CHROMIUM names another browser binary); not written by default
  json  the KPI document (the same as 'caseload kpi --format json')

Files go to --out (default reports.out in caseload.yaml, else ./reports) named by
reports.name (default report-{period}: report-2022-10.xlsx; ytd:2022-10 → report-ytd-2022-10).
Every file is rendered first and then renamed into place: a failed run leaves the previous
files untouched and no partial file behind.

Periods (relative rules are resolved today in the office timezone): ` + period.AcceptedForms,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(periodArg) == "" {
				return usagef("--period is required (e.g. --period 2022-10); %s", period.AcceptedForms)
			}
			if !period.IsRelative(periodArg) { // a bad period is a usage error before anything else
				if _, err := period.Parse(periodArg); err != nil {
					return err
				}
			}
			fs, err := reports.ParseFormats(formats)
			if err != nil {
				return usagef("--format: %v", err)
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			p, err := period.Resolve(periodArg, e.clock.Now(), cfg.Location)
			if err != nil {
				return err
			}
			paths, err := e.writeReports(cmd.Context(), cfg, reportRequest{Period: p, Formats: fs, Out: out, Details: details})
			if err != nil {
				return err
			}
			e.printReportPaths(p, paths)
			return nil
		},
	}
	cmd.Flags().StringVar(&periodArg, "period", "", "the period: 2022-10, 2022-Q3, 2022-H1, 2022, 2022-01..2022-10, 2022-01-01..2022-10-31, 2022-10-31, ytd:2022-10, previous-month, year-to-date, …")
	cmd.Flags().StringVar(&formats, "format", "xlsx,html,json", "comma-separated: "+strings.Join(formatNames(), ", ")+" (pdf needs Chromium)")
	cmd.Flags().StringVar(&out, "out", "", "output directory (default: reports.out in caseload.yaml)")
	cmd.Flags().BoolVar(&details, "details", false, "add the row-level sheet 办件明细 to the workbook (no personal identifiers)")
	return cmd
}

func formatNames() []string {
	var out []string
	for _, f := range reports.KnownFormats() {
		out = append(out, string(f))
	}
	return out
}

// reportRequest is one run of the report writers; `report`, `demo` and jobs use it.
type reportRequest struct {
	Period  period.Period
	Formats []reports.Format // default: all
	Out     string           // default: cfg.Reports.Out, else <project>/reports; "{period}" is expanded
	Details bool
}

// writeReports builds the report model for the period from the analyst snapshot and writes
// the requested files atomically. It returns the paths written.
func (e *env) writeReports(ctx context.Context, cfg *config.Config, req reportRequest) ([]string, error) {
	paths, _, err := e.writeReportsFP(ctx, cfg, req)
	return paths, err
}

// writeReportsFP is writeReports that also returns the fingerprint of the case data the
// reports were computed from.
func (e *env) writeReportsFP(ctx context.Context, cfg *config.Config, req reportRequest) ([]string, string, error) {
	lang, ok := reports.ParseLang(e.lang)
	if !ok {
		return nil, "", usagef("--lang %q: expected zh or en", e.lang)
	}
	t0 := time.Now()
	db, src, err := openAnalystDB(cfg)
	if err != nil {
		return nil, "", err
	}
	t1 := time.Now()
	defer func() {
		t := time.Now()
		db.Close()
		if e.log != nil {
			e.log.Debug("report: closed the warehouse", "seconds", time.Since(t).Seconds())
		}
	}()
	if e.log != nil {
		e.log.Debug("report", "database", src, "period", req.Period.Label, "open_seconds", t1.Sub(t0).Seconds())
	}
	m, err := reports.Build(ctx, db, buildOptions(cfg, req.Period, lang))
	if err != nil {
		return nil, "", reportConfigError(cfg, err)
	}
	if e.log != nil {
		e.log.Debug("report: figures of the period, the same period last year and the previous period, data quality, news brief", "seconds", time.Since(t1).Seconds())
	}
	// excelize spills large streamed sheets into temporary files: they go to this process's
	// scratch directory beside the warehouse, never /tmp, so that a killed run leaves nothing
	// outside the project (the next start clears dead processes' scratch directories).
	scratch, err := warehouse.ProcessScratchDir(cfg.Warehouse)
	if err != nil {
		return nil, "", err
	}
	defer os.Remove(scratch) // only when empty: excelize removes its files when it is done
	dir := req.Out
	if dir == "" {
		dir = cfg.Reports.Out
	}
	if dir == "" {
		dir = filepath.Join(cfg.Dir, "reports")
	}
	dir = reports.ExpandDir(dir, req.Period)
	opt := reports.WriteOptions{Dir: dir, NameTmpl: cfg.Reports.NameTmpl, Formats: req.Formats, PDF: e.pdfPrinter(cfg), TmpDir: scratch}
	if req.Details {
		opt.Details = reports.QueryDetails(ctx, db, req.Period, m.Current.Data.Fingerprint)
	}
	t2 := time.Now()
	paths, err := reports.WriteFiles(ctx, m, opt)
	if e.log != nil && err == nil {
		e.log.Debug("report: files rendered and written", "formats", len(paths), "seconds", time.Since(t2).Seconds())
	}
	return paths, m.Current.Data.Fingerprint, err
}

// buildOptions are the report model's options from caseload.yaml.
func buildOptions(cfg *config.Config, p period.Period, lang reports.Lang) reports.BuildOptions {
	return reports.BuildOptions{Office: cfg.Office, Timezone: cfg.Timezone, Period: p, Lang: lang,
		Unit: cfg.Reports.Unit, Since: cfg.Reports.Since, FocusItems: cfg.Reports.FocusCodes()}
}

// printReportPaths says where the files are (always: the paths are the command's output).
func (e *env) printReportPaths(p period.Period, paths []string) {
	label := p.ZhLabel()
	if e.lang == "en" {
		label = p.EnLabel()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "report %s (%s):\n", p.Label, label)
	for _, path := range paths {
		fmt.Fprintf(&b, "  %s\n", path)
	}
	fmt.Fprint(e.stdout, b.String())
}

// reportConfigError turns the report model's complaints about caseload.yaml's reports.*
// settings into configuration errors naming the file, the line and the key.
func reportConfigError(cfg *config.Config, err error) error {
	var ue *reports.UnknownItemError
	if errors.As(err, &ue) {
		return cfg.UnknownFocusItem(ue.Code, ue.Known)
	}
	var se *reports.SinceError
	if errors.As(err, &se) {
		return &config.Error{File: cfg.Path, Line: cfg.Reports.SinceLine, Key: "reports.since", Msg: se.Error()}
	}
	return err
}
