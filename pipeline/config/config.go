// Package config loads and validates a project's caseload.yaml (SPEC §3).
//
// Every relative path in the file is relative to the file's directory. An unknown key, a
// missing required key or a bad value is an *Error naming the file, the line, the key and
// what was expected. Secrets never live in this file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/caseload/caseload/pipeline/schedule"
	"go.yaml.in/yaml/v3"

	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/figures"
)

// FileName is the name commands look for in the working directory.
const FileName = "caseload.yaml"

// Fields are the canonical case-record fields of SPEC §4.1, in order.
var fieldNames = []string{"case_id", "item_code", "received_at", "completed_at", "status", "channel",
	"applicant_type", "country", "district", "trips", "backlog", "backlog_since", "updated_at"}

// CaseFields returns the canonical field names of SPEC §4.1 in their documented order.
func CaseFields() []string { return append([]string(nil), fieldNames...) }

// Config is a loaded, validated caseload.yaml. Paths are absolute.
type Config struct {
	Path        string // the file itself
	Dir         string // its directory; relative paths were resolved against it
	Office      string
	Timezone    string
	Location    *time.Location
	Warehouse   string
	Items       string
	Calendar    string // optional holidays override (same columns as the embedded one)
	MemoryLimit string // DuckDB memory_limit in bytes ("4000000000B"; a percentage is of the memory available when loaded); "" = DuckDB's default (80% of RAM)
	Threads     int    // DuckDB threads; 0 = DuckDB's default (all cores)
	Quality     Quality
	Limits      Limits
	Reports     Reports
	Sources     []Source
	Jobs        []Job
	HistoryDays int        // job_runs older than this many days are pruned (default 730)
	Deliveries  []Delivery // SPEC §11, in file order (deliveries.go)
	Alerts      []string   // names of the deliveries that hear of failed runs
	Serve       Serve      // serve.go
	PII         PII        // personal data in case exports (pii.go)
}

// Quality is the data-quality gate: a pull whose rejected share exceeds MaxRejectRatio
// exits with code 3 (after committing: rejects are data too, and are kept).
type Quality struct {
	MaxRejectRatio float64 // 0..1; default 1 (never fails)
}

// Limits protect the machine from broken or hostile input files (SPEC §4.2): a workbook
// part or cell that decompresses past them is refused before memory grows.
type Limits struct {
	XLSXPartMB    int // the most one part (zip entry) of a workbook may decompress to, in MB
	XLSXCellChars int // the most characters one workbook cell may hold
	XLSXRatio     int // the most a part past 16 MB may expand: decompressed over compressed size
}

// Default limits: a part of 256 MB holds a sheet of roughly 400,000 case rows (shared
// strings) — a century of a county office's cases; 32,767 characters is Excel's own limit
// for a cell; case exports compress about 10:1, and 100:1 is where Apache POI's
// ZipSecureFile, too, takes a part for a decompression bomb.
const (
	DefaultXLSXPartMB    = 256
	DefaultXLSXCellChars = 32767
	DefaultXLSXRatio     = 100
)

// Reports holds report output settings and the office's wording of its figures.
type Reports struct {
	Out      string // output directory (absolute); default <dir>/reports
	NameTmpl string // file name pattern without extension; default "report-{period}"
	// Unit is the one count word for cases in every report, brief and message (宗, 件, 个);
	// default figures.DefaultUnit (宗).
	Unit string
	// Since is when the office's records begin: the start every 累计 figure is quoted from
	// ("2017年以来"). Zero: the year of the first case in the warehouse.
	Since     figures.Since
	SinceLine int // the line of reports.since (0 when not given)
	// FocusItems are item codes the news brief always mentions (e.g. the "三侨生" item), in
	// the order given. Codes are checked against the catalogue at report time
	// (UnknownFocusItem), because the catalogue is data, loaded on every pull.
	FocusItems []FocusItem
}

// FocusItem is one entry of reports.focus_items and the line it is on.
type FocusItem struct {
	Code string
	Line int
}

// FocusCodes returns the focus item codes in order.
func (r Reports) FocusCodes() []string {
	var out []string
	for _, f := range r.FocusItems {
		out = append(out, f.Code)
	}
	return out
}

// Source is one configured input.
type Source struct {
	Name     string
	Path     string            // absolute glob
	Encoding string            // auto | utf-8 | gb18030 | gbk | utf-16 | utf-16le | utf-16be (gb2312 is read as gb18030)
	Format   string            // auto (by extension) | csv | xlsx | json | ndjson | parquet
	Sheet    string            // XLSX sheet name; "" = first sheet
	Columns  map[string]string // extra header aliases: header -> canonical field
}

// Job is a scheduled job (SPEC §8).
type Job struct {
	Name         string
	Schedule     string
	Period       string
	Steps        []string
	Formats      []string
	Out          string   // output directory pattern, may contain {period}; absolute when not templated at start
	Deliver      []string // names from deliveries: (§11)
	Catchup      string   // latest (default) | all | none: ticks missed while caseload was down
	MaxCatchup   int      // at most this many catch-up runs per start-up with catchup: all (default 5)
	Retries      int
	RetryBackoff time.Duration
	Timeout      time.Duration
}

// Error is a configuration error: file, line (0 when not known), key path and message.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// Encodings accepted for CSV sources. gb2312 is read as gb18030 (its superset); utf-16 takes
// the byte order from the file's byte order mark (little-endian without one).
var encodings = []string{"auto", "utf-8", "gb18030", "gbk", "gb2312", "utf-16", "utf-16le", "utf-16be"}

// encodingAliases are other spellings of the encodings above.
var encodingAliases = map[string]string{"utf8": "utf-8", "gb2312": "gb18030", "utf16": "utf-16", "utf16le": "utf-16le", "utf16be": "utf-16be"}

// Formats accepted for sources.
var formats = []string{"auto", "csv", "xlsx", "json", "ndjson", "parquet"}

// Steps accepted in jobs.
var steps = []string{"pull", "report", "deliver"}

// ReportFormats accepted in jobs and by `caseload report`.
var reportFormats = []string{"xlsx", "html", "pdf", "json"}

// Find returns the config path to use: explicit if given, else ./caseload.yaml.
func Find(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if _, err := os.Stat(FileName); err != nil {
		return "", fmt.Errorf("no %s in the current directory: run caseload in a project directory, pass --config FILE, or create one with `caseload init DIR`", FileName)
	}
	return FileName, nil
}

// Load reads and validates a caseload.yaml.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(abs, data)
}

// Parse validates YAML text as a caseload.yaml located at path (absolute).
func Parse(path string, data []byte) (*Config, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	p := &parser{file: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &Error{File: path, Msg: "the file is empty; expected at least `office:` and `items:`"}
	}
	root := doc.Content[0]
	c := &Config{Path: path, Dir: filepath.Dir(path)}
	if err := p.top(c, root); err != nil {
		return nil, err
	}
	return c, nil
}

type parser struct{ file string }

func (p *parser) errf(n *yaml.Node, key, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// mapping checks n is a mapping with only allowed keys, and returns key -> value nodes.
func (p *parser) mapping(n *yaml.Node, where string, allowed []string) (map[string]*yaml.Node, map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, p.errf(n, where, "expected a mapping of keys (%s)", strings.Join(allowed, ", "))
	}
	vals := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		full := name
		if where != "" {
			full = where + "." + name
		}
		if !slices.Contains(allowed, name) {
			return nil, nil, p.errf(k, full, "unknown key; expected one of: %s", strings.Join(allowed, ", "))
		}
		if _, dup := vals[name]; dup {
			return nil, nil, p.errf(k, full, "key given twice")
		}
		vals[name], keys[name] = v, k
	}
	return vals, keys, nil
}

func (p *parser) str(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errf(n, key, "expected a text value")
	}
	return strings.TrimSpace(n.Value), nil
}

func (p *parser) strList(n *yaml.Node, key string, allowed []string) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, key, "expected a list, e.g. [%s]", strings.Join(allowed, ", "))
	}
	var out []string
	for _, e := range n.Content {
		s, err := p.str(e, key)
		if err != nil {
			return nil, err
		}
		s = strings.ToLower(s)
		if allowed != nil && !slices.Contains(allowed, s) {
			return nil, p.errf(e, key, "%q is not one of: %s", s, strings.Join(allowed, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

func (p *parser) path(n *yaml.Node, key, dir string) (string, error) {
	s, err := p.str(n, key)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", p.errf(n, key, "expected a path, got an empty value")
	}
	if filepath.IsAbs(s) {
		return filepath.Clean(s), nil
	}
	return filepath.Join(dir, s), nil
}

var topKeys = []string{"office", "timezone", "warehouse", "items", "calendar", "memory_limit", "threads", "quality", "limits", "reports", "sources", "jobs", "deliveries", "alerts", "history_days", "serve", "pii"}

func (p *parser) top(c *Config, root *yaml.Node) error {
	vals, _, err := p.mapping(root, "", topKeys)
	if err != nil {
		return err
	}
	for _, req := range []string{"office", "items"} {
		if _, ok := vals[req]; !ok {
			return p.errf(root, req, "missing required key (%s)", describe(req))
		}
	}
	if c.Office, err = p.str(vals["office"], "office"); err != nil {
		return err
	}
	if c.Office == "" {
		return p.errf(vals["office"], "office", "must not be empty (%s)", describe("office"))
	}
	c.Timezone = "Asia/Shanghai"
	if n := vals["timezone"]; n != nil {
		if c.Timezone, err = p.str(n, "timezone"); err != nil {
			return err
		}
	}
	if c.Location, err = time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" || c.Timezone == "Local" {
		return p.errf(vals["timezone"], "timezone", "%q is not an IANA time zone name (e.g. Asia/Shanghai)", c.Timezone)
	}
	if zones := duckdbZones(); !zones[c.Timezone] {
		msg := fmt.Sprintf("%q is not a time zone DuckDB knows (its ICU data has the IANA names, e.g. Asia/Shanghai)", c.Timezone)
		if s := zoneSuggestion(c.Timezone, zones); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		return p.errf(vals["timezone"], "timezone", "%s", msg)
	}
	c.Warehouse = filepath.Join(c.Dir, "caseload.duckdb")
	if n := vals["warehouse"]; n != nil {
		if c.Warehouse, err = p.path(n, "warehouse", c.Dir); err != nil {
			return err
		}
	}
	if c.Items, err = p.path(vals["items"], "items", c.Dir); err != nil {
		return err
	}
	if n := vals["calendar"]; n != nil {
		if c.Calendar, err = p.path(n, "calendar", c.Dir); err != nil {
			return err
		}
	}
	if n := vals["memory_limit"]; n != nil {
		if c.MemoryLimit, err = p.str(n, "memory_limit"); err != nil {
			return err
		}
		b, ok, err := memoryBytes(c.MemoryLimit, totalMemory)
		if err != nil {
			return p.errf(n, "memory_limit", "%q: %v", c.MemoryLimit, err)
		}
		if !ok {
			return p.errf(n, "memory_limit", "%q is not a size like 2GB, 512MiB or 80%% (at least 1MB; units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)", c.MemoryLimit)
		}
		c.MemoryLimit = strconv.FormatUint(b, 10) + "B" // DuckDB takes bytes; it refuses percentages
	}
	if n := vals["threads"]; n != nil {
		if err := n.Decode(&c.Threads); err != nil || c.Threads < 1 || c.Threads > 1024 {
			return p.errf(n, "threads", "expected a whole number from 1 to 1024")
		}
	}
	c.Quality.MaxRejectRatio = 1
	if n := vals["quality"]; n != nil {
		qv, _, err := p.mapping(n, "quality", []string{"max_reject_ratio"})
		if err != nil {
			return err
		}
		if m := qv["max_reject_ratio"]; m != nil {
			if err := m.Decode(&c.Quality.MaxRejectRatio); err != nil || c.Quality.MaxRejectRatio < 0 || c.Quality.MaxRejectRatio > 1 {
				return p.errf(m, "quality.max_reject_ratio", "expected a fraction from 0 to 1 (e.g. 0.02 for 2%%)")
			}
		}
	}
	c.Limits = Limits{XLSXPartMB: DefaultXLSXPartMB, XLSXCellChars: DefaultXLSXCellChars, XLSXRatio: DefaultXLSXRatio}
	if n := vals["limits"]; n != nil {
		lv, _, err := p.mapping(n, "limits", []string{"xlsx_part_mb", "xlsx_cell_chars", "xlsx_ratio"})
		if err != nil {
			return err
		}
		if m := lv["xlsx_part_mb"]; m != nil {
			if err := m.Decode(&c.Limits.XLSXPartMB); err != nil || c.Limits.XLSXPartMB < 1 || c.Limits.XLSXPartMB > 65536 {
				return p.errf(m, "limits.xlsx_part_mb", "expected a whole number of megabytes from 1 to 65536 (default %d)", DefaultXLSXPartMB)
			}
		}
		if m := lv["xlsx_cell_chars"]; m != nil {
			if err := m.Decode(&c.Limits.XLSXCellChars); err != nil || c.Limits.XLSXCellChars < 1 || c.Limits.XLSXCellChars > 100_000_000 {
				return p.errf(m, "limits.xlsx_cell_chars", "expected a whole number of characters from 1 to 100000000 (default %d, Excel's own limit)", DefaultXLSXCellChars)
			}
		}
		if m := lv["xlsx_ratio"]; m != nil {
			if err := m.Decode(&c.Limits.XLSXRatio); err != nil || c.Limits.XLSXRatio < 2 || c.Limits.XLSXRatio > 1_000_000 {
				return p.errf(m, "limits.xlsx_ratio", "expected a whole number from 2 to 1000000: how many times its compressed size a workbook part may expand (default %d)", DefaultXLSXRatio)
			}
		}
	}
	c.Reports = Reports{Out: filepath.Join(c.Dir, "reports"), NameTmpl: "report-{period}", Unit: figures.DefaultUnit}
	if n := vals["reports"]; n != nil {
		if err := p.reports(c, n); err != nil {
			return err
		}
	}
	if n := vals["sources"]; n != nil {
		if err := p.sources(c, n); err != nil {
			return err
		}
	}
	c.HistoryDays = 730
	if n := vals["history_days"]; n != nil {
		if err := n.Decode(&c.HistoryDays); err != nil || c.HistoryDays < 1 || c.HistoryDays > 36500 {
			return p.errf(n, "history_days", "expected a whole number of days from 1 to 36500 (job_runs older than this are pruned; default 730)")
		}
	}
	if err := p.pii(c, vals["pii"]); err != nil {
		return err
	}
	if err := p.deliveriesAndAlerts(c, vals); err != nil { // before jobs: a job's deliver: names them
		return err
	}
	if n := vals["jobs"]; n != nil {
		if err := p.jobs(c, n); err != nil {
			return err
		}
	}
	if c.Serve = defaultServe(); vals["serve"] != nil {
		return p.serve(c, vals["serve"])
	}
	return nil
}

var reportKeys = []string{"out", "name", "unit", "since", "focus_items"}

func (p *parser) reports(c *Config, n *yaml.Node) error {
	rv, _, err := p.mapping(n, "reports", reportKeys)
	if err != nil {
		return err
	}
	if m := rv["out"]; m != nil {
		if c.Reports.Out, err = p.path(m, "reports.out", c.Dir); err != nil {
			return err
		}
	}
	if m := rv["name"]; m != nil {
		if c.Reports.NameTmpl, err = p.str(m, "reports.name"); err != nil {
			return err
		}
		if !strings.Contains(c.Reports.NameTmpl, "{period}") || strings.ContainsAny(c.Reports.NameTmpl, `/\`) {
			return p.errf(m, "reports.name", "expected a file name pattern containing {period} and no directory, e.g. report-{period}")
		}
	}
	if m := rv["unit"]; m != nil {
		if c.Reports.Unit, err = p.str(m, "reports.unit"); err != nil {
			return err
		}
		if !validUnit(c.Reports.Unit) {
			return p.errf(m, "reports.unit", "%q is not a count word for cases; expected one or two characters such as 宗, 件 or 个", c.Reports.Unit)
		}
	}
	if m := rv["since"]; m != nil {
		s, err := p.str(m, "reports.since")
		if err != nil {
			return err
		}
		if c.Reports.Since, err = figures.ParseSince(s); err != nil {
			return p.errf(m, "reports.since", "%v: when the office's records begin (累计 figures are quoted from it)", err)
		}
		c.Reports.SinceLine = m.Line
	}
	if m := rv["focus_items"]; m != nil {
		if m.Kind != yaml.SequenceNode {
			return p.errf(m, "reports.focus_items", "expected a list of item codes, e.g. [QB02]")
		}
		seen := map[string]bool{}
		for _, e := range m.Content {
			code, err := p.str(e, "reports.focus_items")
			if err != nil {
				return err
			}
			if code == "" || seen[code] {
				return p.errf(e, "reports.focus_items", "expected distinct, non-empty item codes, e.g. [QB02]")
			}
			seen[code] = true
			c.Reports.FocusItems = append(c.Reports.FocusItems, FocusItem{Code: code, Line: e.Line})
		}
	}
	return nil
}

// validUnit accepts a count word of one or two characters, none of them a digit, space or
// punctuation.
func validUnit(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	return n >= 1 && n <= 2
}

// UnknownFocusItem is the error for a reports.focus_items code that is not in the item
// catalogue (known): it names the file, the line and the key.
func (c *Config) UnknownFocusItem(code string, known []string) error {
	line := 0
	for _, f := range c.Reports.FocusItems {
		if f.Code == code {
			line = f.Line
		}
	}
	return &Error{File: c.Path, Line: line, Key: "reports.focus_items",
		Msg: fmt.Sprintf("%q is not an item code of the catalogue (%s)", code, strings.Join(known, ", "))}
}

var sourceKeys = []string{"name", "path", "encoding", "format", "sheet", "columns"}

func (p *parser) sources(c *Config, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "sources", "expected a list of sources (each with name and path)")
	}
	seen := map[string]bool{}
	for i, sn := range n.Content {
		where := fmt.Sprintf("sources[%d]", i)
		vals, _, err := p.mapping(sn, where, sourceKeys)
		if err != nil {
			return err
		}
		var s Source
		for _, req := range []string{"name", "path"} {
			if vals[req] == nil {
				return p.errf(sn, where+"."+req, "missing required key")
			}
		}
		if s.Name, err = p.str(vals["name"], where+".name"); err != nil {
			return err
		}
		if s.Name == "" || seen[s.Name] {
			return p.errf(vals["name"], where+".name", "expected a unique, non-empty source name")
		}
		seen[s.Name] = true
		if s.Path, err = p.path(vals["path"], where+".path", c.Dir); err != nil {
			return err
		}
		if _, err := filepath.Match(s.Path, ""); err != nil {
			return p.errf(vals["path"], where+".path", "bad glob pattern: %v", err)
		}
		s.Encoding = "auto"
		if m := vals["encoding"]; m != nil {
			if s.Encoding, err = p.str(m, where+".encoding"); err != nil {
				return err
			}
			s.Encoding = strings.ToLower(strings.TrimSpace(s.Encoding))
			if canon, ok := encodingAliases[s.Encoding]; ok {
				s.Encoding = canon
			}
			if !slices.Contains(encodings, s.Encoding) {
				return p.errf(m, where+".encoding", "%q is not one of: %s", s.Encoding, strings.Join(encodings, ", "))
			}
		}
		s.Format = "auto"
		if m := vals["format"]; m != nil {
			if s.Format, err = p.str(m, where+".format"); err != nil {
				return err
			}
			s.Format = strings.ToLower(s.Format)
			if !slices.Contains(formats, s.Format) {
				return p.errf(m, where+".format", "%q is not one of: %s", s.Format, strings.Join(formats, ", "))
			}
		}
		if m := vals["sheet"]; m != nil {
			if s.Sheet, err = p.str(m, where+".sheet"); err != nil {
				return err
			}
		}
		if m := vals["columns"]; m != nil {
			if m.Kind != yaml.MappingNode {
				return p.errf(m, where+".columns", "expected a mapping of header name to field, e.g. {办件编号: case_id}")
			}
			s.Columns = map[string]string{}
			for j := 0; j+1 < len(m.Content); j += 2 {
				k, v := m.Content[j], m.Content[j+1]
				field := strings.TrimSpace(v.Value)
				if !slices.Contains(fieldNames, field) {
					return p.errf(v, where+".columns."+k.Value, "%q is not a case field; expected one of: %s", field, strings.Join(fieldNames, ", "))
				}
				s.Columns[strings.TrimSpace(k.Value)] = field
			}
		}
		c.Sources = append(c.Sources, s)
	}
	return nil
}

var jobKeys = []string{"name", "schedule", "period", "steps", "formats", "out", "deliver", "catchup", "max_catchup", "retries", "retry_backoff", "timeout"}

func (p *parser) jobs(c *Config, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return p.errf(n, "jobs", "expected a list of jobs")
	}
	seen := map[string]bool{}
	for i, jn := range n.Content {
		where := fmt.Sprintf("jobs[%d]", i)
		vals, _, err := p.mapping(jn, where, jobKeys)
		if err != nil {
			return err
		}
		for _, req := range []string{"name", "schedule", "steps"} {
			if vals[req] == nil {
				return p.errf(jn, where+"."+req, "missing required key")
			}
		}
		j := Job{Period: "previous-month", Formats: []string{"xlsx", "html", "json"}, Catchup: "latest", MaxCatchup: 5, RetryBackoff: 5 * time.Minute, Timeout: time.Hour}
		if j.Name, err = p.str(vals["name"], where+".name"); err != nil {
			return err
		}
		if j.Name == "" || seen[j.Name] {
			return p.errf(vals["name"], where+".name", "expected a unique, non-empty job name")
		}
		seen[j.Name] = true
		if j.Schedule, err = p.str(vals["schedule"], where+".schedule"); err != nil {
			return err
		}
		if sched, err := schedule.Parse(j.Schedule, c.Location); err != nil {
			return p.errf(vals["schedule"], where+".schedule", "%q is not a cron spec (5 fields, e.g. \"0 6 1 * *\", or @monthly): %v", j.Schedule, err)
		} else if !sched.Fires() {
			return p.errf(vals["schedule"], where+".schedule", "%q never fires: none of the months it names has that day of the month", j.Schedule)
		}
		if m := vals["period"]; m != nil {
			if j.Period, err = p.str(m, where+".period"); err != nil {
				return err
			}
			if !period.IsRelative(j.Period) {
				if _, perr := period.Parse(j.Period); perr != nil {
					return p.errf(m, where+".period", "%q is not a period: expected a rule (%s) or a fixed period (e.g. 2022-10)", j.Period, strings.Join(period.Rules(), ", "))
				}
			}
			j.Period = strings.ToLower(j.Period)
		}
		if m := vals["catchup"]; m != nil {
			if j.Catchup, err = p.str(m, where+".catchup"); err != nil {
				return err
			}
			if !slices.Contains([]string{"latest", "all", "none"}, j.Catchup) {
				return p.errf(m, where+".catchup", "%q is not one of: latest, all, none (what to do with ticks missed while caseload was not running)", j.Catchup)
			}
		}
		if m := vals["max_catchup"]; m != nil {
			if err := m.Decode(&j.MaxCatchup); err != nil || j.MaxCatchup < 0 || j.MaxCatchup > 1000 {
				return p.errf(m, where+".max_catchup", "expected a whole number from 0 to 1000")
			}
		}
		if j.Steps, err = p.strList(vals["steps"], where+".steps", steps); err != nil {
			return err
		}
		if m := vals["formats"]; m != nil {
			if j.Formats, err = p.strList(m, where+".formats", reportFormats); err != nil {
				return err
			}
		}
		if m := vals["deliver"]; m != nil {
			if j.Deliver, err = p.deliveryNames(c, m, where+".deliver"); err != nil {
				return err
			}
		}
		switch hasStep := slices.Contains(j.Steps, "deliver"); {
		case hasStep && len(j.Deliver) == 0:
			return p.errf(vals["steps"], where+".deliver", "the deliver step needs a list of deliveries, e.g. deliver: [officials] (names from deliveries:)")
		case !hasStep && len(j.Deliver) > 0:
			return p.errf(vals["deliver"], where+".steps", "deliver: is given but steps has no deliver step; add it, e.g. steps: [pull, report, deliver]")
		}
		j.Out = c.Reports.Out
		if m := vals["out"]; m != nil {
			if j.Out, err = p.path(m, where+".out", c.Dir); err != nil {
				return err
			}
		}
		if m := vals["retries"]; m != nil {
			if err := m.Decode(&j.Retries); err != nil || j.Retries < 0 || j.Retries > 100 {
				return p.errf(m, where+".retries", "expected a whole number from 0 to 100")
			}
		}
		for key, dst := range map[string]*time.Duration{"retry_backoff": &j.RetryBackoff, "timeout": &j.Timeout} {
			if m := vals[key]; m != nil {
				s, err := p.str(m, where+"."+key)
				if err != nil {
					return err
				}
				d, err := time.ParseDuration(s)
				if err != nil || d <= 0 {
					return p.errf(m, where+"."+key, "%q is not a duration like 30s, 5m or 1h", s)
				}
				*dst = d
			}
		}
		if slices.Contains(j.Steps, "report") {
			for _, name := range j.Deliver {
				d, _ := c.Delivery(name)
				if miss := d.MissingFormats(j.Formats); len(miss) > 0 {
					return p.errf(vals["deliver"], where+".deliver", "delivery %s sends %s, which this job does not write (formats: %s); add it to formats", name, strings.Join(miss, ", "), strings.Join(j.Formats, ", "))
				}
			}
		}
		c.Jobs = append(c.Jobs, j)
	}
	return nil
}

func describe(key string) string {
	switch key {
	case "office":
		return "the office name shown in report titles, e.g. 示范县侨办"
	case "items":
		return "path of the approval-item catalogue, e.g. items.csv"
	}
	return key
}

// IsConfigError reports whether err is a configuration error.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// SortedSourceNames lists source names (for messages).
func (c *Config) SortedSourceNames() []string {
	var out []string
	for _, s := range c.Sources {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}
