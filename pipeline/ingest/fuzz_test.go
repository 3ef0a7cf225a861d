package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// FuzzCSVPull feeds arbitrary bytes after a valid header through the whole CSV path
// (encoding detection, line ends, record scan, DuckDB's reader or the encoding/csv fallback,
// validation, merge), in the forms offices have: form's low two bits pick the line ends (as
// given, CRLF, CR only), the next two the encoding (as given, UTF-16LE or UTF-16BE with a
// byte order mark, GB18030). Properties: a file is either refused with a *FileError and loads
// nothing, or pulled with every record accounted for — rows_read equals the number of
// records encoding/csv sees in the text as the reference decodes it, and rows_read =
// accepted + superseded + rejected; bytes invalid in the file's encoding are always refused.
func FuzzCSVPull(f *testing.F) {
	for _, s := range []string{
		"A1,QB01,2022-10-01 09:00,received\n",
		"A1,QB01,2022-10-01 09:00,received\r\nA2,QB02,2022/1/2 8:05,办结\r\n",
		"\"A,1\",QB01,\"2022-10-01\n09:00\",received\n\nA2,QB01,2022-10-01,received",
		"A1,QB01\n",
		"A1,QB01,2022-10-01,\"received\n",
		"\xb0\xec,QB01,2022-10-01,received\n",
		"A1,QB01,2022-10-01,received,extra\n",
		"\"\"\"\",QB01,2022-10-01,received\n",
		"A1,QB01,2022-10-01 09:00,received,城关\xe9镇\n",
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte("A1,QB01,2022-10-01 09:00,received\nA2,QB01,\"2022-10-01\n09:00\",在办\n\n"), uint8(2)) // CR only
	f.Add([]byte("A1,QB01,2022-10-01 09:00,received\r\n\"x\ry\",QB01,2022-10-01,办结\n"), uint8(2))      // CR only, CR in quotes
	f.Add([]byte("A1,QB01,2022年10月1日 9:00,受理\n𠮷,QB01,2022-10-01,received\n"), uint8(1|1<<2))           // UTF-16LE, CRLF
	f.Add([]byte("A1,QB01,2022-10-01 09:00,received\nA2,QB01,\xff,received\n"), uint8(2<<2))           // UTF-16BE, an unpaired surrogate
	f.Add([]byte("A1,QB01,2022-10-01 09:00,received,城关镇\nA2,QB01,2022-10-01,办结\n"), uint8(2|3<<2))     // GB18030, CR only
	p := newProject(f, "")
	n := 0
	f.Fuzz(func(t *testing.T, body []byte, form uint8) {
		if len(body) > 4096 {
			return
		}
		n++
		p.t = t
		content := applyForm(append([]byte("case_id,item_code,received_at,status\n"), body...), form)
		path := p.file("fuzz-"+strconv.Itoa(n)+".csv", string(content))
		before := p.one(`SELECT count(*) FROM cases`) + "/" + p.one(`SELECT count(*) FROM rejects`)
		res, err := p.tryPull(Options{Force: true}, path)
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		fr := res.Files[0]
		text, refuse := referenceText(content)
		want, parseErr := -1, error(nil)
		if refuse == "" {
			want, parseErr = countRecords(text)
		}
		switch fr.Status {
		case "failed":
			var fe *FileError
			if !errors.As(fr.Err(), &fe) {
				t.Fatalf("failed without a FileError: %v", fr.Err())
			}
			if after := p.one(`SELECT count(*) FROM cases`) + "/" + p.one(`SELECT count(*) FROM rejects`); after != before {
				t.Fatalf("refused file changed the warehouse: %s -> %s", before, after)
			}
			if refuse == "" && parseErr == nil && want >= 0 && !strings.Contains(fr.Error, "NUL") && !strings.Contains(fr.Error, "header") && !strings.Contains(fr.Error, "required columns") {
				t.Fatalf("encoding/csv reads %d records but the file was refused: %s", want, fr.Error)
			}
		case "pulled":
			if refuse == "ambiguous" {
				break
			}
			if refuse != "" {
				t.Fatalf("the reference refuses the file (%s) but it was pulled: %+v", refuse, fr)
			}
			if parseErr != nil {
				t.Fatalf("encoding/csv refuses the file (%v) but it was pulled: %+v", parseErr, fr)
			}
			if fr.RowsRead != int64(want) {
				t.Fatalf("rows_read %d, encoding/csv records %d", fr.RowsRead, want)
			}
		default:
			t.Fatalf("status %q", fr.Status)
		}
		if fr.Status == "pulled" && fr.RowsRead != fr.Accepted+fr.Superseded+fr.Rejected {
			t.Fatalf("ledger does not add up: %+v", fr)
		}
	})
}

// applyForm writes content in the line ends and encoding form picks (see FuzzCSVPull).
func applyForm(content []byte, form uint8) []byte {
	switch form & 3 {
	case 1:
		content = bytes.ReplaceAll(content, []byte("\n"), []byte("\r\n"))
	case 2:
		content = bytes.ReplaceAll(content, []byte("\n"), []byte("\r"))
	}
	switch form >> 2 & 3 {
	case 1, 2:
		be := form>>2&3 == 2
		var out []byte
		put := func(u uint16) {
			if be {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
		put(0xFEFF)
		for i := 0; i < len(content); {
			r, size := utf8.DecodeRune(content[i:])
			if r == utf8.RuneError && size <= 1 {
				put(0xDC00 | uint16(content[i])) // an invalid byte becomes an unpaired surrogate
				i++
				continue
			}
			for _, u := range utf16.Encode([]rune{r}) {
				put(u)
			}
			i += size
		}
		return out
	case 3:
		if gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(content); err == nil {
			return gb
		}
	}
	return content
}

// referenceText decodes a file the way SPEC §4.2 says, independently of the code under test:
// UTF-16 by its byte order mark, valid UTF-8, otherwise GB18030 — refused ("…") when the
// bytes are not valid in that encoding, when the text has NUL, or when the file is mostly
// UTF-8 with stray bytes; "ambiguous" when GB18030 decoding gave U+FFFD and the file also
// holds GB18030's own encoding of U+FFFD. CR-only line ends become LF.
func referenceText(b []byte) (string, string) {
	var text string
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		be := b[0] == 0xFE
		if len(b)%2 != 0 {
			return "", "odd UTF-16"
		}
		units := make([]uint16, 0, len(b)/2-1)
		for i := 2; i < len(b); i += 2 {
			if be {
				units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
			} else {
				units = append(units, uint16(b[i+1])<<8|uint16(b[i]))
			}
		}
		for i := 0; i < len(units); i++ {
			switch u := units[i]; {
			case u >= 0xD800 && u < 0xDC00:
				if i+1 >= len(units) || units[i+1] < 0xDC00 || units[i+1] >= 0xE000 {
					return "", "unpaired surrogate"
				}
				i++
			case u >= 0xDC00 && u < 0xE000:
				return "", "unpaired surrogate"
			}
		}
		text = string(utf16.Decode(units))
	case utf8.Valid(b):
		text = strings.TrimPrefix(string(b), "\ufeff")
	default:
		var multi, bad int
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			switch {
			case r == utf8.RuneError && size <= 1:
				bad++
			case size > 1:
				multi++
			}
			i += size
		}
		if multi > bad {
			return "", "mostly UTF-8"
		}
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return "", "GB18030: " + err.Error()
		}
		if got, real := bytes.Count(out, []byte("\ufffd")), bytes.Count(b, []byte{0x84, 0x31, 0xA4, 0x37}); got > real {
			return "", "invalid GB18030"
		} else if got > 0 {
			return "", "ambiguous"
		}
		text = string(out)
	}
	if strings.ContainsRune(text, 0) {
		return "", "NUL"
	}
	quoted, lf := false, false
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '"':
			quoted = !quoted
		case '\n':
			lf = lf || !quoted
		}
	}
	if !lf {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\x00"), "\r", "\n")
		text = strings.ReplaceAll(text, "\x00", "\r\n")
	}
	return text, ""
}

// countRecords is the reference: records after the header, as encoding/csv reads the text;
// -1 and an error when a record does not have the header's field count or the text does not
// parse.
func countRecords(text string) (int, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = 4
	n := -1
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return -1, err
		}
		n++
	}
}
