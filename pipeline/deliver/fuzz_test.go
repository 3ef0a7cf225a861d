package deliver

import (
	"mime"
	"strings"
	"testing"
	"unicode/utf8"
)

// The subject encoding decodes back to the text, with no line over 78 characters.
func FuzzEncodeHeader(f *testing.F) {
	for _, s := range []string{"示范县侨办2022年10月统计报表", "【caseload告警】monthly-report 2022年10月 运行失败", "plain ascii", "a\u00e9b", strings.Repeat("侨", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n") {
			return
		}
		enc := encodeHeader(s)
		for i, line := range strings.Split(enc, "\r\n") {
			if n := len(line) + len("Subject: "); i == 0 && n > 78 && strings.HasPrefix(line, "=?") {
				t.Errorf("first line %d characters", n)
			}
		}
		if enc == s {
			return // ASCII is written as it is
		}
		got, err := new(mime.WordDecoder).DecodeHeader(strings.ReplaceAll(enc, "\r\n ", " "))
		if err != nil || got != s {
			t.Errorf("%q -> %q -> %q (%v)", s, enc, got, err)
		}
	})
}

// An attachment's Content-Disposition parses (RFC 2231 first, as Go's mime does) back to
// the file name, and its RFC 2047 form decodes to it too.
func FuzzAttachmentHeaders(f *testing.F) {
	for _, s := range []string{"示范县侨办2022年10月统计报表.xlsx", "report-2022-10.pdf", "caseload测试附件（中文文件名）.txt", "a b;c=d.xlsx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		name = AttachmentName(strings.TrimSuffix(name, ".xlsx"), Message{}, "xlsx")
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\"\\") {
			return
		}
		_, cd := attachmentHeaders(name, "application/octet-stream")
		_, params, err := mime.ParseMediaType(strings.ReplaceAll(cd, "\r\n ", " "))
		if err != nil || params["filename"] != name {
			t.Fatalf("%q: %q %v (%s)", name, params["filename"], err, cd)
		}
		i := strings.Index(cd, `filename="`) + len(`filename="`)
		enc := cd[i : i+strings.Index(cd[i:], `"`)]
		if got, err := new(mime.WordDecoder).DecodeHeader(enc); err != nil || got != name {
			t.Errorf("RFC 2047 %q -> %q (%v)", enc, got, err)
		}
	})
}
