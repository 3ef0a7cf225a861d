package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/caseload/caseload/pipeline/source"
)

// newCSVReader is encoding/csv over r with the file's delimiter, any number of fields.
func newCSVReader(r io.Reader, delim byte) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = rune(delim)
	cr.FieldsPerRecord = -1
	return cr
}

// csvHeader finds the header record among the first records of a UTF-8 CSV file: the first
// that names at least two required fields (so title rows above it are skipped), else the
// first non-empty record. It returns the header, the index of its record and the line it
// starts on. A header with a CR inside a field is an error: that CR ended a line the file
// did not otherwise end (mixed line ends), and taking the rest as one header would lose rows.
func csvHeader(path string, delim byte, isHeader func([]string) bool) ([]string, int, int32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	h, i, line, err := findHeader(path, newCSVReader(bufio.NewReader(f), delim), isHeader)
	if err == nil {
		for _, v := range h {
			if strings.ContainsRune(v, '\r') {
				return nil, 0, 0, &source.Error{Path: path, Line: int64(line),
					Msg: "the header row has a carriage return (CR) inside a field: the file mixes classic Mac (CR) and LF line ends, so its rows cannot be told apart; save it again as CSV"}
			}
		}
	}
	return h, i, line, err
}

func findHeader(path string, r *csv.Reader, isHeader func([]string) bool) ([]string, int, int32, error) {
	var first []string
	var firstLine int
	for i := 0; i < 20; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, 0, csvError(path, err)
		}
		line, _ := r.FieldPos(0)
		if i == 0 {
			first = append([]string(nil), rec...)
			if len(first) > 0 {
				first[0] = strings.TrimPrefix(first[0], "\ufeff")
			}
			firstLine = line
		}
		if i == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if isHeader(rec) {
			return append([]string(nil), rec...), i, int32(line), nil
		}
	}
	if first == nil {
		return nil, 0, 0, nil
	}
	return first, 0, int32(firstLine), nil
}

// csvError turns an encoding/csv error into a source error naming the line and column.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case errors.Is(pe.Err, csv.ErrFieldCount):
			msg = "wrong number of fields"
		case errors.Is(pe.Err, csv.ErrQuote), errors.Is(pe.Err, csv.ErrBareQuote):
			msg = `bad quoting (a field with " must be wholly quoted, and " inside it doubled as "")`
		}
		return &source.Error{Path: path, Line: int64(pe.StartLine), Column: pe.Column, Msg: msg}
	}
	return &source.Error{Path: path, Msg: err.Error()}
}

// diagnoseCSV reads the whole file with encoding/csv to find the first malformed record
// (the message a user needs when DuckDB's reader refuses a file). nil when it parses.
func diagnoseCSV(path string, delim byte, headerRec, ncols int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := newCSVReader(bufio.NewReaderSize(f, 1<<20), delim)
	r.ReuseRecord = true
	for i := 0; ; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return csvError(path, err)
		}
		if i > headerRec && len(rec) != ncols {
			line, _ := r.FieldPos(0)
			return &source.Error{Path: path, Line: int64(line), Msg: fmt.Sprintf("expected %d fields like the header, found %d", ncols, len(rec))}
		}
	}
}

// csvRows is a source.Reader over a UTF-8 CSV file with encoding/csv: the fallback path
// when DuckDB's reader and our record scan disagree, so no row is ever lost or misnumbered.
type csvRows struct {
	f      *os.File
	r      *csv.Reader
	header []string
	path   string
	row    source.Row
}

func openCSVRows(path string, delim byte, headerRec int) (*csvRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := newCSVReader(bufio.NewReaderSize(f, 1<<20), delim)
	r.ReuseRecord = true
	c := &csvRows{f: f, r: r, path: path}
	for i := 0; i <= headerRec; i++ {
		rec, err := r.Read()
		if err != nil {
			f.Close()
			if errors.Is(err, io.EOF) {
				return c, nil
			}
			return nil, csvError(path, err)
		}
		if i == headerRec {
			c.header = append([]string(nil), rec...)
			if len(c.header) > 0 {
				c.header[0] = strings.TrimPrefix(c.header[0], "\ufeff")
			}
		}
	}
	return c, nil
}

func (c *csvRows) Header() []string { return c.header }
func (c *csvRows) Next() (source.Row, error) {
	rec, err := c.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return source.Row{}, io.EOF
		}
		return source.Row{}, csvError(c.path, err)
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != len(c.header) {
		return source.Row{}, &source.Error{Path: c.path, Line: int64(line), Msg: fmt.Sprintf("expected %d fields like the header, found %d", len(c.header), len(rec))}
	}
	c.row.Line = int64(line)
	c.row.Fields = rec
	return c.row, nil
}
func (c *csvRows) Close() error { return c.f.Close() }

// specCSV is a CSV file validated into stg_k while it was being scanned — or, when refused
// is set, one DuckDB's reader refused from that header line (so it is not tried again).
type specCSV struct {
	m          *Mapping
	hrec       int
	headerLine int32
	refused    bool
}

// speculateCSV validates a file whose first bytes (head, 64 KiB) are UTF-8 text with LF line
// ends into stg_k, straight from DuckDB's reader, before the scan has confirmed that the whole
// file is UTF-8 with clean quoting. nil when the file does not look like that; refused when
// DuckDB's reader refuses it (then nothing is left).
func speculateCSV(ctx context.Context, conn *sql.Conn, path string, head []byte, delim byte, k int, extra map[string]string, log *slog.Logger, ps *piiState) *specCSV {
	if _, bom := utf16BOM(head); bom || headCROnly(head) {
		return nil
	}
	if ok, _, _ := validUTF8Prefix(head, len(head) < headSize); !ok || bytes.IndexByte(head, 0) >= 0 {
		return nil
	}
	header, hrec, line, err := csvHeader(path, delim, looksLikeHeader(extra))
	if err != nil || header == nil {
		return nil
	}
	m, err := MapHeader(header, extra)
	if err != nil {
		return nil
	}
	ok, err := loadCSVNative(ctx, conn, path, delim, line, m, k, log, ps)
	if err != nil {
		dropStaged(conn, k)
		return nil
	}
	return &specCSV{m: m, hrec: hrec, headerLine: line, refused: !ok}
}

// use checks the speculative load against the scan: the header must be the record it was
// taken for and every record must have the header's number of fields.
func (s *specCSV) use(ctx context.Context, conn *sql.Conn, scan *scanResult, k int) (bool, error) {
	if s.hrec >= scan.RecordLines.Len() || scan.RecordLines.At(s.hrec) != s.headerLine {
		return false, nil
	}
	for n, last := range scan.FieldCounts {
		if n != len(s.m.Header) && last > s.hrec {
			return false, nil
		}
	}
	return mapCSVLines(ctx, conn, &scan.RecordLines, s.hrec, k)
}

// stageCSVNative validates a UTF-8 CSV straight from DuckDB's reader into stg_k and gives
// each row its line (stg_v_k). It reports ok=false (and no error) when DuckDB refuses the
// file or its rows do not line up with the scanned records; the caller then falls back to
// the Go reader.
func stageCSVNative(ctx context.Context, conn *sql.Conn, path string, delim byte, lines *recordLines, hrec int, m *Mapping, k int, log *slog.Logger, ps *piiState) (bool, error) {
	if ok, err := loadCSVNative(ctx, conn, path, delim, lines.At(hrec), m, k, log, ps); !ok || err != nil {
		return ok, err
	}
	return mapCSVLines(ctx, conn, lines, hrec, k)
}

// loadCSVNative validates the records after a UTF-8 CSV's header line into stg_k, in file
// order, reading them with DuckDB's reader (c0..cN, all text) — no staged copy of the text.
// ok=false (and no error) when DuckDB's reader refuses the file.
func loadCSVNative(ctx context.Context, conn *sql.Conn, path string, delim byte, headerLine int32, m *Mapping, k int, log *slog.Logger, ps *piiState) (bool, error) {
	var cols strings.Builder
	for i := range m.Header {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, "'c%d': 'VARCHAR'", i)
	}
	src := fmt.Sprintf(`read_csv(%s,
		auto_detect = false, header = true, skip = %d, delim = %s, quote = '"', escape = '"',
		columns = {%s}, strict_mode = true, null_padding = false, all_varchar = true, encoding = 'utf-8',
		max_line_size = 16777216)`, sqlString(path), headerLine-1, sqlString(string(delim)), cols.String())
	err := createFieldsView(ctx, conn, m, k, src, false, ps)
	if err == nil {
		err = validateInto(ctx, conn, k, log)
	}
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		dropStaged(conn, k)
		return false, nil
	}
	return true, nil
}

// mapCSVLines checks that stg_k has one row per scanned record after the header (record hrec)
// and creates stg_v_k with each row's source line: the rows are in file order, so row i is
// record hrec+1+i.
func mapCSVLines(ctx context.Context, conn *sql.Conn, lines *recordLines, hrec int, k int) (bool, error) {
	var n int
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s.stg_%d", stageDB, k)).Scan(&n); err != nil {
		return false, err
	}
	if n != lines.Len()-hrec-1 {
		return false, nil
	}
	if lines.consecutiveFrom(hrec) {
		_, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_v_%d AS SELECT * REPLACE (rowid + %d AS line) FROM %s.stg_%d`, k, lines.At(hrec)+1, stageDB, k))
		return err == nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE stg_linemap_%d (rec BIGINT, line BIGINT)`, k)); err != nil {
		return false, err
	}
	err := withAppender(ctx, conn, fmt.Sprintf("stg_linemap_%d", k), func(app appender) error {
		for i := range n {
			if err := app.AppendRow(int64(i), int64(lines.At(hrec+1+i))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_v_%d AS SELECT s.* REPLACE (m.line AS line) FROM %s.stg_%d s JOIN stg_linemap_%d m ON m.rec = s.rowid`, k, stageDB, k, k))
	return err == nil, err
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
