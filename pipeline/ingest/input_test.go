package ingest

import (
	"path/filepath"
	"strings"
	"testing"
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
