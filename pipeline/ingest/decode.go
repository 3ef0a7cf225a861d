package ingest

// Text encodings and line ends of CSV files (SPEC §4.2, "files as offices really have them").
//
// Encoding, with `encoding: auto` (the default) — decided in this order:
//
//  1. a UTF-16 byte order mark (FF FE or FE FF): UTF-16, little- or big-endian (Excel's
//     "Unicode text" export);
//  2. valid UTF-8, with or without a byte order mark: UTF-8;
//  3. not valid UTF-8, but with more valid multi-byte UTF-8 characters than invalid bytes: a
//     UTF-8 file with a stray byte (a Latin-1 "é" pasted into a UTF-8 export). That is an
//     error naming the line and byte offset of the first invalid byte — never a GB18030
//     reading, which would turn every Chinese value into mojibake (城关镇 → 鍩庡叧闀�). Read
//     as UTF-8, GB18030 text has 0.07–0.18 valid multi-byte characters per invalid byte
//     (measured on the demo data and the country and holiday lists), so the two do not meet;
//  4. otherwise GB18030 (a superset of GBK and GB2312), strictly.
//
// Every decoding is strict: a byte sequence that is invalid in the file's encoding is an error
// naming the line and byte offset, never a silent U+FFFD. golang.org/x/text's decoders replace
// invalid bytes silently, so each decoded block that contains U+FFFD is walked again
// character by character to tell a real U+FFFD (GB18030 84 31 A4 37) from a replaced one.
// UTF-16 is decoded here (unpaired surrogates and an odd last byte are errors). The byte
// 0x80 is the euro sign in GBK and GB18030, as in Windows code page 936 and the WHATWG
// Encoding Standard.
//
// Line ends: LF, CRLF or CR alone (classic Mac OS). A file with no LF outside quoted fields
// and at least one CR is CR-only: it is read from a copy in which every CR not followed by LF
// is LF — inside quoted fields too, where it becomes the line break Excel itself writes in a
// cell. The copy has the same length, so byte offsets and lines still point into the file.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// decoderFor returns the decoder for an explicit or detected encoding (nil for UTF-8 and
// UTF-16, which are not decoded through golang.org/x/text).
func decoderFor(enc string) encoding.Encoding {
	switch enc {
	case "gb18030":
		return simplifiedchinese.GB18030
	case "gbk":
		return simplifiedchinese.GBK
	}
	return nil
}

// utf16BOM reports a UTF-16 byte order mark at the start of head.
func utf16BOM(head []byte) (bigEndian, ok bool) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return false, true
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return true, true
	}
	return false, false
}

// looksUTF16 guesses, for the message about a file with NUL bytes, whether it is UTF-16
// without a byte order mark: ASCII characters in UTF-16 have a NUL byte on one side only.
func looksUTF16(head []byte) string {
	var lo, hi, n int // code units with a NUL as the second / the first byte
	for i := 0; i+1 < len(head) && i < 4096; i += 2 {
		n++
		switch {
		case head[i+1] == 0 && head[i] != 0:
			lo++
		case head[i] == 0 && head[i+1] != 0:
			hi++
		}
	}
	switch {
	case n >= 4 && lo*4 >= n && hi*20 <= lo:
		return "utf-16le"
	case n >= 4 && hi*4 >= n && lo*20 <= hi:
		return "utf-16be"
	}
	return ""
}

// chooseEncoding decides how a CSV file is read from the source's setting and the scan
// (before any check of the bytes against that encoding, which decoding does).
func chooseEncoding(declared string, head []byte, scan *scanResult) string {
	be, bom := utf16BOM(head)
	switch declared {
	case "auto", "":
		switch {
		case bom && be:
			return "utf-16be"
		case bom:
			return "utf-16le"
		case scan.ValidUTF8:
			return "utf-8"
		}
		return "gb18030"
	case "utf-16":
		if bom && be {
			return "utf-16be"
		}
		return "utf-16le" // the BOM says so, or Windows' order when there is none
	}
	return declared
}

// badBytes is a byte sequence that is not valid in the file's encoding: Offset is in the
// file as it is on disk, Line the 1-based line there.
type badBytes struct {
	Offset int64
	Line   int64
	Bytes  []byte
	What   string // "UTF-16", "GB18030", …
	Why    string // optional detail ("an unpaired surrogate")
}

func (e *badBytes) Error() string {
	msg := fmt.Sprintf("not valid %s at byte offset %d (%s", e.What, e.Offset, hexBytes(e.Bytes))
	if e.Why != "" {
		msg += ": " + e.Why
	}
	return msg + ")"
}

func hexBytes(b []byte) string {
	if len(b) == 1 {
		return fmt.Sprintf("byte 0x%02X", b[0])
	}
	s := "bytes"
	for _, c := range b {
		s += fmt.Sprintf(" 0x%02X", c)
	}
	return s
}

// bytesAt reads up to n bytes of a file at an offset (for error messages).
func bytesAt(path string, off int64, n int) []byte {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b := make([]byte, n)
	m, _ := f.ReadAt(b, off)
	return b[:m]
}

// lineOfOffset finds the 1-based line of a byte offset (for error messages), counting LF.
func lineOfOffset(path string, at int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	br := bufio.NewReaderSize(io.LimitReader(f, at), 1<<20)
	line := int64(1)
	buf := make([]byte, 1<<20)
	for {
		n, err := br.Read(buf)
		line += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err != nil {
			return line
		}
	}
}

// headSize is how much of a CSV file is read ahead to decide its delimiter and whether to
// validate it while it is scanned.
const headSize = 64 << 10

// readHead returns the first n bytes of a file (fewer if it is shorter).
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, n)
	m, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return buf[:m], err
}

// headCROnly reports that the first line of head ends with a CR not followed by LF.
func headCROnly(head []byte) bool {
	i := bytes.IndexAny(head, "\r\n")
	return i >= 0 && head[i] == '\r' && (i+1 >= len(head) || head[i+1] != '\n')
}

// sniffDelimiter decides a CSV file's field delimiter from its first bytes (UTF-8, or read
// as GB18030 when they are not UTF-8): tab when the header row (the first record naming two
// required fields, among the first 20) is found when the text is read with tabs and not
// when it is read with commas; comma otherwise — unless no header is found either way and
// the first non-blank line has tabs and no comma.
func sniffDelimiter(head []byte, isHeader func([]string) bool) byte {
	text := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(text) {
		if i := bytes.LastIndexByte(text, '\n'); i > 0 {
			text = text[:i+1] // a character cut at the end of the head
		}
		if dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(text); err == nil {
			text = dec
		}
	}
	if bytes.IndexByte(text, '\n') < 0 {
		text = bytes.ReplaceAll(text, []byte{'\r'}, []byte{'\n'})
	}
	for _, d := range []rune{',', '\t'} {
		r := csv.NewReader(bytes.NewReader(text))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = d, -1, true
		for i := 0; i < 20; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if len(rec) > 1 && isHeader(rec) {
				return byte(d)
			}
		}
	}
	for _, ln := range bytes.Split(text, []byte{'\n'}) {
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		if bytes.IndexByte(ln, '\t') >= 0 && bytes.IndexByte(ln, ',') < 0 {
			return '\t'
		}
		break
	}
	return ','
}

// toTemp writes a temporary file in dir with fill, and removes it if fill fails.
func toTemp(dir, pattern string, fill func(w io.Writer) error) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	name := out.Name()
	err = fill(out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// withFile opens path for fn.
func withFile(path string, fn func(r io.Reader) error) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	return fn(in)
}

// crToLFTemp copies a CR-only file to a temporary file in dir with every CR not followed by LF
// made LF.
func crToLFTemp(ctx context.Context, path, dir string) (string, error) {
	return toTemp(dir, ".caseload-lf-*.csv", func(w io.Writer) error {
		return withFile(path, func(r io.Reader) error { return crToLF(ctx, r, w) })
	})
}

// crToLF copies r to w with every CR that is not followed by LF replaced by LF.
func crToLF(ctx context.Context, r io.Reader, w io.Writer) error {
	buf := make([]byte, 1<<20)
	held := false // a CR at the end of the previous chunk, not yet written
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(r, buf)
		chunk := buf[:n]
		if held {
			c := byte('\n')
			if n > 0 && chunk[0] == '\n' {
				c = '\r'
			}
			if _, err := w.Write([]byte{c}); err != nil {
				return err
			}
			held = false
		}
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if !eof && rerr != nil {
			return rerr
		}
		if !eof && n > 0 && chunk[n-1] == '\r' {
			held, chunk = true, chunk[:n-1]
		}
		for i := 0; ; {
			j := bytes.IndexByte(chunk[i:], '\r')
			if j < 0 {
				break
			}
			i += j
			if i+1 >= len(chunk) || chunk[i+1] != '\n' {
				chunk[i] = '\n'
			}
			i++
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		if eof {
			return nil
		}
	}
}

// utf16ToTemp decodes a UTF-16 file to a temporary UTF-8 file in dir (see decodeUTF16).
func utf16ToTemp(ctx context.Context, path, dir string, bigEndian bool) (string, error) {
	return toTemp(dir, ".caseload-utf8-*.csv", func(w io.Writer) error {
		return withFile(path, func(r io.Reader) error { return decodeUTF16(ctx, r, w, bigEndian) })
	})
}

// decodeUTF16 decodes UTF-16 in the given byte order to UTF-8, strictly: an unpaired
// surrogate or an odd last byte is a *badBytes. A byte order mark at the start (of either
// order: one that contradicts bigEndian is an error) is not copied.
func decodeUTF16(ctx context.Context, r io.Reader, w io.Writer, bigEndian bool) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	buf := make([]byte, 1<<20) // even: a chunk never ends inside a code unit (but at EOF)
	out := make([]byte, 0, 3<<19)
	var (
		off    int64 // of buf[0] in the file
		lf, cr int64 // line ends so far (CR alone counts for a file without LF)
		high   [2]byte
		highAt int64 = -1 // a high surrogate waiting for its low half
		first        = true
		unit         = func(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
	)
	fail := func(at int64, b []byte, why string) error {
		line := 1 + lf
		if lf == 0 {
			line = 1 + cr
		}
		return &badBytes{Offset: at, Line: line, Bytes: append([]byte(nil), b...), What: "UTF-16", Why: why}
	}
	if !bigEndian {
		unit = func(b []byte) uint16 { return uint16(b[1])<<8 | uint16(b[0]) }
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, rerr := io.ReadFull(r, buf)
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if !eof && rerr != nil {
			return rerr
		}
		chunk := buf[:n]
		out = out[:0]
		i := 0
		if first {
			first = false
			if b, ok := utf16BOM(chunk); ok {
				if b != bigEndian {
					return &badBytes{Offset: 0, Line: 1, Bytes: chunk[:2], What: "UTF-16", Why: "a byte order mark of the other byte order: set encoding: utf-16 or auto"}
				}
				i = 2
			}
		}
		for ; i+1 < len(chunk); i += 2 {
			u := unit(chunk[i:])
			at := off + int64(i)
			if highAt >= 0 {
				if u >= 0xDC00 && u < 0xE000 {
					out = utf8.AppendRune(out, utf16.DecodeRune(rune(unit(high[:])), rune(u)))
					highAt = -1
					continue
				}
				return fail(highAt, high[:], "a high surrogate without its low half")
			}
			switch {
			case u >= 0xD800 && u < 0xDC00:
				copy(high[:], chunk[i:i+2])
				highAt = at
				continue
			case u >= 0xDC00 && u < 0xE000:
				return fail(at, chunk[i:i+2], "a low surrogate without its high half")
			case u == '\n':
				lf++
			case u == '\r':
				if i+3 < len(chunk) && unit(chunk[i+2:]) == '\n' {
					break // CRLF: counted at its LF
				}
				cr++
			}
			out = utf8.AppendRune(out, rune(u))
		}
		if _, err := bw.Write(out); err != nil {
			return err
		}
		if eof {
			if highAt >= 0 {
				return fail(highAt, high[:], "a high surrogate without its low half")
			}
			if i < len(chunk) {
				return fail(off+int64(i), chunk[i:], "an odd number of bytes: the file is cut short")
			}
			return bw.Flush()
		}
		off += int64(n)
	}
}

// gbToTemp decodes a GB18030/GBK file to a temporary UTF-8 file in dir (see decodeParallel).
func gbToTemp(ctx context.Context, path, dir string, enc encoding.Encoding, name string, evidence bool) (string, utf8Evidence, error) {
	var ev utf8Evidence
	tmp, err := toTemp(dir, ".caseload-utf8-*.csv", func(w io.Writer) error {
		return withFile(path, func(r io.Reader) error {
			var err error
			ev, err = decodeParallel(ctx, r, w, enc, name, runtime.GOMAXPROCS(0), evidence)
			return err
		})
	})
	return tmp, ev, err
}

// utf8Evidence counts, over bytes read as UTF-8, the valid multi-byte characters and the
// invalid bytes (rule 3 of the package comment).
type utf8Evidence struct{ Multi, Bad int64 }

// MostlyUTF8 reports text that is UTF-8 with stray bytes rather than another encoding.
func (e utf8Evidence) MostlyUTF8() bool { return e.Bad > 0 && e.Multi > e.Bad }

func countUTF8(b []byte) (ev utf8Evidence) {
	n := len(b)
	for i := 0; i < n; {
		if i+8 <= n && binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 == 0 {
			i += 8 // eight ASCII bytes
			continue
		}
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		// The common two- and three-byte forms inline; the rest as utf8.DecodeRune decides.
		if c >= 0xC2 && c <= 0xDF && i+1 < n && b[i+1]&0xC0 == 0x80 {
			ev.Multi++
			i += 2
			continue
		}
		if c >= 0xE1 && c <= 0xEC && i+2 < n && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80 {
			ev.Multi++
			i += 3
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			ev.Bad++
			i++
			continue
		}
		ev.Multi++
		i += size
	}
	return ev
}

// firstInvalidGB walks b character by character and returns the offset and length of the
// first sequence that is not valid GBK/GB18030, or -1. Slow: only for blocks whose decoding
// produced U+FFFD.
func firstInvalidGB(b []byte, enc encoding.Encoding, gb18030 bool) (int, int) {
	dec := enc.NewDecoder()
	var dst [8]byte
	for i := 0; i < len(b); {
		c0 := b[i]
		if c0 <= 0x80 {
			i++
			continue
		}
		if c0 == 0xFF || i+1 >= len(b) {
			return i, 1
		}
		size := 0
		switch c1 := b[i+1]; {
		case 0x40 <= c1 && c1 <= 0x7E, 0x80 <= c1 && c1 <= 0xFE:
			size = 2
		case gb18030 && 0x30 <= c1 && c1 <= 0x39:
			if i+3 >= len(b) || b[i+2] < 0x81 || b[i+2] == 0xFF || b[i+3] < 0x30 || b[i+3] > 0x39 {
				return i, min(4, len(b)-i)
			}
			size = 4
		default:
			return i, 2
		}
		// Valid: the sequence decodes to exactly one character, and that is not the U+FFFD
		// the decoder writes for what it cannot decode (unless it is GB18030's own U+FFFD).
		dec.Reset()
		n, _, err := dec.Transform(dst[:], b[i:i+size], true)
		r, rn := utf8.DecodeRune(dst[:n])
		if err != nil || rn != n || (r == utf8.RuneError && !bytes.Equal(b[i:i+size], []byte{0x84, 0x31, 0xA4, 0x37})) {
			return i, size
		}
		i += size
	}
	return -1, 0
}

// decodeParallel decodes GBK/GB18030 (enc, named name in errors) from r to w with up to
// workers goroutines, strictly, keeping the order of blocks. Blocks end at a '\n' (or, in a
// block without one, after a byte below 0x30): such bytes never occur inside a multi-byte
// character. With evidence, it also counts the bytes as UTF-8 (for rule 3). An invalid
// sequence is a *badBytes with its offset and line; the rest of the file is still read (for
// the evidence) but not written.
func decodeParallel(ctx context.Context, r io.Reader, w io.Writer, enc encoding.Encoding, name string, workers int, evidence bool) (utf8Evidence, error) {
	const blockSize = 4 << 20
	gb18030 := name == "GB18030"
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
				res := result{badAt: -1, n: len(j.in), lines: int64(bytes.Count(j.in, []byte{'\n'}))}
				res.b, res.err = dec.Bytes(j.in)
				if res.err == nil && bytes.Contains(res.b, []byte("\ufffd")) {
					if at, n := firstInvalidGB(j.in, enc, gb18030); at >= 0 {
						res.badAt, res.badLen = at, n
						res.badLine = int64(bytes.Count(j.in[:at], []byte{'\n'}))
						res.badBytes = append([]byte(nil), j.in[at:at+n]...)
					}
				}
				if evidence {
					res.ev = countUTF8(j.in)
				}
				j.out <- res
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
				i := bytes.LastIndexByte(buf, '\n')
				if i < 0 {
					i = bytes.LastIndexFunc(buf, func(r rune) bool { return r < 0x30 })
				}
				if i >= 0 {
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
	var ev utf8Evidence
	var off, lines int64
	for ch := range order {
		res := <-ch
		ev.Multi += res.ev.Multi
		ev.Bad += res.ev.Bad
		if firstErr == nil && res.err != nil {
			firstErr = res.err
		}
		if firstErr == nil && res.badAt >= 0 {
			firstErr = &badBytes{Offset: off + int64(res.badAt), Line: lines + res.badLine + 1, Bytes: res.badBytes, What: name}
		}
		if firstErr == nil {
			_, firstErr = bw.Write(res.b)
		}
		off += int64(res.n)
		lines += res.lines
	}
	if err := <-readErr; firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		return ev, firstErr
	}
	return ev, bw.Flush()
}

type result struct {
	b        []byte
	err      error
	n        int   // input bytes
	lines    int64 // '\n' in the input
	badAt    int   // offset in the block of the first invalid sequence, or -1
	badLen   int
	badLine  int64 // '\n' before badAt in the block
	badBytes []byte
	ev       utf8Evidence
}
