package gen

// An independent checker for the demo dataset: it reads the files WriteDemoData wrote the
// way a user's tool would (GB18030 decoded in Go, the XLSX with excelize), validates
// and de-duplicates the rows as §4.2 says, loads the accepted latest versions into an
// in-memory DuckDB and computes the §1 figures with the §5 definitions in SQL. It shares
// no code with the generator beyond reading files.

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	sqlfiles "github.com/caseload/caseload/sql"
	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// chkRow is one source row as text, keyed by canonical field name.
type chkRow struct {
	file  string
	order int // pull order (file name order)
	line  int
	f     map[string]string
}

// chkCase is an accepted, parsed row.
type chkCase struct {
	row                        *chkRow
	received                   time.Time
	completed, updated         *time.Time
	status, channel, applicant string
	backlog                    bool
	backlogSince               string
	trips                      *int
}

var chkAliases = map[string]string{
	"办件编号": "case_id", "受理编号": "case_id", "案件编号": "case_id",
	"事项编码": "item_code", "事项代码": "item_code",
	"受理时间": "received_at", "收件时间": "received_at",
	"办结时间": "completed_at",
	"办理状态": "status", "状态": "status",
	"办理渠道": "channel", "渠道": "channel",
	"申请人类型": "applicant_type", "身份类别": "applicant_type",
	"侨居国": "country", "侨居国家": "country", "国家或地区": "country",
	"乡镇街道": "district", "所属镇街": "district",
	"跑动次数":  "trips",
	"历史疑难件": "backlog", "是否积案": "backlog",
	"积案起始日期": "backlog_since",
	"更新时间":   "updated_at",
}

func chkField(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if a, ok := chkAliases[h]; ok {
		return a
	}
	return h
}

func chkEnum(kind, v string) (string, bool) {
	v = strings.TrimSpace(v)
	labels := map[string]map[string]string{
		"status": {"received": "received", "受理": "received", "已受理": "received", "收件": "received",
			"in_progress": "in_progress", "办理中": "in_progress", "在办": "in_progress", "审核中": "in_progress",
			"completed": "completed", "办结": "completed", "已办结": "completed", "办毕": "completed", "准予": "completed",
			"rejected": "rejected", "不予受理": "rejected", "不予许可": "rejected", "退件": "rejected",
			"withdrawn": "withdrawn", "撤回": "withdrawn", "撤件": "withdrawn"},
		"channel": {"window": "window", "窗口": "window", "bundle": "bundle", "打包办": "bundle", "联办": "bundle",
			"一窗通办": "bundle", "outreach": "outreach", "进园区": "outreach", "进社区": "outreach", "上门": "outreach",
			"下乡": "outreach", "remote": "remote", "拍照回传": "remote", "远程核验": "remote", "online": "online",
			"网办": "online", "网上办理": "online", "mail": "mail", "邮寄": "mail"},
		"applicant_type": {"overseas_chinese": "overseas_chinese", "华侨": "overseas_chinese", "returned": "returned",
			"归侨": "returned", "relative": "relative", "侨眷": "relative", "other": "other", "其他": "other"},
		"backlog": {"true": "true", "false": "false", "1": "true", "0": "false", "是": "true", "否": "false",
			"y": "true", "n": "false"},
	}
	out, ok := labels[kind][strings.ToLower(v)]
	return out, ok
}

func chkTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
		"2006年1月2日 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// chkValidate returns the reject reason of a row, or the parsed case.
func chkValidate(r *chkRow, items map[string]bool, loc *time.Location) (string, *chkCase) {
	f := r.f
	c := &chkCase{row: r}
	if strings.TrimSpace(f["case_id"]) == "" {
		return "missing_case_id", nil
	}
	switch code := strings.TrimSpace(f["item_code"]); {
	case code == "":
		return "missing_item_code", nil
	case !items[code]:
		return "unknown_item_code", nil
	}
	if strings.TrimSpace(f["received_at"]) == "" {
		return "missing_received_at", nil
	}
	var ok bool
	if c.received, ok = chkTime(f["received_at"], loc); !ok {
		return "bad_received_at", nil
	}
	if s := strings.TrimSpace(f["completed_at"]); s != "" {
		t, ok := chkTime(s, loc)
		if !ok {
			return "bad_completed_at", nil
		}
		c.completed = &t
	}
	if c.status, ok = chkEnum("status", f["status"]); !ok {
		return "bad_status", nil
	}
	final := c.status == "completed" || c.status == "rejected" || c.status == "withdrawn"
	if final && c.completed == nil {
		return "final_status_without_completed_at", nil
	}
	if c.completed != nil && c.completed.Before(c.received) {
		return "completed_before_received", nil
	}
	c.channel = "window"
	if s := strings.TrimSpace(f["channel"]); s != "" {
		if c.channel, ok = chkEnum("channel", s); !ok {
			return "bad_channel", nil
		}
	}
	if s := strings.TrimSpace(f["applicant_type"]); s != "" {
		if c.applicant, ok = chkEnum("applicant_type", s); !ok {
			return "bad_applicant_type", nil
		}
	}
	if s := strings.TrimSpace(f["trips"]); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return "bad_trips", nil
		}
		c.trips = &n
	}
	if s := strings.TrimSpace(f["backlog"]); s != "" {
		b, ok := chkEnum("backlog", s)
		if !ok {
			return "bad_backlog", nil
		}
		c.backlog = b == "true"
	}
	if c.backlog {
		t, err := time.Parse("2006-01-02", strings.TrimSpace(f["backlog_since"]))
		if err != nil {
			return "bad_backlog_since", nil
		}
		c.backlogSince = t.Format("2006-01-02")
	}
	if s := strings.TrimSpace(f["updated_at"]); s != "" {
		t, ok := chkTime(s, loc)
		if !ok {
			return "bad_updated_at", nil
		}
		c.updated = &t
	}
	return "", c
}

func chkReadCSV(t *testing.T, path string, data []byte, order int) []*chkRow {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []*chkRow
	head := recs[0]
	for i, rec := range recs[1:] {
		r := &chkRow{file: filepath.Base(path), order: order, line: i + 2, f: map[string]string{}}
		for j, h := range head {
			r.f[chkField(h)] = rec[j]
		}
		out = append(out, r)
	}
	return out
}

// chkReadXLSX reads the export: the header is the first row holding "case_id"; date
// cells are read raw (serials) and turned into local wall-clock text, rounded to the second.
func chkReadXLSX(t *testing.T, path string, order int) []*chkRow {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	hi := slices.IndexFunc(rows, func(r []string) bool { return slices.Contains(r, "case_id") })
	if hi != 2 || len(rows[1]) != 0 || !strings.Contains(rows[0][0], "涉侨审批办件导出") {
		t.Fatalf("%s: want a title row, a blank row, then the header; header at row %d", path, hi+1)
	}
	var out []*chkRow
	for i, rec := range rows[hi+1:] {
		r := &chkRow{file: filepath.Base(path), order: order, line: hi + 2 + i, f: map[string]string{}}
		for j, h := range rows[hi] {
			v := ""
			if j < len(rec) {
				v = rec[j]
			}
			switch h {
			case "received_at", "completed_at", "updated_at", "backlog_since":
				if serial, err := strconv.ParseFloat(v, 64); err == nil {
					tm, err := excelize.ExcelDateToTime(serial, false)
					if err != nil {
						t.Fatal(err)
					}
					layout := "2006-01-02 15:04:05"
					if h == "backlog_since" {
						layout = "2006-01-02"
					}
					v = tm.Round(time.Second).Format(layout)
				}
			}
			r.f[h] = v
		}
		out = append(out, r)
	}
	return out
}

func chkReadNDJSON(t *testing.T, path string, order int) []*chkRow {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*chkRow
	sc := bufio.NewScanner(bytes.NewReader(data))
	line := 0
	for sc.Scan() {
		line++
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		r := &chkRow{file: filepath.Base(path), order: order, line: line, f: map[string]string{}}
		for k, v := range m {
			switch v := v.(type) {
			case nil:
			case string:
				r.f[chkField(k)] = v
			case float64:
				r.f[chkField(k)] = strconv.FormatFloat(v, 'f', -1, 64)
			case bool:
				r.f[chkField(k)] = strconv.FormatBool(v)
			default:
				t.Fatalf("%s:%d: unexpected %T", path, line, v)
			}
		}
		out = append(out, r)
	}
	return out
}

type demoFigures struct {
	rowsPerFile                           map[string]int
	accepted, superseded                  int
	rejects                               map[string]string // "file:reason" -> case id
	completedCum1117, completedCum1117UTC int
	instant                               map[string]float64
	qb02                                  map[string][2]int // period -> current, base
	backlog                               map[string][4]int // last day -> total, resolved, over10y
	backlogExact, backlogShort            int
	countries, unrecognised               int
	countriesPerYear, receivedPerYear     map[int]int
}

// checkDemo computes the figures of the demo project in dir.
func checkDemo(t *testing.T, dir string) demoFigures {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	fig := demoFigures{rowsPerFile: map[string]int{}, rejects: map[string]string{}, instant: map[string]float64{},
		qb02: map[string][2]int{}, backlog: map[string][4]int{}, countriesPerYear: map[int]int{}, receivedPerYear: map[int]int{}}

	// Source files, in name order (the pull order of a glob).
	ents, err := os.ReadDir(filepath.Join(dir, "incoming"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []*chkRow
	for order, e := range ents {
		p := filepath.Join(dir, "incoming", e.Name())
		var got []*chkRow
		switch filepath.Ext(e.Name()) {
		case ".csv":
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
				data = data[3:]
			} else if !utf8.Valid(data) {
				if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
					t.Fatal(err)
				}
			}
			got = chkReadCSV(t, p, data, order)
		case ".xlsx":
			got = chkReadXLSX(t, p, order)
		case ".ndjson":
			got = chkReadNDJSON(t, p, order)
		default:
			t.Fatalf("unexpected file %s", p)
		}
		fig.rowsPerFile[e.Name()] = len(got)
		rows = append(rows, got...)
	}

	// Validate, then keep the latest version of each case (§4.2).
	itemsCSV, err := os.ReadFile(filepath.Join(dir, "items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	items := map[string]bool{}
	for _, line := range strings.Split(string(itemsCSV), "\n")[1:] {
		if code, _, ok := strings.Cut(line, ","); ok {
			items[code] = true
		}
	}
	byID := map[string][]*chkCase{}
	var ids []string
	for _, r := range rows {
		reason, c := chkValidate(r, items, loc)
		if reason != "" {
			fig.rejects[r.file+":"+reason] = r.f["case_id"]
			continue
		}
		id := strings.TrimSpace(r.f["case_id"])
		if byID[id] == nil {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], c)
	}
	var latest []*chkCase
	for _, id := range ids {
		vs := byID[id]
		slices.SortStableFunc(vs, func(a, b *chkCase) int {
			switch {
			case (a.updated == nil) != (b.updated == nil):
				if a.updated == nil {
					return -1
				}
				return 1
			case a.updated != nil && !a.updated.Equal(*b.updated):
				return a.updated.Compare(*b.updated)
			case a.row.order != b.row.order:
				return a.row.order - b.row.order
			}
			return a.row.line - b.row.line
		})
		latest = append(latest, vs[len(vs)-1])
		fig.superseded += len(vs) - 1
	}
	fig.accepted = len(latest)

	// Load into DuckDB and compute the §5 figures in SQL.
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	one := func(q string, args ...any) (v sql.NullFloat64) {
		t.Helper()
		if err := db.QueryRow(q, args...).Scan(&v); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		return v
	}
	countriesCSV, err := sqlfiles.FS.ReadFile("data/countries.csv")
	if err != nil {
		t.Fatal(err)
	}
	cpath := filepath.Join(t.TempDir(), "countries.csv")
	if err := os.WriteFile(cpath, countriesCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	exec(`CREATE TABLE countries AS SELECT * FROM read_csv(?, header = true, all_varchar = true)`, cpath)
	exec(`CREATE TABLE items AS SELECT * FROM read_csv(?, header = true, columns = {'item_code': 'VARCHAR',
		'name': 'VARCHAR', 'instant_since': 'DATE', 'promised_days': 'INTEGER', 'statutory_days': 'INTEGER',
		'active_from': 'DATE', 'active_to': 'DATE'})`, filepath.Join(dir, "items.csv"))
	exec(`CREATE MACRO ld(ts) AS CAST(ts AT TIME ZONE 'Asia/Shanghai' AS DATE)`)
	// The accepted cases go to DuckDB through a CSV file (instants as epoch seconds).
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write([]string{"case_id", "item_code", "received", "completed", "status", "channel", "country_raw", "backlog", "backlog_since"})
	for _, c := range latest {
		compl := ""
		if c.completed != nil {
			compl = strconv.FormatInt(c.completed.Unix(), 10)
		}
		cw.Write([]string{strings.TrimSpace(c.row.f["case_id"]), strings.TrimSpace(c.row.f["item_code"]),
			strconv.FormatInt(c.received.Unix(), 10), compl, c.status, c.channel, strings.TrimSpace(c.row.f["country"]),
			strconv.FormatBool(c.backlog), c.backlogSince})
	}
	cw.Flush()
	casesCSV := filepath.Join(t.TempDir(), "cases.csv")
	if err := os.WriteFile(casesCSV, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	exec(`CREATE TABLE cases AS SELECT case_id, item_code, to_timestamp(received) AS received_at,
		to_timestamp(completed) AS completed_at, status, channel, country_raw, backlog, backlog_since
		FROM read_csv(?, header = true, columns = {'case_id': 'VARCHAR', 'item_code': 'VARCHAR', 'received': 'BIGINT',
		'completed': 'BIGINT', 'status': 'VARCHAR', 'channel': 'VARCHAR', 'country_raw': 'VARCHAR', 'backlog': 'BOOLEAN',
		'backlog_since': 'DATE'})`, casesCSV)
	if n := one(`SELECT count(*) FROM cases`).Float64; int(n) != len(latest) {
		t.Fatalf("loaded %v cases, want %d", n, len(latest))
	}
	exec(`CREATE TABLE case_country AS SELECT c.case_id, c.received_at, c.country_raw,
		(SELECT min(k.alpha2) FROM countries k WHERE upper(trim(c.country_raw)) IN (k.alpha2, k.alpha3)
		   OR lower(trim(c.country_raw)) = lower(k.name_en) OR trim(c.country_raw) IN (k.name_zh, k.name_zh_hant)
		   OR list_contains(string_split(k.aliases, '|'), trim(c.country_raw))) AS alpha2
		FROM cases c WHERE c.country_raw IS NOT NULL`)

	// completed_cumulative: status completed and completed_at by the end of P.
	fig.completedCum1117 = int(one(`SELECT count(*) FROM cases WHERE status = 'completed' AND ld(completed_at) <= DATE '2022-11-17'`).Float64)
	fig.completedCum1117UTC = int(one(`SELECT count(*) FROM cases WHERE status = 'completed'
		AND CAST(completed_at AT TIME ZONE 'UTC' AS DATE) <= DATE '2022-11-17'`).Float64)
	// instant_items_ratio = instant items / active items on the period's last day.
	for _, last := range []string{"2021-06-30", "2021-07-31", "2022-10-31", "2022-11-17"} {
		fig.instant[last] = one(`SELECT (count(*) FILTER (WHERE instant_since <= CAST(? AS DATE))) / count(*) FROM items
			WHERE active_from <= CAST(? AS DATE) AND (active_to IS NULL OR active_to >= CAST(? AS DATE))`, last, last, last).Float64
	}
	// received of QB02 in P and in the same period one year earlier.
	for _, p := range [][2]string{{"2022-01-01", "2022-10-31"}, {"2022-01-01", "2022-11-17"}} {
		q := `SELECT count(*) FROM cases WHERE item_code = 'QB02' AND ld(received_at) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)`
		cur := one(q, p[0], p[1]).Float64
		base := one(`SELECT count(*) FROM cases WHERE item_code = 'QB02' AND ld(received_at)
			BETWEEN CAST(? AS DATE) - INTERVAL 1 YEAR AND CAST(? AS DATE) - INTERVAL 1 YEAR`, p[0], p[1]).Float64
		fig.qb02[p[0]+".."+p[1]] = [2]int{int(cur), int(base)}
	}
	// backlog_total, backlog_resolved, backlog_resolved_over_10y by the end of P.
	for _, last := range []string{"2022-10-31", "2022-11-17", "2022-11-30"} {
		total := one(`SELECT count(*) FROM cases WHERE backlog AND ld(received_at) <= CAST(? AS DATE)`, last).Float64
		resolved := one(`SELECT count(*) FROM cases WHERE backlog AND status = 'completed' AND ld(completed_at) <= CAST(? AS DATE)`, last).Float64
		over := one(`SELECT count(*) FROM cases WHERE backlog AND status = 'completed' AND ld(completed_at) <= CAST(? AS DATE)
			AND ld(completed_at) >= backlog_since + INTERVAL 10 YEAR`, last).Float64
		fig.backlog[last] = [4]int{int(total), int(resolved), int(over)}
	}
	fig.backlogExact = int(one(`SELECT count(*) FROM cases WHERE backlog AND status = 'completed'
		AND ld(completed_at) = CAST(backlog_since + INTERVAL 10 YEAR AS DATE)`).Float64)
	fig.backlogShort = int(one(`SELECT count(*) FROM cases WHERE backlog AND status = 'completed'
		AND ld(completed_at) = CAST(backlog_since + INTERVAL 10 YEAR AS DATE) - 1`).Float64)
	// countries: distinct recognised countries among cases received in P.
	fig.countries = int(one(`SELECT count(DISTINCT alpha2) FROM case_country`).Float64)
	fig.unrecognised = int(one(`SELECT count(*) FROM case_country WHERE alpha2 IS NULL`).Float64)
	res, err := db.Query(`SELECT year(ld(received_at)), count(DISTINCT alpha2) FROM case_country GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for res.Next() {
		var y, n int
		if err := res.Scan(&y, &n); err != nil {
			t.Fatal(err)
		}
		fig.countriesPerYear[y] = n
	}
	res.Close()
	res, err = db.Query(`SELECT year(ld(received_at)), count(*) FROM cases GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for res.Next() {
		var y, n int
		if err := res.Scan(&y, &n); err != nil {
			t.Fatal(err)
		}
		fig.receivedPerYear[y] = n
	}
	res.Close()
	return fig
}

func TestDemoFigures(t *testing.T) {
	dir := t.TempDir()
	files, err := WriteDemoData(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	fig := checkDemo(t, dir)

	// Row counts per file, as WriteDemo reported them and as read back.
	total := 0
	for _, f := range files {
		name := filepath.Base(f.Path)
		if filepath.Base(filepath.Dir(f.Path)) != "incoming" {
			continue
		}
		if fig.rowsPerFile[name] != f.Rows {
			t.Errorf("%s: %d rows read, WriteDemoData said %d", name, fig.rowsPerFile[name], f.Rows)
		}
		total += f.Rows
	}
	if got := fig.rowsPerFile["2022-11-update.ndjson"]; got != 53 {
		t.Errorf("update file: %d rows, want 53", got)
	}
	for _, name := range []string{"2017-2019.csv", "2020-2021.xlsx", "2022.csv"} {
		if n := fig.rowsPerFile[name]; n < 2500 {
			t.Errorf("%s: only %d rows", name, n)
		}
	}
	// Every row is accounted for: read = accepted + superseded + rejected.
	if total != fig.accepted+fig.superseded+len(fig.rejects) {
		t.Errorf("rows %d != accepted %d + superseded %d + rejected %d", total, fig.accepted, fig.superseded, len(fig.rejects))
	}
	if fig.superseded != 52 {
		t.Errorf("superseded = %d, want 52", fig.superseded)
	}
	wantRejects := []string{
		"2017-2019.csv:missing_case_id", "2017-2019.csv:bad_received_at", "2017-2019.csv:unknown_item_code",
		"2017-2019.csv:bad_status", "2020-2021.xlsx:completed_before_received",
		"2020-2021.xlsx:final_status_without_completed_at", "2020-2021.xlsx:bad_channel",
		"2020-2021.xlsx:bad_applicant_type", "2022.csv:bad_trips", "2022.csv:missing_item_code",
		"2022.csv:bad_backlog", "2022-11-update.ndjson:bad_completed_at",
	}
	var gotRejects []string
	for k := range fig.rejects {
		gotRejects = append(gotRejects, k)
	}
	slices.Sort(gotRejects)
	slices.Sort(wantRejects)
	if !slices.Equal(gotRejects, wantRejects) {
		t.Errorf("rejects:\n got %v\nwant %v", gotRejects, wantRejects)
	}

	// §1 figures.
	if fig.completedCum1117 != 14998 {
		t.Errorf("completed_cumulative 2017-01-01..2022-11-17 = %d, want 14998", fig.completedCum1117)
	}
	if fig.completedCum1117UTC == fig.completedCum1117 {
		t.Errorf("the midnight edge cases do not distinguish local from UTC dates")
	}
	for last, v := range fig.instant {
		want := 0.875
		if last < "2021-07-01" {
			if v >= want {
				t.Errorf("instant_items_ratio ending %s = %v, want < 0.875", last, v)
			}
			continue
		}
		if v != want {
			t.Errorf("instant_items_ratio ending %s = %v, want 0.875", last, v)
		}
	}
	for p, cb := range fig.qb02 {
		growth := float64(cb[0]-cb[1]) / float64(cb[1])
		if growth < 0.32 || growth > 0.36 {
			t.Errorf("QB02 received_yoy_growth %s = %d vs %d = %.4f, want 0.32..0.36", p, cb[0], cb[1], growth)
		}
	}
	for _, last := range []string{"2022-10-31", "2022-11-17"} {
		b := fig.backlog[last]
		if b[0] != 84 || b[1] != 42 || float64(b[1])/float64(b[0]) != 0.5 || b[2] != 23 {
			t.Errorf("backlog by %s: total %d resolved %d over10y %d; want 84, 42 (50%%), 23", last, b[0], b[1], b[2])
		}
	}
	if fig.backlogExact != 1 || fig.backlogShort != 1 {
		t.Errorf("backlog edge cases: %d resolved exactly 10 years on, %d one day short; want 1 and 1", fig.backlogExact, fig.backlogShort)
	}
	if fig.countries != 155 {
		t.Errorf("countries = %d, want 155", fig.countries)
	}
	if fig.unrecognised != 5 {
		t.Errorf("unrecognised countries = %d, want 5", fig.unrecognised)
	}
	for y := 2017; y <= 2022; y++ {
		if n := fig.countriesPerYear[y]; n < 36 || n >= 155 {
			t.Errorf("countries received in %d = %d, want several dozen", y, n)
		}
		n := fig.receivedPerYear[y]
		lo := 2600
		if y == 2017 || y == 2022 {
			lo = 2150 // 10 and 11 months
		}
		if n < lo || n > 3000 {
			t.Errorf("received in %d = %d, want about 2,600-3,000 a year", y, n)
		}
	}
	t.Logf("rows per file %v; accepted %d, superseded %d, rejected %d", fig.rowsPerFile, fig.accepted, fig.superseded, len(fig.rejects))
	t.Logf("completed_cumulative ..2022-11-17 = %d (by UTC dates it would be %d)", fig.completedCum1117, fig.completedCum1117UTC)
	t.Logf("instant_items_ratio %v", fig.instant)
	for p, cb := range fig.qb02 {
		t.Logf("QB02 %s: %d vs %d, growth %.4f", p, cb[0], cb[1], float64(cb[0]-cb[1])/float64(cb[1]))
	}
	t.Logf("backlog (total, resolved, over10y) %v; countries %d (per year %v), unrecognised %d", fig.backlog, fig.countries,
		fig.countriesPerYear, fig.unrecognised)
	t.Logf("received per year %v", fig.receivedPerYear)
}
