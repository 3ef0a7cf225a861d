package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/deliver"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports"
	"github.com/caseload/caseload/reports/newsbrief"
	"github.com/caseload/caseload/reports/textwidth"
)

func newDeliverCmd(e *env) *cobra.Command {
	var periodArg, out string
	var to []string
	var test bool
	cmd := &cobra.Command{
		Use:   "deliver --period P [--to NAME…] [--out DIR] | --test --to NAME",
		Short: "Send a period's report files again, or a test message, to deliveries of caseload.yaml",
		Long: `Send what a job's deliver step sends, from a terminal.

  caseload deliver --period 2022-10 [--to officials --to archive]
      sends the period's existing report files (written by 'caseload report' or a job) to the
      named deliveries; without --to, to every delivery that is not an alert target. The files
      are looked for in --out (default reports.out of caseload.yaml, {period} expanded) under
      the reports.name pattern; a file a delivery needs that is missing is an error naming it.
      The headline figures come from the period's JSON report when it is there (the figures
      of the files), else from the warehouse.

  caseload deliver --test --to it-staff
      sends a test message, once, without retries (an email carries a small attachment with a
      Chinese file name, a WeCom robot a small file; a folder is written to and cleaned).

Every attempt is a row of the deliveries table (run_id NULL). Secrets come from the
environment variables the deliveries name (*_env). Exit 0 only if every send succeeded.

Periods: ` + period.AcceptedForms,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if test && periodArg != "" {
				return usagef("--test sends a test message; it takes no --period")
			}
			if !test && periodArg == "" {
				return usagef("--period is required (e.g. --period 2022-10), or --test --to NAME")
			}
			if test && len(to) == 0 {
				return usagef("--test needs --to NAME (the delivery to test)")
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			if len(cfg.Deliveries) == 0 {
				return usagef("%s defines no deliveries: (see the README, \"Delivery\")", cfg.Path)
			}
			if err := cfg.CheckDeliveryNames(to); err != nil {
				return &usageError{fmt.Errorf("--to: %w", err)}
			}
			if test {
				return e.deliverSend(cmd.Context(), cfg, deliver.TestMessage(cfg.Office, e.lang), to, "test")
			}
			p, err := period.Parse(periodArg)
			if err != nil {
				return err
			}
			names := to
			if len(names) == 0 {
				for _, d := range cfg.Deliveries {
					if !slices.Contains(cfg.Alerts, d.Name) {
						names = append(names, d.Name)
					}
				}
				if len(names) == 0 {
					return usagef("every delivery of %s is an alert target: name one with --to", filepath.Base(cfg.Path))
				}
			}
			msg, err := e.reportMessage(cmd.Context(), cfg, p, out, names)
			if err != nil {
				return err
			}
			return e.deliverSend(cmd.Context(), cfg, msg, names, p.Label)
		},
	}
	cmd.Flags().StringVar(&periodArg, "period", "", "the period whose reports to send: 2022-10, 2022-Q3, ytd:2022-10, …")
	cmd.Flags().StringSliceVar(&to, "to", nil, "delivery names (repeat or comma-separate); default: every delivery that is not an alert target")
	cmd.Flags().BoolVar(&test, "test", false, "send a test message to the --to deliveries")
	cmd.Flags().StringVar(&out, "out", "", "where the period's report files are (default: reports.out in caseload.yaml)")
	return cmd
}

// reportMessage finds the period's report files and builds the message: the files that
// exist, checked against what the deliveries need, and the headline sentences.
func (e *env) reportMessage(ctx context.Context, cfg *config.Config, p period.Period, out string, names []string) (deliver.Message, error) {
	dir := out
	if dir == "" {
		dir = cfg.Reports.Out
	}
	dir = reports.ExpandDir(dir, p)
	base := reports.FileBase(cfg.Reports.NameTmpl, p)
	paths, err := deliver.ExistingReports(dir, cfg.Reports.NameTmpl, p)
	if err != nil {
		return deliver.Message{}, err
	}
	have := map[string]string{}
	for _, path := range paths {
		have[deliver.FormatOf(path)] = path
	}
	var missing []string
	var formats []string
	for _, name := range names {
		d, _ := cfg.Delivery(name)
		for _, f := range d.Formats() {
			if _, ok := have[f]; !ok {
				missing = append(missing, fmt.Sprintf("%s (needed by %s)", filepath.Join(dir, base+"."+f), name))
				if !slices.Contains(formats, f) {
					formats = append(formats, f)
				}
			}
		}
	}
	if len(missing) > 0 {
		return deliver.Message{}, fmt.Errorf("report files missing: %s; write them first with `caseload report --period %s --format %s`",
			strings.Join(missing, ", "), p.Label, strings.Join(formats, ","))
	}
	brief, err := e.briefOf(ctx, cfg, p, have["json"])
	if err != nil {
		return deliver.Message{}, err
	}
	return deliver.ReportMessage(cfg.Office, e.lang, p, brief, paths)
}

// briefOf drafts the news brief of the period: from the period's JSON report when there is
// one (the figures of the files being sent), else from the analyst snapshot.
func (e *env) briefOf(ctx context.Context, cfg *config.Config, p period.Period, jsonPath string) ([]newsbrief.Paragraph, error) {
	if jsonPath != "" {
		brief, err := deliver.BriefFromJSON(jsonPath, cfg.Office, e.lang, p)
		if err == nil {
			return brief, nil
		}
		e.log.Warn("the period's JSON report cannot be read; the headline figures come from the warehouse", "file", jsonPath, "error", err)
	}
	lang, _ := reports.ParseLang(e.lang)
	db, _, err := openAnalystDB(cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	m, err := reports.Build(ctx, db, buildOptions(cfg, p, lang))
	if err != nil {
		return nil, reportConfigError(cfg, err)
	}
	return m.Brief, nil
}

// deliverSend sends msg to the named deliveries, prints one line per delivery, records
// every attempt in the deliveries table and fails if any send failed.
func (e *env) deliverSend(ctx context.Context, cfg *config.Config, msg deliver.Message, names []string, what string) error {
	var ds []config.Delivery
	for _, n := range names {
		d, _ := cfg.Delivery(n)
		dd := *d
		if msg.Type == deliver.TypeTest {
			dd.Retries = 0 // a test answers at once; retries would hide the problem for minutes
		}
		ds = append(ds, dd)
	}
	opt := deliver.Options{Logger: e.log, Location: cfg.Location, Version: Version}
	results, sendErr := deliver.SendAll(ctx, ds, msg, opt)

	var b strings.Builder
	fmt.Fprintf(&b, "deliver %s:\n", what)
	width := 0
	for _, r := range results {
		width = max(width, textwidth.String(r.Delivery))
	}
	failed := 0
	for _, r := range results {
		name := textwidth.PadRight(textwidth.Safe(r.Delivery), width)
		n := len(r.Attempts)
		tries := fmt.Sprintf("%d attempt", n)
		if n != 1 {
			tries += "s"
		}
		if r.Status == deliver.StatusSucceeded {
			fmt.Fprintf(&b, "  %s  %-8s sent (%s, %s) to %s\n", name, r.Kind, tries, deliver.FormatSize(r.Bytes), textwidth.Safe(r.Target))
		} else {
			failed++
			fmt.Fprintf(&b, "  %s  %-8s FAILED (%s): %s\n", name, r.Kind, tries, textwidth.Safe(r.Error))
		}
		for _, note := range r.Notes {
			fmt.Fprintf(&b, "  %s  note: %s\n", strings.Repeat(" ", width), textwidth.Safe(note))
		}
	}
	fmt.Fprint(e.stdout, b.String())
	if err := e.recordDeliveries(ctx, cfg, results); err != nil {
		fmt.Fprintf(e.stderr, "caseload: warning: the deliveries were sent but not recorded in the warehouse: %v\n", err)
	}
	if sendErr != nil {
		return &exitError{code: ExitFailure, err: fmt.Errorf("%d of %d deliveries failed: %w", failed, len(results), sendErr)}
	}
	return nil
}

// recordDeliveries writes the attempts into the deliveries table and commits them, so that
// `caseload sql` sees them.
func (e *env) recordDeliveries(ctx context.Context, cfg *config.Config, results []deliver.Result) error {
	w, err := e.openWarehouse(ctx, cfg, "deliver")
	if err != nil {
		return err
	}
	defer w.Close()
	var errs []error
	for _, r := range results {
		if _, err := deliver.Record(ctx, w.DB, nil, r); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		if err := w.Commit(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
