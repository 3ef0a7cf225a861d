package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/demo"
	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports"
)

func newDemoCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo [DIR]",
		Short: "Create the reference office's demo project, pull it and print the headline figures",
		Long: `Create a demo project (default ./caseload-demo): caseload.yaml, the reference office's
8-item catalogue and generated exports 2017-03..2022-11 in incoming/ (a GB18030 CSV with
Chinese headers, an XLSX with date cells, a UTF-8 CSV and a later NDJSON extract), pull
them, print the headline figures as of 2022-11-17 and write the reports of the latest
complete month (` + demo.Month + `) and of the year to date (` + demo.YearToDate + `).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "caseload-demo"
			if len(args) == 1 {
				dir = args[0]
			}
			return e.demo(cmd.Context(), dir)
		},
	}
}

func (e *env) demo(ctx context.Context, dir string) error {
	cfgPath := filepath.Join(dir, config.FileName)
	if _, err := os.Stat(cfgPath); errors.Is(err, os.ErrNotExist) {
		files, err := demo.WriteProject(ctx, dir)
		if err != nil {
			return err
		}
		if !e.quiet {
			fmt.Fprintf(e.stdout, "demo project %s:\n", dir)
			for _, f := range files {
				fmt.Fprintf(e.stdout, "  %-28s %6s rows  %s\n", f.Path, num(int64(f.Rows)), f.Note)
			}
			fmt.Fprintln(e.stdout)
		}
	} else if !e.quiet {
		fmt.Fprintf(e.stdout, "demo project %s exists; pulling what is new\n\n", dir)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	if e.dbPath != "" {
		cfg.Warehouse = e.dbPath
	}
	if err := e.pull(ctx, cfg, nil, false, false, "table"); err != nil {
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != ExitQuality {
			return err
		}
	}
	return e.demoAfterPull(ctx, cfg, dir)
}

// demoAfterPull prints the headline figures computed by the KPI SQL (as of the article's
// date, the item's growth over the year to date), writes the reports of the latest complete
// month and of the year to date (pipeline/demo says why these periods), and says what to try
// next.
func (e *env) demoAfterPull(ctx context.Context, cfg *config.Config, dir string) error {
	var ps []period.Period
	for _, label := range []string{demo.AsOf, demo.YearToDate, demo.Month} {
		p, err := period.Parse(label)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	asOf, ytd, month := ps[0], ps[1], ps[2]
	db, _, err := openAnalystDB(cfg)
	if err != nil {
		return err
	}
	rAsOf, err := kpi.Compute(ctx, db, cfg.Office, cfg.Timezone, asOf)
	if err != nil {
		db.Close()
		return err
	}
	rYTD, err := kpi.Compute(ctx, db, cfg.Office, cfg.Timezone, ytd)
	db.Close()
	if err != nil {
		return err
	}
	if !e.quiet {
		fmt.Fprintf(e.stdout, "\n%s 主要数据（由 KPI SQL 计算 / computed by the KPI SQL）：\n", cfg.Office)
		for _, line := range reports.Headline(rAsOf, rYTD, reports.HeadlineOptions{Unit: cfg.Reports.Unit, Since: cfg.Reports.Since, Item: demo.FocusItem}) {
			fmt.Fprintln(e.stdout, "  "+line)
		}
		fmt.Fprintln(e.stdout)
	}
	for _, p := range []period.Period{month, ytd} {
		paths, err := e.writeReports(ctx, cfg, reportRequest{Period: p})
		if err != nil {
			return err
		}
		if !e.quiet {
			e.printReportPaths(p, paths)
		}
	}
	if !e.quiet {
		var b bytes.Buffer
		fmt.Fprintf(&b, "\nwarehouse: %s\n", cfg.Warehouse)
		fmt.Fprintf(&b, "try:\n  cd %s\n  caseload kpi --period %s --format table\n  caseload report --period %s\n  caseload sql \"SELECT * FROM reject_reasons\"\n", dir, demo.Month, demo.YearToDate)
		io.WriteString(e.stdout, b.String())
	}
	return nil
}
