package source

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XLSXOptions controls OpenXLSX.
type XLSXOptions struct {
	// Sheet is the worksheet to read (exact name, else case-insensitive);
	// "" means the first sheet (the first visible one if the first is
	// hidden). An unknown name is an *Error listing the sheets.
	Sheet string
	// IsHeader decides which row is the header; it receives the trimmed cell
	// texts of each non-empty row in turn. nil means the first non-empty row.
	IsHeader func([]string) bool
	// MaxHeaderScan is how many sheet rows are scanned for the header
	// (default 20).
	MaxHeaderScan int
	// Limits (limits.go); 0 means the default. MaxPartBytes: the most one part
	// may decompress to (256 MB). MaxCellChars: the most characters in one
	// cell (32,767, Excel's own limit). MaxRatio: the most a part larger than
	// 16 MB may expand, decompressed size over compressed size (100).
	MaxPartBytes int64
	MaxCellChars int
	MaxRatio     int
}

const (
	defaultMaxHeaderScan = 20
	maxColumns           = 16384 // XFD, Excel's last column
)

// OpenXLSX opens a worksheet of an XLSX workbook and positions the reader
// after its header row. Rows above the header (titles, blank rows) are
// skipped. The sheet is streamed: only the shared-string table and the style
// table are held in memory.
//
// Cells become text as follows: date/time cells (numeric cells with a date
// number format) are converted from the serial number at full precision to
// "2006-01-02", "2006-01-02 15:04:05" or "2006-01-02 15:04:05.000" wall-clock
// text whatever their display format; other numbers become their shortest
// exact text; text cells are returned as is; booleans are "TRUE"/"FALSE";
// formula cells give their cached value; error cells their code ("#N/A").
func OpenXLSX(filePath string, opt XLSXOptions) (Reader, error) {
	f, err := os.Open(filePath)
	if err != nil {
		return nil, err
	}
	r, err := openXLSX(filePath, f, opt)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return r, nil
}

func openXLSX(filePath string, f *os.File, opt XLSXOptions) (*xlsxReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return nil, notZipError(filePath, f, err)
	}
	pkg := newPackage(filePath, zr, st.Size(), opt.limits())
	wb, err := pkg.workbook()
	if err != nil {
		return nil, err
	}
	sheet, err := wb.pick(filePath, opt.Sheet)
	if err != nil {
		return nil, err
	}
	if sheet.part == "" {
		return nil, errorf(filePath, 0, 0, "not a valid XLSX file (sheet %q has no worksheet part)", sheet.name)
	}
	dateStyle, err := pkg.styles(wb.stylesPart)
	if err != nil {
		return nil, err
	}
	sst, err := pkg.sharedStrings(wb.sstPart)
	if err != nil {
		return nil, err
	}
	rc, err := pkg.open(sheet.part)
	if err != nil {
		return nil, err
	}
	r := &xlsxReader{
		path: filePath,
		file: f,
		rc:   rc,
		sc: sheetScanner{
			path:      filePath,
			dec:       xml.NewDecoder(rc),
			part:      rc,
			limits:    pkg.limits,
			sst:       sst,
			dateStyle: dateStyle,
			date1904:  wb.date1904,
		},
	}
	if err := r.findHeader(sheet.name, opt); err != nil {
		_ = rc.Close()
		return nil, err
	}
	return r, nil
}

// notZipError explains why a file that is not a readable zip archive is not an
// XLSX workbook, recognising the old binary .xls format and encrypted
// (password-protected) workbooks, which are OLE compound files.
func notZipError(filePath string, f *os.File, zipErr error) error {
	head := make([]byte, 8)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	if bytes.Equal(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		if cfbHasStream(f, "EncryptedPackage") {
			return &Error{Path: filePath, Msg: "the workbook is password-protected (encrypted); open it in Excel or WPS, remove the password and save it again as .xlsx", err: zipErr}
		}
		return &Error{Path: filePath, Msg: "this is an old Excel 97-2003 .xls file, which is not supported; open it in Excel or WPS and save it as .xlsx (Excel Workbook) or CSV (UTF-8)", err: zipErr}
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if strings.EqualFold(path.Ext(filePath), ".xls") {
		what := "it is not an Excel workbook"
		if len(trimmed) > 0 && trimmed[0] == '<' {
			what = "it is an HTML/XML page saved with an .xls name"
		}
		return &Error{Path: filePath, Msg: "not a valid .xls or .xlsx file (" + what + "); open it in Excel or WPS and save it as .xlsx or CSV (UTF-8)", err: zipErr}
	}
	msg := "not a valid XLSX file (" + zipErr.Error() + ")"
	if n == 0 {
		msg = "not a valid XLSX file (the file is empty)"
	} else if bytes.HasPrefix(head, []byte("PK")) {
		msg += "; the file looks truncated or damaged, export or copy it again"
	}
	return &Error{Path: filePath, Msg: msg, err: zipErr}
}

// cfbHasStream reports whether an OLE compound file mentions a stream name
// (directory entries hold names in UTF-16LE). It scans at most 8 MiB.
func cfbHasStream(f *os.File, name string) bool {
	var pat []byte
	for _, c := range []byte(name) {
		pat = append(pat, c, 0)
	}
	buf := make([]byte, 1<<20)
	var carry []byte
	for off := int64(0); off < 8<<20; off += int64(len(buf)) {
		n, err := f.ReadAt(buf, off)
		chunk := append(carry, buf[:n]...)
		if bytes.Contains(chunk, pat) {
			return true
		}
		if err != nil {
			return false
		}
		carry = append(carry[:0], chunk[len(chunk)-len(pat):]...)
	}
	return false
}

// xlsxReader implements Reader for a worksheet.
type xlsxReader struct {
	path   string
	file   *os.File
	rc     io.ReadCloser
	sc     sheetScanner
	header []string
	fields []string
	err    error
	closed bool
}

func (r *xlsxReader) Header() []string { return r.header }

func (r *xlsxReader) findHeader(sheetName string, opt XLSXOptions) error {
	maxScan := opt.MaxHeaderScan
	if maxScan <= 0 {
		maxScan = defaultMaxHeaderScan
	}
	var texts []string
	for {
		rowNum, cells, err := r.sc.next()
		if err == io.EOF || (err == nil && rowNum > int64(maxScan)) {
			return sheetErrorf(r.path, 0, 0, "no header row found in the first %d rows of sheet %q (expected columns such as case_id/办件编号, item_code/事项编码, received_at/受理时间)", maxScan, sheetName)
		}
		if err != nil {
			return err
		}
		texts = texts[:0]
		for _, c := range cells {
			for len(texts) < c.col {
				texts = append(texts, "")
			}
			texts[c.col-1] = strings.TrimSpace(c.val)
		}
		width := len(texts)
		for width > 0 && texts[width-1] == "" {
			width--
		}
		if width == 0 {
			continue
		}
		texts = texts[:width]
		if opt.IsHeader == nil || opt.IsHeader(texts) {
			r.header = append([]string(nil), texts...)
			r.fields = make([]string, width)
			return nil
		}
	}
}

func (r *xlsxReader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	if r.closed {
		return Row{}, errors.New("source: Next on a closed reader")
	}
	for {
		rowNum, cells, err := r.sc.next()
		if err != nil {
			r.err = err
			return Row{}, err
		}
		clear(r.fields)
		empty := true
		for _, c := range cells {
			blank := strings.TrimSpace(c.val) == ""
			if c.col > len(r.fields) {
				if !blank {
					// The cell's value is not quoted: it may be an applicant's personal data
					// (the row and column say where to look).
					r.err = sheetErrorf(r.path, rowNum, c.col, "a value (%d characters) beyond the last header column (%s %q)",
						utf8.RuneCountInString(strings.TrimSpace(c.val)), columnName(len(r.header)), r.header[len(r.header)-1])
					return Row{}, r.err
				}
				continue
			}
			if !blank {
				empty = false
			}
			r.fields[c.col-1] = c.val
		}
		if empty {
			continue // fully empty row: no Row, but line numbers are kept
		}
		return Row{Line: rowNum, Fields: r.fields}, nil
	}
}

func (r *xlsxReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err1 := r.rc.Close()
	err2 := r.file.Close()
	if err1 != nil {
		return err1
	}
	return err2
}

// ---------------------------------------------------------------------------
// Worksheet stream

type xcell struct {
	col int
	val string
}

// sheetScanner streams the <sheetData> of a worksheet part row by row.
type sheetScanner struct {
	path      string
	dec       *xml.Decoder
	part      *boundedPart
	limits    xlsxLimits
	sst       []string
	dateStyle []bool // by cellXfs index: the style's number format is a date
	date1904  bool

	inData bool
	done   bool
	row    int64 // current row number
	cells  []xcell
	text   []byte // reused buffer for cell text
}

func (s *sheetScanner) damaged(err error) error {
	return &Error{Path: s.path, Line: s.row, sheet: true, err: err,
		Msg: fmt.Sprintf("the worksheet data is damaged (%v); the file may be truncated or corrupt, export or save it again", err)}
}

func (s *sheetScanner) token() (xml.Token, error) {
	tok, err := s.dec.RawToken()
	s.part.mark()
	if err == io.EOF {
		if s.inData {
			return nil, s.damaged(io.ErrUnexpectedEOF)
		}
		return nil, io.EOF
	}
	if err != nil {
		var limit *Error
		if errors.As(err, &limit) {
			c := *limit
			c.Line, c.sheet = s.row, true
			return nil, &c
		}
		return nil, s.damaged(err)
	}
	return tok, nil
}

// next returns the next <row> of the sheet: its number and its non-empty
// cells in column order. Cell slices are reused by the next call.
func (s *sheetScanner) next() (int64, []xcell, error) {
	if s.done {
		return 0, nil, io.EOF
	}
	for {
		tok, err := s.token()
		if err == io.EOF {
			s.done = true
			return 0, nil, io.EOF
		}
		if err != nil {
			return 0, nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				s.inData = true
			case "row":
				if !s.inData {
					continue
				}
				n := s.row + 1
				if v := attr(t.Attr, "r"); v != "" {
					p, err := strconv.ParseInt(v, 10, 64)
					if err != nil || p < 1 {
						return 0, nil, sheetErrorf(s.path, n, 0, "the worksheet data is damaged (bad row number %q)", v)
					}
					n = p
				}
				s.row = n
				if err := s.readRow(); err != nil {
					return 0, nil, err
				}
				return s.row, s.cells, nil
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				s.done = true
				return 0, nil, io.EOF
			}
		}
	}
}

// readRow reads the cells of the current <row> up to </row>.
func (s *sheetScanner) readRow() error {
	s.cells = s.cells[:0]
	col := 0
	for {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return s.damaged(io.ErrUnexpectedEOF)
			}
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := s.skip(); err != nil {
					return err
				}
				continue
			}
			col++
			var typ, style, ref string
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "r":
					ref = a.Value
				case "t":
					typ = a.Value
				case "s":
					style = a.Value
				}
			}
			if ref != "" {
				c, ok := refColumn(ref)
				if !ok {
					return sheetErrorf(s.path, s.row, 0, "the worksheet data is damaged (bad cell reference %q)", ref)
				}
				col = c
			}
			if col > maxColumns {
				return sheetErrorf(s.path, s.row, 0, "the worksheet data is damaged (column %d beyond XFD)", col)
			}
			val, err := s.readCell(col, typ, style)
			if err != nil {
				return err
			}
			if val == "" {
				continue
			}
			// Cells normally come in column order; keep the slice sorted
			// and let a repeated reference overwrite the earlier cell.
			i := len(s.cells)
			for i > 0 && s.cells[i-1].col >= col {
				i--
			}
			if i < len(s.cells) && s.cells[i].col == col {
				s.cells[i].val = val
			} else {
				s.cells = append(s.cells, xcell{})
				copy(s.cells[i+1:], s.cells[i:])
				s.cells[i] = xcell{col: col, val: val}
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return nil
			}
		}
	}
}

// skip consumes tokens up to the end of the element just started.
func (s *sheetScanner) skip() error {
	depth := 1
	for depth > 0 {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return s.damaged(io.ErrUnexpectedEOF)
			}
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// readCell reads a <c> element's content up to </c> and returns its text.
func (s *sheetScanner) readCell(col int, typ, style string) (string, error) {
	s.text = s.text[:0]
	var inV, inT, isText bool
	rph := 0
	depth := 1
	for depth > 0 {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return "", s.damaged(io.ErrUnexpectedEOF)
			}
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "v":
				inV = typ != "inlineStr"
			case "t":
				inT = true
			case "rPh":
				rph++
			case "is":
				isText = true
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inT = false
			case "rPh":
				rph--
			}
		case xml.CharData:
			if inV || (inT && rph == 0) {
				s.text = append(s.text, t...)
				if s.limits.cellTooLong(s.text, false) {
					return "", sheetErrorf(s.path, s.row, col, "%s", s.limits.cellMsg())
				}
			}
		}
	}
	if s.limits.cellTooLong(s.text, true) {
		return "", sheetErrorf(s.path, s.row, col, "%s", s.limits.cellMsg())
	}
	raw := string(s.text)
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || i < 0 || i >= len(s.sst) {
			if raw == "" {
				return "", nil
			}
			return "", sheetErrorf(s.path, s.row, col, "the workbook is damaged (shared string %q does not exist)", raw)
		}
		return s.sst[i], nil
	case "inlineStr", "str":
		return decodeXString(raw), nil
	case "b":
		switch strings.TrimSpace(raw) {
		case "1", "true":
			return "TRUE", nil
		case "0", "false":
			return "FALSE", nil
		}
		return raw, nil
	case "e":
		return raw, nil
	case "d":
		return isoDateText(raw), nil
	}
	if isText { // inline text without t="inlineStr"
		return decodeXString(raw), nil
	}
	if raw == "" {
		return "", nil
	}
	if style != "" && s.isDateStyle(style) {
		if v, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil {
			if txt, ok := serialToText(v, s.date1904); ok {
				return txt, nil
			}
		}
	}
	return numberText(raw), nil
}

func (s *sheetScanner) isDateStyle(style string) bool {
	i, err := strconv.Atoi(style)
	return err == nil && i >= 0 && i < len(s.dateStyle) && s.dateStyle[i]
}

// refColumn returns the 1-based column of a cell reference such as "AB12".
func refColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			goto digits
		}
		if col > maxColumns {
			return 0, false
		}
	}
digits:
	if i == 0 || i == len(ref) {
		return 0, false
	}
	for j := i; j < len(ref); j++ {
		if ref[j] < '0' || ref[j] > '9' {
			return 0, false
		}
	}
	return col, true
}

func attr(attrs []xml.Attr, local string) string {
	for _, a := range attrs {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
