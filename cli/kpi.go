package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports"
	"github.com/caseload/caseload/reports/figures"
)

func newKPICmd(e *env) *cobra.Command {
	var periodFlag, format string
	cmd := &cobra.Command{
		Use:   "kpi --period P [--format json|table|csv]",
		Short: "Compute the figures of a period from the warehouse snapshot",
		Long: `Compute every figure of a period from the analyst snapshot (so it never waits for a
running pull) and print it:

  --format table   for a terminal: figures, by item, by channel, 13-month trend (default)
  --format json    the report document: kpis, by_item, by_channel, monthly, backlog, data
  --format csv     one figure per row (key,name_zh,value), UTF-8 with BOM for Excel

Periods: 2022-10 (month), 2022-Q3 (quarter), 2022-H1 (half), 2022 (year),
2022-01..2022-10 (month range), 2022-01-01..2022-10-31 (day range), 2022-10-31 (one day),
ytd:2022-10 (year to date), and the relative rules previous-month, previous-quarter, previous-half,
previous-year, year-to-date, month-to-date (today in the office timezone).
Every figure's definition: see the definitions in sql/kpi/*.sql or the report.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(periodFlag) == "" {
				return usagef("--period is required; %s", period.AcceptedForms)
			}
			switch format {
			case "json", "table", "csv":
			default:
				return usagef("--format %q: expected json, table or csv", format)
			}
			if !period.IsRelative(periodFlag) { // a bad period is a usage error before anything else
				if _, err := period.Parse(periodFlag); err != nil {
					return err
				}
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			p, err := period.Resolve(periodFlag, e.clock.Now(), cfg.Location)
			if err != nil {
				return err
			}
			db, src, err := openAnalystDB(cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			e.log.Debug("kpi", "database", src, "period", p.Label)
			r, err := kpi.Compute(cmd.Context(), db, cfg.Office, cfg.Timezone, p)
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return writeKPIJSON(e.stdout, r)
			case "csv":
				return writeKPICSV(e.stdout, r)
			}
			return writeKPITable(e.stdout, r, e.lang, cfg.Reports.Unit)
		},
	}
	cmd.Flags().StringVar(&periodFlag, "period", "", "the period, e.g. 2022-10, 2022-Q3, ytd:2022-10, previous-month")
	cmd.Flags().StringVar(&format, "format", "table", "output: json | table | csv")
	return cmd
}

func writeKPIJSON(w io.Writer, r *kpi.Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// writeKPICSV writes one figure per row: key, Chinese name, unrounded value ("" for null),
// with a UTF-8 BOM so Excel reads the Chinese names.
func writeKPICSV(w io.Writer, r *kpi.Result) error {
	names := kpiNames("zh") // the column is name_zh
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write([]string{"key", "name_zh", "value"}); err != nil {
		return err
	}
	for _, k := range kpi.Keys() {
		if err := cw.Write([]string{k, names[k], figures.Raw(r.KPIs[k])}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// kpiNames maps each key to its short Chinese name from the SQL definition headers.
// kpiNames maps each key to its short name from the KPI SQL header comments, in the
// language asked for.
func kpiNames(lang string) map[string]string {
	out := map[string]string{}
	if defs, err := kpi.Definitions(); err == nil {
		for _, d := range defs {
			out[d.Key] = d.Name
			if lang == "en" {
				out[d.Key] = d.NameEN
			}
		}
	}
	return out
}

// writeKPITable prints the figures for a terminal: CJK-aware column widths, every figure as
// reports/figures shows it in a table (ratios as percentages with one decimal, counts with
// thousands separators, "—" for null), cases counted with the office's count word (unit).
func writeKPITable(w io.Writer, r *kpi.Result, lang, unit string) error {
	zh := lang != "en"
	pick := func(z, en string) string {
		if zh {
			return z
		}
		return en
	}
	p := r.Period
	title := fmt.Sprintf("%s · %s (%s .. %s)", r.Office, p.ZhLabel(), period.FormatDate(p.First), period.FormatDate(p.Last))
	if !zh {
		title = fmt.Sprintf("%s · %s (%s .. %s)", r.Office, p.EnLabel(), period.FormatDate(p.First), period.FormatDate(p.Last))
	}
	fmt.Fprintln(w, title)
	last := "—"
	if r.Data.LastPull != nil {
		last = r.Data.LastPull.Format("2006-01-02 15:04")
	}
	fp := r.Data.Fingerprint
	if len(fp) > 16 {
		fp = fp[:16]
	}
	cases := figures.Words{Lang: figures.LangOf(lang), Unit: unit}.Cases(r.Data.Cases)
	fmt.Fprintf(w, pick("数据：办件 %s，拒收 %s 行，最后拉取 %s，指纹 %s\n\n", "data: %s, %s rejected rows, last pull %s, fingerprint %s\n\n"),
		cases, figures.Thousands(r.Data.Rejects), last, fp)

	names := kpiNames(lang)
	t := &table{header: []string{pick("指标", "figure"), "key", pick("本期", "value")}, right: map[int]bool{2: true}}
	for _, k := range kpi.Keys() {
		t.add(names[k], k, figures.Value(reports.KindOf(k), r.KPIs[k]))
	}
	t.write(w)

	fmt.Fprintln(w)
	fmt.Fprintln(w, pick("分事项", "by item"))
	it := &table{
		header: []string{pick("事项", "item"), pick("名称", "name"), pick("受理", "received"), pick("办结", "completed"),
			pick("不予", "rejected"), pick("期末在办", "pending"), pick("当日办结率", "same day"), pick("按时办结率", "on time"),
			pick("上年同期", "last year"), pick("同比", "yoy")},
		right: map[int]bool{2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true},
	}
	for _, x := range r.ByItem {
		name := x.ItemName
		if !x.Active {
			name += pick("（已停办）", " (inactive)")
		}
		it.add(x.ItemCode, name, num(x.Received), num(x.Completed), num(x.Rejected), num(x.PendingEnd),
			figures.Value(figures.Ratio, x.SameDayRatio), figures.Value(figures.Ratio, x.OnTimeRatio),
			num(x.ReceivedSamePeriodLastYear), figures.Value(figures.Growth, x.ReceivedYoYGrowth))
	}
	it.write(w)

	fmt.Fprintln(w)
	fmt.Fprintln(w, pick("办理渠道", "by channel"))
	ct := &table{header: []string{pick("渠道", "channel"), "key", pick("受理", "received"), pick("占比", "share")}, right: map[int]bool{2: true, 3: true}}
	for _, c := range r.ByChannel {
		ct.add(c.NameZH, c.Channel, num(c.Received), figures.Value(figures.Ratio, c.Share))
	}
	ct.write(w)

	fmt.Fprintln(w)
	fmt.Fprintln(w, pick("月度趋势", "monthly"))
	mt := &table{header: []string{pick("月份", "month"), pick("受理", "received"), pick("办结", "completed"), ""}, right: map[int]bool{1: true, 2: true}}
	for _, m := range r.Monthly {
		note := ""
		if m.Partial {
			note = pick("截至", "to ") + period.FormatDate(p.Last)
		}
		mt.add(m.Month, num(m.Received), num(m.Completed), note)
	}
	mt.write(w)
	return nil
}
