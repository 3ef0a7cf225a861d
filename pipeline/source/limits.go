package source

import (
	"archive/zip"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits that protect the machine from a workbook that decompresses far past its size (a
// "zip bomb": a few hundred KB that inflate 1000:1) — SPEC §4.2. Every part (zip entry) is
// read through a boundedPart, which refuses it with an *Error, before memory grows, when:
//
//   - it inflates to more than PartBytes (limits.xlsx_part_mb), or — once past
//     ratioGrace — to more than Ratio times its compressed size (limits.xlsx_ratio;
//     Apache POI's ZipSecureFile refuses the same way at 100:1). Case exports compress
//     about 10:1. A part whose central directory already declares too much is refused
//     before anything is inflated.
//   - one XML token (a text run, a tag, a comment) is longer than any cell can be
//     (tokenBytes): encoding/xml holds a whole token in memory before it returns it, so a
//     single 300 MB text would otherwise be read into memory before its cell is checked.
//
// A cell (or shared string) of more than CellChars characters (limits.xlsx_cell_chars,
// default 32,767, Excel's own limit) is refused as it is read, and the shared strings — the
// one part held in memory — may not take more than PartBytes there.
type xlsxLimits struct {
	PartBytes int64
	CellChars int
	Ratio     int64
}

// Defaults, for options left at zero.
const (
	defaultPartBytes = 256 << 20
	defaultCellChars = 32767
	defaultRatio     = 100
	// ratioGrace: parts smaller than this are never refused for their ratio (a small
	// styles part of repeated elements can compress very well).
	ratioGrace = 16 << 20
)

func (o XLSXOptions) limits() xlsxLimits {
	l := xlsxLimits{PartBytes: o.MaxPartBytes, CellChars: o.MaxCellChars, Ratio: int64(o.MaxRatio)}
	if l.PartBytes <= 0 {
		l.PartBytes = defaultPartBytes
	}
	if l.CellChars <= 0 {
		l.CellChars = defaultCellChars
	}
	if l.Ratio <= 0 {
		l.Ratio = defaultRatio
	}
	return l
}

// tokenBytes is the longest XML token accepted: a cell's text at up to 12 bytes a character
// (a character reference such as &#x10FFFF; takes 10) plus room for a tag's attributes.
func (l xlsxLimits) tokenBytes() int64 { return int64(l.CellChars)*12 + 64<<10 }

// cellTooLong checks a cell's text as it grows: quickly by its bytes (a character takes at
// most 4), exactly by its characters once it is complete.
func (l xlsxLimits) cellTooLong(text []byte, complete bool) bool {
	if len(text) > 4*l.CellChars {
		return true
	}
	return complete && len(text) > l.CellChars && utf8.RuneCount(text) > l.CellChars
}

func (l xlsxLimits) cellMsg() string {
	return fmt.Sprintf("a cell of more than %d characters (limits.xlsx_cell_chars; Excel's own limit is 32,767): the workbook is damaged or built to exhaust memory; if it is genuine, raise limits.xlsx_cell_chars in caseload.yaml", l.CellChars)
}

// bound prepares the reader of a part (f, in the package at path of size bytes).
func (l xlsxLimits) bound(path, name string, f *zip.File, size int64) *boundedPart {
	comp := int64(f.CompressedSize64)
	if comp <= 0 || comp > size {
		comp = size
	}
	ratioAt := l.Ratio * max(comp, 1)
	if f.Method == zip.Store {
		ratioAt = -1 // stored, not compressed: no expansion to bound
	}
	return &boundedPart{path: path, name: name, limits: l, ratioAt: ratioAt, comp: comp}
}

// boundedPart reads a part and enforces the limits.
type boundedPart struct {
	path, name string
	rc         io.ReadCloser
	limits     xlsxLimits
	comp       int64 // compressed size
	ratioAt    int64 // inflated size past which the ratio is too high (-1: none)
	total      int64 // bytes inflated so far
	sinceMark  int64 // bytes inflated since the last token ended
}

func (b *boundedPart) refuse(msg string) *Error {
	return &Error{Path: b.path, Msg: fmt.Sprintf("part %s %s: refused as a possible decompression bomb", b.name, msg)}
}

func (b *boundedPart) tooBig(n int64) *Error {
	if n > b.limits.PartBytes {
		return b.refuse(fmt.Sprintf("decompresses to more than %d MB (limits.xlsx_part_mb; if the workbook is genuine, raise it in caseload.yaml or export the sheet as CSV)", b.limits.PartBytes>>20))
	}
	if b.ratioAt >= 0 && n > ratioGrace && n > b.ratioAt {
		return b.refuse(fmt.Sprintf("decompresses to more than %d times its compressed size of %d bytes (limits.xlsx_ratio)", b.limits.Ratio, b.comp))
	}
	return nil
}

// checkDeclared refuses a part whose declared size is already past the limits.
func (b *boundedPart) checkDeclared(size uint64) error {
	if size > 1<<62 {
		size = 1 << 62
	}
	if e := b.tooBig(int64(size)); e != nil {
		return e
	}
	return nil
}

func (b *boundedPart) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.total += int64(n)
	b.sinceMark += int64(n)
	if e := b.tooBig(b.total); e != nil {
		return n, e
	}
	if b.sinceMark > b.limits.tokenBytes() {
		return n, b.refuse(fmt.Sprintf("has a single XML item (a text, a tag) of more than %d bytes, longer than any cell may be (limits.xlsx_cell_chars)", b.limits.tokenBytes()))
	}
	return n, err
}

// mark is called after every token the XML decoder returns.
func (b *boundedPart) mark() { b.sinceMark = 0 }

func (b *boundedPart) Close() error { return b.rc.Close() }
