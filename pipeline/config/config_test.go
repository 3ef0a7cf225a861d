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
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"0 6 * *\"\n    steps: [pull]\n", `x.yaml:5: jobs[0].schedule: "0 6 * *" is not a cron spec (5 fields, e.g. "0 6 1 * *", or @monthly): expected exactly 5 fields`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: TZ=Europe/London 0 6 1 * *\n    steps: [pull]\n", `x.yaml:5: jobs[0].schedule: "TZ=Europe/London 0 6 1 * *" is not a cron spec (5 fields, e.g. "0 6 1 * *", or @monthly): a schedule cannot carry its own time zone (TZ=Europe/London): the office time zone, timezone: in caseload.yaml (Asia/Shanghai), applies to every schedule`},
		{"office: x\nitems: i.csv\ntimezone: Europe/Berlin\njobs:\n  - name: m\n    schedule: CRON_TZ=UTC @daily\n    steps: [pull]\n", `timezone: in caseload.yaml (Europe/Berlin), applies to every schedule`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"@every 1h\"\n    steps: [pull]\n", `jobs[0].schedule: "@every 1h" is not a cron spec (5 fields, e.g. "0 6 1 * *", or @monthly): @every is not supported`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"0 0 30 2 *\"\n    steps: [pull]\n", `x.yaml:5: jobs[0].schedule: "0 0 30 2 *" never fires: none of the months it names has that day of the month`},
		{"office: \"\"\nitems: i.csv\n", `office: must not be empty`},
		{"", `the file is empty`},
		{"office: x\nitems: i.csv\nreports:\n  unit: 12\n", `x.yaml:4: reports.unit: "12" is not a count word`},
		{"office: x\nitems: i.csv\nreports:\n  unit: 宗 件\n", `reports.unit: "宗 件" is not a count word`},
		{"office: x\nitems: i.csv\nreports:\n  since: 2017-13\n", `x.yaml:4: reports.since: "2017-13" is not a year, month or date`},
		{"office: x\nitems: i.csv\nreports:\n  focus_items: QB02\n", `x.yaml:4: reports.focus_items: expected a list of item codes`},
		{"office: x\nitems: i.csv\nreports:\n  focus_items: [QB02, QB02]\n", `reports.focus_items: expected distinct`},
		{"office: x\nitems: i.csv\nreports:\n  units: 宗\n", `x.yaml:4: reports.units: unknown key; expected one of: out, name, unit, since, focus_items`},
	} {
		_, err := Parse("/p/x.yaml", []byte(c.yaml))
		var ce *Error
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestReportsKeys(t *testing.T) {
	c, err := Parse("/p/caseload.yaml", []byte("office: x\nitems: i.csv\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports.Unit != "宗" || !c.Reports.Since.IsZero() || len(c.Reports.FocusItems) != 0 {
		t.Errorf("defaults: %+v", c.Reports)
	}
	c, err = Parse("/p/caseload.yaml", []byte("office: x\nitems: i.csv\nreports:\n  unit: 件\n  since: 2017\n  focus_items:\n    - QB02\n    - QB05\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Reports.Unit != "件" || c.Reports.Since.String() != "2017" || strings.Join(c.Reports.FocusCodes(), ",") != "QB02,QB05" {
		t.Errorf("reports: %+v", c.Reports)
	}
	err = c.UnknownFocusItem("QB05", []string{"QB01", "QB02"})
	if err == nil || err.Error() != `/p/caseload.yaml:8: reports.focus_items: "QB05" is not an item code of the catalogue (QB01, QB02)` {
		t.Errorf("unknown focus item: %v", err)
	}
	for _, since := range []string{"2017-03", "2017-03-01", "\"2017-03-01\""} {
		c, err := Parse("/p/caseload.yaml", []byte("office: x\nitems: i.csv\nreports:\n  since: "+since+"\n"))
		if err != nil || c.Reports.Since.String() != strings.Trim(since, `"`) {
			t.Errorf("since %s: %v %v", since, err, c)
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
