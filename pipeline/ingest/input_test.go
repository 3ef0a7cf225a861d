package ingest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestPullFractionalSeconds: SQL Server datetime2 text (seven digits), nine digits without an
// offset, and a Parquet TIMESTAMP(NANOS) column — what pandas writes by default — are
// accepted and kept to the microsecond (issue 8, point 8).
func TestPullFractionalSeconds(t *testing.T) {
	p := newProject(t, "")
	csvPath := p.file("datetime2.csv", "case_id,item_code,received_at,completed_at,status\n"+
		"F1,QB01,2022-10-31 23:59:59.1234567,2022-11-01 08:00:00.0000001,completed\n"+
		"F2,QB01,2022-10-31T09:00:00.123456789,,received\n")
	pqPath := filepath.Join(p.dir, "ns.parquet")
	if _, err := p.w.DB.Exec(`COPY (SELECT 'F3' AS case_id, 'QB01' AS item_code,
		TIMESTAMP_NS '2022-10-31 23:59:59.999999999' AS received_at, 'received' AS status) TO '` + pqPath + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	if lt := p.one(`SELECT logical_type::VARCHAR FROM parquet_schema('` + pqPath + `') WHERE name = 'received_at'`); !strings.Contains(lt, "NANOS=NanoSeconds()") {
		t.Fatalf("the test file's column is not TIMESTAMP(NANOS): %s", lt)
	}
	res := p.pull(Options{}, csvPath, pqPath)
	for _, f := range res.Files {
		if f.Status != "pulled" || f.Rejected != 0 || f.RowsRead != f.Accepted {
			t.Fatalf("%s: %+v, rejects %v", f.Path, f, p.rows(`SELECT source_file, source_line, reason FROM rejects`))
		}
	}
	got := flat(p.rows(`SELECT case_id, strftime(received_at AT TIME ZONE 'Asia/Shanghai', '%Y-%m-%d %H:%M:%S.%f'),
		coalesce(strftime(completed_at AT TIME ZONE 'Asia/Shanghai', '%H:%M:%S.%f'), '-') FROM cases ORDER BY case_id`))
	want := []string{
		"F1,2022-10-31 23:59:59.123456,08:00:00.000000",
		"F2,2022-10-31 09:00:00.123456,-",
		"F3,2022-10-31 23:59:59.999999,-",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cases\n got %v\nwant %v", got, want)
	}
}

// linesAccountedFor checks that every version of every row of file — in cases, superseded
// or rejects — carries the line its case id names ('L' || line).
func (p *project) linesAccountedFor(file string) {
	p.t.Helper()
	q := `SELECT count(*) FROM (SELECT case_id, source_line FROM cases WHERE source_file = ?
		UNION ALL SELECT case_id, source_line FROM superseded WHERE source_file = ?
		UNION ALL SELECT case_id, source_line FROM rejects WHERE source_file = ?) WHERE case_id <> 'L' || source_line`
	if bad := p.one(q, file, file, file); bad != "0" {
		p.t.Errorf("%s: %s rows with a wrong source_line", file, bad)
	}
}

// checkPulled checks a file's result: pulled, rows read = the file's real row count =
// accepted + superseded + rejected.
func checkPulled(t *testing.T, f FileResult, rows int64) {
	t.Helper()
	if f.Status != "pulled" || f.RowsRead != rows || f.RowsRead != f.Accepted+f.Superseded+f.Rejected {
		t.Errorf("%s: want pulled with %d rows accounted for, got %+v", f.Path, rows, f)
	}
}

// crLines is a CSV body with CR-only line ends over several MiB: quoted fields with a CR
// (Mac Excel's cell line break in such a file), with an LF, and with CRLF, blank lines, and a
// reject. Each case id names the line its record starts on. It returns the text and the
// number of rows.
func crLines(header string, n int) (string, int64) {
	var b strings.Builder
	b.WriteString(header + "\r")
	line := 2
	for i := 0; i < n; i++ {
		switch i % 997 {
		case 1:
			fmt.Fprintf(&b, "L%d,QB01,2022-10-01 09:00,received,\"two\rlines\"\r", line)
			line += 2
		case 2:
			fmt.Fprintf(&b, "L%d,QB01,2022-10-01 09:00,received,\"two\nlines\"\r", line)
			line += 2
		case 3:
			fmt.Fprintf(&b, "L%d,QB01,2022-10-01 09:00,received,\"two\r\nlines\"\r\r", line) // and a blank line
			line += 3
		case 4:
			fmt.Fprintf(&b, "L%d,QB01,2022-10-01 09:00,bogus,城关镇\r", line)
			line++
		default:
			fmt.Fprintf(&b, "L%d,QB01,2022-10-01 09:00,received,城关镇\r", line)
			line++
		}
	}
	return b.String(), int64(n)
}

// TestPullCROnly: a CSV saved with classic Mac line ends (CR only) is pulled with every row
// and its line — UTF-8 with a BOM and GB18030 — instead of being read as one header record
// and recorded as "pulled, 0 rows" (issue 8, point 3).
func TestPullCROnly(t *testing.T) {
	p := newProject(t, "")
	text, n := crLines("case_id,item_code,received_at,status,district", 25_000)
	utf := p.file("mac-utf8.csv", "\ufeff"+text)
	gb := p.gb18030("mac-gb.csv", text)
	small := p.file("mac-small.csv", "case_id,item_code,received_at,status,note\rA1,QB01,2022-10-01 09:00,received,x\rA2,QB01,2022-10-02 09:00,received,y\r")
	res := p.pull(Options{Force: true}, utf, gb, small)
	checkPulled(t, res.Files[0], n)
	checkPulled(t, res.Files[1], n)
	checkPulled(t, res.Files[2], 2)
	if res.Files[1].Encoding != "gb18030" || res.Files[0].Rejected != int64(n/997+1) {
		t.Errorf("mac-gb.csv %+v, mac-utf8.csv %+v", res.Files[1], res.Files[0])
	}
	p.linesAccountedFor("mac-utf8.csv")
	p.linesAccountedFor("mac-gb.csv")
	if got := p.one(`SELECT district || '|' || (SELECT raw->>'district' FROM rejects WHERE source_file = 'mac-gb.csv' LIMIT 1) FROM cases WHERE case_id = 'L2'`); got != "城关镇|城关镇" {
		t.Errorf("district: %s", got)
	}
	// A CR inside a quoted field is a line break in a CR-only file; it becomes LF.
	if got := p.one(`SELECT district FROM cases WHERE source_file = 'mac-gb.csv' AND case_id = 'L3'`); got != "two\nlines" {
		t.Errorf("quoted CR: %q", got)
	}
	// A file whose rows cannot be told apart is never taken as a header with no rows: a
	// header that swallowed a CR (mixed line ends) is an error naming its line.
	mixed := p.file("mixed.csv", "case_id,item_code,received_at,status,note\rA1,QB01,2022-10-01 09:00,received,x\rA2,QB01,2022-10-02 09:00,received,y\nA3,QB01,2022-10-02 09:00,received,z\n")
	res, err := p.tryPull(Options{}, mixed)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; f.Status != "failed" || !strings.Contains(f.Error, "mixed.csv: line 1: the header row has a carriage return") {
		t.Errorf("mixed line ends: %+v", f)
	}
	if n := p.one(`SELECT count(*) FROM ingest_files WHERE path = 'mixed.csv'`); n != "0" {
		t.Errorf("a refused file entered the ledger: %s", n)
	}
}

// TestEncodingErrors: a byte that is invalid in the file's encoding is an error naming the
// file, the line and the byte offset; nothing of the file is loaded and it does not enter the
// ledger (issue 8, point 4).
func TestEncodingErrors(t *testing.T) {
	p := newProject(t, "sources:\n  - name: gb\n    path: gb/*.csv\n    encoding: gb18030\n  - name: gbk\n    path: gbk/*.csv\n    encoding: gbk\n  - name: u8\n    path: u8/*.csv\n    encoding: utf-8\n")
	gbBytes := func(s string) string {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	head := "case_id,item_code,received_at,status,district\nA1,QB01,2022-10-01 09:00,received,城关镇\n"
	stray := head + "A2,QB01,2022-10-01 09:00,received,caf\xe9 城关镇\n"
	gbBad := gbBytes(head) + "A2,QB01,2022-10-01 09:00,received," + gbBytes("城关") + "\x81\x20\n"
	gbkBad := gbBytes(head) + "A2,QB01,2022-10-01 09:00,received," + gbBytes("𠮷") + "\n"
	latin := head[:strings.Index(head, "\n")+1] + "A1,QB01,2022-10-01 09:00,received,Jos\xe9,\n"
	cases := []struct {
		name, content, want string
		at                  int
	}{
		{"stray.csv", stray, "not valid UTF-8 at byte offset %d (byte 0xE9), while the rest of the file is UTF-8", strings.Index(stray, "caf\xe9") + 3},
		{"u8/stray.csv", stray, "not valid UTF-8 at byte offset %d (byte 0xE9); the source says encoding: utf-8", strings.Index(stray, "caf\xe9") + 3},
		{"gb/bad.csv", gbBad, "not valid GB18030 at byte offset %d (bytes 0x81 0x20)", strings.Index(gbBad, "\x81\x20")},
		{"gbk/bad.csv", gbkBad, "not valid GBK at byte offset %d", strings.LastIndex(gbkBad, gbBytes("𠮷"))},
		{"latin1.csv", latin, "not valid GB18030 at byte offset %d (bytes 0xE9 0x2C); the file is neither UTF-8", strings.Index(latin, "Jos\xe9") + 3},
	}
	var paths []string
	for _, c := range cases {
		paths = append(paths, p.file(c.name, c.content))
	}
	res, err := p.tryPull(Options{}, paths...)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		f := res.Files[i]
		line := strings.Count(c.content[:c.at], "\n") + 1
		want := fmt.Sprintf("%s: line %d: "+c.want, c.name, line, c.at)
		if f.Status != "failed" || !strings.HasPrefix(f.Error, want) {
			t.Errorf("%s:\n got %s %s\nwant %s…", c.name, f.Status, f.Error, want)
		}
	}
	if n := p.one(`SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM rejects) + (SELECT count(*) FROM ingest_files)`); n != "0" {
		t.Errorf("refused files left %s rows", n)
	}
	// A GB18030 file with a real U+FFFD (84 31 A4 37) and the euro sign at 0x80 is valid;
	// encoding: gb2312 reads GB18030.
	p2 := newProject(t, "sources:\n  - name: old\n    path: old/*.csv\n    encoding: gb2312\n")
	ok := p2.file("ok.csv", gbBytes("case_id,item_code,received_at,status,district\nA1,QB01,2022-10-01 09:00,received,城关\ufffd镇\n")+"A2,QB01,2022-10-01 09:00,received,\x80\n")
	old := p2.file("old/a.csv", gbBytes("办件编号,事项编码,受理时间,办理状态\nG1,QB01,2022-10-01 09:00,受理\n"))
	res = p2.pull(Options{}, ok, old)
	checkPulled(t, res.Files[0], 2)
	checkPulled(t, res.Files[1], 1)
	if got := p2.one(`SELECT string_agg(district, '|' ORDER BY case_id) FROM cases WHERE source_file = 'ok.csv'`); got != "城关\ufffd镇|€" {
		t.Errorf("districts: %q", got)
	}
	if f := res.Files[1]; f.Encoding != "gb18030" {
		t.Errorf("gb2312: %+v", f)
	}
}

// TestPullUTF16: Excel's "Unicode text" (UTF-16LE with a BOM, tab-separated, CRLF, quoted
// fields with tabs, quotes and line breaks, characters outside the BMP) and UTF-16BE are
// pulled with every row; an unpaired surrogate is an error with its line and byte offset;
// UTF-16 without a BOM is named as such, and pulls with encoding: utf-16le (issue 8, point 4).
func TestPullUTF16(t *testing.T) {
	p := newProject(t, "sources:\n  - name: u\n    path: u16/*.txt\n    encoding: utf-16le\n")
	var b strings.Builder
	b.WriteString("办件编号\t事项编码\t受理时间\t办结时间\t办理状态\t乡镇街道\t备注\r\n")
	line, n := 2, int64(0)
	for i := 0; i < 12_000; i++ {
		n++
		switch i % 1000 {
		case 7:
			fmt.Fprintf(&b, "L%d\tQB01\t2022/10/1 9:00\t\t受理\t𠮷野\t\"tab\there, \"\"quoted\"\"\nand a line\"\r\n", line)
			line += 2
		case 8:
			fmt.Fprintf(&b, "L%d\tQB01\t2022/10/1 9:00\t\t办结\t城关镇\t\r\n", line) // final without completed_at: rejected
			line++
		default:
			fmt.Fprintf(&b, "L%d\tQB01\t2022/10/1 9:00\t2022/10/2 9:00\t办结\t城关镇\t\r\n", line)
			line++
		}
	}
	text := b.String()
	le := p.file("unicode-text.txt", string(utf16Bytes(text, false, true)))
	be := p.file("utf16be.csv", string(utf16Bytes(strings.ReplaceAll(text, "\t", ","), true, true)))
	noBOM := p.file("u16/nobom.txt", string(utf16Bytes(text, false, false)))
	res := p.pull(Options{Force: true}, le, be, noBOM)
	for i, enc := range []string{"utf-16le", "utf-16be", "utf-16le"} {
		checkPulled(t, res.Files[i], n)
		if res.Files[i].Encoding != enc || res.Files[i].Rejected != 12 {
			t.Errorf("%s: %+v", res.Files[i].Path, res.Files[i])
		}
		p.linesAccountedFor(res.Files[i].Path)
	}
	if got := p.one(`SELECT district || '|' || (extra->>'备注') FROM cases WHERE case_id = 'L9' AND source_file = 'u16/nobom.txt'`); got != "𠮷野|tab\there, \"quoted\"\nand a line" {
		t.Errorf("L9: %q", got)
	}
	// Without a BOM and without encoding: the file is named as likely UTF-16.
	bad := append(utf16Bytes("case_id\titem_code\treceived_at\tstatus\r\nA1\tQB01\t2022-10-01\treceived\r\n", false, true), 0x00, 0xDC, 'x', 0)
	plain := p.file("nobom.txt", string(utf16Bytes(text, false, false)))
	broken := p.file("broken.txt", string(bad))
	res, err := p.tryPull(Options{Force: true}, plain, broken)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; f.Status != "failed" || !strings.Contains(f.Error, "nobom.txt: contains NUL bytes: it looks like UTF-16 text without a byte order mark; set encoding: utf-16le") {
		t.Errorf("no BOM: %+v", f)
	}
	if f := res.Files[1]; f.Status != "failed" || !strings.HasPrefix(f.Error, fmt.Sprintf("broken.txt: line 3: not valid UTF-16 at byte offset %d (bytes 0x00 0xDC: a low surrogate without its high half)", len(bad)-4)) {
		t.Errorf("unpaired surrogate: %+v", f)
	}
}

// TestEmptyFiles: a file with a valid header (or shape) and no rows is pulled with 0 rows and
// the note "no rows", in every format, and enters the ledger; a file with nothing in it —
// no header, no JSON value — is an error (issue 8, point 10).
func TestEmptyFiles(t *testing.T) {
	p := newProject(t, "")
	x := excelize.NewFile()
	x.SetSheetRow(x.GetSheetName(0), "A2", &[]any{"办件编号", "事项编码", "受理时间", "办理状态"})
	xlsx := filepath.Join(p.dir, "header-only.xlsx")
	if err := x.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	pq := filepath.Join(p.dir, "empty.parquet")
	if _, err := p.w.DB.Exec(`COPY (SELECT 'x' AS case_id, 'QB01' AS item_code, TIMESTAMP '2022-10-01' AS received_at, 'received' AS status WHERE false) TO '` + pq + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	ok := []string{
		p.file("header-only.csv", "\ufeffcase_id,item_code,received_at,status\r\n\r\n"),
		p.file("header-only-cr.csv", "case_id,item_code,received_at,status\r"),
		p.file("header-only.tsv", "case_id\titem_code\treceived_at\tstatus\n"),
		p.file("empty-array.json", " [ ]\n"),
		p.file("empty.ndjson", ""),
		p.file("blank.ndjson", "\n\r\n"),
		xlsx, pq,
	}
	res := p.pull(Options{}, ok...)
	for _, f := range res.Files {
		if f.Status != "pulled" || f.RowsRead != 0 || f.Note != "no rows" {
			t.Errorf("%s: %+v", f.Path, f)
		}
	}
	if n := p.one(`SELECT count(*) FROM ingest_files WHERE rows_read = 0`); n != fmt.Sprint(len(ok)) {
		t.Errorf("ledger has %s empty files, want %d", n, len(ok))
	}
	bad := map[string]string{
		"empty.csv":       "empty.csv: the file is empty; expected a header row",
		"blank.csv":       "blank.csv: the file is empty; expected a header row",
		"empty.json":      "empty.json: the file is empty; expected a JSON array of objects",
		"no-columns.json": "no-columns.json: missing required columns",
		"no-header.csv":   "no-header.csv: missing required columns",
	}
	content := map[string]string{"empty.csv": "", "blank.csv": "\r\n\r\n", "empty.json": "\n", "no-columns.json": "[{}]", "no-header.csv": "foo,bar\n"}
	for name, want := range bad {
		res, err := p.tryPull(Options{Force: true}, p.file(name, content[name]))
		if err != nil {
			t.Fatal(err)
		}
		if f := res.Files[0]; f.Status != "failed" || !strings.HasPrefix(f.Error, want) {
			t.Errorf("%s: %+v, want %q", name, f, want)
		}
	}
}
