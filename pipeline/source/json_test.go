package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestJSONArray(t *testing.T) {
	content := "\xef\xbb\xbf\r\n[\r\n" +
		`  {"case_id": "20220001", "item_code": "QB04", "received_at": "2022-10-31 23:59:59", "trips": 3,` + "\r\n" +
		`   "backlog": true, "note": null},` + "\r\n" +
		"\r\n" +
		`  {"case_id": 20220002, "item_code": "QB05", "amount": 1.50, "big": 123456789012345678901234567890, "exp": 2.5E+3,` + "\r\n" +
		`   "extra": {"b": [1, 2, {"c": null}], "a": "中文\"q\""}, "list": [ ], "backlog": false, " status ": "\u529e\u7ed3"},` + "\r\n" +
		`  {}, {"case_id": "00123", "note": "  spaced\ttab  "}` + "\r\n" +
		"]\r\n\r\n"
	r, err := OpenJSON(writeFile(t, "a.json", content))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	wantHeader := []string{"case_id", "item_code", "received_at", "trips", "backlog", "note", "amount", "big", "exp", "extra", "list", "status"}
	if h := r.Header(); !reflect.DeepEqual(h, wantHeader) {
		t.Fatalf("header = %q, want %q", h, wantHeader)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotRow{
		{3, []string{"20220001", "QB04", "2022-10-31 23:59:59", "3", "true", "", "", "", "", "", "", ""}},
		{6, []string{"20220002", "QB05", "", "", "false", "", "1.50", "123456789012345678901234567890", "2.5E+3",
			`{"b":[1,2,{"c":null}],"a":"中文\"q\""}`, "[]", "办结"}},
		{8, []string{"", "", "", "", "", "", "", "", "", "", "", ""}},
		{8, []string{"00123", "", "", "", "", "  spaced\ttab  ", "", "", "", "", "", ""}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %v\nwant %v", rows, want)
	}
}

func TestNDJSON(t *testing.T) {
	content := "\xef\xbb\xbf{\"case_id\":\"A1\",\"status\":\"办结\",\"n\":20220001}\r\n" +
		"\r\n" +
		"   \r\n" +
		"{\"status\":\"受理\",\"case_id\":\"A2\",\"tags\":[\"x\", \"y\"],\"obj\":{ \"k\" : 1 }}\r\n" +
		"\t{\"case_id\":\"A3\",\"n\":-0.0e0}   \r\n" +
		"{\"case_id\":\"A4\"}" // no final newline
	r, err := OpenJSON(writeFile(t, "b.ndjson", content))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if h := r.Header(); !reflect.DeepEqual(h, []string{"case_id", "status", "n", "tags", "obj"}) {
		t.Fatalf("header = %q", h)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []gotRow{
		{1, []string{"A1", "办结", "20220001", "", ""}},
		{4, []string{"A2", "受理", "", `["x","y"]`, `{"k":1}`}},
		{5, []string{"A3", "", "-0.0e0", "", ""}},
		{6, []string{"A4", "", "", "", ""}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %v\nwant %v", rows, want)
	}
}

func TestJSONEmpty(t *testing.T) {
	for name, content := range map[string]string{
		"empty.json": "", "bom.json": "\xef\xbb\xbf", "space.json": " \r\n\n", "arr.json": "[]", "arr2.json": "\xef\xbb\xbf [\r\n ]\r\n",
	} {
		r, err := OpenJSON(writeFile(t, name, content))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(r.Header()) != 0 {
			t.Errorf("%s: header %q", name, r.Header())
		}
		if row, err := r.Next(); err != io.EOF {
			t.Errorf("%s: Next = %v, %v; want io.EOF", name, row, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: Close: %v", name, err)
		}
	}
}

func TestJSONMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		line          int64
		col           int
		msg           string
	}{
		{"bad-value.json", "[{\"a\":1},\n {\"a\":x}]", 2, 7, "malformed JSON: invalid character 'x'"},
		{"no-comma.json", "[{\"a\":1}\n {\"a\":2}]", 2, 2, "expected comma after array element"},
		{"trailing-comma.json", "[{\"a\":1},\n]", 2, 1, "invalid character ']'"},
		{"truncated.json", "[{\"a\":1},\n{\"a\":2}", 2, 8, "unexpected end of file"},
		{"truncated2.json", "[{\"a\":1},\n{\"a\":\"中", 2, 8, "unexpected end of file"},
		{"after.json", "[{\"a\":1}] x", 1, 11, "unexpected data after the closing ]"},
		{"after2.json", "[{\"a\":1}]\n[]", 2, 1, "unexpected data after the closing ]"},
		{"number.json", "[{\"a\":1},\n  2]", 2, 0, "found a number"},
		{"nested-array.json", "[\n[{\"a\":1}]]", 2, 0, "found an array"},
		{"dup.json", "\n[{\"a\":1,\n\"b\":2,\n\"a\":3}]", 4, 0, `duplicate key "a"`},
		{"dup-trim.json", "[{\"a\":1, \" a\":2}]", 1, 0, `duplicate key "a"`},
		{"utf8.json", "[{\"a\":1},\n{\"a\":\"中文\xff\"}]", 2, 9, "not valid UTF-8"},
		{"gbk.json", "[{\"a\":\"\xb0\xec\xbd\xe1\"}]", 1, 8, "not valid UTF-8"},
		{"utf16.json", "\xff\xfe[\x00]\x00", 0, 0, "UTF-16"},
		{"scalar.json", "\n  \"x\"", 2, 3, "expected a JSON array of objects"},
		{"nd-bad.ndjson", "{\"a\":1}\r\n\r\n{\"a\":\"x\" \"b\"}\n", 3, 10, "invalid character '\"' after object key:value pair"},
		{"nd-two.ndjson", "{\"a\":1}\n{\"a\":1} {}\n", 2, 9, "after top-level value"},
		{"nd-array.ndjson", "{\"a\":1}\n[]\n", 2, 0, "expected one JSON object ({...}) per line, found an array"},
		{"nd-split.ndjson", "{\"a\":\n1}\n", 1, 6, "unexpected end of JSON input"},
		{"nd-dup.ndjson", "{\"a\":1}\n{\"b\":1,\"b\":2}\n", 2, 0, `duplicate key "b"`},
		{"nd-utf8.ndjson", "{\"a\":1}\n{\"a\":\"\xc3\"}\n", 2, 7, "not valid UTF-8"},
	} {
		_, err := OpenJSON(writeFile(t, tc.name, tc.content))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: want *Error, got %T %v", tc.name, err, err)
			continue
		}
		if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) || !strings.Contains(e.Error(), tc.name+": ") {
			t.Errorf("%s: got %v (line %d, column %d); want line %d, column %d, %q", tc.name, err, e.Line, e.Column, tc.line, tc.col, tc.msg)
		}
	}
	if _, err := OpenJSON(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestJSONErrorFormat(t *testing.T) {
	_, err := OpenJSON(writeFile(t, "x.json", "[\n{},\n  {\"a\": tru}]"))
	if err == nil || !strings.HasSuffix(err.Error(), "x.json: line 3, column 12: malformed JSON: invalid character '}' in literal true (expecting 'e')") {
		t.Errorf("error = %v", err)
	}
}

// FuzzJSON writes arbitrary bytes to a file: OpenJSON and Next never panic
// and fail only with *Error; rows are aligned with the header, in increasing
// line order; a valid array of objects without duplicate keys yields one row
// per element.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		"", "[]", "[{}]", `[{"a":1,"b":"x"},{"b":null,"c":[1,{"d":2}]}]`, "{\"a\":1}\n\n{\"a\":2}\r\n",
		"\xef\xbb\xbf[\r\n{\"a\":1.50}\r\n]", `[{"a":1,"a":2}]`, "[1]", "{\"a\":\"\xff\"}", "[{\"a\":1}", `{"a":1} {"b":2}`,
		"[{\"k\":\"\\u4e2d\\ud800\"}]", "\n\n  {\"a\":true}\n",
		"{\"a\":1}\r{\"a\":2}\r", "[{\"a\":1},\r{\"a\":2}]\r", // CR-only line ends
		"\xff\xfe[\x00{\x00}\x00]\x00", "\xfe\xff\x00[\x00]", // UTF-16 with a BOM
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenJSON(path)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("OpenJSON: %T %v", err, err)
			}
			return
		}
		defer r.Close()
		var last int64
		n := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("Next after a successful open: %v", err)
			}
			if len(row.Fields) != len(r.Header()) || row.Line < 1 || row.Line < last {
				t.Fatalf("bad row %d %q for header %q (previous line %d)", row.Line, row.Fields, r.Header(), last)
			}
			last = row.Line
			n++
		}
		body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		var elems []json.RawMessage
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
			if err := json.Unmarshal(body, &elems); err != nil {
				t.Fatalf("accepted an array that encoding/json rejects: %v", err)
			}
			if n != len(elems) {
				t.Fatalf("%d rows for %d array elements", n, len(elems))
			}
		}
	})
}
