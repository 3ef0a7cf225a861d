package delivertest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Part is one leaf of a parsed message.
type Part struct {
	ContentType string `json:"content_type"`
	Disposition string `json:"disposition"`
	// Filename is what Python's email package (policy.default) reports: the RFC 2231 form
	// when present, else the RFC 2047 one.
	Filename string `json:"filename"`
	// Filename2047 and Filename2231 are the two forms of Content-Disposition's file name,
	// each decoded on its own; Name2047 is Content-Type's name parameter.
	Filename2047   string   `json:"filename_2047"`
	Filename2231   string   `json:"filename_2231"`
	Name2047       string   `json:"name_2047"`
	Text           string   `json:"text"`   // decoded text of text/* parts
	Size           int      `json:"size"`   // decoded bytes
	Sheets         []string `json:"sheets"` // sheet names, when the part is a workbook openpyxl opens
	SheetError     string   `json:"sheet_error"`
	RawDisposition string   `json:"raw_disposition"`
}

// Parsed is a message as Python reads it.
type Parsed struct {
	Subject string            `json:"subject"`
	From    string            `json:"from"`
	To      string            `json:"to"`
	Defects []string          `json:"defects"`
	Parts   []Part            `json:"parts"`
	Headers map[string]string `json:"headers"`
}

const parseScript = `
import sys, json, re, io, urllib.parse
import email
from email import policy
from email.header import decode_header, make_header

raw = open(sys.argv[1], 'rb').read()
msg = email.message_from_bytes(raw, policy=policy.default)
old = email.message_from_bytes(raw)  # compat32: raw header text
def dec2047(v):
    return str(make_header(decode_header(v))) if v is not None else ''
out = {'subject': str(msg['subject']), 'from': dec2047(old['from']), 'to': dec2047(old['to']),
       'defects': [repr(d) for d in msg.defects], 'parts': [],
       'headers': {k: str(v) for k, v in msg.items()}}
for part, opart in zip(msg.walk(), old.walk()):
    if part.is_multipart():
        continue
    p = {'content_type': part.get_content_type(), 'disposition': part.get_content_disposition() or '',
         'filename': part.get_filename() or '', 'text': '', 'size': 0, 'sheets': [], 'sheet_error': ''}
    out['defects'] += [repr(d) for d in part.defects]
    cd = re.sub(r'\r?\n[ \t]', ' ', opart.get('Content-Disposition', '') or '')
    ct = re.sub(r'\r?\n[ \t]', ' ', opart.get('Content-Type', '') or '')
    p['raw_disposition'] = cd
    m = re.search(r'(?<![*\w])filename="([^"]*)"', cd)
    p['filename_2047'] = dec2047(m.group(1)) if m else ''
    m = re.search(r"filename\*=([^;]+)", cd)
    if m:
        v = m.group(1).strip()
        cs, _, rest = v.partition("''")
        p['filename_2231'] = urllib.parse.unquote(rest, encoding=cs or 'utf-8')
    else:
        p['filename_2231'] = ''
    m = re.search(r'(?<![*\w])name="([^"]*)"', ct)
    p['name_2047'] = dec2047(m.group(1)) if m else ''
    data = part.get_payload(decode=True) or b''
    p['size'] = len(data)
    if part.get_content_maintype() == 'text':
        p['text'] = part.get_content()
    if p['filename'].endswith('.xlsx'):
        try:
            import openpyxl
            wb = openpyxl.load_workbook(io.BytesIO(data))
            p['sheets'] = wb.sheetnames
        except Exception as e:
            p['sheet_error'] = repr(e)
    out['parts'].append(p)
print(json.dumps(out, ensure_ascii=False))
`

// ParseMIME reads a raw message with Python's email package (policy.default, an
// independent MIME parser) and opens xlsx attachments with openpyxl. It skips the test
// when python3 is missing.
func ParseMIME(t testing.TB, raw []byte) Parsed {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("needs python3 (/usr/bin/python3) to parse the message independently")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "msg.eml")
	if err := os.WriteFile(f, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", parseScript, f).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python email parser: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var p Parsed
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("python output: %v\n%s", err, out)
	}
	return p
}

// Attachment returns the part whose file name (as Python reads it) is name.
func (p Parsed) Attachment(name string) (Part, bool) {
	for _, x := range p.Parts {
		if x.Filename == name {
			return x, true
		}
	}
	return Part{}, false
}

// Body returns the decoded text of the first part of the content type (text/plain, text/html).
func (p Parsed) Body(contentType string) string {
	for _, x := range p.Parts {
		if x.ContentType == contentType && x.Disposition != "attachment" {
			return x.Text
		}
	}
	return ""
}
