package cli

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/caseload/caseload/pipeline/analyst/analysttest"
)

// exportQuery covers the types §9 names: TIMESTAMP WITH TIME ZONE, DATE, BIGINT, DECIMAL,
// VARCHAR, BOOLEAN (and INTEGER, JSON from cases).
const exportQuery = "SELECT *, (coalesce(trips, 0) * 12.5)::DECIMAL(10,2) AS fee FROM cases"

// TestExportMillion: `caseload sql … --format parquet|arrow -o FILE` on a 1,000,000-case
// warehouse; the files read back (DuckDB's read_parquet; arrow-go's IPC reader) with the
// query's types and row count (acceptance 1).
func TestExportMillion(t *testing.T) {
	dir := t.TempDir()
	cfg := analysttest.Project(t, dir, 1_000_000)
	plain, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Exec("SET TimeZone = 'Asia/Shanghai'; ATTACH '" + cfg.Warehouse + "' AS wh (READ_ONLY)"); err != nil {
		t.Fatal(err)
	}
	// The query's own column types, from DuckDB.
	// Parquet has no enum type: cases' ENUM columns (status, channel, applicant_type) are
	// written as text and read back as VARCHAR.
	want := describe(t, plain, strings.Replace(exportQuery, "FROM cases", "FROM wh.cases", 1))
	for i, col := range want {
		if name, ty, _ := strings.Cut(col, " "); strings.HasPrefix(ty, "ENUM(") {
			want[i] = name + " VARCHAR"
		}
	}

	pq := filepath.Join(dir, "cases.parquet")
	if _, errs, code := run(t, dir, "sql", exportQuery, "--format", "parquet", "-o", pq); code != 0 {
		t.Fatalf("parquet: %d %s", code, errs)
	}
	got := describe(t, plain, "SELECT * FROM read_parquet('"+pq+"')")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("parquet types\n got %v\nwant %v", got, want)
	}
	var n int64
	var sum string
	q := "SELECT count(*), sum(hash(case_id, received_at, completed_date, fee, backlog, source_line))::VARCHAR FROM "
	if err := plain.QueryRow(q+"read_parquet('"+pq+"')").Scan(&n, &sum); err != nil || n != 1_000_000 {
		t.Fatalf("parquet rows: %d %v", n, err)
	}
	var wantSum string
	if err := plain.QueryRow(q+"("+strings.Replace(exportQuery, "FROM cases", "FROM wh.cases", 1)+")").Scan(&n, &wantSum); err != nil {
		t.Fatal(err)
	}
	if sum != wantSum {
		t.Errorf("parquet content differs from the query's")
	}

	ar := filepath.Join(dir, "cases.arrow")
	if _, errs, code := run(t, dir, "sql", exportQuery, "--format", "arrow", "-o", ar); code != 0 {
		t.Fatalf("arrow: %d %s", code, errs)
	}
	f, err := os.Open(ar)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ipc.NewFileReader(f, ipc.WithAllocator(memory.DefaultAllocator))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantTypes := map[string]string{
		"case_id": "utf8", "received_at": "timestamp[us, tz=Asia/Shanghai]", "received_date": "date32",
		"source_line": "int64", "fee": "decimal(10, 2)", "backlog": "bool", "trips": "int32", "extra": "utf8",
	}
	s := r.Schema()
	for name, typ := range wantTypes {
		idx := s.FieldIndices(name)
		if len(idx) != 1 || s.Field(idx[0]).Type.String() != typ {
			t.Errorf("arrow %s: %v, want %s", name, idx, typ)
		}
	}
	if s.NumFields() != len(want) {
		t.Errorf("arrow: %d fields, want %d", s.NumFields(), len(want))
	}
	var rows int64
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			t.Fatal(err)
		}
		rows += rec.NumRows()
		if i == 0 {
			ts := rec.Column(s.FieldIndices("received_at")[0]).(interface {
				Value(int) arrow.Timestamp
			}).Value(0)
			var local string
			plain.QueryRow("SELECT strftime(make_timestamptz(?::BIGINT), '%Y-%m-%d %H:%M:%S') ", int64(ts)).Scan(&local)
			var first string
			plain.QueryRow("SELECT strftime(received_at, '%Y-%m-%d %H:%M:%S') FROM wh.cases LIMIT 1").Scan(&first)
			if local != first {
				t.Errorf("arrow timestamp %d = %s, want %s", ts, local, first)
			}
		}
	}
	if rows != 1_000_000 {
		t.Errorf("arrow rows: %d", rows)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".caseload", "tmp")); len(entries) != 0 {
		t.Errorf("scratch files left: %v", entries)
	}
}

func describe(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query("DESCRIBE " + q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		out = append(out, vals[0].(string)+" "+vals[1].(string))
	}
	return out
}

// TestExportXLSX: the workbook read back with openpyxl: dates are dates (TIMESTAMPTZ as the
// office's local date-time), numbers numbers, text text, the header frozen and styled, CJK
// columns wider; results past 1,048,575 rows continue on a second sheet (acceptance 1).
func TestExportXLSX(t *testing.T) {
	py := testtool.Python(t, "python3-openpyxl", "openpyxl")
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	out := filepath.Join(dir, "x.xlsx")
	q := `SELECT case_id, received_at, received_at::DATE AS d, 42::BIGINT AS n, 12.50::DECIMAL(10,2) AS fee,
		true AS ok, '华侨身份证明（长文本）' AS 名称, '=1+1' AS formula, NULL AS nothing,
		9007199254740993::BIGINT AS big FROM cases`
	if _, errs, code := run(t, dir, "sql", q, "--format", "xlsx", "-o", out); code != 0 {
		t.Fatalf("xlsx: %d %s", code, errs)
	}
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb.active
out = {"sheets": wb.sheetnames, "freeze": ws.freeze_panes, "bold": ws["A1"].font.b,
       "fill": ws["A1"].fill.fgColor.rgb, "header": [c.value for c in ws[1]],
       "row": [[type(c.value).__name__, str(c.value), c.number_format] for c in ws[2]],
       "widths": {k: v.width for k, v in ws.column_dimensions.items()}}
print(json.dumps(out))
`
	b, err := exec.Command(py, "-c", script, out).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v %s", err, b)
	}
	var got struct {
		Sheets []string
		Freeze string
		Bold   bool
		Fill   string
		Header []string
		Row    [][3]string
		Widths map[string]float64
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	if got.Freeze != "A2" || !got.Bold || got.Fill == "00000000" || len(got.Sheets) != 1 {
		t.Errorf("header: %+v", got)
	}
	want := [][3]string{
		{"str", "A1", "General"},
		{"datetime", "2022-10-01 09:00:00", "yyyy-mm-dd hh:mm:ss"}, // 09:00 local, not 01:00 UTC
		{"datetime", "2022-10-01 00:00:00", "yyyy-mm-dd"},
		{"int", "42", "0"},
		{"float", "12.5", "0.00"},
		{"bool", "True", "General"},
		{"str", "华侨身份证明（长文本）", "General"},
		{"str", "=1+1", "General"}, // text, not a formula
		{"NoneType", "None", "General"},
		{"str", "9007199254740993", "@"}, // beyond 2^53: text, every digit kept
	}
	for i, w := range want {
		if i >= len(got.Row) || got.Row[i][0] != w[0] || got.Row[i][1] != w[1] || (w[2] != "General" && got.Row[i][2] != w[2]) {
			t.Errorf("column %s: got %v, want %v", got.Header[i], got.Row[i], w)
		}
	}
	if got.Widths["G"] <= got.Widths["D"] {
		t.Errorf("the CJK column is not wider: %v", got.Widths)
	}

	// Past Excel's row limit: a second sheet with its own header.
	big := filepath.Join(dir, "big.xlsx")
	if _, errs, code := run(t, dir, "sql", "SELECT range AS n FROM range(1048580)", "--format", "xlsx", "-o", big); code != 0 {
		t.Fatalf("big xlsx: %d %s", code, errs)
	}
	// Counted in the sheets' XML (openpyxl takes long over a million rows).
	zr, err := zip.OpenReader(big)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var sheets []string
	for _, zf := range zr.File {
		if zf.Name == "xl/workbook.xml" {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Contains(data, []byte(`name="结果 (2)"`)) {
				t.Errorf("no second sheet named 结果 (2): %s", data)
			}
		}
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		rows := bytes.Count(data, []byte("<row "))
		lastRow := data[bytes.LastIndex(data, []byte("<row ")):]
		lastVal := regexp.MustCompile(`<v>(\d+)</v>`).FindSubmatch(lastRow)
		sheets = append(sheets, fmt.Sprintf("%s %d %s", zf.Name, rows, lastVal[1]))
	}
	sort.Strings(sheets)
	if got := strings.Join(sheets, "\n"); got != "xl/worksheets/sheet1.xml 1048576 1048574\nxl/worksheets/sheet2.xml 6 1048579" {
		t.Errorf("split sheets:\n%s", got)
	}
}

// TestExportSandbox: the exports DuckDB writes itself (Parquet through COPY in a private
// instance) refuse every sandbox escape `caseload sql` refuses, and so do the others.
func TestExportSandbox(t *testing.T) {
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	target := filepath.Join(dir, "written.csv")
	out := filepath.Join(dir, "out.parquet")
	for _, q := range analysttest.Escapes(dir, secret, target) {
		for _, f := range []string{"parquet", "arrow"} {
			if _, _, code := run(t, dir, "sql", q, "--format", f, "-o", out); code == 0 {
				b, _ := os.ReadFile(out)
				t.Errorf("%s (%s): allowed; leaked=%v", q, f, bytes.Contains(b, []byte("s3cret")))
				os.Remove(out)
			}
		}
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("a file was written through SQL")
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("an export was written for a refused statement")
	}
	// A Parquet export of a SELECT cannot reach the export's own scratch directory's
	// neighbours either: files are only readable inside that fresh directory.
	if _, errs, code := run(t, dir, "sql", "SELECT * FROM read_text('"+secret+"')", "--format", "parquet", "-o", out); code == 0 || !strings.Contains(errs, "Permission Error") {
		t.Errorf("read_text through the parquet export: %d %s", code, errs)
	}
}
