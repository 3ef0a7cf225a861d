package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// OpenJSON opens a JSON export. The first non-space byte decides the form:
// '[' is a JSON array of objects, '{' is NDJSON (one object per line, blank
// lines skipped). Row.Line is the line on which each object starts.
//
// The header is the union of the (trimmed) keys of all objects in order of
// first appearance; the file is read twice, once to validate it and collect
// the keys, once to yield rows, so a malformed file fails here and nothing is
// returned from it. Values become text: strings as is, numbers exactly as
// written, true/false as "true"/"false", null as "", objects and arrays as
// compact JSON. An empty file or empty array has an empty header and no rows (Empty tells
// the two apart).
func OpenJSON(filePath string) (Reader, error) {
	f, err := os.Open(filePath)
	if err != nil {
		return nil, err
	}
	r := &jsonReader{path: filePath, file: f, index: map[string]int{}}
	if err := r.open(); err != nil {
		_ = f.Close()
		return nil, err
	}
	return r, nil
}

type jsonForm int

const (
	formEmpty jsonForm = iota
	formArray
	formNDJSON
)

type jsonReader struct {
	path   string
	file   *os.File
	form   jsonForm
	bom    int64 // length of a skipped UTF-8 byte order mark
	header []string
	index  map[string]int // header name -> position
	fields []string
	scan   *jsonScanner
	err    error
	closed bool
}

func (r *jsonReader) Header() []string { return r.header }

// Empty reports a file with nothing but blanks (and a byte order mark) in it: no JSON value
// at all, not even [].
func (r *jsonReader) Empty() bool { return r.form == formEmpty }

func (r *jsonReader) open() error {
	if err := r.sniff(); err != nil {
		return err
	}
	if r.form == formEmpty {
		return nil
	}
	// Pass 1: validate everything and collect the header.
	sc, err := r.newScanner()
	if err != nil {
		return err
	}
	for {
		_, err := sc.next(func(key string, _ json.RawMessage) error {
			if _, ok := r.index[key]; !ok {
				r.index[key] = len(r.header)
				r.header = append(r.header, key)
			}
			return nil
		})
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	// Pass 2 reads the file again from the start.
	r.fields = make([]string, len(r.header))
	r.scan, err = r.newScanner()
	return err
}

// sniff skips a BOM and whitespace and decides the form from the first byte.
func (r *jsonReader) sniff() error {
	br := bufio.NewReader(r.file)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		r.bom = 3
		_, _ = br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return errorf(r.path, 0, 0, "the file is UTF-16 encoded; save it as UTF-8")
	}
	line, col := int64(1), 1
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			r.form = formEmpty
			return nil
		}
		if err != nil {
			return err
		}
		switch c {
		case ' ', '\t', '\r':
			col++
			continue
		case '\n':
			line, col = line+1, 1
			continue
		case '[':
			r.form = formArray
		case '{':
			r.form = formNDJSON
		default:
			return errorf(r.path, line, col, "expected a JSON array of objects ([{...}, ...]) or one JSON object per line (NDJSON)")
		}
		return nil
	}
}

func (r *jsonReader) newScanner() (*jsonScanner, error) {
	if _, err := r.file.Seek(r.bom, io.SeekStart); err != nil {
		return nil, err
	}
	sc := &jsonScanner{path: r.path, file: r.file, bom: r.bom, form: r.form, seen: map[string]struct{}{}}
	if r.form == formArray {
		sc.lc = &lineCounter{r: r.file, badUTF8: -1}
		sc.dec = json.NewDecoder(sc.lc)
	} else {
		sc.br = bufio.NewReaderSize(r.file, 64<<10)
	}
	return sc, nil
}

func (r *jsonReader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	if r.closed {
		return Row{}, errors.New("source: Next on a closed reader")
	}
	if r.scan == nil {
		return Row{}, io.EOF
	}
	clear(r.fields)
	line, err := r.scan.next(func(key string, raw json.RawMessage) error {
		i, ok := r.index[key]
		if !ok {
			return errorf(r.path, 0, 0, "the file changed while it was being read (new key %q)", key)
		}
		v, err := jsonText(raw)
		if err != nil {
			return err
		}
		r.fields[i] = v
		return nil
	})
	if err != nil {
		r.err = err
		return Row{}, err
	}
	return Row{Line: line, Fields: r.fields}, nil
}

func (r *jsonReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return r.file.Close()
}

// jsonText renders a JSON value as field text.
func jsonText(raw json.RawMessage) (string, error) {
	switch raw[0] {
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), nil
		}
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case 't':
		return "true", nil
	case 'f':
		return "false", nil
	case 'n':
		return "", nil
	case '{', '[':
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	return string(raw), nil // number, exactly as written
}

func kindOf(raw json.RawMessage) string {
	switch raw[0] {
	case '"':
		return "a string"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonScanner walks the objects of one pass over the file.
type jsonScanner struct {
	path string
	file *os.File
	bom  int64
	form jsonForm
	seen map[string]struct{} // keys of the current object

	// array form
	dec     *json.Decoder
	lc      *lineCounter
	started bool
	ended   bool

	// NDJSON form
	br   *bufio.Reader
	line int64
	buf  []byte
}

// next reads the next object, calls fn for each key in order and returns the
// line on which the object starts; io.EOF at the end.
func (s *jsonScanner) next(fn func(key string, raw json.RawMessage) error) (int64, error) {
	if s.form == formArray {
		return s.nextArray(fn)
	}
	return s.nextLine(fn)
}

func (s *jsonScanner) nextArray(fn func(string, json.RawMessage) error) (int64, error) {
	if s.ended {
		return 0, io.EOF
	}
	if !s.started {
		s.started = true
		if _, err := s.dec.Token(); err != nil { // '[' (sniffed)
			return 0, s.streamError(err)
		}
	}
	if !s.dec.More() {
		s.ended = true
		if _, err := s.dec.Token(); err != nil { // ']'
			return 0, s.streamError(err)
		}
		end := s.dec.InputOffset()
		if tok, err := s.dec.Token(); err != io.EOF {
			if err != nil && !isSyntaxOrEOF(err) {
				return 0, s.streamError(err)
			}
			_ = tok
			line, col := s.position(end, true)
			return 0, errorf(s.path, line, col, "unexpected data after the closing ] of the array")
		}
		if s.lc.badUTF8 >= 0 {
			return 0, s.streamError(errBadUTF8)
		}
		return 0, io.EOF
	}
	var raw json.RawMessage
	if err := s.dec.Decode(&raw); err != nil {
		return 0, s.streamError(err)
	}
	end := s.dec.InputOffset()
	line := s.lc.lineAt(end-1) - int64(bytes.Count(raw, []byte{'\n'}))
	if raw[0] != '{' {
		return 0, errorf(s.path, line, 0, "expected a JSON object ({...}) as array element, found %s", kindOf(raw))
	}
	return line, s.object(raw, line, fn)
}

func (s *jsonScanner) nextLine(fn func(string, json.RawMessage) error) (int64, error) {
	for {
		data, err := s.readLine()
		if len(data) == 0 && err != nil {
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, err
		}
		s.line++
		if !utf8.Valid(data) {
			return 0, s.badUTF8At(s.line, data)
		}
		if len(bytes.Trim(data, " \t\r\n")) == 0 {
			continue // blank line
		}
		var raw json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				pos := int(se.Offset) - 1
				if strings.HasPrefix(se.Error(), "unexpected end") {
					pos = len(bytes.TrimRight(data, "\r\n"))
				}
				pos = max(0, min(pos, len(data)))
				return 0, errorf(s.path, s.line, utf8.RuneCount(data[:pos])+1, "malformed JSON: %s", syntaxMsg(se))
			}
			return 0, errorf(s.path, s.line, 0, "malformed JSON: %v", err)
		}
		if raw[0] != '{' {
			return 0, errorf(s.path, s.line, 0, "expected one JSON object ({...}) per line, found %s", kindOf(raw))
		}
		return s.line, s.object(raw, s.line, fn)
	}
}

// readLine returns the next line including its '\n' (reusing a buffer).
func (s *jsonScanner) readLine() ([]byte, error) {
	s.buf = s.buf[:0]
	for {
		chunk, err := s.br.ReadSlice('\n')
		s.buf = append(s.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return s.buf, err
	}
}

// object calls fn for each member of a syntactically valid object and checks
// for duplicate keys.
func (s *jsonScanner) object(raw json.RawMessage, line int64, fn func(string, json.RawMessage) error) error {
	clear(s.seen)
	d := json.NewDecoder(bytes.NewReader(raw))
	if _, err := d.Token(); err != nil { // '{'
		return errorf(s.path, line, 0, "malformed JSON: %v", err)
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return errorf(s.path, line, 0, "malformed JSON: %v", err)
		}
		key, _ := tok.(string)
		key = strings.TrimSpace(key)
		if _, dup := s.seen[key]; dup {
			keyLine := line + int64(bytes.Count(raw[:d.InputOffset()], []byte{'\n'}))
			return errorf(s.path, keyLine, 0, "duplicate key %q in one object", key)
		}
		s.seen[key] = struct{}{}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return errorf(s.path, line, 0, "malformed JSON: %v", err)
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// constError is an error that can be a constant (no package-level variables).
type constError string

func (e constError) Error() string { return string(e) }

const errBadUTF8 = constError("invalid UTF-8")

func isSyntaxOrEOF(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || err == io.ErrUnexpectedEOF
}

// streamError turns an error of the array decoder into an *Error with the
// position in the file.
func (s *jsonScanner) streamError(err error) error {
	if s.lc.badUTF8 >= 0 {
		line, col := s.position(s.lc.badUTF8, false)
		return errorf(s.path, line, col, "%s", badUTF8Msg)
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && strings.HasPrefix(se.Error(), "invalid character"):
		// A scanner error inside a value: the decoder's offset counts only
		// the bytes of values, so scan the failing value again on its own.
		line, col := s.position(s.relocate(s.dec.InputOffset()), false)
		return errorf(s.path, line, col, "malformed JSON: %s", syntaxMsg(se))
	case errors.As(err, &se):
		// A token-level error ("expected comma after array element"): the
		// offset is where the decoder stopped; point at the next character.
		line, col := s.position(se.Offset, true)
		return errorf(s.path, line, col, "malformed JSON: %s", syntaxMsg(se))
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		line, col := s.position(1<<62, false)
		return errorf(s.path, line, col, "malformed JSON: unexpected end of file (the array or an object is not closed; was the file truncated?)")
	}
	return &Error{Path: s.path, Msg: fmt.Sprintf("reading the file: %v", err), err: err}
}

// relocate returns the offset of the invalid byte in the value that starts
// at offset start (after the BOM).
func (s *jsonScanner) relocate(start int64) int64 {
	f, err := os.Open(s.file.Name())
	if err != nil {
		return start
	}
	defer f.Close()
	d := json.NewDecoder(io.NewSectionReader(f, s.bom+start, 1<<62))
	var raw json.RawMessage
	var se *json.SyntaxError
	if err := d.Decode(&raw); errors.As(err, &se) && se.Offset > 0 {
		return start + se.Offset - 1
	}
	return start
}

func syntaxMsg(se *json.SyntaxError) string {
	msg := se.Error()
	if strings.HasPrefix(msg, "unexpected end") {
		return msg + " (was the file truncated?)"
	}
	return msg
}

const badUTF8Msg = "the file is not valid UTF-8 text (GBK/GB18030 export?); save it as UTF-8"

func (s *jsonScanner) badUTF8At(line int64, data []byte) error {
	col := 1
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
		col++
	}
	return errorf(s.path, line, col, "%s", badUTF8Msg)
}

// position returns the 1-based line and character column of byte offset off
// (counted after the BOM) by reading the file again; with skipSpace it first
// moves past JSON whitespace. Offsets past the end give the end of the file.
func (s *jsonScanner) position(off int64, skipSpace bool) (int64, int) {
	f, err := os.Open(s.file.Name())
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	if _, err := f.Seek(s.bom, io.SeekStart); err != nil {
		return 0, 0
	}
	br := bufio.NewReader(f)
	line, col := int64(1), 1
	for i := int64(0); ; i++ {
		c, err := br.ReadByte()
		if err != nil {
			return line, col
		}
		if i >= off {
			if !skipSpace || !(c == ' ' || c == '\t' || c == '\r' || c == '\n') {
				return line, col
			}
		}
		switch {
		case c == '\n':
			line, col = line+1, 1
		case c < 0x80 || c >= 0xC0: // count characters, not continuation bytes
			col++
		}
	}
}

// lineCounter is the reader under the array decoder: it remembers where
// newlines are, so that the line of an offset can be found after the decoder
// has consumed it, and it checks that the text is valid UTF-8.
type lineCounter struct {
	r       io.Reader
	off     int64   // bytes read so far
	nl      []int64 // offsets of newlines not yet passed by lineAt
	dropped int64   // newlines before nl
	carry   []byte  // incomplete UTF-8 sequence at the end of the last read
	badUTF8 int64   // offset of the first invalid UTF-8 byte, or -1
}

func (lc *lineCounter) Read(p []byte) (int, error) {
	if lc.badUTF8 >= 0 {
		return 0, errBadUTF8
	}
	n, err := lc.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			lc.nl = append(lc.nl, lc.off+int64(i))
		}
	}
	lc.checkUTF8(p[:n], err == io.EOF)
	lc.off += int64(n)
	if lc.badUTF8 >= 0 {
		return n, errBadUTF8
	}
	return n, err
}

func (lc *lineCounter) checkUTF8(p []byte, eof bool) {
	start := lc.off - int64(len(lc.carry))
	data := p
	if len(lc.carry) > 0 {
		data = append(lc.carry, p...)
	}
	i := 0
	for i < len(data) {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !utf8.FullRune(data[i:]) && !eof {
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			lc.badUTF8 = start + int64(i)
			return
		}
		i += size
	}
	lc.carry = append(lc.carry[:0], data[i:]...)
}

// lineAt returns the 1-based line of byte offset off. Offsets must not
// decrease from call to call.
func (lc *lineCounter) lineAt(off int64) int64 {
	i := 0
	for i < len(lc.nl) && lc.nl[i] < off {
		i++
	}
	lc.dropped += int64(i)
	lc.nl = lc.nl[:copy(lc.nl, lc.nl[i:])]
	return lc.dropped + 1
}
