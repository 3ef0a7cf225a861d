package source

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// streamWorkbook writes a workbook whose parts are written by functions (so a part can be
// far larger than memory), deflated at the fastest level; parts not given are those of
// rawWorkbook.
func streamWorkbook(t testing.TB, dir, name string, parts map[string]func(w io.Writer)) string {
	t.Helper()
	base := rawWorkbook(t, dir, name+".base", nil)
	zr, err := zip.OpenReader(base)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, flate.BestSpeed) })
	for _, zf := range zr.File {
		if _, ok := parts[zf.Name]; ok {
			continue
		}
		if err := zw.Copy(zf); err != nil {
			t.Fatal(err)
		}
	}
	for name, fill := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		bw := &errWriter{w: w}
		fill(bw)
		if bw.err != nil {
			t.Fatal(bw.err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

// repeat writes s n times.
func repeat(w io.Writer, s string, n int) {
	chunk := []byte(strings.Repeat(s, max(1, 64<<10/max(1, len(s)))))
	per := len(chunk) / len(s)
	for ; n >= per; n -= per {
		w.Write(chunk)
	}
	w.Write(chunk[:n*len(s)])
}

const (
	sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c t="inlineStr"><is><t>case_id</t></is></c><c t="inlineStr"><is><t>note</t></is></c></row>`
	sheetTail = `</sheetData></worksheet>`
	sstHead   = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
)

func sheetOf(rows string) func(io.Writer) {
	return func(w io.Writer) { io.WriteString(w, sheetHead+rows+sheetTail) }
}

// openAndRead opens a workbook with opt and reads every row; it returns the first error.
func openAndRead(t *testing.T, path string, opt XLSXOptions) ([]gotRow, error) {
	t.Helper()
	r, err := OpenXLSX(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(t, r)
}

// TestXLSXLimits: each bound of limits.go refuses its kind of input with an *Error naming the
// part or the cell and the setting to raise, and input just within the bounds is read.
func TestXLSXLimits(t *testing.T) {
	dir := t.TempDir()
	small := XLSXOptions{MaxPartBytes: 1 << 20, MaxCellChars: 100, MaxRatio: 10}
	cjk100 := strings.Repeat("侨", 100)
	cases := []struct {
		name  string
		parts map[string]func(io.Writer)
		opt   XLSXOptions
		want  string // "" = reads fine
	}{
		{"within.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheetOf(
			`<row r="2"><c t="inlineStr"><is><t>A1</t></is></c><c t="inlineStr"><is><t>` + cjk100 + `</t></is></c></row>`)}, small, ""},
		{"long-cell.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": sheetOf(
			`<row r="2"><c t="inlineStr"><is><t>A1</t></is></c></row><row r="3"><c t="inlineStr"><is><t>A2</t></is></c><c t="inlineStr"><is><r><t>` + cjk100 + `</t></r><r><t>x</t></r></is></c></row>`)}, small,
			"row 3, column B: a cell of more than 100 characters (limits.xlsx_cell_chars"},
		{"long-shared.xlsx", map[string]func(io.Writer){"xl/sharedStrings.xml": func(w io.Writer) {
			io.WriteString(w, sstHead+`<si><t>ok</t></si><si><t>`+strings.Repeat("x", 101)+`</t></si></sst>`)
		}}, small, "shared string 1 is more than 100 characters (limits.xlsx_cell_chars"},
		{"long-token.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) {
			io.WriteString(w, sheetHead+`<!--`)
			repeat(w, "7", 200<<10) // a comment of 200 KB: one token, refused while it is read
			io.WriteString(w, `--><row r="2"><c><v>1</v></c></row>`+sheetTail)
		}}, small, "row 1: part xl/worksheets/sheet1.xml has a single XML item (a text, a tag) of more than"},
		{"big-part.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) {
			io.WriteString(w, sheetHead)
			for i := 2; i < 40_000; i++ {
				fmt.Fprintf(w, `<row r="%d"><c t="inlineStr"><is><t>A%d</t></is></c></row>`, i, i)
			}
			io.WriteString(w, sheetTail)
		}}, XLSXOptions{MaxPartBytes: 1 << 20}, "part xl/worksheets/sheet1.xml decompresses to more than 1 MB (limits.xlsx_part_mb"},
		{"ratio.xlsx", map[string]func(io.Writer){"xl/worksheets/sheet1.xml": func(w io.Writer) {
			io.WriteString(w, sheetHead)
			repeat(w, `<row><c t="inlineStr"><is><t>A1</t></is></c></row>`, 400_000) // 20 MB, compresses ~300:1
			io.WriteString(w, sheetTail)
		}}, XLSXOptions{MaxRatio: 10}, "part xl/worksheets/sheet1.xml decompresses to more than 10 times its compressed size"},
		{"many-strings.xlsx", map[string]func(io.Writer){"xl/sharedStrings.xml": func(w io.Writer) {
			io.WriteString(w, sstHead)
			repeat(w, `<si/>`, 100_000) // 500 KB of XML, 1.6 MB of strings in memory
			io.WriteString(w, `</sst>`)
		}}, small, "the shared strings take more than 1 MB of memory (limits.xlsx_part_mb)"},
	}
	for _, c := range cases {
		path := streamWorkbook(t, dir, c.name, c.parts)
		rows, err := openAndRead(t, path, c.opt)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want == "" && c.name == "within.xlsx" && (len(rows) != 1 || rows[0].Fields[1] != cjk100):
			t.Errorf("%s: rows %v", c.name, rows)
		case c.want != "" && (err == nil || !strings.Contains(asError(t, err).Error(), filepath.Join(dir, c.name)+": ") || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want …%s", c.name, err, c.want)
		}
	}
}

// TestXLSXDeclaredSize: a part whose central directory declares more than the limits is
// refused before a byte of it is inflated.
func TestXLSXDeclaredSize(t *testing.T) {
	dir := t.TempDir()
	base := rawWorkbook(t, dir, "base.xlsx", map[string]string{"xl/worksheets/sheet1.xml": sheetHead + sheetTail})
	zr, err := zip.OpenReader(base)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	p := filepath.Join(dir, "declared.xlsx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, zf := range zr.File {
		if zf.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(zf); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var raw bytes.Buffer
		fw, _ := flate.NewWriter(&raw, flate.BestSpeed)
		io.WriteString(fw, sheetHead+sheetTail)
		fw.Close()
		h := zf.FileHeader
		h.UncompressedSize64 = 1 << 40 // a terabyte, says the directory
		h.CompressedSize64 = uint64(raw.Len())
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(raw.Bytes())
	}
	zw.Close()
	f.Close()
	_, err = OpenXLSX(p, XLSXOptions{})
	if err == nil || !strings.Contains(err.Error(), "part xl/worksheets/sheet1.xml decompresses to more than 256 MB (limits.xlsx_part_mb") {
		t.Errorf("declared size: %v", err)
	}
}
