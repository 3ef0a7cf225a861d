package export

import (
	"bytes"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func query(t *testing.T, q string) *sql.Rows {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

const q = `SELECT * FROM (VALUES ('=HYPERLINK("x")', 1::BIGINT, 0.5::DOUBLE, DATE '2022-10-31', 12.50::DECIMAL(10,2), NULL::VARCHAR, '多行
文本', 'nan'::DOUBLE),
	('@SUM(A1)', -2::BIGINT, 2.0::DOUBLE, DATE '2024-02-29', -0.05::DECIMAL(10,2), 'x', '+1', 1.0::DOUBLE)) t(text, n, f, d, dec, nul, multi, bad)`

func TestFormats(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, query(t, q), JSON); err != nil {
		t.Fatal(err)
	}
	want := `[
  {"text":"=HYPERLINK(\"x\")","n":1,"f":0.5,"d":"2022-10-31","dec":12.50,"nul":null,"multi":"多行\n文本","bad":null},
  {"text":"@SUM(A1)","n":-2,"f":2,"d":"2024-02-29","dec":-0.05,"nul":"x","multi":"+1","bad":1}
]
`
	if b.String() != want {
		t.Errorf("json\n got %s\nwant %s", b.String(), want)
	}
	b.Reset()
	if err := Write(&b, query(t, q), CSV); err != nil {
		t.Fatal(err)
	}
	wantCSV := "\ufefftext,n,f,d,dec,nul,multi,bad\r\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",1,0.5,2022-10-31,12.50,,\"多行\r\n文本\",NaN\r\n" + // CRLF inside quotes too
		"'@SUM(A1),-2,2,2024-02-29,-0.05,x,'+1,1\r\n"
	if b.String() != wantCSV {
		t.Errorf("csv\n got %q\nwant %q", b.String(), wantCSV)
	}
	b.Reset()
	if err := Write(&b, query(t, q), NDJSON); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], `{"text":"@SUM(A1)"`) {
		t.Errorf("ndjson: %q", b.String())
	}
	b.Reset()
	if err := Write(&b, query(t, q), Table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "多行⏎文本") || !strings.Contains(b.String(), "(2 rows)") || !strings.Contains(b.String(), "NULL") {
		t.Errorf("table:\n%s", b.String())
	}
}
