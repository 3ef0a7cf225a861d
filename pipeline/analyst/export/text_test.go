package export

import (
	"bytes"
	"database/sql"
	"strings"
	"testing"
	"time"

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
	if _, err := Write(&b, query(t, q), JSON, Options{}); err != nil {
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
	if _, err := Write(&b, query(t, q), CSV, Options{}); err != nil {
		t.Fatal(err)
	}
	wantCSV := "\ufefftext,n,f,d,dec,nul,multi,bad\r\n" +
		"\"'=HYPERLINK(\"\"x\"\")\",1,0.5,2022-10-31,12.50,,\"多行\r\n文本\",NaN\r\n" + // CRLF inside quotes too
		"'@SUM(A1),-2,2,2024-02-29,-0.05,x,'+1,1\r\n"
	if b.String() != wantCSV {
		t.Errorf("csv\n got %q\nwant %q", b.String(), wantCSV)
	}
	b.Reset()
	if _, err := Write(&b, query(t, q), NDJSON, Options{}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(b.String()), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], `{"text":"@SUM(A1)"`) {
		t.Errorf("ndjson: %q", b.String())
	}
	b.Reset()
	if _, err := Write(&b, query(t, q), Table, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `多行\n文本`) || !strings.Contains(b.String(), "(2 rows)") || !strings.Contains(b.String(), "NULL") {
		t.Errorf("table:\n%s", b.String())
	}
}

// TestTSVNeutralised: TSV opens in Excel as CSV does, so formula-looking text is neutralised.
func TestTSVNeutralised(t *testing.T) {
	var b bytes.Buffer
	if _, err := Write(&b, query(t, `SELECT '=HYPERLINK("http://x","y")' AS "=h", '-1' AS s, -1 AS n`), TSV, Options{}); err != nil {
		t.Fatal(err)
	}
	want := "'=h\ts\tn\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\t'-1\t-1\n"
	if b.String() != want {
		t.Errorf("tsv\n got %q\nwant %q", b.String(), want)
	}
}

// TestTableIsSafe: control characters from data (ESC sequences that clear the screen or
// write the clipboard, bidi overrides) reach the terminal only as visible escapes.
func TestTableIsSafe(t *testing.T) {
	var b bytes.Buffer
	q := `SELECT chr(27) || '[2J' || chr(27) || ']52;c;ZXZpbA==' || chr(7) AS "a` + "\x1b" + `b", 'x' || chr(8238) || 'y' AS bidi`
	if _, err := Write(&b, query(t, q), Table, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\u202e") {
		t.Errorf("raw control characters reach the terminal: %q", out)
	}
	for _, want := range []string{`\x1b[2J\x1b]52;c;ZXZpbA==\x07`, `a\x1bb`, `x\u202ey`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestTimestampTZ: TIMESTAMPTZ values are shown in the office timezone in every text format.
func TestTimestampTZ(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	q := `SELECT TIMESTAMPTZ '2022-10-31 15:59:59.5+00' AS ts, TIMESTAMP '2022-10-31 23:59:59' AS local, DATE '2022-10-31' AS d`
	for f, want := range map[Format]string{
		CSV:    "\ufeffts,local,d\r\n2022-10-31 23:59:59.5+08:00,2022-10-31 23:59:59,2022-10-31\r\n",
		TSV:    "ts\tlocal\td\n2022-10-31 23:59:59.5+08:00\t2022-10-31 23:59:59\t2022-10-31\n",
		NDJSON: `{"ts":"2022-10-31 23:59:59.5+08:00","local":"2022-10-31 23:59:59","d":"2022-10-31"}` + "\n",
	} {
		var b bytes.Buffer
		if _, err := Write(&b, query(t, q), f, Options{Location: loc}); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("%s\n got %q\nwant %q", f, b.String(), want)
		}
	}
	var b bytes.Buffer
	if _, err := Write(&b, query(t, q), Table, Options{Location: loc}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2022-10-31 23:59:59.5+08:00") {
		t.Errorf("table:\n%s", b.String())
	}
}
