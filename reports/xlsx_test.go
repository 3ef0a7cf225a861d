package reports

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/reports/figures"
	"github.com/caseload/caseload/reports/internal/fixture"
)

func writeWorkbook(t testing.TB, m *Model, opt XLSXOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(context.Background(), &buf, m, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func openWorkbook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func numFmt(t *testing.T, f *excelize.File, sheet, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return "builtin:" + strconv.Itoa(st.NumFmt)
}

func TestWorkbookStructure(t *testing.T) {
	for _, c := range []struct {
		lang   Lang
		sheets []string
	}{
		{LangZH, []string{"汇总", "分事项", "月度趋势", "办理渠道", "积案化解", "数据质量", "指标说明"}},
		{LangEN, []string{"Summary", "By item", "Monthly trend", "Channels", "Backlog", "Data quality", "Definitions"}},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			m := monthModel(t, c.lang)
			b := writeWorkbook(t, m, XLSXOptions{})
			f := openWorkbook(t, b)
			if got := f.GetSheetList(); strings.Join(got, "|") != strings.Join(c.sheets, "|") {
				t.Fatalf("sheets %q, want %q", got, c.sheets)
			}
			sum, items, monthly, chans, backlog, quality := c.sheets[0], c.sheets[1], c.sheets[2], c.sheets[3], c.sheets[4], c.sheets[5]

			// title rows and header
			if v, _ := f.GetCellValue(sum, "A1"); !strings.Contains(v, m.Office) {
				t.Errorf("title %q lacks the office", v)
			}
			if v, _ := f.GetCellValue(sum, "A2"); !strings.Contains(v, m.Period.ZhLabel()) && !strings.Contains(v, m.Period.EnLabel()) {
				t.Errorf("subtitle %q lacks the period label", v)
			}
			if c.lang == LangZH {
				for i, want := range []string{"指标", "计量单位", "本期", "上年同期", "同比", "上期", "环比", "口径说明"} {
					cell := cellName(i+1, 3)
					if v, _ := f.GetCellValue(sum, cell); v != want {
						t.Errorf("summary header %s = %q, want %q", cell, v, want)
					}
				}
			}
			// summary values: row 4 = received, ratio rows in percent
			keys := kpi.Keys()
			for i, key := range keys {
				row := 4 + i
				raw, _ := f.GetCellValue(sum, fmt.Sprintf("C%d", row), excelize.Options{RawCellValue: true})
				want := m.Current.KPIs[key]
				if want == nil {
					if raw != "" {
						t.Errorf("%s: %q for null", key, raw)
					}
					continue
				}
				got, err := strconv.ParseFloat(raw, 64)
				if KindOf(key) == KindGrowth { // a signed figure is stored at the precision it shows
					want = rounded(figures.Growth, want)
				}
				if err != nil || math.Abs(got-*want) > 1e-12 {
					t.Errorf("%s: cell %q, want %v", key, raw, *want)
				}
				switch KindOf(key) {
				case KindRatio, KindGrowth:
					if nf := numFmt(t, f, sum, fmt.Sprintf("C%d", row)); nf != "0.0%" && nf != "+0.0%;-0.0%;0.0%" {
						t.Errorf("%s: number format %q", key, nf)
					}
				case KindCount:
					if nf := numFmt(t, f, sum, fmt.Sprintf("C%d", row)); nf != "#,##0" {
						t.Errorf("%s: number format %q, want #,##0", key, nf)
					}
				}
			}
			// by item totals: SUM formulas with cached values
			tot := 4 + len(m.Current.ByItem)
			for col, want := range map[string]string{"D": "262", "E": "248", "K": "249"} {
				cell := fmt.Sprintf("%s%d", col, tot)
				formula, _ := f.GetCellFormula(items, cell)
				if formula != fmt.Sprintf("SUM(%s4:%s%d)", col, col, tot-1) {
					t.Errorf("%s formula %q", cell, formula)
				}
				raw, _ := f.GetCellValue(items, cell, excelize.Options{RawCellValue: true})
				if raw != want {
					t.Errorf("%s cached value %q, want %s", cell, raw, want)
				}
			}
			if nf := numFmt(t, f, items, "H4"); nf != "0.0%" {
				t.Errorf("same-day ratio format %q", nf)
			}
			// monthly: real date cells formatted yyyy-mm
			if nf := numFmt(t, f, monthly, "A4"); nf != "yyyy-mm" {
				t.Errorf("month format %q", nf)
			}
			if raw, _ := f.GetCellValue(monthly, "A4", excelize.Options{RawCellValue: true}); raw != "44470" { // 2021-10-01
				t.Errorf("month A4 serial %q, want 44470", raw)
			}
			// quality: period dates are dates
			if nf := numFmt(t, f, quality, "B4"); nf != "yyyy-mm-dd" {
				t.Errorf("first-day format %q", nf)
			}
			// channels and backlog totals
			if formula, _ := f.GetCellFormula(chans, "B10"); formula != "SUM(B4:B9)" {
				t.Errorf("channels total formula %q", formula)
			}
			if raw, _ := f.GetCellValue(backlog, "B10", excelize.Options{RawCellValue: true}); raw != "84" {
				t.Errorf("backlog total %q", raw)
			}
			// frozen header, page setup, footer page numbers
			for _, s := range []string{sum, items, monthly} {
				p, err := f.GetPanes(s)
				if err != nil || !p.Freeze || p.YSplit != 3 {
					t.Errorf("%s panes %+v %v", s, p, err)
				}
				pl, err := f.GetPageLayout(s)
				if err != nil || pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" ||
					pl.FitToWidth == nil || *pl.FitToWidth != 1 {
					t.Errorf("%s page layout %+v %v", s, pl, err)
				}
				hf, err := f.GetHeaderFooter(s)
				if err != nil || hf == nil || !strings.Contains(hf.OddFooter, "&P") || !strings.Contains(hf.OddFooter, "&N") {
					t.Errorf("%s footer %+v %v", s, hf, err)
				}
			}
			// CJK-aware widths: the item-name column is wider than the item-code column
			wName, _ := f.GetColWidth(items, "B")
			wCode, _ := f.GetColWidth(items, "A")
			if wName <= wCode || wName < 20 {
				t.Errorf("column widths name %v code %v", wName, wCode)
			}
			// document properties
			props, err := f.GetDocProps()
			if err != nil || props.Creator != m.Office || !strings.Contains(props.Title, m.Office) {
				t.Errorf("doc props %+v %v", props, err)
			}
			// native charts: a column+line combo and a bar chart
			charts := zipFiles(t, b, "xl/charts/")
			if len(charts) != 2 {
				t.Fatalf("charts: %v", charts)
			}
			c1 := charts["xl/charts/chart1.xml"]
			if !strings.Contains(c1, "barChart") || !strings.Contains(c1, "lineChart") {
				t.Errorf("chart1 is not a column/line combo")
			}
		})
	}
}

func zipFiles(t *testing.T, b []byte, prefix string) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, prefix) || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

// sliceDetails is an in-memory row source for tests.
func sliceDetails(n int, failAt int) Details {
	return func(yield func(DetailRow, error) bool) {
		for i := 0; i < n; i++ {
			if i == failAt {
				yield(DetailRow{}, errors.New("boom"))
				return
			}
			if !yield(detailRow(i), nil) {
				return
			}
		}
	}
}

func detailRow(i int) DetailRow {
	recv := time.Date(2022, 10, 1+i%31, 0, 0, 0, 0, time.UTC)
	d := DetailRow{CaseRef: fmt.Sprintf("%012x", i*2654435761%(1<<48)), ItemCode: "QB02", ItemName: "“三侨生”身份认定",
		ReceivedDate: recv, Status: "completed", Channel: "bundle", ApplicantType: "relative", Country: "US",
		CountryZH: "美国", CountryEN: "United States", Backlog: i%50 == 0}
	if i%3 != 0 {
		c := recv.AddDate(0, 0, 1)
		d.CompletedDate = &c
		n := int64(i % 3)
		d.Trips = &n
	}
	return d
}

func TestDetailsSheetSplitsAndHidesIDs(t *testing.T) {
	m := monthModel(t, LangZH)
	b := writeWorkbook(t, m, XLSXOptions{Details: sliceDetails(25, -1), MaxSheetRows: 13})
	f := openWorkbook(t, b)
	list := f.GetSheetList()
	want := []string{"办件明细", "办件明细2", "办件明细3"}
	if got := list[len(list)-3:]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("detail sheets %v", list)
	}
	var rows int
	for _, s := range want {
		r, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) > 13 {
			t.Errorf("%s has %d rows, more than the cap", s, len(r))
		}
		if r[2][0] != "办件编号（脱敏）" {
			t.Errorf("%s header %v", s, r[2])
		}
		rows += len(r) - 3
	}
	if rows != 25 {
		t.Errorf("%d detail rows, want 25", rows)
	}
	if nf := numFmt(t, f, "办件明细", "D4"); nf != "yyyy-mm-dd" {
		t.Errorf("received date format %q", nf)
	}
	// an error in the row source fails the workbook
	var buf bytes.Buffer
	if err := WriteXLSX(context.Background(), &buf, m, XLSXOptions{Details: sliceDetails(25, 7)}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("error from the row source: %v", err)
	}
}

// TestWorkbookOpenpyxl reads the workbook back with Debian's openpyxl (data_only=True, as
// pandas does) and compares the summary and by-item values with the model.
func TestWorkbookOpenpyxl(t *testing.T) {
	checkOpenpyxl(t, monthModel(t, LangZH))
}

// checkOpenpyxl writes m's workbook, reads it with openpyxl (data_only=True) and compares the
// summary and by-item values, totals, formats, dates and charts with the model.
func checkOpenpyxl(t *testing.T, m *Model) {
	t.Helper()
	py := testtool.Python(t, "python3-openpyxl", "openpyxl")
	path := filepath.Join(t.TempDir(), "r.xlsx")
	if err := os.WriteFile(path, writeWorkbook(t, m, XLSXOptions{Details: sliceDetails(40, -1)}), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], data_only=True)
out = {"sheets": wb.sheetnames, "summary": [], "items": [], "charts": {}, "formats": {}, "dates": {}}
ws = wb["汇总"]
for r in ws.iter_rows(min_row=4, max_row=3+int(sys.argv[2]), max_col=8, values_only=True):
    out["summary"].append([r[0]] + list(r[2:7]))
ws = wb["分事项"]
for r in ws.iter_rows(min_row=4, max_row=4+int(sys.argv[3]), max_col=12, values_only=True):
    out["items"].append(list(r))
for name in wb.sheetnames:
    out["charts"][name] = len(wb[name]._charts)
out["formats"]["ratio"] = wb["汇总"]["C11"].number_format  # instant_items_ratio
out["formats"]["items_ratio"] = wb["分事项"]["H4"].number_format
out["dates"]["month"] = wb["月度趋势"]["A4"].is_date
out["dates"]["first_day"] = wb["数据质量"]["B4"].is_date
out["dates"]["detail"] = wb["办件明细"]["D4"].is_date
out["dates"]["month_value"] = str(wb["月度趋势"]["A4"].value)
print(json.dumps(out, default=str))
`
	cmd := exec.Command(py, "-c", script, path, strconv.Itoa(len(kpi.Keys())), strconv.Itoa(len(m.Current.ByItem)))
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, outb)
	}
	var got struct {
		Sheets  []string
		Summary [][]any
		Items   [][]any
		Charts  map[string]int
		Formats map[string]string
		Dates   map[string]any
	}
	if err := json.Unmarshal(outb, &got); err != nil {
		t.Fatalf("%v\n%s", err, outb)
	}
	eq := func(what string, cell any, want *float64) {
		t.Helper()
		if want == nil {
			if cell != nil {
				t.Errorf("%s: %v, want empty", what, cell)
			}
			return
		}
		f, ok := cell.(float64)
		if !ok || math.Abs(f-*want) > 1e-9 {
			t.Errorf("%s: %v, want %v", what, cell, *want)
		}
	}
	for i, r := range m.Summary {
		row := got.Summary[i]
		if row[0] != r.Name {
			t.Errorf("summary row %d name %v, want %s", i, row[0], r.Name)
		}
		cmp := figures.Growth
		if r.Kind == KindRatio {
			cmp = figures.Points
		}
		cur := r.Current
		if r.Kind == KindGrowth {
			cur = rounded(figures.Growth, cur)
		}
		eq(r.Key+" current", row[1], cur)
		eq(r.Key+" last year", row[2], r.LastYear)
		eq(r.Key+" yoy", row[3], rounded(cmp, r.YoY))
		eq(r.Key+" previous", row[4], r.Previous)
		eq(r.Key+" mom", row[5], rounded(cmp, r.MoM))
	}
	fl := func(n int64) *float64 { v := float64(n); return &v }
	for i, it := range m.Current.ByItem {
		row := got.Items[i]
		if row[0] != it.ItemCode || row[1] != it.ItemName {
			t.Errorf("item row %d: %v", i, row[:2])
		}
		eq(it.ItemCode+" received", row[3], fl(it.Received))
		eq(it.ItemCode+" completed", row[4], fl(it.Completed))
		eq(it.ItemCode+" same day", row[7], it.SameDayRatio)
		eq(it.ItemCode+" on time", row[8], it.OnTimeRatio)
		eq(it.ItemCode+" last year", row[10], fl(it.ReceivedSamePeriodLastYear))
		eq(it.ItemCode+" yoy", row[11], rounded(figures.Growth, it.ReceivedYoYGrowth))
	}
	totals := got.Items[len(m.Current.ByItem)]
	eq("total received", totals[3], m.Current.KPIs["received"])
	eq("total completed", totals[4], m.Current.KPIs["completed"])
	eq("total yoy", totals[11], rounded(figures.Growth, m.Current.KPIs["received_yoy_growth"]))
	if got.Charts["月度趋势"] != 1 || got.Charts["办理渠道"] != 1 {
		t.Errorf("charts as openpyxl sees them: %v", got.Charts)
	}
	if got.Formats["ratio"] != "0.0%" || got.Formats["items_ratio"] != "0.0%" {
		t.Errorf("percent formats: %v", got.Formats)
	}
	for k, v := range got.Dates {
		if k != "month_value" && v != true {
			t.Errorf("%s is not a date cell: %v", k, got.Dates)
		}
	}
	if !strings.HasPrefix(fmt.Sprint(got.Dates["month_value"]), "2021-10-01") {
		t.Errorf("month value %v", got.Dates["month_value"])
	}
}

// rounded is a comparison as a cell stores it (at the precision it shows).
func rounded(u figures.Unit, v *float64) *float64 {
	if v == nil {
		return nil
	}
	r := figures.Round(u, *v)
	return &r
}

// TestWorkbookCellsOpenpyxl reads every cell of the Chinese and English workbooks with
// openpyxl: every numeric cell has a number format (not General), every cell's font is the
// CJK font, comparisons are stored at the precision they show (no "-0.0个百分点"), and the
// Chinese workbook has no English definitions, no SQL file paths and no line that starts
// with a closing punctuation mark (a lone "。").
func TestWorkbookCellsOpenpyxl(t *testing.T) {
	py := testtool.Python(t, "python3-openpyxl", "openpyxl")
	for _, l := range []Lang{LangZH, LangEN} {
		m := monthModel(t, l)
		// a ratio that moved by 0.04 points, a growth of -0.04%: both show as flat
		ly := *m.LastYear
		ly.KPIs = kpi.Values{}
		for k, v := range m.LastYear.KPIs {
			ly.KPIs[k] = v
		}
		ly.KPIs["on_time_ratio"] = fixture.F(*m.Current.KPIs["on_time_ratio"] + 0.0004)
		m2, err := New(Inputs{Lang: l, Office: m.Office, Timezone: m.Timezone, GeneratedAt: m.GeneratedAt, Current: m.Current,
			LastYear: &ly, Previous: m.Previous, Definitions: m.Definitions, Quality: testQuality(), Unit: "宗"})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "r.xlsx")
		if err := os.WriteFile(path, writeWorkbook(t, m2, XLSXOptions{Details: sliceDetails(30, -1)}), 0o644); err != nil {
			t.Fatal(err)
		}
		script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"general": [], "fonts": [], "strings": [], "numbers": []}
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            where = ws.title + "!" + c.coordinate
            if c.font is None or c.font.name != "等线":
                out["fonts"].append([where, c.font.name if c.font else None])
            if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                if c.number_format == "General":
                    out["general"].append([where, c.value])
                out["numbers"].append([where, c.number_format, c.value])
            elif isinstance(c.value, str):
                out["strings"].append([where, c.value])
print(json.dumps(out, ensure_ascii=False))
`
		outb, err := exec.Command(py, "-c", script, path).CombinedOutput()
		if err != nil {
			t.Fatalf("openpyxl: %v\n%s", err, outb)
		}
		var got struct {
			General, Fonts, Strings, Numbers [][]any
		}
		if err := json.Unmarshal(outb, &got); err != nil {
			t.Fatalf("%v\n%s", err, outb)
		}
		if len(got.General) > 0 {
			t.Errorf("%s: numeric cells with the General format: %v", l, got.General)
		}
		if len(got.Fonts) > 0 {
			t.Errorf("%s: cells without the CJK font: %v", l, got.Fonts[:min(5, len(got.Fonts))])
		}
		for _, n := range got.Numbers {
			format, v := n[1].(string), n[2].(float64)
			if strings.HasPrefix(format, "+0.0%") && v != figures.Round(figures.Growth, v) ||
				strings.Contains(format, "个百分点") && v != figures.Round(figures.Points, v) {
				t.Errorf("%s: comparison %s = %v not stored at its shown precision", l, n[0], v)
			}
		}
		if v := cellValue(got.Numbers, "汇总!E13", "Summary!E13"); v != 0.0 {
			t.Errorf("%s: on-time ratio change of 0.04 points stored as %v, want 0 (shown 0.0个百分点)", l, v)
		}
		latin := regexp.MustCompile(`[A-Za-z]{3,}`)
		for _, sv := range got.Strings {
			where, text := sv[0].(string), sv[1].(string)
			lines := strings.Split(text, "\n")
			for _, line := range lines[1:] {
				if r := []rune(line); len(r) > 0 && strings.ContainsRune(noLineStart, r[0]) {
					t.Errorf("%s: %s has a line starting with %q: %q", l, where, r[0], text)
				}
			}
			if l == LangZH && strings.Contains(text, "sql/") {
				t.Errorf("%s: SQL path in the Chinese workbook: %q", where, text)
			}
			if l == LangZH && strings.HasPrefix(where, "指标说明!") && latin.MatchString(text) {
				t.Errorf("%s: English in the Chinese definitions: %q", where, text)
			}
		}
	}
}

func cellValue(cells [][]any, names ...string) any {
	for _, c := range cells {
		for _, n := range names {
			if c[0] == n {
				return c[2]
			}
		}
	}
	return "missing"
}
