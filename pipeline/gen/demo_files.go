package gen

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// DemoFile describes one file WriteDemo wrote.
type DemoFile struct {
	Path string // the file's path (dir joined with its name)
	Rows int    // data rows (header and title rows not counted); 0 for caseload.yaml
	Note string // what the file is, in a line
}

// Names of the demo project's files, relative to its directory.
const (
	demoConfig    = "caseload.yaml"
	demoItems     = "items.csv"
	demoIncoming  = "incoming"
	demoGBName    = "2017-2019.csv"
	demoXLSXName  = "2020-2021.xlsx"
	demoCSV22Name = "2022.csv"
	demoUpdName   = "2022-11-update.ndjson"
)

// chineseHeader is the 2017–2019 export's header (§4.1 built-in aliases).
const chineseHeader = "办件编号,事项编码,受理时间,办结时间,办理状态,办理渠道,身份类别,侨居国,乡镇街道,跑动次数,是否积案,积案起始日期,更新时间"

// WriteDemo writes the reference office's demo project into dir: caseload.yaml,
// items.csv and incoming/ with four files as the office hands them over (a GB18030
// CSV with Chinese headers, an XLSX export with a title row, a UTF-8 CSV with BOM,
// and an NDJSON update extract). The data are deterministic: the same files every time.
//
// It refuses to write into a non-empty incoming/, and to replace a caseload.yaml or
// items.csv whose content differs from the demo's; files are written atomically.
func WriteDemo(ctx context.Context, dir string) ([]DemoFile, error) {
	inDir := filepath.Join(dir, demoIncoming)
	if ents, err := os.ReadDir(inDir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("gen: %s is not empty; the demo will not overwrite data there (use another directory, or empty it)", inDir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("gen: %w", err)
	}
	var items bytes.Buffer
	if err := WriteItemsCSV(&items, Items()); err != nil {
		return nil, err
	}
	config := []byte(demoYAML)
	for _, f := range []struct {
		name string
		data []byte
	}{{demoConfig, config}, {demoItems, items.Bytes()}} {
		p := filepath.Join(dir, f.name)
		old, err := os.ReadFile(p)
		if err == nil && !bytes.Equal(old, f.data) {
			return nil, fmt.Errorf("gen: %s already exists and differs from the demo's; the demo will not overwrite it (use another directory)", p)
		}
	}
	if err := os.MkdirAll(inDir, 0o755); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	d, err := buildDemo()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []DemoFile
	for _, f := range []struct {
		name string
		data []byte
		rows int
		note string
	}{
		{demoConfig, config, 0, "project configuration: office, time zone, sources, monthly-report job (read this first)"},
		{demoItems, items.Bytes(), 8, "approval-item catalogue (§4.3): 8 items, 7 instant from 2021-07-01"},
	} {
		p := filepath.Join(dir, f.name)
		if err := writeAtomic(p, func(tmp string) error { return os.WriteFile(tmp, f.data, 0o644) }); err != nil {
			return nil, err
		}
		out = append(out, DemoFile{Path: p, Rows: f.rows, Note: f.note})
	}
	writers := []struct {
		name  string
		write func(w io.Writer) (int, error)
		note  string
	}{
		{demoGBName, d.writeGB, "cases received 2017-03..2019-12: GB18030, CRLF, Chinese headers and labels, minute timestamps"},
		{demoXLSXName, d.writeXLSX, "cases received 2020-2021: Excel export under a title row, English headers, date cells"},
		{demoCSV22Name, d.writeCSV22, "cases received 2022-01..2022-11: UTF-8 with BOM, CRLF, English, RFC 3339 timestamps"},
		{demoUpdName, d.writeUpdates, "later extract: newer versions of 52 cases of 2022, which supersede their 2022.csv rows"},
	}
	for _, w := range writers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := filepath.Join(inDir, w.name)
		var n int
		err := writeAtomic(p, func(tmp string) error {
			var err error
			n, err = writeToFile(tmp, w.write)
			return err
		})
		if err != nil {
			return nil, err
		}
		bad := 0
		for _, row := range d.rows {
			if row.bad != "" && row.file == d.fileIndex(w.name) {
				bad++
			}
		}
		note := w.note
		if bad > 0 {
			note += fmt.Sprintf("; %d deliberately bad rows", bad)
		}
		out = append(out, DemoFile{Path: p, Rows: n, Note: note})
	}
	return out, nil
}

func (d *demoData) fileIndex(name string) int {
	switch name {
	case demoGBName:
		return fileGB
	case demoXLSXName:
		return fileXLSX
	case demoCSV22Name:
		return fileCSV22
	}
	return fileUpdate
}

// demoRows returns the rows written to file, in received order: for 2022.csv that
// includes the superseded versions of the updated cases.
func (d *demoData) demoRows(file int) []demoVersion {
	var out []demoVersion
	for _, row := range d.rows {
		switch {
		case row.file == file:
			out = append(out, demoVersion{row, row.r})
		case file == fileCSV22 && row.old != nil:
			out = append(out, demoVersion{row, row.old})
		}
	}
	return out
}

// demoVersion is one written row: a case and the version of it written.
type demoVersion struct {
	row *demoRow
	r   *rec
}

// value returns the raw text of a bad row's field, if it has one.
func (v demoVersion) value(field string) (string, bool) {
	if v.r != v.row.r || v.row.raw == nil {
		return "", false
	}
	s, ok := v.row.raw[field]
	return s, ok
}

func (d *demoData) country(v demoVersion, wr *rand.Rand, style int) string {
	if v.row.countryRaw != "" {
		return v.row.countryRaw
	}
	if v.r.country < 0 {
		return ""
	}
	return d.g.countries[v.r.country].spell(wr, style)
}

func statusZh(s string) string {
	switch s {
	case StatusReceived:
		return "已受理"
	case StatusInProgress:
		return "办理中"
	case StatusCompleted:
		return "办结"
	case StatusRejected:
		return "不予受理"
	case StatusWithdrawn:
		return "撤回"
	}
	return s
}

func channelZh(s string, wr *rand.Rand) string {
	switch s {
	case "window":
		return "窗口"
	case "bundle":
		return "打包办"
	case "outreach":
		if wr.IntN(10) < 3 {
			return "进园区"
		}
		return "进社区"
	case "remote":
		return "拍照回传"
	case "online":
		return "网办"
	case "mail":
		return "邮寄"
	}
	return s
}

func applicantZh(s string) string {
	switch s {
	case "overseas_chinese":
		return "华侨"
	case "returned":
		return "归侨"
	case "relative":
		return "侨眷"
	case "other":
		return "其他"
	}
	return s
}

// textFields renders a row for a text file (13 fields in the §4.1 order).
func (d *demoData) textFields(v demoVersion, wr *rand.Rand, chinese bool) []string {
	g, r := d.g, v.r
	f := make([]string, 13)
	ts := func(wall int64) string { return string(g.appendWallForm(nil, wall, r.form)) }
	f[0] = r.c.CaseID
	f[1] = r.c.ItemCode
	f[2] = ts(r.recvWall)
	if r.c.CompletedAt != nil {
		f[3] = ts(r.complWall)
	}
	f[4], f[5], f[6] = r.c.Status, r.c.Channel, r.c.ApplicantType
	style := spellCodes
	if chinese {
		f[4], f[5], f[6] = statusZh(f[4]), channelZh(f[5], wr), applicantZh(f[6])
		style = spellChinese
	}
	f[7] = d.country(v, wr, style)
	f[8] = r.c.District
	if r.c.Trips != nil {
		f[9] = strconv.Itoa(*r.c.Trips)
	}
	switch {
	case chinese && r.c.Backlog:
		f[10] = "是"
	case chinese:
		f[10] = "否"
	default:
		f[10] = strconv.FormatBool(r.c.Backlog)
	}
	if r.c.BacklogSince != nil {
		f[11] = string(appendDay(nil, r.sinceDay))
	}
	if r.c.UpdatedAt != nil {
		f[12] = ts(r.updWall)
	}
	for i, name := range fieldNames() {
		if s, ok := v.value(name); ok {
			f[i] = s
		}
	}
	return f
}

// writeGB writes 2017-2019.csv: GB18030, CRLF, Chinese headers and labels.
func (d *demoData) writeGB(w io.Writer) (int, error) {
	tw := transform.NewWriter(w, simplifiedchinese.GB18030.NewEncoder())
	cw := csv.NewWriter(tw)
	cw.UseCRLF = true
	if err := cw.Write(strings.Split(chineseHeader, ",")); err != nil {
		return 0, err
	}
	wr := newRand(demoSeed + 1)
	n := 0
	for _, v := range d.demoRows(fileGB) {
		if err := cw.Write(d.textFields(v, wr, true)); err != nil {
			return 0, err
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return 0, err
	}
	return n, tw.Close()
}

// writeCSV22 writes 2022.csv: UTF-8 with BOM, CRLF, English headers and values.
func (d *demoData) writeCSV22(w io.Writer) (int, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return 0, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(fieldNames()); err != nil {
		return 0, err
	}
	wr := newRand(demoSeed + 3)
	n := 0
	for _, v := range d.demoRows(fileCSV22) {
		if err := cw.Write(d.textFields(v, wr, false)); err != nil {
			return 0, err
		}
		n++
	}
	cw.Flush()
	return n, cw.Error()
}

// writeUpdates writes 2022-11-update.ndjson: one JSON object per line.
func (d *demoData) writeUpdates(w io.Writer) (int, error) {
	wr := newRand(demoSeed + 4)
	names := fieldNames()
	n := 0
	var b []byte
	for _, v := range d.demoRows(fileUpdate) {
		f := d.textFields(v, wr, false)
		b = append(b[:0], '{')
		for i, name := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, name)
			b = append(b, ':')
			_, raw := v.value(name)
			switch {
			case raw:
				b = appendJSONString(b, f[i])
			case name == "trips" && f[i] != "":
				b = append(b, f[i]...)
			case name == "backlog":
				b = append(b, f[i]...) // true / false
			case f[i] == "":
				b = append(b, "null"...)
			default:
				b = appendJSONString(b, f[i])
			}
		}
		b = append(b, '}', '\n')
		if _, err := w.Write(b); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// xlsxTitle is the title row of the 2020–2021 export.
const xlsxTitle = demoOffice + " 涉侨审批办件导出 2020—2021"

// writeXLSX writes 2020-2021.xlsx: a title row, a blank row, English headers, then the
// cases; received/completed are real date cells shown as "yyyy-mm-dd hh:mm" but
// holding seconds.
func (d *demoData) writeXLSX(w io.Writer) (int, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "办件导出"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	minFmt, secFmt, dayFmt := "yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm:ss", "yyyy-mm-dd"
	minStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &minFmt})
	if err != nil {
		return 0, err
	}
	secStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &secFmt})
	if err != nil {
		return 0, err
	}
	dayStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dayFmt})
	if err != nil {
		return 0, err
	}
	titleStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return 0, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return 0, err
	}
	for _, cw := range []struct {
		from, to int
		width    float64
	}{{1, 2, 15}, {3, 4, 18}, {5, 7, 16}, {8, 9, 12}, {10, 12, 12}, {13, 13, 20}} {
		if err := sw.SetColWidth(cw.from, cw.to, cw.width); err != nil {
			return 0, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return 0, err
	}
	if err := sw.SetRow("A1", []interface{}{excelize.Cell{StyleID: titleStyle, Value: xlsxTitle}}); err != nil {
		return 0, err
	}
	names := fieldNames()
	head := make([]interface{}, len(names))
	for i, h := range names {
		head[i] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A3", head); err != nil {
		return 0, err
	}
	wr := newRand(demoSeed + 2)
	n := 0
	for _, v := range d.demoRows(fileXLSX) {
		r := v.r
		text := d.textFields(v, wr, false)
		row := make([]interface{}, len(names))
		for i := range row {
			if text[i] != "" {
				row[i] = text[i]
			}
		}
		dateCell := func(i int, wall int64, style int) {
			if _, raw := v.value(names[i]); !raw {
				row[i] = excelize.Cell{StyleID: style, Value: excelSerial(wall)}
			}
		}
		dateCell(2, r.recvWall, minStyle)
		if r.c.CompletedAt != nil {
			dateCell(3, r.complWall, minStyle)
		}
		if r.c.Trips != nil {
			if _, raw := v.value("trips"); !raw {
				row[9] = *r.c.Trips
			}
		}
		if _, raw := v.value("backlog"); !raw {
			row[10] = "N"
			if r.c.Backlog {
				row[10] = "Y"
			}
		}
		if r.c.BacklogSince != nil {
			dateCell(11, r.sinceDay*secondsPerDay, dayStyle)
		}
		if r.c.UpdatedAt != nil {
			dateCell(12, r.updWall, secStyle)
		}
		n++
		cell, err := excelize.CoordinatesToCellName(1, n+3)
		if err != nil {
			return 0, err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return 0, err
		}
	}
	if err := sw.MergeCell("A1", "M1"); err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	f.SetDocProps(&excelize.DocProperties{Title: xlsxTitle, Creator: demoOffice})
	if _, err := f.WriteTo(w); err != nil {
		return 0, err
	}
	return n, nil
}

// demoYAML is the demo project's caseload.yaml (the §3 form), the first thing a new
// user reads.
const demoYAML = `# ─────────────────────────────────────────────────────────────────────────────
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

# 定时任务：` + "`caseload schedule`" + ` 在前台按 cron 表达式（上面的时区）运行
# jobs: ` + "`caseload schedule`" + ` runs them on their cron specs, in the time zone above
jobs:
  - name: monthly-report
    schedule: "0 6 1 * *"        # 每月1日 06:00 / 06:00 on the 1st of every month
    period: previous-month       # 统计上一个自然月 / the previous calendar month
    steps: [pull, report]        # 先导入新文件，再生成报告 / pull new files, then write the reports
    formats: [xlsx, html, json]  # Excel（领导）、HTML（宣传）、JSON（系统）/ workbook, HTML report, JSON
    out: reports/{period}        # 输出目录，如 reports/2022-10 / output directory, e.g. reports/2022-10
`
