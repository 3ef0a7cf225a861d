package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"unicode/utf8"
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
	RecordLines recordLines
	// BadQuoting: a '"' inside an unquoted field, text after a closing quote, or a quoted
	// field never closed. Such a file is refused with encoding/csv's exact line and column.
	BadQuoting bool
	// FieldCounts maps a record's number of fields to the index of the last record that had
	// it, so rows wider or narrower than the header are found without a second pass.
	FieldCounts map[int]int
	// lfOutside and crOutside: a '\n' or a '\r' was seen outside quoted fields (only scanned
	// for CSV; see CROnly).
	lfOutside, crOutside bool
}

// CROnly reports a CSV file with classic Mac OS line ends: no LF outside quoted fields, and
// at least one CR. Its records were not told apart by the scan (which ends a record at LF):
// the file is read from a copy with LF line ends (crToLF).
func (r *scanResult) CROnly() bool { return !r.lfOutside && r.crOutside }

// CSV scan states (RFC 4180).
const (
	stRecordStart = iota // at the start of a line outside quotes: blank lines are skipped here
	stFieldStart
	stUnquoted
	stQuoted
	stQuoteSeen // a '"' inside a quoted field: either the closing quote or the first of ""
)

// scanFile hashes a file and, for CSV (csvRecords), finds where each record starts; delim is
// the field delimiter (',' or '\t').
func scanFile(ctx context.Context, path string, csvRecords bool, delim byte, progress func(int64)) (*scanResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return scanReader(ctx, f, 1<<20, csvRecords, delim, progress)
}

// scanReader is scanFile over any reader, read in chunks of chunkSize bytes.
func scanReader(ctx context.Context, r io.Reader, chunkSize int, csvRecords bool, delim byte, progress func(int64)) (*scanResult, error) {
	h := sha256.New()
	res := &scanResult{ValidUTF8: true, BadUTF8At: -1, FieldCounts: map[int]int{}}
	rs := newRecordScanner(res, delim)
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
	delim  byte
	sep    []byte // delim, for bytes.Count
}

func newRecordScanner(res *scanResult, delim byte) *recordScanner {
	return &recordScanner{res: res, line: 1, state: stRecordStart, delim: delim, sep: []byte{delim}}
}

func (s *recordScanner) endRecord() {
	s.res.FieldCounts[s.fields] = s.res.RecordLines.Len() - 1
}

// feedChunk scans one chunk. Whole lines without a '"' (most files have none at all) take a
// fast path that finds line ends and counts delimiters with the bytes package's vectorised
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
// not blank (only '\r') is a record of 1 + its delimiters fields.
func (s *recordScanner) feedLines(b []byte) {
	if len(b) > 0 {
		s.res.lfOutside = true
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		ln := b[:i]
		if len(ln) > 0 && (ln[0] != '\r' || len(bytes.TrimLeft(ln, "\r")) > 0) {
			s.res.RecordLines.add(s.line)
			s.fields = 1 + bytes.Count(ln, s.sep)
			s.endRecord()
		}
		s.line++
		b = b[i+1:]
	}
}

// feed scans bytes one by one.
func (s *recordScanner) feed(chunk []byte) {
	res := s.res
	for _, b := range chunk {
		if b == '\n' {
			s.line++
			if s.state != stQuoted {
				res.lfOutside = true
			}
		} else if b == '\r' && s.state != stQuoted {
			res.crOutside = true
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
				res.RecordLines.add(s.line)
				s.fields = 1
			}
			switch b {
			case '"':
				s.state = stQuoted
			case s.delim:
				s.state = stFieldStart
				s.fields++
			default:
				s.state = stUnquoted
			}
		case stUnquoted:
			switch b {
			case '"':
				res.BadQuoting = true
			case s.delim:
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
			case s.delim:
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

// recordLines is the list of the lines CSV records start on. While they are consecutive (a
// file without blank lines or quoted line breaks: the common case) it is kept as the first
// line and a count; from the first gap on, as a slice. At 10,000,000 rows the slice and its
// growth held about 80 MB of a pull's peak memory.
type recordLines struct {
	n     int
	first int32
	lines []int32 // nil while the lines are consecutive
}

func (r *recordLines) add(line int32) {
	if r.lines == nil {
		switch {
		case r.n == 0:
			r.first, r.n = line, 1
			return
		case line == r.first+int32(r.n):
			r.n++
			return
		}
		r.lines = make([]int32, r.n, r.n+r.n/4+1024)
		for i := range r.lines {
			r.lines[i] = r.first + int32(i)
		}
	}
	r.lines = append(r.lines, line)
	r.n++
}

// Len is the number of records.
func (r *recordLines) Len() int { return r.n }

// At is the line record i starts on.
func (r *recordLines) At(i int) int32 {
	if r.lines == nil {
		return r.first + int32(i)
	}
	return r.lines[i]
}

// consecutiveFrom reports whether records i, i+1, … start on consecutive lines.
func (r *recordLines) consecutiveFrom(i int) bool {
	if r.lines == nil {
		return true
	}
	for j := i + 1; j < r.n; j++ {
		if r.lines[j] != r.lines[j-1]+1 {
			return false
		}
	}
	return true
}
