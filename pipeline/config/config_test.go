package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsAndPaths(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(filepath.Join(dir, "caseload.yaml"), []byte("\ufeffoffice: 示范县侨办\nitems: ref/items.csv\nsources:\n  - name: a\n    path: incoming/*.csv\n    encoding: UTF8\njobs:\n  - name: m\n    schedule: \"@monthly\"\n    steps: [pull, report]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Timezone != "Asia/Shanghai" || c.Location.String() != "Asia/Shanghai" {
		t.Errorf("timezone %q", c.Timezone)
	}
	if c.Warehouse != filepath.Join(dir, "caseload.duckdb") || c.Items != filepath.Join(dir, "ref", "items.csv") {
		t.Errorf("paths: %s %s", c.Warehouse, c.Items)
	}
	if s := c.Sources[0]; s.Path != filepath.Join(dir, "incoming", "*.csv") || s.Encoding != "utf-8" || s.Format != "auto" {
		t.Errorf("source: %+v", s)
	}
	if j := c.Jobs[0]; j.Period != "previous-month" || len(j.Formats) != 3 || j.Timeout != time.Hour || j.Out != filepath.Join(dir, "reports") {
		t.Errorf("job: %+v", j)
	}
	if c.Quality.MaxRejectRatio != 1 || c.Reports.NameTmpl != "report-{period}" {
		t.Errorf("quality/reports: %+v %+v", c.Quality, c.Reports)
	}
}

func TestErrorsNameFileLineKey(t *testing.T) {
	for _, c := range []struct{ yaml, want string }{
		{"office: x\nitems: i.csv\nmemory_limit: lots\n", `x.yaml:3: memory_limit: "lots" is not a size`},
		{"office: x\nitems: i.csv\nthreads: 0\n", `x.yaml:3: threads: expected a whole number from 1 to 1024`},
		{"office: x\nitems: i.csv\nquality:\n  max_reject_ratio: 2\n", `x.yaml:4: quality.max_reject_ratio: expected a fraction`},
		{"office: x\nitems: i.csv\nlimits:\n  xlsx_part_mb: 0\n", `x.yaml:4: limits.xlsx_part_mb: expected a whole number of megabytes from 1 to 65536`},
		{"office: x\nitems: i.csv\nlimits:\n  xlsx_cell_chars: lots\n", `x.yaml:4: limits.xlsx_cell_chars: expected a whole number of characters`},
		{"office: x\nitems: i.csv\nlimits:\n  xlsx_ratio: 1\n", `x.yaml:4: limits.xlsx_ratio: expected a whole number from 2 to 1000000`},
		{"office: x\nitems: i.csv\nlimits:\n  cell_chars: 10\n", `x.yaml:4: limits.cell_chars: unknown key; expected one of: xlsx_part_mb, xlsx_cell_chars, xlsx_ratio`},
		{"office: x\nitems: i.csv\nsources:\n  - name: a\n    path: p\n    encoding: big5\n", `x.yaml:6: sources[0].encoding: "big5" is not one of: auto, utf-8, gb18030, gbk, gb2312, utf-16, utf-16le, utf-16be`},
		{"office: x\nitems: i.csv\nsources:\n  - name: a\n  - name: a\n    path: p\n", `sources[0].path: missing required key`},
		{"office: x\nitems: i.csv\nsources:\n  - name: a\n    path: p\n  - name: a\n    path: q\n", `sources[1].name: expected a unique`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"@monthly\"\n    steps: [pull, mail]\n", `"mail" is not one of: pull, report`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"@monthly\"\n    steps: [pull]\n    retry_backoff: soon\n", `retry_backoff: "soon" is not a duration`},
		{"office: x\nitems: i.csv\nreports:\n  name: out/report\n", `reports.name: expected a file name pattern containing {period}`},
		{"office: \"\"\nitems: i.csv\n", `office: must not be empty`},
		{"", `the file is empty`},
	} {
		_, err := Parse("/p/x.yaml", []byte(c.yaml))
		var ce *Error
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestEncodingsAndLimits(t *testing.T) {
	y := "office: x\nitems: i.csv\nlimits: {xlsx_part_mb: 64, xlsx_cell_chars: 1000, xlsx_ratio: 500}\nsources:\n"
	for i, e := range []string{"GB2312", "gbk", "UTF-16", "utf-16LE", "utf16be", "utf8", "auto"} {
		y += fmt.Sprintf("  - name: s%d\n    path: p%d\n    encoding: %s\n", i, i, e)
	}
	c, err := Parse("/p/x.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range c.Sources {
		got = append(got, s.Encoding)
	}
	if strings.Join(got, " ") != "gb18030 gbk utf-16 utf-16le utf-16be utf-8 auto" {
		t.Errorf("encodings: %v", got)
	}
	if c.Limits != (Limits{XLSXPartMB: 64, XLSXCellChars: 1000, XLSXRatio: 500}) {
		t.Errorf("limits: %+v", c.Limits)
	}
	c, err = Parse("/p/x.yaml", []byte("office: x\nitems: i.csv\n"))
	if err != nil || c.Limits != (Limits{XLSXPartMB: DefaultXLSXPartMB, XLSXCellChars: 32767, XLSXRatio: 100}) {
		t.Errorf("default limits: %+v %v", c.Limits, err)
	}
}
