// Package demo is the demo project of `caseload demo` (SPEC §10): the reference office — a
// county Overseas Chinese Affairs Office — as it stood on 17 November 2022, the date of the
// news article whose figures (SPEC §1) its data reproduce. WriteProject writes the project
// directory (caseload.yaml with every section explained, the item catalogue and the
// generated exports of pipeline/gen); the constants say which periods the demo reports. The
// CLI (cli/demo.go) pulls the project and writes the reports; demotest gives tests a pulled
// demo warehouse.
//
// Periods (decision): the demo's cumulative headline figures are as of the article's date
// (AsOf, a day range from 2017 to 2022-11-17); its reports cover the latest complete month
// (Month, 2022-10) and the year to date, written YearToDate = ytd:2022-10 — 1 January to the
// end of the latest complete month, the way official statistics quote "1—10月" — so that its
// comparisons are with whole months of the year before and it has no 环比 (consecutive
// year-to-date periods overlap). The “三侨生” item's growth, +34.0% (252 against 188 cases),
// is quoted for that period.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/gen"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// The demo's periods and the item whose growth it quotes.
const (
	AsOf       = "2017-01-01..2022-11-17" // cumulative figures at the article's date
	YearToDate = "ytd:2022-10"            // the year to the end of the latest complete month
	Month      = "2022-10"                // the latest complete month
	FocusItem  = "QB02"                   // “三侨生”身份认定
)

// ConfigName is the project file's name.
const ConfigName = "caseload.yaml"

// WriteProject writes the demo project into dir: caseload.yaml, items.csv and incoming/
// (gen.WriteDemoData). It returns the files written, caseload.yaml first.
//
// It refuses to write into a non-empty incoming/, and to replace a caseload.yaml or
// items.csv whose content differs from the demo's; files are written atomically.
func WriteProject(ctx context.Context, dir string) ([]gen.DemoFile, error) {
	inDir := filepath.Join(dir, gen.DemoIncoming)
	if ents, err := os.ReadDir(inDir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("demo: %s is not empty; the demo will not overwrite data there (use another directory, or empty it)", inDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	items, err := gen.DemoItemsCSV()
	if err != nil {
		return nil, err
	}
	config := []byte(configYAML)
	for _, f := range []struct {
		name string
		data []byte
	}{{ConfigName, config}, {gen.DemoItems, items}} {
		p := filepath.Join(dir, f.name)
		old, err := os.ReadFile(p)
		if err == nil && !bytes.Equal(old, f.data) {
			return nil, fmt.Errorf("demo: %s already exists and differs from the demo's; the demo will not overwrite it (use another directory)", p)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	p := filepath.Join(dir, ConfigName)
	if err := warehouse.WriteAtomic(p, 0o644, func(w io.Writer) error {
		_, err := w.Write(config)
		return err
	}); err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	out := []gen.DemoFile{{Path: p, Note: "project configuration: office, time zone, sources, report wording, monthly-report job (read this first)"}}
	data, err := gen.WriteDemoData(ctx, dir)
	if err != nil {
		return nil, err
	}
	return append(out, data...), nil
}

// configYAML is the demo project's caseload.yaml (the §3 form), the first thing a new
// user reads.
const configYAML = `# ─────────────────────────────────────────────────────────────────────────────
# caseload 示范项目 / caseload demo project
#
# 由 ` + "`caseload demo`" + ` 生成：一个县级侨办（“示范县侨办”）2017年3月至2022年11月的
# 涉侨审批办件数据。数据是虚构的，但每次生成都完全相同，可以用来核对数字。
# Written by ` + "`caseload demo`" + `: the approval cases of a county Overseas Chinese
# Affairs Office (侨办), March 2017 – November 2022. The data are synthetic but
# identical every time, so every figure can be checked.
#
# 常用命令 / try:
#   caseload pull                          # 导入 incoming/ 下的新文件 / load new files from incoming/
#   caseload kpi --period 2022-10          # 查看某月指标 / the KPIs of a month
#   caseload report --period ytd:2022-10   # 生成 Excel 与 HTML 报告 / write the workbook and the HTML report
#   caseload run monthly-report            # 立即运行下面的月报任务 / run the job below now
#   caseload sql "SELECT * FROM cases LIMIT 10"   # 分析查询（只读）/ ad-hoc, read-only SQL
#
# incoming/ 中的文件模拟各时期系统导出的原样交接 / incoming/ holds the exports as handed over:
#   2017-2019.csv           GB18030 编码、中文表头 / GB18030, Chinese headers
#   2020-2021.xlsx          Excel 导出（首行标题）/ an Excel export with a title row
#   2022.csv                UTF-8（带 BOM）、英文表头 / UTF-8 with BOM, English headers
#   2022-11-update.ndjson   较新的补充导出，覆盖旧版本 / a later extract; newer versions win
# 其中有少量故意的问题数据（缺编号、事项编码不存在、时间错误…），导入时会被拒收并给出原因。
# A few rows are deliberately bad (missing case id, unknown item, impossible time, …): the
# pull rejects them with a reason code; see the 数据质量 (data quality) sheet.
#
# 文件中的相对路径均相对于本文件所在目录。/ Relative paths are relative to this file.
# ─────────────────────────────────────────────────────────────────────────────

# 机构名称，显示在报告标题中 / office name, shown in report titles
office: 示范县侨办

# 时区：所有按日、按月的统计边界和定时任务都按此时区计算
# time zone: every day and month boundary, and every schedule, uses it
timezone: Asia/Shanghai

# 数据仓库（单个 DuckDB 文件）/ the warehouse: a single DuckDB file
warehouse: caseload.duckdb

# 审批事项目录：事项编码、名称、即办起始日期、承诺时限、法定时限、启用/停用日期
# the approval-item catalogue: code, name, instant since, promised and statutory limits, active dates
items: items.csv

# 数据来源 / where the case records come from
sources:
  - name: approvals
    # 通配符，按文件名顺序导入；已导入过的文件（sha256 相同）自动跳过
    # a glob, pulled in name order; a file already pulled (same sha256) is skipped
    path: "incoming/*"
    # auto：合法的 UTF-8（带或不带 BOM）按 UTF-8 读，否则按 GB18030 读；也可写 utf-8 | gb18030 | gbk
    # auto: valid UTF-8 (BOM or not) is read as UTF-8, anything else as GB18030
    encoding: auto
    # 可选：额外的表头别名。办件编号、受理时间、侨居国等常见中文表头已内置，无需配置。
    # optional extra header aliases; common Chinese headers (办件编号, 受理时间, 侨居国, …) are built in.
    # columns: {收件编号: case_id}

# 报告的措辞 / how the reports word the figures
reports:
  unit: 宗              # 办件的计量单位，全部报告统一 / the one count word for cases in every report
  since: 2017           # “累计”数字的起点：2017年入驻政务服务中心 / cumulative figures are quoted from 2017
  focus_items: [QB02]   # 新闻稿素材必提的事项：“三侨生”身份认定 / items the news brief always mentions

# 定时任务：` + "`caseload schedule`" + ` 在前台按 cron 表达式（上面的时区）运行
# jobs: ` + "`caseload schedule`" + ` runs them on their cron specs, in the time zone above
jobs:
  - name: monthly-report
    schedule: "0 6 1 * *"        # 每月1日 06:00 / 06:00 on the 1st of every month
    period: previous-month       # 统计上一个自然月 / the previous calendar month
    steps: [pull, report]        # 先导入新文件，再生成报告 / pull new files, then write the reports
    formats: [xlsx, html, json]  # Excel（领导）、HTML（宣传）、JSON（系统）/ workbook, HTML report, JSON
    out: reports/{period}        # 输出目录，如 reports/2022-10 / output directory, e.g. reports/2022-10
` + config.ExampleJobKeys + "\n" + config.ExampleDeliveries
