package ingest

// Staging a CSV file: the encoding, a UTF-8 copy with LF line ends where one is needed, and
// the load, by DuckDB's reader or by encoding/csv (stageFile in stage.go calls it).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/caseload/caseload/pipeline/source"
)

// csvEncoding is the encoding a source sets for its CSV files ("auto" by default).
func csvEncoding(p plannedFile) string {
	if p.src != nil && p.src.Encoding != "" {
		return p.src.Encoding
	}
	return "auto"
}

// csvFile is what is known of a CSV file before it is staged.
type csvFile struct {
	scan  *scanResult // of the file's bytes
	head  []byte      // its first headSize bytes
	delim byte
}

// stageCSV decides the encoding (decode.go), reads the file from a UTF-8 copy with LF line
// ends when it is not one already (UTF-16, GB18030/GBK, CR-only), finds the header and loads
// the rows, natively when DuckDB's reader lines up with the scanned records, else with
// encoding/csv. spec is the load made while the file was scanned (nil if none): it is used
// when the scan confirms it, else dropped.
func stageCSV(ctx context.Context, conn *sql.Conn, p plannedFile, k int, cf csvFile, fr *FileResult, extra map[string]string, opt Options, spec *specCSV) error {
	scan, delim := cf.scan, cf.delim
	declared := csvEncoding(p)
	enc := chooseEncoding(declared, cf.head, scan)
	fr.Encoding = enc
	if spec != nil && !(enc == "utf-8" && scan.ValidUTF8 && !scan.HasNUL && !scan.BadQuoting && !scan.CROnly()) {
		dropStaged(conn, k)
		spec = nil
	}
	path := p.path // the file read from here on: UTF-8 with LF line ends
	var temps []string
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	encErr := func(err error, advice string) error {
		var bb *badBytes
		if errors.As(err, &bb) {
			return &source.Error{Path: p.path, Line: bb.Line, Msg: bb.Error() + advice}
		}
		return &source.Error{Path: p.path, Msg: fmt.Sprintf("cannot decode as %s: %v", enc, err)}
	}
	if enc == "utf-16le" || enc == "utf-16be" {
		tmp, err := utf16ToTemp(ctx, p.path, opt.tempDir, enc == "utf-16be")
		if err != nil {
			return encErr(err, "; the file may be damaged, export it again")
		}
		temps = append(temps, tmp)
		path = tmp
		head, err := readHead(tmp, headSize)
		if err != nil {
			return err
		}
		delim = sniffDelimiter(head, looksLikeHeader(extra))
		if scan, err = scanFile(ctx, tmp, true, delim, nil); err != nil {
			return err
		}
	}
	if scan.HasNUL {
		msg := "contains NUL bytes: this is a binary file, not CSV text (export as CSV, or name the file .xlsx/.parquet if it is one)"
		if guess := looksUTF16(cf.head); guess != "" && path == p.path {
			msg = "contains NUL bytes: it looks like UTF-16 text without a byte order mark; set encoding: " + guess + " in the source, or export it again as CSV UTF-8"
		}
		return &source.Error{Path: p.path, Msg: msg}
	}
	if scan.CROnly() {
		tmp, err := crToLFTemp(ctx, path, opt.tempDir)
		if err != nil {
			return err
		}
		temps = append(temps, tmp)
		path = tmp
		if scan, err = scanFile(ctx, tmp, true, delim, nil); err != nil {
			return err
		}
		opt.Logger.Debug("CR-only line ends: read from a copy with LF", "file", p.display)
	}
	if enc == "utf-8" && !scan.ValidUTF8 {
		hint := " — if the file comes from Excel on Chinese Windows, set encoding: gb18030 or auto"
		if _, bom := utf16BOM(cf.head); bom {
			hint = " — it starts with a UTF-16 byte order mark: set encoding: utf-16 or auto"
		}
		return &source.Error{Path: p.path, Line: lineOfOffset(path, scan.BadUTF8At),
			Msg: fmt.Sprintf("not valid UTF-8 at byte offset %d (%s); the source says encoding: utf-8%s", scan.BadUTF8At, hexBytes(bytesAt(path, scan.BadUTF8At, 1)), hint)}
	}
	if dec := decoderFor(enc); dec != nil {
		name := strings.ToUpper(enc)
		tmp, ev, err := gbToTemp(ctx, path, opt.tempDir, dec, name, declared == "auto")
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if declared == "auto" && ev.MostlyUTF8() {
			// Rule 3: UTF-8 with a stray byte, not GB18030.
			return &source.Error{Path: p.path, Line: lineOfOffset(path, scan.BadUTF8At),
				Msg: fmt.Sprintf("not valid UTF-8 at byte offset %d (%s), while the rest of the file is UTF-8 (%d multi-byte characters, %s), so it is not read as GB18030: correct that byte, or if the file is GB18030 set encoding: gb18030 in the source",
					scan.BadUTF8At, hexBytes(bytesAt(path, scan.BadUTF8At, 1)), ev.Multi, plural(ev.Bad, "invalid byte", "invalid bytes"))}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			advice := "; the file may be damaged, or in another encoding"
			if declared == "auto" {
				advice = fmt.Sprintf("; the file is neither UTF-8 (byte offset %d is not) nor GB18030: export it as CSV UTF-8, or set the source's encoding", scan.BadUTF8At)
			}
			return encErr(err, advice)
		}
		path = tmp
	}
	if spec != nil && !spec.refused {
		ok, err := spec.use(ctx, conn, scan, k)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		dropStaged(conn, k)
	}
	header, hrec, _, err := csvHeader(path, delim, looksLikeHeader(extra))
	if err != nil {
		return err
	}
	if header == nil {
		return &source.Error{Path: p.path, Msg: "the file is empty; expected a header row and case rows"}
	}
	if hrec >= scan.RecordLines.Len() {
		return &source.Error{Path: p.path, Msg: "cannot find the header row"}
	}
	headerLine := scan.RecordLines.At(hrec)
	uniform := true
	for n, last := range scan.FieldCounts {
		if n != len(header) && last > hrec {
			uniform = false
		}
	}
	// A header that does not map is reported after the file's own faults (below).
	triedNative := spec != nil && spec.refused && spec.headerLine == headerLine
	if m, merr := MapHeader(header, extra); merr == nil && !scan.BadQuoting && uniform && !triedNative {
		ok, err := stageCSVNative(ctx, conn, path, delim, &scan.RecordLines, hrec, m, k, opt.Logger, opt.pii)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	// DuckDB refused the file or its rows did not line up: find the exact problem, or load
	// it with encoding/csv.
	if derr := diagnoseCSV(path, delim, hrec, len(header)); derr != nil {
		return derr
	}
	r, err := openCSVRows(path, delim, hrec)
	if err != nil {
		return err
	}
	defer r.Close()
	if _, err := stageReader(ctx, conn, r, k); err != nil {
		return err
	}
	return validateTable(ctx, conn, header, extra, k, opt.Logger, opt.pii)
}
