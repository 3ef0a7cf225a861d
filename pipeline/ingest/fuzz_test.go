package ingest

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// FuzzCSVPull feeds arbitrary bytes after a valid header through the whole CSV path
// (encoding detection, record scan, DuckDB's reader or the encoding/csv fallback,
// validation, merge). Properties: a file is either refused with a *FileError and loads
// nothing, or pulled with every record accounted for — rows_read equals the number of
// records encoding/csv sees, and rows_read = accepted + superseded + rejected.
func FuzzCSVPull(f *testing.F) {
	for _, s := range []string{
		"A1,QB01,2022-10-01 09:00,received\n",
		"A1,QB01,2022-10-01 09:00,received\r\nA2,QB02,2022/1/2 8:05,办结\r\n",
		"\"A,1\",QB01,\"2022-10-01\n09:00\",received\n\nA2,QB01,2022-10-01,received",
		"A1,QB01\n",
		"A1,QB01,2022-10-01,\"received\n",
		"\xb0\xec,QB01,2022-10-01,received\n",
		"A1,QB01,2022-10-01,received,extra\n",
		"\"\"\"\",QB01,2022-10-01,received\n",
	} {
		f.Add([]byte(s))
	}
	p := newProject(f, "")
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 4096 {
			return
		}
		n++
		p.t = t
		content := append([]byte("case_id,item_code,received_at,status\n"), body...)
		path := p.file("fuzz-"+strconv.Itoa(n)+".csv", string(content))
		before := p.one(`SELECT count(*) FROM cases`) + "/" + p.one(`SELECT count(*) FROM rejects`)
		res, err := p.tryPull(Options{Force: true}, path)
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		fr := res.Files[0]
		want, parseErr := countRecords(content)
		switch fr.Status {
		case "failed":
			var fe *FileError
			if !errors.As(fr.Err(), &fe) {
				t.Fatalf("failed without a FileError: %v", fr.Err())
			}
			if after := p.one(`SELECT count(*) FROM cases`) + "/" + p.one(`SELECT count(*) FROM rejects`); after != before {
				t.Fatalf("refused file changed the warehouse: %s -> %s", before, after)
			}
			if parseErr == nil && want >= 0 && !strings.Contains(fr.Error, "NUL") && !strings.Contains(fr.Error, "header") && !strings.Contains(fr.Error, "required columns") {
				t.Fatalf("encoding/csv reads %d records but the file was refused: %s", want, fr.Error)
			}
		case "pulled":
			if parseErr != nil {
				t.Fatalf("encoding/csv refuses the file (%v) but it was pulled: %+v", parseErr, fr)
			}
			if fr.RowsRead != int64(want) {
				t.Fatalf("rows_read %d, encoding/csv records %d", fr.RowsRead, want)
			}
			if fr.RowsRead != fr.Accepted+fr.Superseded+fr.Rejected {
				t.Fatalf("ledger does not add up: %+v", fr)
			}
		default:
			t.Fatalf("status %q", fr.Status)
		}
	})
}

// countRecords is the reference: records after the header, as encoding/csv reads the file
// decoded the way caseload decodes it; -1 and an error when a record does not have the
// header's field count or the file does not parse.
func countRecords(content []byte) (int, error) {
	text, err := warehouse.DecodeText(content)
	if err != nil {
		return -1, err
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = 4
	n := -1
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return -1, err
		}
		n++
	}
}
