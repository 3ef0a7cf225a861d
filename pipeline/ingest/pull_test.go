package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/source"
)

func TestPullMixedFiles(t *testing.T) {
	p := newProject(t, "")
	gb := p.gb18030("a-gb.csv", "办件编号,事项编码,受理时间,办结时间,办理状态,办理渠道,身份类别,侨居国,跑动次数,是否积案,积案起始日期,备注\r\n"+
		"A1,QB01,2022/1/2 8:05,2022/1/2 9:10,办结,窗口,华侨,美国,1,否,,第一行\r\n"+
		"A2,QB02,2022年10月31日 23:50,2022年11月1日 00:10,已办结,打包办,归侨,印尼,0,是,2010-05-01,\r\n"+
		"A3,QB03,2022-10-31 10:00,,办理中,进社区,侨眷,火星,,否,,\"多行\r\n备注\"\r\n"+
		"A4,QB09,2022-10-31 10:00,,办理中,窗口,,,,,,\r\n")
	utf := p.file("b-utf8.csv", "\ufeffcase_id,item_code,received_at,completed_at,status,channel,country,updated_at\r\n"+
		"B1,QB01,2022-10-31T15:59:59Z,2022-10-31T16:30:00Z,completed,window,US,\r\n"+
		"B2,QB01,2022-10-31T23:59:59+08:00,,in_progress,,CAN,\r\n"+
		"A3,QB03,2022-10-31 10:00,2022-11-02 10:00,completed,outreach,JP,2022-11-02 10:00\r\n")
	nd := p.file("c.ndjson", `{"case_id":"C1","item_code":"QB01","received_at":"2022-10-01 09:00","completed_at":"2022-10-01 09:30","status":"completed","trips":2}`+"\n\n"+
		`{"case_id":"C2","item_code":"QB01","received_at":"2022-10-01 09:00","status":"completed"}`+"\n")
	res := p.pull(Options{}, gb, utf, nd)
	want := map[string][4]int64{
		"a-gb.csv":   {4, 2, 1, 1}, // A3 in_progress is superseded by b-utf8.csv's newer version (counted in b's replaced)
		"b-utf8.csv": {3, 3, 0, 0},
		"c.ndjson":   {2, 1, 0, 1},
	}
	_ = want
	for _, f := range res.Files {
		if f.Status != "pulled" {
			t.Fatalf("%s: %s %s", f.Path, f.Status, f.Error)
		}
		if f.RowsRead != f.Accepted+f.Superseded+f.Rejected {
			t.Errorf("%s: ledger does not add up: %+v", f.Path, f)
		}
	}
	got := p.rows(`SELECT path, encoding, rows_read, accepted, superseded, rejected FROM ingest_files ORDER BY file_id`)
	wantLedger := [][]string{
		{"a-gb.csv", "gb18030", "4", "3", "0", "1"},
		{"b-utf8.csv", "utf-8", "3", "3", "0", "0"},
		{"c.ndjson", "NULL", "2", "1", "0", "1"},
	}
	if strings.Join(flat(got), "|") != strings.Join(flat(wantLedger), "|") {
		t.Errorf("ledger\n got %v\nwant %v", got, wantLedger)
	}
	// A3's first version (a-gb.csv line 4, multi-line field) lost to b-utf8.csv line 4.
	if got := p.rows(`SELECT case_id, source_file, source_line, by_line FROM superseded`); len(got) != 1 || strings.Join(got[0], ",") != "A3,a-gb.csv,4,4" {
		t.Errorf("superseded: %v", got)
	}
	cases := p.rows(`SELECT case_id, status, channel, applicant_type, coalesce(country, '-'), country_raw, strftime(received_at AT TIME ZONE 'Asia/Shanghai', '%Y-%m-%d %H:%M:%S'), received_date::VARCHAR, coalesce(completed_date::VARCHAR, '-'), source_file, source_line FROM cases ORDER BY case_id`)
	wantCases := []string{
		"A1 completed window overseas_chinese US 美国 2022-01-02 08:05:00 2022-01-02 2022-01-02 a-gb.csv 2",
		"A2 completed bundle returned ID 印尼 2022-10-31 23:50:00 2022-10-31 2022-11-01 a-gb.csv 3",
		"A3 completed outreach NULL JP JP 2022-10-31 10:00:00 2022-10-31 2022-11-02 b-utf8.csv 4",
		"B1 completed window NULL US US 2022-10-31 23:59:59 2022-10-31 2022-11-01 b-utf8.csv 2",
		"B2 in_progress window NULL CA CAN 2022-10-31 23:59:59 2022-10-31 - b-utf8.csv 3",
		"C1 completed window NULL - NULL 2022-10-01 09:00:00 2022-10-01 2022-10-01 c.ndjson 1",
	}
	for i, w := range wantCases {
		if i >= len(cases) || strings.Join(cases[i], " ") != w {
			t.Errorf("cases[%d]\n got %v\nwant %s", i, cases, w)
			break
		}
	}
	rej := p.rows(`SELECT source_file, source_line, reason, raw->>'事项编码' FROM rejects ORDER BY file_id, source_line`)
	if len(rej) != 2 || strings.Join(rej[0], ",") != "a-gb.csv,6,unknown_item_code,QB09" || rej[1][2] != "final_status_without_completed_at" || rej[1][1] != "3" {
		t.Errorf("rejects: %v", rej)
	}
	if extra := p.one(`SELECT extra->>'备注' FROM cases WHERE case_id = 'A1'`); extra != "第一行" {
		t.Errorf("extra column kept: %q", extra)
	}
	// Pulling again changes nothing.
	before := p.rows(`SELECT count(*), (SELECT count(*) FROM rejects), (SELECT count(*) FROM ingest_files) FROM cases`)
	res = p.pull(Options{}, gb, utf, nd)
	for _, f := range res.Files {
		if f.Status != "skipped" {
			t.Errorf("second pull of %s: %s", f.Path, f.Status)
		}
	}
	after := p.rows(`SELECT count(*), (SELECT count(*) FROM rejects), (SELECT count(*) FROM ingest_files) FROM cases`)
	if strings.Join(before[0], ",") != strings.Join(after[0], ",") {
		t.Errorf("second pull changed the warehouse: %v -> %v", before, after)
	}
}

func TestMalformedFileLoadsNothing(t *testing.T) {
	p := newProject(t, "")
	good := p.file("good.csv", "case_id,item_code,received_at,status\nG1,QB01,2022-10-01,received\n")
	bad := p.file("bad.csv", "case_id,item_code,received_at,status\nX1,QB01,2022-10-01,received\nX2,QB01,\"2022-10-01,received\n")
	nohdr := p.file("nohdr.csv", "foo,bar\n1,2\n")
	res, err := p.tryPull(Options{}, good, bad, nohdr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files[0].Status != "pulled" || res.Files[1].Status != "failed" || res.Files[2].Status != "failed" {
		t.Fatalf("statuses: %+v", res.Files)
	}
	var se *source.Error
	if !errors.As(res.Files[1].Err(), &se) || se.Line != 3 || se.Path != "bad.csv" {
		t.Errorf("bad.csv error should name line 3: %v", res.Files[1].Err())
	}
	if !strings.Contains(res.Files[2].Error, "missing required columns") {
		t.Errorf("nohdr: %s", res.Files[2].Error)
	}
	if n := p.one(`SELECT count(*) FROM cases`); n != "1" {
		t.Errorf("cases: %s", n)
	}
	// --all-or-nothing: nothing at all.
	p2 := newProject(t, "")
	good2 := p2.file("good.csv", "case_id,item_code,received_at,status\nG1,QB01,2022-10-01,received\n")
	bad2 := p2.file("bad.csv", "case_id,item_code\nX1,QB01\n")
	if _, err := p2.tryPull(Options{AllOrNothing: true}, good2, bad2); err == nil {
		t.Fatal("want an error")
	}
	if n := p2.one(`SELECT count(*) FROM cases`); n != "0" {
		t.Errorf("all-or-nothing loaded %s cases", n)
	}
}

func flat(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}

func TestPullXLSXAndParquet(t *testing.T) {
	p := newProject(t, "")
	x := excelize.NewFile()
	sh := x.GetSheetName(0)
	x.SetCellValue(sh, "A1", "示范县侨办 办件导出 2022年10月")
	hdr := []any{"办件编号", "事项编码", "受理时间", "办结时间", "办理状态", "跑动次数"}
	x.SetSheetRow(sh, "A3", &hdr)
	style, _ := x.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	rows := [][]any{
		{"X1", "QB01", time.Date(2022, 10, 31, 23, 59, 59, 0, time.UTC), time.Date(2022, 11, 1, 0, 0, 30, 0, time.UTC), "办结", 2},
		{20220002, "QB02", time.Date(2022, 10, 1, 8, 0, 0, 0, time.UTC), nil, "办理中", nil},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		x.SetSheetRow(sh, cell, &r)
		x.SetCellStyle(sh, fmt.Sprintf("C%d", 4+i), fmt.Sprintf("D%d", 4+i), style)
	}
	xpath := filepath.Join(p.dir, "export.xlsx")
	if err := x.SaveAs(xpath); err != nil {
		t.Fatal(err)
	}
	// Parquet written by DuckDB itself, with real TIMESTAMP and TIMESTAMPTZ columns.
	ppath := filepath.Join(p.dir, "export.parquet")
	if _, err := p.w.DB.Exec(`COPY (SELECT 'P1' AS case_id, 'QB01' AS item_code, TIMESTAMP '2022-10-31 23:59:59' AS received_at,
		TIMESTAMPTZ '2022-10-31 16:30:00+00' AS completed_at, 'completed' AS status, 3 AS trips) TO '` + ppath + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	res := p.pull(Options{}, xpath, ppath)
	for _, f := range res.Files {
		if f.Status != "pulled" || f.Rejected != 0 {
			t.Fatalf("%s: %+v %v", f.Path, f, p.rows(`SELECT * FROM rejects`))
		}
	}
	got := flat(p.rows(`SELECT case_id, strftime(received_at, '%Y-%m-%d %H:%M:%S'), coalesce(strftime(completed_at, '%Y-%m-%d %H:%M:%S'), '-'), coalesce(completed_date::VARCHAR, '-'), coalesce(trips::VARCHAR, '-'), source_line FROM cases ORDER BY case_id`))
	want := []string{
		"20220002,2022-10-01 08:00:00,-,-,-,5",
		"P1,2022-10-31 23:59:59,2022-11-01 00:30:00,2022-11-01,3,1",
		"X1,2022-10-31 23:59:59,2022-11-01 00:00:30,2022-11-01,2,4",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cases\n got %v\nwant %v", got, want)
	}
	// A truncated XLSX is a clear error and loads nothing.
	b, _ := os.ReadFile(xpath)
	cut := p.file("cut.xlsx", string(b[:len(b)/2]))
	res, err := p.tryPull(Options{}, cut)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files[0].Status != "failed" || !strings.Contains(res.Files[0].Error, "cut.xlsx") {
		t.Errorf("truncated xlsx: %+v", res.Files[0])
	}
}

func ptr[T any](v T) *T { return &v }

func TestExplicitEncodings(t *testing.T) {
	p := newProject(t, "sources:\n  - name: gbk\n    path: gbk/*.csv\n    encoding: gbk\n    columns: {办件号: case_id}\n  - name: strict\n    path: strict/*.csv\n    encoding: utf-8\n    columns: {办件号: case_id}\n")
	body := "办件号,事项编码,受理时间,办理状态\r\n甲1,QB01,2022年10月1日 9:00,受理\r\n"
	gbk := p.gb18030("gbk/a.csv", body) // these characters encode identically in GBK and GB18030
	bad := p.gb18030("strict/b.csv", strings.Replace(body, "甲1", "乙2", 1))
	res, err := p.tryPull(Options{}, gbk, bad)
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Files[0]; f.Status != "pulled" || f.Encoding != "gbk" || f.Accepted != 1 {
		t.Errorf("gbk: %+v", f)
	}
	if f := res.Files[1]; f.Status != "failed" || !strings.Contains(f.Error, "strict/b.csv: line 1") || !strings.Contains(f.Error, "not valid UTF-8") {
		t.Errorf("explicit utf-8 on GB18030 bytes: %+v", f)
	}
	if v := p.one(`SELECT case_id || ' ' || strftime(received_at, '%Y-%m-%d %H:%M') FROM cases`); v != "甲1 2022-10-01 09:00" {
		t.Errorf("case: %s", v)
	}
	// Pulling the configured sources (no files named) reads the globs in name order.
	p2 := newProject(t, "sources:\n  - name: a\n    path: in/*.csv\n")
	p2.file("in/2.csv", "case_id,item_code,received_at,status\nZ,QB01,2022-10-01,received\n")
	p2.file("in/1.csv", "case_id,item_code,received_at,status\nZ,QB01,2022-10-01,in_progress\n")
	res = p2.pull(Options{})
	if len(res.Files) != 2 || res.Files[0].Path != "in/1.csv" || p2.one(`SELECT status FROM cases`) != "received" {
		t.Errorf("glob order: %+v", res.Files)
	}
}

// TestLineNumbersLargeFile: DuckDB reads a large CSV in parallel chunks; every row's
// source_line must still be the line where its record starts. Each case id names its own
// line, so any reordering or off-by-one shows. Two files: one plain (line = rowid + 2) and
// one with blank lines and quoted newlines (the record → line map).
func TestLineNumbersLargeFile(t *testing.T) {
	p := newProject(t, "")
	const n = 300_000
	var plain, tricky strings.Builder
	plain.WriteString("case_id,item_code,received_at,status,note\n")
	tricky.WriteString("case_id,item_code,received_at,status,note\n")
	line := 2
	for i := 0; i < n; i++ {
		fmt.Fprintf(&plain, "L%d,QB01,2022-10-01 09:00,received,x\n", i+2)
		switch {
		case i%9973 == 0:
			tricky.WriteString("\n") // a blank line: skipped, but counted
			line++
			fmt.Fprintf(&tricky, "L%d,QB01,2022-10-01 09:00,received,\"two\nlines\"\n", line)
			line += 2
		default:
			fmt.Fprintf(&tricky, "L%d,QB01,2022-10-01 09:00,received,x\n", line)
			line++
		}
	}
	res := p.pull(Options{}, p.file("plain.csv", plain.String()), p.file("tricky.csv", tricky.String()))
	for _, f := range res.Files {
		if f.Status != "pulled" || f.RowsRead != n {
			t.Fatalf("%s: %+v", f.Path, f)
		}
	}
	// Both files carry the same ids for the plain part, so look at every version.
	for _, file := range []string{"plain.csv", "tricky.csv"} {
		q := `SELECT count(*) FROM (SELECT case_id, source_line FROM cases WHERE source_file = ?
			UNION ALL SELECT case_id, source_line FROM superseded WHERE source_file = ?) WHERE case_id <> 'L' || source_line`
		if bad := p.one(q, file, file); bad != "0" {
			t.Errorf("%s: %s rows with a wrong source_line", file, bad)
		}
	}
}

// TestPullLeavesNoTempObjects: staged data does not outlive a pull on the pooled
// connections, whether the pull commits or fails.
func TestPullLeavesNoTempObjects(t *testing.T) {
	p := newProject(t, "")
	p.w.DB.SetMaxOpenConns(2) // the pull's connection and the one the snapshot checkpoints on
	good := p.file("good.csv", "case_id,item_code,received_at,status\nG1,QB01,2022-10-01,received\n")
	bad := p.file("bad.csv", "case_id,item_code\nX1,QB01\n")
	p.pull(Options{}, good)
	if res := p.pull(Options{}, good); res.Files[0].Status != "skipped" {
		t.Fatalf("second pull: %+v", res.Files[0])
	}
	if _, err := p.tryPull(Options{AllOrNothing: true, Force: true}, good, bad); err == nil {
		t.Fatal("want an error")
	}
	p.noTempObjects()
}

// TestSpeculativeLoadFallsBack: a CSV file is read and validated while it is being scanned,
// on the guess (from its first 64 KiB) that it is clean UTF-8. When the scan proves the guess
// wrong, the guess is dropped and the file is pulled the right way, with every row, reason
// and line as a clean pull would give.
func TestSpeculativeLoadFallsBack(t *testing.T) {
	p := newProject(t, "")
	p.w.DB.SetMaxOpenConns(2)
	head := "case_id,item_code,received_at,status,note\n"
	var body strings.Builder
	for i := 0; body.Len() < 70<<10; i++ {
		fmt.Fprintf(&body, "A%d,QB01,2022-10-01 09:00,received,plain ascii text\n", i)
	}
	n := strings.Count(body.String(), "\n")
	cases := []struct {
		name, content string
		rows          int64
		enc           string
	}{
		// UTF-8 for 70 KiB, then GB18030 bytes: the file is GB18030 (its ASCII part reads the same).
		{"late-gb.csv", "", int64(n) + 2, "gb18030"},
		// a quoted newline after 64 KiB: the record-to-line map, not rowid, gives the lines
		{"late-quote.csv", head + body.String() + "Q1,QB01,2022-10-01 09:00,received,\"two\nlines\"\nQ2,QB01,2022-10-01 09:00,在办,x\n", int64(n) + 2, "utf-8"},
		// a row with a field too many after 64 KiB: refused with its line
		{"late-wide.csv", head + body.String() + "W1,QB01,2022-10-01 09:00,received,x,extra\n", 0, ""},
		// a NUL byte after 64 KiB (DuckDB's reader takes it as text): refused as binary
		{"late-nul.csv", head + body.String() + "N1,QB01,2022-10-01 09:00,received,a\x00b\n", 0, ""},
	}
	for _, c := range cases {
		var path string
		if c.name == "late-gb.csv" {
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("G1,QB01,2022-10-01 09:00,办理中,侨\nG2,QB01,2022-10-01 09:00,bad,x\n"))
			if err != nil {
				t.Fatal(err)
			}
			path = p.file(c.name, head+body.String()+string(gb))
		} else {
			path = p.file(c.name, c.content)
		}
		res, err := p.tryPull(Options{}, path)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f := res.Files[0]
		if c.rows == 0 {
			want := fmt.Sprintf("line %d", n+2)
			if c.name == "late-nul.csv" {
				want = "NUL"
			}
			if f.Status != "failed" || !strings.Contains(f.Error, want) {
				t.Errorf("%s: want a refusal naming %s, got %+v", c.name, want, f)
			}
			continue
		}
		if f.Status != "pulled" || f.RowsRead != c.rows || f.Encoding != c.enc {
			t.Fatalf("%s: %+v", c.name, f)
		}
	}
	// the GB18030 rows decoded right, with their lines
	if got := p.one(`SELECT status || ' ' || source_line FROM cases WHERE case_id = 'G1'`); got != fmt.Sprintf("in_progress %d", n+2) {
		t.Errorf("G1: %s", got)
	}
	if got := p.one(`SELECT reason || ' ' || source_line || ' ' || (raw->>'note') FROM rejects WHERE case_id = 'G2'`); got != fmt.Sprintf("bad_status %d x", n+3) {
		t.Errorf("G2: %s", got)
	}
	// after the quoted newline, lines are one more than the record count
	if got := p.one(`SELECT source_line FROM cases WHERE case_id = 'Q2' AND source_file = 'late-quote.csv'`); got != fmt.Sprint(n+4) {
		t.Errorf("Q2 line %s, want %d", got, n+4)
	}
	if bad := p.one(`SELECT count(*) FROM cases WHERE source_file = 'late-quote.csv' AND case_id LIKE 'A%' AND source_line <> replace(case_id, 'A', '')::INT + 2`); bad != "0" {
		t.Errorf("%s rows of late-quote.csv with a wrong line", bad)
	}
	p.noTempObjects()
}

// TestRawRowKeys: a rejected row keeps every column under its header name; names repeated
// (ignoring case) or empty get distinct keys, and extra columns go to cases.extra.
func TestRawRowKeys(t *testing.T) {
	p := newProject(t, "")
	path := p.file("keys.csv", "case_id,item_code,received_at,status,Note,NOTE,,Note (2)\n"+
		"K1,QB01,2022-10-01,received,a,b,c,d\n"+
		"K2,QB01,2022-10-01,bogus,a,b,c,d\n")
	if f := p.pull(Options{}, path).Files[0]; f.Status != "pulled" || f.Accepted != 1 || f.Rejected != 1 {
		t.Fatalf("%+v", f)
	}
	want := `{"case_id":"K2","item_code":"QB01","received_at":"2022-10-01","status":"bogus","Note":"a","NOTE (2)":"b","column_7":"c","Note (2) (2)":"d"}`
	if got := p.one(`SELECT raw::VARCHAR FROM rejects WHERE case_id = 'K2'`); got != want {
		t.Errorf("raw = %s\nwant %s", got, want)
	}
	if got := p.one(`SELECT extra::VARCHAR FROM cases WHERE case_id = 'K1'`); got != `{"Note":"a","NOTE (2)":"b","column_7":"c","Note (2) (2)":"d"}` {
		t.Errorf("extra = %s", got)
	}
}

// TestCapMemory: the merge's memory cap lowers DuckDB's limit only when the configured one is
// higher (or unset), and what it returns sets the configured limit back (DuckDB's default
// when none is configured).
func TestCapMemory(t *testing.T) {
	ctx := context.Background()
	setting := func(conn *sql.Conn) string {
		var v string
		if err := conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit')").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		dsn        string
		configured int64
		during     string
	}{
		{"?memory_limit=1000000000B", 1_000_000_000, "192.0 MiB"},
		{"?memory_limit=100000000B", 100_000_000, "95.3 MiB"},
		{"", 0, "192.0 MiB"},
	} {
		db, err := sql.Open("duckdb", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		before := setting(conn)
		restore, err := capMemory(ctx, conn, c.configured, mergeMemory)
		if err != nil {
			t.Fatal(err)
		}
		if got := setting(conn); got != c.during {
			t.Errorf("%q: during the merge %s, want %s", c.dsn, got, c.during)
		}
		restore()
		if got := setting(conn); got != before {
			t.Errorf("%q: after the merge %s, want %s as before", c.dsn, got, before)
		}
		conn.Close()
		db.Close()
	}
}
