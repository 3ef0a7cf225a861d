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
	h := sha256.New()
	res := &scanResult{ValidUTF8: true, BadUTF8At: -1}
	buf := make([]byte, 1<<20)
	var carry []byte // an incomplete UTF-8 sequence at the end of the previous chunk
	var off int64
	line := int32(1)
	state := stRecordStart
	fields := 0
	res.FieldCounts = map[int]int{}
	endRecord := func() {
		res.FieldCounts[fields] = len(res.RecordLines) - 1
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, rerr := f.Read(buf)
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
			for _, b := range chunk {
				if b == '\n' {
					line++
				}
				switch state {
				case stFieldStart, stRecordStart:
					switch b {
					case '\n', '\r':
						if state == stFieldStart && b == '\n' {
							state = stRecordStart
							endRecord()
						}
						continue
					}
					if state == stRecordStart {
						res.RecordLines = append(res.RecordLines, line)
						fields = 1
					}
					switch b {
					case '"':
						state = stQuoted
					case ',':
						state = stFieldStart
						fields++
					default:
						state = stUnquoted
					}
				case stUnquoted:
					switch b {
					case '"':
						res.BadQuoting = true
					case ',':
						state = stFieldStart
						fields++
					case '\n':
						state = stRecordStart
						endRecord()
					}
				case stQuoted:
					if b == '"' {
						state = stQuoteSeen
					}
				case stQuoteSeen:
					switch b {
					case '"':
						state = stQuoted
					case ',':
						state = stFieldStart
						fields++
					case '\n':
						state = stRecordStart
						endRecord()
					case '\r':
					default:
						res.BadQuoting = true
						state = stUnquoted
					}
				}
			}
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
	if state == stQuoted {
		res.BadQuoting = true // a quoted field is never closed
	}
	if csvRecords && state != stRecordStart {
		endRecord()
	}
	if res.ValidUTF8 && len(carry) > 0 {
		res.ValidUTF8 = false
		res.BadUTF8At = off - int64(len(carry))
	}
	res.SHA256 = hex.EncodeToString(h.Sum(nil))
	res.Size = off
	return res, nil
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
// first non-empty record. It returns the header and the index of its record.
func csvHeader(path string, isHeader func([]string) bool) ([]string, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	var first []string
	for i := 0; i < 20; i++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, csvError(path, err)
		}
		if i == 0 {
			first = append([]string(nil), rec...)
			if len(first) > 0 {
				first[0] = strings.TrimPrefix(first[0], "\ufeff")
			}
		}
		if i == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if isHeader(rec) {
			return append([]string(nil), rec...), i, nil
		}
	}
	if first == nil {
		return nil, 0, nil
	}
	return first, 0, nil
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

// stageCSVNative loads a UTF-8 CSV into stg_raw with DuckDB's own reader. It reports
// ok=false (and no error) when DuckDB's rows do not line up with the scanned records, in
// which case the caller falls back to the Go reader.
func stageCSVNative(ctx context.Context, conn *sql.Conn, path string, headerLine int32, ncols int, dataLines []int32, k int) (bool, error) {
	var cols strings.Builder
	for i := 0; i < ncols; i++ {
		if i > 0 {
			cols.WriteString(", ")
		}
		fmt.Fprintf(&cols, "'c%d': 'VARCHAR'", i)
	}
	q := fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE stg_csv_%d AS SELECT * FROM read_csv(%s,
		auto_detect = false, header = true, skip = %d, delim = ',', quote = '"', escape = '"',
		columns = {%s}, strict_mode = true, null_padding = false, all_varchar = true, encoding = 'utf-8',
		max_line_size = 16777216)`, k, sqlString(path), headerLine-1, cols.String())
	if _, err := conn.ExecContext(ctx, q); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, nil
	}
	var n int
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM stg_csv_%d", k)).Scan(&n); err != nil {
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
		_, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_raw_%d AS SELECT rowid + %d AS line, * FROM stg_csv_%d`, k, headerLine+1, k))
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
	_, err = conn.ExecContext(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP VIEW stg_raw_%d AS SELECT m.line, s.* FROM stg_csv_%d s JOIN stg_linemap_%d m ON m.rec = s.rowid`, k, k, k))
	return err == nil, err
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
