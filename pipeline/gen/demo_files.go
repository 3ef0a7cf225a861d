package gen

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// DemoFile describes one file WriteDemoData wrote.
type DemoFile struct {
	Path string // the file's path (dir joined with its name)
	Rows int    // data rows (header and title rows not counted); 0 for a configuration file
	Note string // what the file is, in a line
}

// DemoOffice is the demo office's name, as its exports and caseload.yaml write it.
const DemoOffice = demoOffice

// Names of the demo dataset's files, relative to the project directory.
const (
	DemoItems     = "items.csv"
	DemoIncoming  = "incoming"
	demoGBName    = "2017-2019.csv"
	demoXLSXName  = "2020-2021.xlsx"
	demoCSV22Name = "2022.csv"
	demoUpdName   = "2022-11-update.ndjson"
)

// chineseHeader is the 2017–2019 export's header (§4.1 built-in aliases).
const chineseHeader = "办件编号,事项编码,受理时间,办结时间,办理状态,办理渠道,身份类别,侨居国,乡镇街道,跑动次数,是否积案,积案起始日期,更新时间"

// DemoItemsCSV is the demo's item catalogue (items.csv), the reference office's 8 items.
func DemoItemsCSV() ([]byte, error) {
	var items bytes.Buffer
	if err := WriteItemsCSV(&items, Items()); err != nil {
		return nil, err
	}
	return items.Bytes(), nil
}

// WriteDemoData writes the reference office's demo dataset into dir: items.csv and
// incoming/ with four files as the office hands them over (a GB18030 CSV with Chinese
// headers, an XLSX export with a title row, a UTF-8 CSV with BOM, and an NDJSON update
// extract). The data are deterministic: the same files every time. Files are written
// atomically, replacing files of the same name; the demo project (pipeline/demo) decides
// whether dir may be written.
func WriteDemoData(ctx context.Context, dir string) ([]DemoFile, error) {
	inDir := filepath.Join(dir, DemoIncoming)
	items, err := DemoItemsCSV()
	if err != nil {
		return nil, err
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
	p := filepath.Join(dir, DemoItems)
	if err := writeAtomic(p, func(tmp string) error { return os.WriteFile(tmp, items, 0o644) }); err != nil {
		return nil, err
	}
	out := []DemoFile{{Path: p, Rows: 8, Note: "approval-item catalogue: 8 items, 7 instant from 2021-07-01"}}
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
		switch {
		case bad == 1:
			note += "; 1 deliberately bad row"
		case bad > 1:
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
