package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/caseload/caseload/pipeline/source"
)

// scanResult is what one pass over a file's bytes tells.
type scanResult struct {
	SHA256    string
	Size      int64
	ValidUTF8 bool
	BadUTF8At int64 // byte offset of the first invalid UTF-8 sequence (when !ValidUTF8)
	HasNUL    bool
	// RecordLines[i] is the physical line (1-based) on which CSV record i starts, blank lines
	// skipped. Only filled when scanning a CSV. Quote-aware: a newline inside a quoted field
	// does not start a record. Valid for UTF-8 and GB18030 alike (neither uses the bytes
	// '"', '\r' or '\n' inside a multi-byte character).
	RecordLines []int32
	// BadQuoting: a '"' inside an unquoted field, text after a closing quote, or a quoted
	// field never closed. Such a file is refused with encoding/csv's exact line and column.
	BadQuoting bool
	// FieldCounts maps a record's number of fields to the index of the last record that had
	// it, so rows wider or narrower than the header are found without a second pass.
	FieldCounts map[int]int
}

// CSV scan states (RFC 4180).
const (
	stRecordStart = iota // at the start of a line outside quotes: blank lines are skipped here
	stFieldStart
	stUnquoted
	stQuoted
	stQuoteSeen // a '"' inside a quoted field: either the closing quote or the first of ""
)

// scanFile hashes a file and, for CSV, finds where each record starts.
func scanFile(ctx context.Context, path string, csvRecords bool, progress func(int64)) (*scanResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scanReader(ctx, f, 1<<20, csvRecords, progress)
}

// scanReader is scanFile over any reader, read in chunks of chunkSize bytes.
func scanReader(ctx context.Context, r io.Reader, chunkSize int, csvRecords bool, progress func(int64)) (*scanResult, error) {
	h := sha256.New()
	res := &scanResult{ValidUTF8: true, BadUTF8At: -1, FieldCounts: map[int]int{}}
	rs := &recordScanner{res: res, line: 1, state: stRecordStart}
	buf := make([]byte, chunkSize)
	var carry []byte // an incomplete UTF-8 sequence at the end of the previous chunk
	var off int64
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, rerr := io.ReadFull(r, buf)
		if rerr == io.ErrUnexpectedEOF {
			rerr = io.EOF
		}
		chunk := buf[:n]
		h.Write(chunk)
		if res.ValidUTF8 {
			check := chunk
			if len(carry) > 0 {
				check = append(append([]byte(nil), carry...), chunk...)
			}
			valid, tail, at := validUTF8Prefix(check, rerr == io.EOF)
			if !valid {
				res.ValidUTF8 = false
				res.BadUTF8At = off - int64(len(carry)) + int64(at)
			}
			carry = append(carry[:0], tail...)
		}
		if !res.HasNUL && bytes.IndexByte(chunk, 0) >= 0 {
			res.HasNUL = true
		}
		if csvRecords {
			rs.feedChunk(chunk)
		}
		off += int64(n)
		if progress != nil {
			progress(off)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, rerr
		}
	}
	if rs.state == stQuoted {
		res.BadQuoting = true // a quoted field is never closed
	}
	if csvRecords && rs.state != stRecordStart {
		rs.endRecord()
	}
	if res.ValidUTF8 && len(carry) > 0 {
		res.ValidUTF8 = false
		res.BadUTF8At = off - int64(len(carry))
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	res.Size = off
	return res, nil
}

// recordScanner finds where CSV records start (RFC 4180 quoting), chunk by chunk.
type recordScanner struct {
	res    *scanResult
	line   int32
	state  int
	fields int
}

func (s *recordScanner) endRecord() {
	s.res.FieldCounts[s.fields] = len(s.res.RecordLines) - 1
}

// feedChunk scans one chunk. Whole lines without a '"' (most files have none at all) take a
// fast path that finds line ends and counts commas with the bytes package's vectorised
// searches; anything else goes byte by byte.
func (s *recordScanner) feedChunk(b []byte) {
	first := bytes.IndexByte(b, '\n')
	last := bytes.LastIndexByte(b, '\n')
	if first < 0 || first == last {
		s.feed(b)
		return
	}
	s.feed(b[:first+1])
	mid := b[first+1 : last+1]
	if s.state == stRecordStart && bytes.IndexByte(mid, '"') < 0 {
		s.feedLines(mid)
	} else {
		s.feed(mid)
	}
	s.feed(b[last+1:])
}

// feedLines scans whole lines without quotes, starting outside any record: each line that is
// not blank (only '\r') is a record of 1 + its commas fields.
func (s *recordScanner) feedLines(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		ln := b[:i]
		if len(ln) > 0 && (ln[0] != '\r' || len(bytes.TrimLeft(ln, "\r")) > 0) {
			s.res.RecordLines = append(s.res.RecordLines, s.line)
			s.fields = 1 + bytes.Count(ln, comma)
			s.endRecord()
		}
		s.line++
		b = b[i+1:]
	}
}

var comma = []byte{','}

// feed scans bytes one by one.
func (s *recordScanner) feed(chunk []byte) {
	res := s.res
	for _, b := range chunk {
		if b == '\n' {
			s.line++
		}
		switch s.state {
		case stFieldStart, stRecordStart:
			switch b {
			case '\n', '\r':
				if s.state == stFieldStart && b == '\n' {
					s.state = stRecordStart
					s.endRecord()
				}
				continue
			}
			if s.state == stRecordStart {
				res.RecordLines = append(res.RecordLines, s.line)
				s.fields = 1
			}
			switch b {
			case '"':
				s.state = stQuoted
			case ',':
				s.state = stFieldStart
				s.fields++
			default:
				s.state = stUnquoted
			}
		case stUnquoted:
			switch b {
			case '"':
				res.BadQuoting = true
			case ',':
				s.state = stFieldStart
				s.fields++
			case '\n':
				s.state = stRecordStart
				s.endRecord()
			}
		case stQuoted:
			if b == '"' {
				s.state = stQuoteSeen
			}
		case stQuoteSeen:
			switch b {
			case '"':
				s.state = stQuoted
			case ',':
				s.state = stFieldStart
				s.fields++
			case '\n':
				s.state = stRecordStart
				s.endRecord()
			case '\r':
			default:
				res.BadQuoting = true
				s.state = stUnquoted
			}
		}
	}
}

// validUTF8Prefix checks b; an incomplete sequence at the very end is returned as tail
// (unless final). at is the offset of the first bad byte.
func validUTF8Prefix(b []byte, final bool) (ok bool, tail []byte, at int) {
	if utf8.Valid(b) {
		return true, nil, -1
	}
	i := 0
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !final && len(b)-i < utf8.UTFMax && !utf8.FullRune(b[i:]) {
				return true, b[i:], -1
			}
			return false, nil, i
		}
		i += size
	}
	return true, nil, -1
}

// decoderFor returns the decoder for an explicit or detected encoding ("" for UTF-8).
func decoderFor(enc string) encoding.Encoding {
	switch enc {
	case "gb18030":
		return simplifiedchinese.GB18030
	case "gbk":
		return simplifiedchinese.GBK
	}
	return nil
}

// lineOfOffset finds the 1-based line of a byte offset (for error messages).
func lineOfOffset(path string, at int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReader(io.LimitReader(f, at))
	line := int64(1)
	for {
		b, err := br.ReadByte()
		if err != nil {
			return line
		}
		if b == '\n' {
			line++
		}
	}
}

// transcodeToTemp decodes a GB18030/GBK file into a temporary UTF-8 file in dir. The file is
// cut into blocks at '\n' bytes (which never occur inside a GB18030 or GBK multi-byte
// character), decoded by one worker per core, and written in order.
func transcodeToTemp(ctx context.Context, path, dir string, enc encoding.Encoding) (string, error) {
	in, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, ".caseload-utf8-*.csv")
	if err != nil {
		return "", err
	}
	name := out.Name()
	err = decodeParallel(ctx, in, out, enc, runtime.GOMAXPROCS(0))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// decodeParallel decodes r to w with up to workers goroutines, keeping the order of blocks.
func decodeParallel(ctx context.Context, r io.Reader, w io.Writer, enc encoding.Encoding, workers int) error {
	const blockSize = 4 << 20
	type job struct {
		in  []byte
		out chan result
	}
	jobs := make(chan job, workers)
	order := make(chan chan result, workers*2)
	for i := 0; i < max(workers, 1); i++ {
		go func() {
			dec := enc.NewDecoder()
			for j := range jobs {
				b, err := dec.Bytes(j.in)
				j.out <- result{b, err}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		br := bufio.NewReaderSize(r, blockSize)
		var carry []byte
		for {
			if ctx.Err() != nil {
				readErr <- ctx.Err()
				return
			}
			buf := make([]byte, blockSize)
			n, err := io.ReadFull(br, buf)
			buf = append(carry, buf[:n]...)
			carry = nil
			last := err != nil
			if !last {
				if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
					carry = append([]byte(nil), buf[i+1:]...)
					buf = buf[:i+1]
				}
			}
			if len(buf) > 0 {
				ch := make(chan result, 1)
				order <- ch
				jobs <- job{in: buf, out: ch}
			}
			if last {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					err = nil
				}
				readErr <- err
				return
			}
		}
	}()
	bw := bufio.NewWriterSize(w, 1<<20)
	var firstErr error
	for ch := range order {
		res := <-ch
		if firstErr == nil && res.err != nil {
			firstErr = res.err
		}
		if firstErr == nil {
			_, firstErr = bw.Write(res.b)
		}
	}
	if err := <-readErr; firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return firstErr
	}
	return bw.Flush()
}

type result struct {
	b   []byte
	err error
}

// csvHeader finds the header record among the first records of a UTF-8 CSV file: the first
// that names at least two required fields (so title rows above it are skipped), else the
// first non-empty record. It returns the header, the index of its record and the line it
// starts on.
func csvHeader(path string, isHeader func([]string) bool) ([]string, int, int32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
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
func diagnoseCSV(path string, headerRec, ncols int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = -1
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

func openCSVRows(path string, headerRec int) (*csvRows, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.FieldsPerRecord = -1
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

// speculateCSV validates a file whose first 64 KiB are UTF-8 text into stg_k, straight from
// DuckDB's reader, before the scan has confirmed that the whole file is UTF-8 with clean
// quoting. nil when the file does not look like that; refused when DuckDB's reader refuses
// it (then nothing is left).
func speculateCSV(ctx context.Context, conn *sql.Conn, path string, k int, extra map[string]string, log *slog.Logger) *specCSV {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, buf)
	f.Close()
	if ok, _, _ := validUTF8Prefix(buf[:n], n < len(buf)); !ok || bytes.IndexByte(buf[:n], 0) >= 0 {
		return nil
	}
	header, hrec, line, err := csvHeader(path, looksLikeHeader(extra))
	if err != nil || header == nil {
		return nil
	}
	m, err := MapHeader(header, extra)
	if err != nil {
		return nil
	}
	ok, err := loadCSVNative(ctx, conn, path, line, m, k, log)
	if err != nil {
		dropStaged(conn, k)
		return nil
	}
	return &specCSV{m: m, hrec: hrec, headerLine: line, refused: !ok}
}

// use checks the speculative load against the scan: the header must be the record it was
// taken for and every record must have the header's number of fields.
func (s *specCSV) use(ctx context.Context, conn *sql.Conn, scan *scanResult, k int) (bool, error) {
	if s.hrec >= len(scan.RecordLines) || scan.RecordLines[s.hrec] != s.headerLine {
		return false, nil
	}
	for n, last := range scan.FieldCounts {
		if n != len(s.m.Header) && last > s.hrec {
			return false, nil
		}
	}
	return mapCSVLines(ctx, conn, s.headerLine, scan.RecordLines[s.hrec+1:], k)
}

// stageCSVNative validates a UTF-8 CSV straight from DuckDB's reader into stg_k and gives
// each row its line (stg_v_k). It reports ok=false (and no error) when DuckDB refuses the
// file or its rows do not line up with the scanned records; the caller then falls back to
// the Go reader.
func stageCSVNative(ctx context.Context, conn *sql.Conn, path string, headerLine int32, m *Mapping, dataLines []int32, k int, log *slog.Logger) (bool, error) {
	if ok, err := loadCSVNative(ctx, conn, path, headerLine, m, k, log); !ok || err != nil {
		return ok, err
	}
	return mapCSVLines(ctx, conn, headerLine, dataLines, k)
}

// loadCSVNative validates the records after a UTF-8 CSV's header line into stg_k, in file
// order, reading them with DuckDB's reader (c0..cN, all text) — no staged copy of the text.
// ok=false (and no error) when DuckDB's reader refuses the file.
func loadCSVNative(ctx context.Context, conn *sql.Conn, path string, headerLine int32, m *Mapping, k int, log *slog.Logger) (bool, error) {
	var cols strings.Builder
	for i := range m.Header {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, "'c%d': 'VARCHAR'", i)
	}
	src := fmt.Sprintf(`read_csv(%s,
		auto_detect = false, header = true, skip = %d, delim = ',', quote = '"', escape = '"',
		columns = {%s}, strict_mode = true, null_padding = false, all_varchar = true, encoding = 'utf-8',
		max_line_size = 16777216)`, sqlString(path), headerLine-1, cols.String())
	err := createFieldsView(ctx, conn, m, k, src, false)
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

// mapCSVLines checks that stg_k has one row per scanned record and creates stg_v_k with each
// row's source line: the rows are in file order, so row i is record i.
func mapCSVLines(ctx context.Context, conn *sql.Conn, headerLine int32, dataLines []int32, k int) (bool, error) {
	var n int
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM stg_%d", k)).Scan(&n); err != nil {
		return false, err
	}
	if n != len(dataLines) {
		return false, nil
	}
	identity := true
	for i, l := range dataLines {
		if l != headerLine+1+int32(i) {
			identity = false
			break
		}
	}
	if identity {
		_, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_v_%d AS SELECT * REPLACE (rowid + %d AS line) FROM stg_%d`, k, headerLine+1, k))
		return err == nil, err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE stg_linemap_%d (rec BIGINT, line BIGINT)`, k)); err != nil {
		return false, err
	}
	err := withAppender(ctx, conn, fmt.Sprintf("stg_linemap_%d", k), func(app appender) error {
		for i, l := range dataLines {
			if err := app.AppendRow(int64(i), int64(l)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_v_%d AS SELECT s.* REPLACE (m.line AS line) FROM stg_%d s JOIN stg_linemap_%d m ON m.rec = s.rowid`, k, k, k))
	return err == nil, err
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
