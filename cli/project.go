package cli

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/gen"
	"github.com/caseload/caseload/pipeline/warehouse"
)

func duckdbVersion() string {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return "?"
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT version()").Scan(&v); err != nil {
		return "?"
	}
	return v
}

// initTemplate is the caseload.yaml `caseload init` writes.
const initTemplate = `# caseload project file — see the README ("Configuration") for every key.
# 本文件中的相对路径都相对于本文件所在目录。Relative paths are relative to this file.

office: 示范县侨办            # 报告标题中的单位名称 / shown in report titles
timezone: Asia/Shanghai       # 所有日界、月界和定时任务都按此时区 / day, month and schedule boundaries
warehouse: caseload.duckdb    # DuckDB 数据仓库文件 / the warehouse file
items: items.csv              # 审批事项目录 / the approval-item catalogue
# calendar: holidays.csv      # 补充或覆盖法定节假日（date,name,is_off_day）/ add or override holidays
# memory_limit: 4GB           # DuckDB 内存上限 / DuckDB memory limit
# quality:
#   max_reject_ratio: 0.02    # 拒收行超过 2% 时 pull 以退出码 3 结束 / exit 3 above 2% rejects

sources:
  - name: approvals
    path: incoming/*          # 通配符；同一文件（sha256 相同）只拉取一次 / a glob; a file is pulled once
    encoding: auto            # auto | utf-8 | gb18030 | gbk | utf-16
    # sheet: 办件明细         # XLSX 工作表名，默认第一张 / XLSX sheet, default the first
    # columns: {办件号: case_id}   # 额外的表头别名 / extra header aliases

jobs:                         # caseload schedule 按计划运行；caseload run monthly-report 立即运行
  - name: monthly-report      # runs on schedule under caseload schedule; now with caseload run monthly-report
    schedule: "0 6 1 * *"     # 每月1日 06:00（上面的时区）/ 06:00 on the 1st, in the time zone above
    period: previous-month    # 上一个自然月 / the previous calendar month
    steps: [pull, report]     # 先导入新文件，再生成报告；加 deliver 即分发 / add deliver to send them
    formats: [xlsx, html, json]   # 也可加 pdf（需 Chromium）/ pdf too, with Chromium
    out: reports/{period}     # 如 reports/2022-10 / e.g. reports/2022-10
` + config.ExampleJobKeys + "\n" + config.ExampleDeliveries

func newInitCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Create a project directory: caseload.yaml, items.csv, incoming/",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if _, err := os.Stat(filepath.Join(dir, config.FileName)); err == nil {
				return usagef("%s already has a %s; not overwriting it", dir, config.FileName)
			}
			if err := os.MkdirAll(filepath.Join(dir, "incoming"), 0o755); err != nil {
				return err
			}
			if err := warehouse.WriteAtomic(filepath.Join(dir, config.FileName), 0o644, func(w io.Writer) error {
				_, err := io.WriteString(w, initTemplate)
				return err
			}); err != nil {
				return err
			}
			itemsPath := filepath.Join(dir, "items.csv")
			if _, err := os.Stat(itemsPath); errors.Is(err, os.ErrNotExist) {
				if err := warehouse.WriteAtomic(itemsPath, 0o644, func(w io.Writer) error {
					return gen.WriteItemsCSV(w, gen.Items())
				}); err != nil {
					return err
				}
			}
			fmt.Fprintf(e.stdout, "created %s\n  %s  — edit office, sources and jobs\n  items.csv      — the approval-item catalogue (the reference office's 8 items; edit to yours)\n  incoming/      — put case exports here, then run: cd %s && caseload pull\n",
				dir, config.FileName, dir)
			return nil
		},
	}
}

func newGenCmd(e *env) *cobra.Command {
	var n int
	var seed uint64
	var from, to, out string
	var withPII bool
	cmd := &cobra.Command{
		Use:   "gen --cases N -o FILE",
		Short: "Write deterministic synthetic case records (CSV, NDJSON, Parquet, XLSX) for tests and benchmarks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if n <= 0 {
				return usagef("--cases must be a positive number")
			}
			if out == "" {
				return usagef("-o FILE is required (.csv, .ndjson, .parquet or .xlsx)")
			}
			opt := gen.Options{Cases: n, Seed: seed, PII: withPII}
			var err error
			if opt.From, err = parseDay(from); err != nil {
				return usagef("--from: %v", err)
			}
			if opt.To, err = parseDay(to); err != nil {
				return usagef("--to: %v", err)
			}
			if !opt.From.IsZero() && !opt.To.IsZero() && opt.To.Before(opt.From) {
				return usagef("--to is before --from")
			}
			start := time.Now()
			rows, err := gen.WriteFile(cmd.Context(), out, opt)
			if err != nil {
				return err
			}
			if !e.quiet {
				fmt.Fprintf(e.stderr, "wrote %s: %s cases in %.1fs\n", out, num(int64(rows)), time.Since(start).Seconds())
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&n, "cases", 0, "number of cases")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed (same seed, same file)")
	cmd.Flags().StringVar(&from, "from", "", "first received date YYYY-MM-DD (default 2017-03-01)")
	cmd.Flags().StringVar(&to, "to", "", "last received date YYYY-MM-DD (default 2022-11-30)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file: .csv | .ndjson | .parquet | .xlsx")
	cmd.Flags().BoolVar(&withPII, "pii", false, "add synthetic personal data (申请人姓名, 身份证号, 联系电话, 备注) after the §4.1 columns, to try the personal-data rules (.csv, .parquet)")
	return cmd
}

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2022-10-31", s)
	}
	return t, nil
}
