package source

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

type gotRow struct {
	Line   int64
	Fields []string
}

// readAll drains r, copying the reused Fields slices.
func readAll(t testing.TB, r Reader) ([]gotRow, error) {
	t.Helper()
	var rows []gotRow
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		if len(row.Fields) != len(r.Header()) {
			t.Fatalf("line %d: %d fields for %d header columns", row.Line, len(row.Fields), len(r.Header()))
		}
		rows = append(rows, gotRow{row.Line, append([]string(nil), row.Fields...)})
	}
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *source.Error, got %T: %v", err, err)
	}
	return e
}

func newStyle(t testing.TB, f *excelize.File, numFmt int, custom string) int {
	t.Helper()
	st := &excelize.Style{NumFmt: numFmt}
	if custom != "" {
		st.CustomNumFmt = &custom
	}
	id, err := f.NewStyle(st)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// writeCaseWorkbook builds the main fixture with excelize's stream writer: a
// title row, a blank row, the Chinese header on row 3, then data rows.
func writeCaseWorkbook(t *testing.T, dir string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "办件"); err != nil {
		t.Fatal(err)
	}
	minute := newStyle(t, f, 0, "yyyy-mm-dd hh:mm")
	dateOnly := newStyle(t, f, 14, "")
	twoDec := newStyle(t, f, 2, "") // "0.00": a number format that is not a date
	cnDate := newStyle(t, f, 0, `yyyy"年"m"月"d"日"`)
	days := newStyle(t, f, 0, `0 "days"`)
	sw, err := f.NewStreamWriter("办件")
	if err != nil {
		t.Fatal(err)
	}
	set := func(cell string, vals ...any) {
		t.Helper()
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "福清市侨办 2022年10月办件导出")
	set("A3", "办件编号", " 事项编码 ", "受理时间", "办结时间", "办理状态", "跑动次数", "备注", "是否积案", "合计")
	set("A4",
		20220001, "QB04",
		excelize.Cell{StyleID: minute, Value: time.Date(2022, 10, 31, 23, 59, 59, 0, time.UTC)},
		excelize.Cell{StyleID: dateOnly, Value: time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC)},
		"办结", 3, "  前后空格  ", true,
		excelize.Cell{Formula: "F4*2", Value: 6})
	set("A5",
		"00123", "QB05",
		excelize.Cell{StyleID: minute, Value: time.Date(2022, 10, 2, 8, 5, 1, 123_000_000, time.UTC)},
		nil,
		"办理中", excelize.Cell{StyleID: twoDec, Value: 2.5}, nil, false,
		excelize.Cell{Formula: `"A"&"B"`, Value: "AB"})
	// row 6 left out entirely; row 7 holds only an empty string and spaces
	set("A7", "", "   ")
	set("A8",
		20220003, "QB04",
		excelize.Cell{StyleID: cnDate, Value: time.Date(2022, 10, 3, 0, 0, 0, 0, time.UTC)},
		excelize.Cell{StyleID: minute, Value: time.Date(2022, 10, 3, 9, 30, 0, 0, time.UTC)},
		"受理", excelize.Cell{StyleID: days, Value: 12}, 1234.5678)
	set("A9", 2.0220001e7, "QB06", nil, nil, "撤回", -0.5, 1e-7, nil, 123456789012345678)
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "cases.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestXLSXCaseWorkbook(t *testing.T) {
	path := writeCaseWorkbook(t, t.TempDir())
	r, err := OpenXLSX(path, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Without IsHeader the first non-empty row (the title) is the header.
	if h := r.Header(); !reflect.DeepEqual(h, []string{"福清市侨办 2022年10月办件导出"}) {
		t.Fatalf("header = %q", h)
	}
	r.Close()

	isHeader := func(cells []string) bool {
		for _, c := range cells {
			if c == "办件编号" || c == "case_id" {
				return true
			}
		}
		return false
	}
	r, err = OpenXLSX(path, XLSXOptions{IsHeader: isHeader})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantHeader := []string{"办件编号", "事项编码", "受理时间", "办结时间", "办理状态", "跑动次数", "备注", "是否积案", "合计"}
	if h := r.Header(); !reflect.DeepEqual(h, wantHeader) {
		t.Fatalf("header = %q, want %q", h, wantHeader)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotRow{
		{4, []string{"20220001", "QB04", "2022-10-31 23:59:59", "2022-11-01", "办结", "3", "  前后空格  ", "TRUE", "6"}},
		{5, []string{"00123", "QB05", "2022-10-02 08:05:01.123", "", "办理中", "2.5", "", "FALSE", "AB"}},
		{8, []string{"20220003", "QB04", "2022-10-03", "2022-10-03 09:30:00", "受理", "12", "1234.5678", "", ""}},
		{9, []string{"20220001", "QB06", "", "", "撤回", "-0.5", "1e-07", "", "123456789012345678"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %v\nwant %v", rows, want)
	}
}

func TestXLSXDate1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	minute := newStyle(t, f, 0, "yyyy/m/d h:mm")
	for cell, v := range map[string]any{"A1": "办件编号", "B1": "受理时间", "A2": "X1", "A3": "X2"} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	// Serial numbers in the 1904 system: 0 is 1904-01-01.
	for cell, v := range map[string]float64{"B2": 43403.99998842593, "B3": 0.5} {
		if err := f.SetCellFloat("Sheet1", cell, v, -1, 64); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle("Sheet1", cell, cell, minute); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "1904.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	r, err := OpenXLSX(path, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotRow{{2, []string{"X1", "2022-10-31 23:59:59"}}, {3, []string{"X2", "1904-01-01 12:00:00"}}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
}

func TestXLSXSheetSelection(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet("数据"); err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellValue("Sheet1", "A1", "first")
	_ = f.SetCellValue("数据", "A1", "case_id")
	_ = f.SetCellValue("数据", "A2", "C1")
	path := filepath.Join(t.TempDir(), "sheets.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	r, err := OpenXLSX(path, XLSXOptions{Sheet: "数据"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	r.Close()
	if err != nil || len(rows) != 1 || rows[0].Fields[0] != "C1" || r.Header()[0] != "case_id" {
		t.Fatalf("rows = %v, header %q, err %v", rows, r.Header(), err)
	}
	// "" reads the first visible sheet.
	idx, _ := f.GetSheetIndex("数据")
	f.SetActiveSheet(idx)
	if err := f.SetSheetVisible("Sheet1", false); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(t.TempDir(), "hidden.xlsx")
	if err := f.SaveAs(hidden); err != nil {
		t.Fatal(err)
	}
	r, err = OpenXLSX(hidden, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := r.Header(); len(h) != 1 || h[0] != "case_id" {
		t.Errorf("first visible sheet: header %q", h)
	}
	r.Close()
	_, err = OpenXLSX(path, XLSXOptions{Sheet: "Data"})
	e := asError(t, err)
	if !strings.Contains(e.Msg, `"Data"`) || !strings.Contains(e.Msg, `"Sheet1", "数据"`) {
		t.Errorf("unknown sheet error = %v", err)
	}
}

func TestXLSXNoHeader(t *testing.T) {
	path := writeCaseWorkbook(t, t.TempDir())
	_, err := OpenXLSX(path, XLSXOptions{IsHeader: func([]string) bool { return false }})
	e := asError(t, err)
	if !strings.Contains(e.Error(), "no header row found in the first 20 rows") || !strings.Contains(e.Error(), "办件编号") {
		t.Errorf("error = %v", err)
	}
	// The header on row 3 is out of reach with MaxHeaderScan 2.
	_, err = OpenXLSX(path, XLSXOptions{MaxHeaderScan: 2, IsHeader: func(c []string) bool { return c[0] == "办件编号" }})
	if e := asError(t, err); !strings.Contains(e.Msg, "first 2 rows") {
		t.Errorf("error = %v", err)
	}
}

func TestXLSXMalformed(t *testing.T) {
	dir := t.TempDir()
	good := writeCaseWorkbook(t, dir)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	xlsHead := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 1024)...)
	encrypted := filepath.Join(dir, "secret.xlsx")
	{
		f := excelize.NewFile()
		_ = f.SetCellValue("Sheet1", "A1", "case_id")
		if err := f.SaveAs(encrypted, excelize.Options{Password: "pw"}); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for _, tc := range []struct {
		path string
		want string
	}{
		{write("half.xlsx", data[:len(data)/2]), "not a valid XLSX file (zip: not a valid zip file)"},
		{write("empty.xlsx", nil), "not a valid XLSX file (the file is empty)"},
		{write("text.xlsx", []byte("case_id,item_code\n1,2\n")), "not a valid XLSX file (zip: "},
		{write("old.xls", xlsHead), "old Excel 97-2003 .xls file"},
		{write("page.xls", []byte("<html><table><tr><td>1</td></tr></table></html>")), "HTML/XML page saved with an .xls name"},
		{encrypted, "password-protected"},
	} {
		_, err := OpenXLSX(tc.path, XLSXOptions{})
		e := asError(t, err)
		if e.Path != tc.path || !strings.Contains(e.Error(), tc.want) {
			t.Errorf("%s: error = %v, want it to contain %q", filepath.Base(tc.path), err, tc.want)
		}
		if !strings.HasPrefix(e.Error(), tc.path+": ") {
			t.Errorf("error %q does not start with the path", e.Error())
		}
	}
	if _, err := OpenXLSX(filepath.Join(dir, "missing.xlsx"), XLSXOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// rawWorkbook writes a workbook from hand-written XML parts, for cases
// excelize does not produce (prefixed namespaces, inline strings, phonetic
// runs, missing cell references, escaped control characters).
func rawWorkbook(t testing.TB, dir, name string, parts map[string]string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	base := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	}
	for k, v := range parts {
		base[k] = v
	}
	for k, v := range base {
		w, err := zw.Create(k)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

const rawStyles = `<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot; h:mm"/><numFmt numFmtId="165" formatCode="#,##0.00_);[Red]\(#,##0.00\);&quot;days&quot;"/><numFmt numFmtId="166" formatCode="[h]:mm"/></numFmts>
<dxfs><dxf><numFmt numFmtId="167" formatCode="yyyy"/></dxf></dxfs>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="31"/><xf numFmtId="49"/><xf numFmtId="166"/></cellXfs>
</styleSheet>`

func TestXLSXRawParts(t *testing.T) {
	sst := `<?xml version="1.0" encoding="UTF-8"?><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<x:si><x:t>办件编号</x:t></x:si>
<x:si><x:r><x:t xml:space="preserve">受理</x:t></x:r><x:r><x:rPr><x:b/></x:rPr><x:t>时间</x:t></x:r><x:rPh sb="0" eb="2"><x:t>ジュリ</x:t></x:rPh></x:si>
<x:si><x:t>line1_x000D_&#10;line2 _x005F_x0041_</x:t></x:si>
<x:si><x:t>备注</x:t></x:si></x:sst>`
	sheet := `<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref="A1:E9"/><x:sheetData>
<x:row r="2"><x:c t="s"><x:v>0</x:v></x:c><x:c t="s"><x:v>1</x:v></x:c><x:c t="inlineStr"><x:is><x:t>状态</x:t></x:is></x:c><x:c r="D2" t="s"><x:v>3</x:v></x:c><x:c r="E2" t="str"><x:f>"x"</x:f><x:v>extra</x:v></x:c></x:row>
<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:r><x:t>0</x:t></x:r><x:r><x:t>07</x:t></x:r></x:is></x:c><x:c r="B3" s="1"><x:v>44865.999988425923</x:v></x:c><x:c r="C3" t="e"><x:v>#N/A</x:v></x:c><x:c r="D3" t="s"><x:v>2</x:v></x:c></x:row>
<x:row r="4" spans="1:5"><x:c r="A4" s="2"><x:v>1234.5</x:v></x:c><x:c r="B4" s="3"><x:v>44865</x:v></x:c><x:c r="C4" t="b"><x:v>0</x:v></x:c><x:c r="D4" t="d"><x:v>2022-10-31T23:59:59.5</x:v></x:c><x:c r="E4"/></x:row>
<x:row r="5"><x:c r="B5" s="4"><x:v>7</x:v></x:c><x:c r="C5" s="5"><x:v>1.5</x:v></x:c><x:c r="D5" s="9"><x:v>45000</x:v></x:c><x:c r="F5" t="str"><x:v></x:v></x:c><x:c r="G5"><x:f>1+1</x:f></x:c></x:row>
<x:row><x:c r="A6"><x:v>2.0220001E+07</x:v></x:c><x:c><x:v>-0</x:v></x:c><x:c t="d"><x:v>2022-10-31</x:v></x:c></x:row>
</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A9:B9"/></x:mergeCells></x:worksheet>`
	path := rawWorkbook(t, t.TempDir(), "raw.xlsx", map[string]string{
		"xl/styles.xml":            rawStyles,
		"xl/sharedStrings.xml":     sst,
		"xl/worksheets/sheet1.xml": sheet,
	})
	r, err := OpenXLSX(path, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h := r.Header(); !reflect.DeepEqual(h, []string{"办件编号", "受理时间", "状态", "备注", "extra"}) {
		t.Fatalf("header = %q", h)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotRow{
		{3, []string{"007", "2022-10-31 23:59:59", "#N/A", "line1\r\nline2 _x0041_", ""}},
		{4, []string{"1234.5", "2022-10-31", "FALSE", "2022-10-31 23:59:59.500", ""}},
		{5, []string{"", "7", "1900-01-01 12:00:00", "45000", ""}},
		{6, []string{"20220001", "0", "2022-10-31", "", ""}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %v\nwant %v", rows, want)
	}
}

func TestXLSXBeyondHeader(t *testing.T) {
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>case_id</t></is></c><c r="B1" t="inlineStr"><is><t>status</t></is></c></row>
<row r="2"><c r="A2"><v>1</v></c><c r="M2" t="inlineStr"><is><t>  </t></is></c></row>
<row r="12"><c r="A12"><v>2</v></c><c r="N12" t="inlineStr"><is><t>stray</t></is></c></row>
</sheetData></worksheet>`
	path := rawWorkbook(t, t.TempDir(), "wide.xlsx", map[string]string{"xl/worksheets/sheet1.xml": sheet})
	r, err := OpenXLSX(path, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := readAll(t, r)
	if len(rows) != 1 || rows[0].Line != 2 {
		t.Errorf("rows before the error = %v", rows)
	}
	e := asError(t, err)
	if e.Line != 12 || e.Column != 14 || !strings.Contains(e.Error(), "wide.xlsx: row 12, column N: a value (5 characters) beyond the last header column") || strings.Contains(e.Error(), "stray") {
		t.Errorf("error = %v", err)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Errorf("error is not sticky: %v", err2)
	}
}

func TestXLSXDamagedSheet(t *testing.T) {
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c t="inlineStr"><is><t>case_id</t></is></c></row>
<row r="2"><c><v>1</v></c></row>
<row r="3"><c><v>2</v>`
	path := rawWorkbook(t, t.TempDir(), "cut.xlsx", map[string]string{"xl/worksheets/sheet1.xml": sheet})
	r, err := OpenXLSX(path, XLSXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := readAll(t, r)
	e := asError(t, err)
	if len(rows) != 1 || e.Line != 3 || !strings.Contains(e.Msg, "damaged") {
		t.Errorf("rows %v, error %v", rows, err)
	}
	// A shared string index that does not exist.
	sheet = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="B1" t="s"><v>5</v></c></row></sheetData></worksheet>`
	path = rawWorkbook(t, t.TempDir(), "sst.xlsx", map[string]string{"xl/worksheets/sheet1.xml": sheet})
	_, err = OpenXLSX(path, XLSXOptions{})
	if e := asError(t, err); e.Line != 1 || e.Column != 2 || !strings.Contains(e.Error(), "row 1, column B: the workbook is damaged") {
		t.Errorf("error = %v", err)
	}
	// Not a workbook: a zip without xl/workbook.xml.
	path = rawWorkbook(t, t.TempDir(), "doc.xlsx", map[string]string{"word/document.xml": "<w/>", "_rels/.rels": "<Relationships/>", "xl/workbook.xml": ""})
	_, err = OpenXLSX(path, XLSXOptions{})
	if err == nil {
		t.Fatal("want error")
	}
	asError(t, err)
}

func TestXLSXEmptySheet(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	path := filepath.Join(t.TempDir(), "empty.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	_, err := OpenXLSX(path, XLSXOptions{})
	if e := asError(t, err); !strings.Contains(e.Msg, "no header row found") {
		t.Errorf("error = %v", err)
	}
}

func TestSerialToText(t *testing.T) {
	for _, tc := range []struct {
		v        float64
		date1904 bool
		want     string
	}{
		{44865.99998842593, false, "2022-10-31 23:59:59"},
		{44865.999988425923, false, "2022-10-31 23:59:59"},
		{44865, false, "2022-10-31"},
		{44865.5, false, "2022-10-31 12:00:00"},
		{44865 + 0.123/86400, false, "2022-10-31 00:00:00.123"},
		{44865.9999999999, false, "2022-11-01"}, // rounds to the next day
		{43403.99998842593, true, "2022-10-31 23:59:59"},
		{0, true, "1904-01-01"},
		{1, false, "1900-01-01"},
		{59, false, "1900-02-28"},
		{60, false, "1900-02-29"},
		{61, false, "1900-03-01"},
		{0.75, false, "18:00:00"},
		{0, false, "00:00:00"},
		{2958465, false, "9999-12-31"},
	} {
		got, ok := serialToText(tc.v, tc.date1904)
		if !ok || got != tc.want {
			t.Errorf("serialToText(%v, %v) = %q, %v; want %q", tc.v, tc.date1904, got, ok, tc.want)
		}
	}
	for _, v := range []float64{-1, math.NaN(), math.Inf(1), 2958466, 1e300} {
		if got, ok := serialToText(v, false); ok {
			t.Errorf("serialToText(%v) = %q, want not ok", v, got)
		}
	}
}

func TestNumberText(t *testing.T) {
	for in, want := range map[string]string{
		"20220001": "20220001", "2.0220001E+07": "20220001", "3.0": "3", "2.5": "2.5", "-0": "0",
		"007": "7", "-0.5": "-0.5", "1E-3": "0.001", "1E-7": "1e-07",
		"123456789012345678901": "123456789012345678901", "1e21": "1e+21", "0.30000000000000004": "0.30000000000000004",
		"abc": "abc", " 42 ": "42",
	} {
		if got := numberText(in); got != want {
			t.Errorf("numberText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsDateFormatCode(t *testing.T) {
	for code, want := range map[string]bool{
		"yyyy-mm-dd hh:mm": true, `yyyy"年"m"月"d"日"`: true, "[$-804]yyyy/m/d": true, "h:mm AM/PM": true,
		"[h]:mm": true, "[ss]": true, "mm:ss.0": true, "General": false, "0.00": false, `0 "days"`: false,
		`#,##0.00_);[Red]\(#,##0.00\)`: false, "@": false, `\d0`: false, "[Red]0%": false, `_(* #,##0_)`: false,
		"0.00E+00": false, `"yyyy"`: false,
	} {
		if got := isDateFormatCode(code); got != want {
			t.Errorf("isDateFormatCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    *Error
		want string
	}{
		{sheetErrorf("incoming/a.xlsx", 7, 0, "bad"), "incoming/a.xlsx: row 7: bad"},
		{sheetErrorf("a.xlsx", 12, 14, "x"), "a.xlsx: row 12, column N: x"},
		{errorf("x.json", 3, 15, "y"), "x.json: line 3, column 15: y"},
		{errorf("x.json", 3, 0, "y"), "x.json: line 3: y"},
		{&Error{Path: "x.xlsx", Msg: "not a valid XLSX file (zip: not a valid zip file)"}, "x.xlsx: not a valid XLSX file (zip: not a valid zip file)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// FuzzXLSXSerial checks that serial numbers convert without panicking and that
// the text reads back as the serial rounded to the millisecond.
func FuzzXLSXSerial(f *testing.F) {
	for _, v := range []float64{0, 0.5, 1, 59, 60, 61, 44865.99998842593, 2958465.9999999, -1, 1e20} {
		f.Add(v, false)
		f.Add(v, true)
	}
	f.Fuzz(func(t *testing.T, v float64, date1904 bool) {
		got, ok := serialToText(v, date1904)
		if !ok {
			if v >= 0 && v < 2957000 {
				t.Fatalf("serialToText(%v, %v) not ok", v, date1904)
			}
			return
		}
		ms := int64(math.Round(v * msPerDay))
		days, rem := ms/msPerDay, ms%msPerDay
		var datePart, clock string
		switch {
		case !strings.Contains(got, "-"):
			clock = got
			if days != 0 {
				t.Fatalf("serialToText(%v) = %q: time only for day %d", v, got, days)
			}
		default:
			datePart, clock, _ = strings.Cut(got, " ")
		}
		if datePart != "" {
			var wantDate string
			switch {
			case date1904:
				wantDate = time.Date(1904, 1, 1+int(days), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			case days == 60:
				wantDate = "1900-02-29"
			case days < 60:
				wantDate = time.Date(1899, 12, 31+int(days), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			default:
				wantDate = time.Date(1899, 12, 30+int(days), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
			}
			if datePart != wantDate {
				t.Fatalf("serialToText(%v, %v) = %q, want date %s", v, date1904, got, wantDate)
			}
		}
		if clock == "" {
			if rem != 0 {
				t.Fatalf("serialToText(%v) = %q lost the time %dms", v, got, rem)
			}
			return
		}
		c, err := time.Parse("15:04:05.000", clock)
		if err != nil {
			c, err = time.Parse("15:04:05", clock)
		}
		if err != nil {
			t.Fatalf("serialToText(%v) = %q: bad clock: %v", v, got, err)
		}
		if gotMS := int64(c.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)) / time.Millisecond); gotMS != rem {
			t.Fatalf("serialToText(%v) = %q: %dms, want %dms", v, got, gotMS, rem)
		}
		if strings.HasSuffix(clock, ".000") {
			t.Fatalf("serialToText(%v) = %q: zero milliseconds printed", v, got)
		}
	})
}

// BenchmarkXLSX reads a generated 100k-row sheet and reports rows/s.
func BenchmarkXLSX(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "big.xlsx")
	f := excelize.NewFile()
	minute := newStyle(b, f, 0, "yyyy-mm-dd hh:mm")
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"办件编号", "事项编码", "受理时间", "办结时间", "办理状态", "办理渠道", "侨居国", "跑动次数"})
	base := time.Date(2022, 1, 1, 8, 0, 0, 0, time.UTC)
	statuses := []string{"办结", "受理", "办理中", "不予受理"}
	for i := range n {
		recv := base.Add(time.Duration(i) * 97 * time.Second)
		err := sw.SetRow(fmt.Sprintf("A%d", i+2), []any{
			20220000 + i, fmt.Sprintf("QB%02d", i%8+1),
			excelize.Cell{StyleID: minute, Value: recv},
			excelize.Cell{StyleID: minute, Value: recv.Add(26 * time.Hour)},
			statuses[i%4], "窗口", "美国", i % 3,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		r, err := OpenXLSX(path, XLSXOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows++
		}
		r.Close()
	}
	if rows%n != 0 {
		b.Fatalf("read %d rows", rows)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func (r gotRow) String() string { return fmt.Sprintf("{%d %q}", r.Line, r.Fields) }
