package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestCRToLF: every CR not followed by LF becomes LF, whatever the chunk boundaries (a CR at
// the end of a 1 MiB chunk, with and without an LF after it), and nothing else changes.
func TestCRToLF(t *testing.T) {
	const chunk = 1 << 20
	body := bytes.Repeat([]byte("a,b\r"), chunk/2)
	cases := [][]byte{
		[]byte("h1,h2\rA,B\r\"x\ry\",C\r\n\r"),
		[]byte("\r"),
		[]byte(""),
		append(append(bytes.Repeat([]byte("x"), chunk-1), '\r', '\n'), "y\rz\r"...), // CRLF across the boundary
		append(append(bytes.Repeat([]byte("x"), chunk-1), '\r', 'q'), "\r"...),      // bare CR at the boundary
		append(bytes.Repeat([]byte("x"), chunk-1), '\r'),                            // CR as the last byte of a full chunk
		body,
	}
	for i, in := range cases {
		want := make([]byte, len(in))
		for j, c := range in {
			want[j] = c
			if c == '\r' && (j+1 == len(in) || in[j+1] != '\n') {
				want[j] = '\n'
			}
		}
		var got bytes.Buffer
		if err := crToLF(context.Background(), bytes.NewReader(append([]byte(nil), in...)), &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("case %d: output differs (%d vs %d bytes)", i, got.Len(), len(want))
		}
	}
}

func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	put := func(u uint16) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		put(u)
	}
	return out
}

// TestDecodeUTF16: both byte orders, surrogate pairs (also across the 1 MiB read), and every
// kind of invalid input as an error with its byte offset and line.
func TestDecodeUTF16(t *testing.T) {
	head := "办件编号\t事项编码\r\n𠮷野家\t\"a\tb\"\r\n"
	pad := (1<<20-2)/2 - 1 - len(utf16.Encode([]rune(head))) // the pair below starts 2 bytes before 1 MiB
	text := head + strings.Repeat("x", pad) + "𠮷\n"
	for _, be := range []bool{false, true} {
		in := utf16Bytes(text, be, true)
		if i := bytes.Index(in, utf16Bytes("𠮷\n", be, false)); i != 1<<20-2 {
			t.Fatalf("the test's surrogate pair is at %d, not across the 1 MiB boundary", i)
		}
		var got bytes.Buffer
		if err := decodeUTF16(context.Background(), bytes.NewReader(in), &got, be); err != nil {
			t.Fatal(err)
		}
		if got.String() != text {
			t.Errorf("big-endian %v: decoded text differs", be)
		}
	}
	le := func(s string) []byte { return utf16Bytes(s, false, false) }
	bad := []struct {
		in           []byte
		offset, line int64
		why          string
	}{
		{append(le("ab\r\ncd\r\n"), 0x3D, 0xD8, 'x', 0), 16, 3, "high surrogate without its low half"},
		{append(le("ab\ncd"), 0x3D, 0xD8), 10, 2, "high surrogate without its low half"},
		{append(le("ab\rcd\r"), 0x00, 0xDC), 12, 3, "low surrogate without its high half"}, // CR-only lines
		{append(le("ab"), 'c'), 4, 1, "odd number of bytes"},
		{append([]byte{0xFE, 0xFF}, le("ab")...), 0, 1, "other byte order"},
	}
	for i, c := range bad {
		err := decodeUTF16(context.Background(), bytes.NewReader(c.in), &bytes.Buffer{}, false)
		var bb *badBytes
		if !errors.As(err, &bb) || bb.Offset != c.offset || bb.Line != c.line || !strings.Contains(err.Error(), c.why) {
			t.Errorf("case %d: %v (%+v), want offset %d line %d %q", i, err, bb, c.offset, c.line, c.why)
		}
	}
}

// TestStrictGB18030: golang.org/x/text turns invalid bytes into U+FFFD silently; the decoder
// here reports each kind of invalid sequence with its offset and line — also in a later block
// of the parallel decoder — and accepts a real U+FFFD and the euro sign at 0x80.
func TestStrictGB18030(t *testing.T) {
	gb := func(s string) []byte {
		b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ok := append(gb("城关镇,\ufffd,€,𠮷\n"), 0x80, '\n')
	var out bytes.Buffer
	if _, err := decodeParallel(context.Background(), bytes.NewReader(ok), &out, simplifiedchinese.GB18030, "GB18030", 2, false); err != nil || out.String() != "城关镇,\ufffd,€,𠮷\n€\n" {
		t.Fatalf("valid GB18030: %q %v", out.String(), err)
	}
	prefix := gb("受理时间,办理状态\n城关镇,")
	for _, c := range []struct {
		name string
		tail []byte
		gbk  bool
		n    int
	}{
		{"0xFF", []byte{0xFF, 'a'}, false, 1},
		{"lead byte then ASCII", []byte{0x81, ','}, false, 2},
		{"lead byte at the end", []byte{0xB0}, false, 1},
		{"4-byte sequence out of range", []byte{0xFE, 0x39, 0xFE, 0x39}, false, 4},
		{"4-byte sequence cut short", []byte{0x81, 0x30, 0x81, ','}, false, 4},
		{"4-byte sequence in GBK", gb("𠮷"), true, 2},
	} {
		in := append(append([]byte(nil), prefix...), c.tail...)
		enc, name := simplifiedchinese.GB18030, "GB18030"
		if c.gbk {
			enc, name = simplifiedchinese.GBK, "GBK"
		}
		_, err := decodeParallel(context.Background(), bytes.NewReader(in), &bytes.Buffer{}, enc, name, 2, false)
		var bb *badBytes
		if !errors.As(err, &bb) || bb.Offset != int64(len(prefix)) || bb.Line != 2 || len(bb.Bytes) != c.n || !strings.Contains(err.Error(), "not valid "+name) {
			t.Errorf("%s: %v (%+v), want offset %d line 2", c.name, err, bb, len(prefix))
		}
	}
	// In a later block: offsets and lines count every block before it.
	var big bytes.Buffer
	for i := 0; big.Len() < 9<<20; i++ {
		fmt.Fprintf(&big, "QB%07d,城关镇,2022年10月%d日\r\n", i, i%28+1)
	}
	in := gb(big.String())
	at := bytes.LastIndex(in, []byte("QB"))
	in[at] = 0xFF
	want := int64(bytes.Count(in[:at], []byte{'\n'}) + 1)
	_, err := decodeParallel(context.Background(), bytes.NewReader(in), &bytes.Buffer{}, simplifiedchinese.GB18030, "GB18030", 3, false)
	var bb *badBytes
	if !errors.As(err, &bb) || bb.Offset != int64(at) || bb.Line != want {
		t.Errorf("late error: %v (%+v), want offset %d line %d", err, bb, at, want)
	}
}

// TestUTF8Evidence: GB18030 text read as UTF-8 has far fewer valid multi-byte characters than
// invalid bytes; UTF-8 text with a stray byte has far more (rule 3 of decode.go).
func TestUTF8Evidence(t *testing.T) {
	text := "办件编号,乡镇街道,侨居国\nQB2022-000001,城关镇,美国\nQB2022-000002,龙江街道,印度尼西亚\n全部办结,三侨生身份认定\n"
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if ev := countUTF8(gb); ev.MostlyUTF8() || ev.Bad == 0 {
		t.Errorf("GB18030 text counted as mostly UTF-8: %+v", ev)
	}
	stray := strings.Replace(text, "QB2022-000002", "QB2022-00000\xe9", 1)
	if ev := countUTF8([]byte(stray)); !ev.MostlyUTF8() || ev.Bad != 1 {
		t.Errorf("UTF-8 with a stray byte: %+v", ev)
	}
	if ev := countUTF8([]byte("case_id\nA1 caf\xe9\n")); ev.MostlyUTF8() {
		t.Errorf("Latin-1 text without any UTF-8 counted as mostly UTF-8: %+v", ev)
	}
}

// TestSniffDelimiter: tab when the header is found only with tabs (Excel's "Unicode text"
// and "Text (tab delimited)"), comma otherwise.
func TestSniffDelimiter(t *testing.T) {
	isHeader := looksLikeHeader(nil)
	gbTab, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("办件编号\t事项编码\t受理时间\t办理状态\r\nA,1\tQB01\t2022-10-01\t受理\r\n"))
	for _, c := range []struct {
		in   string
		want byte
	}{
		{"case_id,item_code,received_at,status\nA\tB,QB01,2022-10-01,received\n", ','},
		{"\ufeff办件编号\t事项编码\t受理时间\t办理状态\r\nA,1\tQB01\t2022-10-01\t受理\r\n", '\t'},
		{"示范县侨办 办件导出, 2022年10月\n\ncase_id\titem_code\treceived_at\tstatus\nA\tQB01\t2022-10-01\treceived\n", '\t'},
		{"case_id\titem_code\treceived_at\tstatus\rA\tQB01\t2022-10-01\treceived\r", '\t'}, // CR-only
		{string(gbTab), '\t'},
		{"foo\tbar\n1\t2\n", '\t'},
		{"foo,bar\tbaz\n", ','},
		{"", ','},
	} {
		if got := sniffDelimiter([]byte(c.in), isHeader); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

// TestCountUTF8: the inlined forms count exactly what utf8.DecodeRune decides.
func TestCountUTF8(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("城关镇,华侨 身份证明 2022年10月31日 𠮷 €"))
	inputs := [][]byte{gb, []byte("城关镇\xe9 ascii only, then \xed\xa0\x80 \xe0\x80\x80 \xf4\x90\x80\x80 \xc0\xaf 𠮷"), append(gb, "城关镇"...), {}}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rnd.IntN(40))
		for j := range b {
			b[j] = []byte{'a', 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEF, 0xF0, 0xF4, 0xFF, byte(rnd.IntN(256))}[rnd.IntN(14)]
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		var want utf8Evidence
		for i := 0; i < len(in); {
			r, size := utf8.DecodeRune(in[i:])
			switch {
			case r == utf8.RuneError && size <= 1:
				want.Bad++
			case size > 1:
				want.Multi++
			}
			i += size
		}
		if got := countUTF8(in); got != want {
			t.Errorf("%q: %+v, want %+v", in, got, want)
		}
	}
}
