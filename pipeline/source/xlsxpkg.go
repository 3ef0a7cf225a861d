package source

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// xlsxPackage gives access to the parts of an OOXML package (a zip archive).
type xlsxPackage struct {
	path   string
	parts  map[string]*zip.File // by lower-case part name, no leading "/"
	size   int64                // of the file
	limits xlsxLimits
}

func newPackage(filePath string, zr *zip.Reader, size int64, limits xlsxLimits) *xlsxPackage {
	p := &xlsxPackage{path: filePath, parts: make(map[string]*zip.File, len(zr.File)), size: size, limits: limits}
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))
		if _, dup := p.parts[name]; !dup {
			p.parts[name] = f
		}
	}
	return p
}

func (p *xlsxPackage) has(name string) bool {
	_, ok := p.parts[strings.ToLower(name)]
	return ok
}

func (p *xlsxPackage) damaged(part string, err error) *Error {
	return &Error{Path: p.path, err: err,
		Msg: fmt.Sprintf("not a valid XLSX file (%s: %v); the file may be truncated or corrupt, export or save it again", part, err)}
}

// open opens a part for reading, bounded by the package's limits (limits.go): a part whose
// central directory already declares too much is refused before anything is inflated.
func (p *xlsxPackage) open(name string) (*boundedPart, error) {
	f, ok := p.parts[strings.ToLower(name)]
	if !ok {
		return nil, &Error{Path: p.path, Msg: fmt.Sprintf("not a valid XLSX file (part %s is missing)", name)}
	}
	bp := p.limits.bound(p.path, name, f, p.size)
	if err := bp.checkDeclared(f.UncompressedSize64); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, p.damaged(name, err)
	}
	bp.rc = rc
	return bp, nil
}

// parse streams the tokens of an XML part to fn. A missing part is not an
// error when optional.
func (p *xlsxPackage) parse(name string, optional bool, fn func(xml.Token) error) error {
	if optional && !p.has(name) {
		return nil
	}
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.RawToken()
		rc.mark()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var limit *Error
			if errors.As(err, &limit) {
				return limit
			}
			return p.damaged(name, err)
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// maxEntries bounds the sheets, relationships, number formats and cell formats a workbook
// may list (Excel allows 65,490 cell formats): each costs memory for as long as the file is read.
const maxEntries = 1 << 18

func (p *xlsxPackage) tooMany(part, what string) error {
	return &Error{Path: p.path, Msg: fmt.Sprintf("part %s lists more than %d %s: refused as damaged or built to exhaust memory", part, maxEntries, what)}
}

type relationship struct{ id, typ, target string }

// rels reads the relationships of a part; targets are resolved to part names.
func (p *xlsxPackage) rels(source string) ([]relationship, error) {
	dir, file := path.Split(source)
	relsName := dir + "_rels/" + file + ".rels"
	var out []relationship
	err := p.parse(relsName, true, func(tok xml.Token) error {
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			if strings.EqualFold(attr(se.Attr, "TargetMode"), "External") {
				return nil
			}
			target := strings.ReplaceAll(attr(se.Attr, "Target"), "\\", "/")
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join(dir, target)
			}
			if len(out) >= maxEntries {
				return p.tooMany(relsName, "relationships")
			}
			out = append(out, relationship{id: attr(se.Attr, "Id"), typ: attr(se.Attr, "Type"), target: target})
		}
		return nil
	})
	return out, err
}

type sheetInfo struct {
	name, part string
	hidden     bool
}

type workbookInfo struct {
	sheets     []sheetInfo
	date1904   bool
	stylesPart string
	sstPart    string
}

// workbook reads the workbook part: its sheets, date system and the parts it
// refers to.
func (p *xlsxPackage) workbook() (*workbookInfo, error) {
	wbPart := ""
	rootRels, err := p.rels("")
	if err != nil {
		return nil, err
	}
	for _, r := range rootRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPart = r.target
			break
		}
	}
	if wbPart == "" {
		wbPart = "xl/workbook.xml"
	}
	if strings.HasSuffix(strings.ToLower(wbPart), ".bin") || p.has("xl/workbook.bin") {
		return nil, &Error{Path: p.path, Msg: "this is an Excel binary workbook (.xlsb), which is not supported; open it in Excel or WPS and save it as .xlsx or CSV (UTF-8)"}
	}
	if !p.has(wbPart) {
		what := "it is a zip archive without a workbook"
		switch {
		case p.has("word/document.xml"):
			what = "it is a Word document"
		case p.has("ppt/presentation.xml"):
			what = "it is a PowerPoint presentation"
		case p.has("content.xml") && p.has("mimetype"):
			what = "it is an OpenDocument file; save it as .xlsx"
		}
		return nil, &Error{Path: p.path, Msg: "not a valid XLSX file (" + what + ")"}
	}
	rels, err := p.rels(wbPart)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]string, len(rels))
	wb := &workbookInfo{}
	for _, r := range rels {
		byID[r.id] = r.target
		switch {
		case strings.HasSuffix(r.typ, "/styles"):
			wb.stylesPart = r.target
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			wb.sstPart = r.target
		}
	}
	err = p.parse(wbPart, false, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch se.Name.Local {
		case "workbookPr":
			v := strings.ToLower(attr(se.Attr, "date1904"))
			wb.date1904 = v == "1" || v == "true"
		case "sheet":
			state := attr(se.Attr, "state")
			s := sheetInfo{name: attr(se.Attr, "name"), hidden: state != "" && state != "visible"}
			for _, a := range se.Attr {
				if a.Name.Local == "id" && a.Name.Space != "" {
					s.part = byID[a.Value]
				}
			}
			if len(wb.sheets) >= maxEntries {
				return p.tooMany(wbPart, "sheets")
			}
			wb.sheets = append(wb.sheets, s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(wb.sheets) == 0 {
		return nil, &Error{Path: p.path, Msg: "not a valid XLSX file (the workbook has no sheets)"}
	}
	return wb, nil
}

// pick returns the named sheet, or for "" the first sheet a user sees (the
// first visible one, else the first one).
func (wb *workbookInfo) pick(filePath, name string) (sheetInfo, error) {
	if name == "" {
		for _, s := range wb.sheets {
			if !s.hidden {
				return s, nil
			}
		}
		return wb.sheets[0], nil
	}
	for _, s := range wb.sheets {
		if s.name == name {
			return s, nil
		}
	}
	for _, s := range wb.sheets { // Excel sheet names are case-insensitive
		if strings.EqualFold(s.name, name) {
			return s, nil
		}
	}
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = strconv.Quote(s.name)
	}
	return sheetInfo{}, &Error{Path: filePath, Msg: fmt.Sprintf("no sheet named %q; the workbook has %s", name, strings.Join(names, ", "))}
}

// styles reads the style part and reports, per cellXfs index, whether the
// style's number format is a date or time format.
func (p *xlsxPackage) styles(part string) ([]bool, error) {
	if part == "" {
		part = "xl/styles.xml"
	}
	custom := map[int]string{}
	var xfFmt []int
	var inNumFmts, inCellXfs bool
	err := p.parse(part, true, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmts":
				inNumFmts = true
			case "cellXfs":
				inCellXfs = true
			case "numFmt":
				if inNumFmts {
					if id, err := strconv.Atoi(attr(t.Attr, "numFmtId")); err == nil {
						if len(custom) >= maxEntries {
							return p.tooMany(part, "number formats")
						}
						custom[id] = attr(t.Attr, "formatCode")
					}
				}
			case "xf":
				if inCellXfs {
					id, err := strconv.Atoi(attr(t.Attr, "numFmtId"))
					if err != nil {
						id = 0
					}
					if len(xfFmt) >= maxEntries {
						return p.tooMany(part, "cell formats")
					}
					xfFmt = append(xfFmt, id)
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "numFmts":
				inNumFmts = false
			case "cellXfs":
				inCellXfs = false
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	isDate := make([]bool, len(xfFmt))
	cache := map[int]bool{} // per number format id
	for i, id := range xfFmt {
		d, ok := cache[id]
		if !ok {
			if code, isCustom := custom[id]; isCustom {
				d = isDateFormatCode(code)
			} else {
				d = isBuiltInDateFormat(id)
			}
			cache[id] = d
		}
		isDate[i] = d
	}
	return isDate, nil
}

// sharedStrings reads the shared string table. Phonetic runs (<rPh>) are
// left out; rich-text runs are concatenated.
func (p *xlsxPackage) sharedStrings(part string) ([]string, error) {
	if part == "" {
		part = "xl/sharedStrings.xml"
	}
	var (
		out  []string
		buf  []byte
		inSI bool
		inT  bool
		rph  int
		mem  int64 // bytes the table takes in memory, bounded like a part
	)
	err := p.parse(part, true, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sst":
				if n, err := strconv.Atoi(attr(t.Attr, "uniqueCount")); err == nil && n > 0 && n < 1<<20 {
					out = make([]string, 0, n)
				}
			case "si":
				inSI, buf, rph = true, buf[:0], 0
			case "t":
				inT = inSI
			case "rPh":
				rph++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if p.limits.cellTooLong(buf, true) {
					return &Error{Path: p.path, Msg: fmt.Sprintf("shared string %d is %s", len(out), strings.TrimPrefix(p.limits.cellMsg(), "a cell of "))}
				}
				out = append(out, decodeXString(string(buf)))
				if mem += int64(len(buf)) + 32; mem > p.limits.PartBytes {
					return &Error{Path: p.path, Msg: fmt.Sprintf("the shared strings take more than %d MB of memory (limits.xlsx_part_mb): refused as a possible decompression bomb; if the workbook is genuine, raise limits.xlsx_part_mb in caseload.yaml", p.limits.PartBytes>>20)}
				}
			case "t":
				inT = false
			case "rPh":
				rph--
			}
		case xml.CharData:
			if inT && rph == 0 {
				buf = append(buf, t...)
				if p.limits.cellTooLong(buf, false) {
					return &Error{Path: p.path, Msg: fmt.Sprintf("shared string %d is %s", len(out), strings.TrimPrefix(p.limits.cellMsg(), "a cell of "))}
				}
			}
		}
		return nil
	})
	return out, err
}
