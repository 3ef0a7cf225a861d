package gen

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestCivilRoundTrip(t *testing.T) {
	for day := daysFromCivil(1999, 1, 1); day < daysFromCivil(2031, 1, 1); day++ {
		y, m, d := civilFromDays(day)
		if daysFromCivil(y, m, d) != day {
			t.Fatalf("day %d -> %d-%d-%d", day, y, m, d)
		}
		tm := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		if tm.Unix()/86400 != day || tm.Weekday() != weekdayOf(day) {
			t.Fatalf("day %d: %v", day, tm)
		}
	}
}

func TestCalendar(t *testing.T) {
	c, err := newCalendar(defaultLocation(), ymd("2022-01-01"), ymd("2022-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{"2022-10-03": false, "2022-10-08": true, "2022-10-10": true,
		"2022-10-15": false, "2022-06-03": false, "2022-06-15": true} {
		if c.isWork(ymd(s)) != want {
			t.Errorf("%s: working day = %v, want %v", s, !want, want)
		}
	}
	if got := c.addWorkdays(ymd("2022-09-30"), 1); got != ymd("2022-10-08") {
		y, m, d := civilFromDays(got)
		t.Errorf("next working day after 2022-09-30 = %d-%d-%d, want 2022-10-08 (a make-up Saturday)", y, m, d)
	}
}

func TestItems(t *testing.T) {
	var b bytes.Buffer
	if err := WriteItemsCSV(&b, Items()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if lines[0] != "item_code,name,instant_since,promised_days,statutory_days,active_from,active_to" || len(lines) != 9 {
		t.Fatalf("items.csv:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "\nQB02,“三侨生”身份认定,") || !strings.Contains(b.String(), "\nQB03,华侨回国定居审批,,20,") {
		t.Errorf("items.csv:\n%s", b.String())
	}
	count := func(day string) (n int) {
		for _, it := range Items() {
			if !it.InstantSince.IsZero() && it.InstantSince.Format("2006-01-02") <= day {
				n++
			}
		}
		return n
	}
	for day, want := range map[string]int{"2017-03-01": 3, "2019-01-01": 5, "2021-06-30": 6, "2021-07-01": 7, "2022-11-30": 7} {
		if got := count(day); got != want {
			t.Errorf("instant items on %s = %d, want %d", day, got, want)
		}
	}
}

func collect(t *testing.T, opt Options) []Case {
	t.Helper()
	var out []Case
	err := Generate(opt, func(c *Case) error {
		cc := *c
		if c.CompletedAt != nil {
			v := *c.CompletedAt
			cc.CompletedAt = &v
		}
		if c.UpdatedAt != nil {
			v := *c.UpdatedAt
			cc.UpdatedAt = &v
		}
		if c.BacklogSince != nil {
			v := *c.BacklogSince
			cc.BacklogSince = &v
		}
		if c.Trips != nil {
			v := *c.Trips
			cc.Trips = &v
		}
		out = append(out, cc)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGenerateMix(t *testing.T) {
	cases := collect(t, Options{Cases: 4000, Seed: 7})
	if len(cases) != 4000 {
		t.Fatalf("%d cases", len(cases))
	}
	ids := map[string]bool{}
	status := map[string]int{}
	channel := map[string]int{}
	countries := map[string]bool{}
	var weekday, backlog int
	for i, c := range cases {
		if ids[c.CaseID] || len(c.CaseID) != len("QB2022-000123") || !strings.HasPrefix(c.CaseID, "QB"+strconv.Itoa(c.ReceivedAt.Year())+"-") {
			t.Fatalf("case id %q (received %v)", c.CaseID, c.ReceivedAt)
		}
		ids[c.CaseID] = true
		if i > 0 && c.ReceivedAt.Before(cases[i-1].ReceivedAt) {
			t.Fatalf("cases not in received order at %d", i)
		}
		if loc := c.ReceivedAt.Location().String(); loc != "Asia/Shanghai" && loc != "CST" {
			t.Fatalf("location %s", loc)
		}
		final := c.Status == StatusCompleted || c.Status == StatusRejected || c.Status == StatusWithdrawn
		if final != (c.CompletedAt != nil) {
			t.Fatalf("%s: status %s, completed %v", c.CaseID, c.Status, c.CompletedAt)
		}
		if c.CompletedAt != nil && c.CompletedAt.Before(c.ReceivedAt) {
			t.Fatalf("%s: completed before received", c.CaseID)
		}
		if c.Backlog != (c.BacklogSince != nil) {
			t.Fatalf("%s: backlog %v since %v", c.CaseID, c.Backlog, c.BacklogSince)
		}
		if c.Trips != nil && (*c.Trips < 0 || *c.Trips > 3) {
			t.Fatalf("%s: trips %d", c.CaseID, *c.Trips)
		}
		if wd := c.ReceivedAt.Weekday(); wd != time.Saturday && wd != time.Sunday {
			weekday++
		}
		if c.Backlog {
			backlog++
		}
		status[c.Status]++
		channel[c.Channel]++
		countries[c.Country] = true
	}
	share := func(n int) float64 { return float64(n) / float64(len(cases)) }
	if s := share(status[StatusCompleted]); s < 0.85 || s > 0.91 {
		t.Errorf("completed share %.3f", s)
	}
	if s := share(status[StatusRejected]); s < 0.02 || s > 0.045 {
		t.Errorf("rejected share %.3f", s)
	}
	if s := share(channel["bundle"]); s < 0.08 || s > 0.25 {
		t.Errorf("bundle share %.3f", s)
	}
	if s := share(weekday); s < 0.95 {
		t.Errorf("weekday share %.3f", s)
	}
	if len(channel) != 6 {
		t.Errorf("channels %v", channel)
	}
	// Spellings vary; count the distinct countries through the embedded list.
	g, err := newGenerator(mustNormalize(t, Options{}))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]string{}
	for _, c := range g.countries {
		for _, s := range []string{c.alpha2, c.alpha3, c.nameEn, c.nameZh, c.aliasZh} {
			if s != "" {
				known[s] = c.alpha2
			}
		}
	}
	distinct := map[string]bool{}
	for s := range countries {
		if s == "" {
			continue
		}
		a2, ok := known[s]
		if !ok {
			t.Fatalf("country %q is not a spelling of a pool country", s)
		}
		distinct[a2] = true
	}
	if len(g.countries) != 155 || len(distinct) < 145 {
		t.Errorf("pool %d countries, %d distinct in 4000 cases", len(g.countries), len(distinct))
	}
	t.Logf("status %v channel %v distinct countries %d backlog %d", status, channel, len(distinct), backlog)
}

func mustNormalize(t *testing.T, o Options) Options {
	o, err := o.normalize()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestCSVTimestamps checks that every timestamp form written means the instant Generate
// produced, and that the forms are mixed.
func TestCSVTimestamps(t *testing.T) {
	opt := Options{Cases: 3000, Seed: 42}
	cases := collect(t, opt)
	p := filepath.Join(t.TempDir(), "c.csv")
	if _, err := WriteFile(context.Background(), p, opt); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != csvHeader || len(recs) != len(cases)+1 {
		t.Fatalf("header %v, %d rows", recs[0], len(recs))
	}
	loc := defaultLocation()
	forms := map[string]int{}
	parse := func(s string) time.Time {
		if tm, err := time.Parse(time.RFC3339, s); err == nil {
			if strings.HasSuffix(s, "Z") {
				forms["Z"]++
			} else {
				forms["offset"]++
			}
			return tm
		}
		for _, l := range []string{"2006-01-02 15:04:05", "2006/1/2 15:04", "2006年1月2日 15:04"} {
			if tm, err := time.ParseInLocation(l, s, loc); err == nil {
				forms[l]++
				return tm
			}
		}
		t.Fatalf("unparseable timestamp %q", s)
		return time.Time{}
	}
	for i, c := range cases {
		r := recs[i+1]
		if r[0] != c.CaseID || r[1] != c.ItemCode || r[4] != c.Status || r[7] != c.Country {
			t.Fatalf("row %d: %v vs %+v", i, r, c)
		}
		if got := parse(r[2]); !got.Equal(c.ReceivedAt) {
			t.Fatalf("row %d: received %q = %v, want %v", i, r[2], got, c.ReceivedAt)
		}
		if c.CompletedAt != nil {
			if got := parse(r[3]); !got.Equal(*c.CompletedAt) {
				t.Fatalf("row %d: completed %q = %v, want %v", i, r[3], got, *c.CompletedAt)
			}
		} else if r[3] != "" {
			t.Fatalf("row %d: completed %q", i, r[3])
		}
	}
	if len(forms) != 5 {
		t.Errorf("timestamp forms: %v", forms)
	}
}

func TestWriteFileDeterministic(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, seed uint64) []byte {
		p := filepath.Join(dir, name)
		if _, err := WriteFile(context.Background(), p, Options{Cases: 20000, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := write("a.csv", 1), write("b.csv", 1), write("c.csv", 2)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same bytes")
	}
	na, nb := write("a.ndjson", 1), write("b.ndjson", 1)
	if !bytes.Equal(na, nb) {
		t.Error("ndjson: same seed, different bytes")
	}
}

func TestWriteFileFormats(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	const n = 2500
	opt := Options{Cases: n, Seed: 3, From: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)}
	for _, name := range []string{"x.csv", "x.ndjson", "x.xlsx", "x.parquet"} {
		got, err := WriteFile(ctx, filepath.Join(dir, name), opt)
		if err != nil || got != n {
			t.Fatalf("%s: %d, %v", name, got, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"x.csv", "x.ndjson", "x.parquet", "x.xlsx"}) {
		t.Errorf("files left behind: %v", names)
	}

	csvData, _ := os.ReadFile(filepath.Join(dir, "x.csv"))
	recs, err := csv.NewReader(bytes.NewReader(csvData)).ReadAll()
	if err != nil || len(recs) != n+1 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if y := r[0][2:6]; y != "2021" {
			t.Fatalf("case received outside --from/--to: %v", r)
		}
	}

	nd, _ := os.ReadFile(filepath.Join(dir, "x.ndjson"))
	lines := strings.Split(strings.TrimSuffix(string(nd), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("ndjson: %d lines", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("ndjson line %d: %v", i+1, err)
		}
		if m["case_id"] != recs[i+1][0] || m["received_at"] != recs[i+1][2] {
			t.Fatalf("ndjson line %d differs from csv: %v", i+1, m)
		}
	}

	f, err := excelize.OpenFile(filepath.Join(dir, "x.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("cases")
	if err != nil || len(rows) != n+1 || strings.Join(rows[0], ",") != csvHeader {
		t.Fatalf("xlsx: %d rows, %v", len(rows), err)
	}
	if rows[1][0] != recs[1][0] {
		t.Errorf("xlsx first case %v, csv %v", rows[1][0], recs[1][0])
	}
	f.Close()

	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cnt, varchars int
	pq := sqlString(filepath.Join(dir, "x.parquet"))
	if err := db.QueryRow(`SELECT count(*) FROM read_parquet(` + pq + `)`).Scan(&cnt); err != nil || cnt != n {
		t.Fatalf("parquet: %d rows, %v", cnt, err)
	}
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE column_type = 'VARCHAR') FROM (DESCRIBE SELECT * FROM read_parquet(` + pq + `))`).Scan(&varchars); err != nil || varchars != 13 {
		t.Fatalf("parquet: %d VARCHAR columns, %v", varchars, err)
	}
	var id, recv string
	if err := db.QueryRow(`SELECT case_id, received_at FROM read_parquet(`+pq+`) LIMIT 1`).Scan(&id, &recv); err != nil ||
		id != recs[1][0] || recv != recs[1][2] {
		t.Errorf("parquet first row %s %s, csv %v (%v)", id, recv, recs[1], err)
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	p := filepath.Join(dir, "big.xlsx")
	if _, err := WriteFile(ctx, p, Options{Cases: MaxXLSXRows + 1}); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("xlsx over the limit: %v", err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("a file was left: %v", err)
	}
	if _, err := WriteFile(ctx, filepath.Join(dir, "x.txt"), Options{Cases: 1}); err == nil {
		t.Error("unknown extension accepted")
	}
	if _, err := WriteFile(ctx, filepath.Join(dir, "x.csv"), Options{Cases: -1}); err == nil {
		t.Error("negative count accepted")
	}
	opt := Options{Cases: 1, From: time.Date(2022, 1, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := WriteFile(ctx, filepath.Join(dir, "x.csv"), opt); err == nil {
		t.Error("--to before --from accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := WriteFile(cctx, filepath.Join(dir, "y.csv"), Options{Cases: 100000}); err == nil {
		t.Error("cancelled context ignored")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
}

func TestDemoFiles(t *testing.T) {
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	files, err := WriteDemoData(ctx, dirA)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDemoData(ctx, dirB); err != nil {
		t.Fatal(err)
	}
	want := []string{"items.csv", "incoming/2017-2019.csv", "incoming/2020-2021.xlsx", "incoming/2022.csv",
		"incoming/2022-11-update.ndjson"}
	if len(files) != len(want) {
		t.Fatalf("files %v", files)
	}
	for i, f := range files {
		rel, _ := filepath.Rel(dirA, f.Path)
		if filepath.ToSlash(rel) != want[i] || f.Note == "" {
			t.Errorf("file %d: %+v", i, f)
		}
		a, _ := os.ReadFile(f.Path)
		b, _ := os.ReadFile(filepath.Join(dirB, rel))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: not deterministic", rel)
		}
	}

	// 2017-2019.csv: GB18030, CRLF, Chinese headers and labels; decodes and round-trips.
	gb, _ := os.ReadFile(filepath.Join(dirA, "incoming", "2017-2019.csv"))
	if utf8.Valid(gb) {
		t.Error("2017-2019.csv is valid UTF-8; want GB18030")
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(gb)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes(dec)
	if err != nil || !bytes.Equal(enc, gb) {
		t.Errorf("GB18030 round trip differs (%v)", err)
	}
	text := string(dec)
	if !strings.HasPrefix(text, chineseHeader+"\r\n") || strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Error("2017-2019.csv: want the Chinese header and CRLF line ends")
	}
	for _, s := range []string{",办结,", ",窗口,", ",华侨,", ",否,", "年", ",美国,", ",印尼,"} {
		if !strings.Contains(text, s) {
			t.Errorf("2017-2019.csv lacks %q", s)
		}
	}

	// 2022.csv: BOM, CRLF, English; RFC 3339 with +08:00 and Z.
	c22, _ := os.ReadFile(filepath.Join(dirA, "incoming", "2022.csv"))
	if !bytes.HasPrefix(c22, []byte("\ufeff"+csvHeader+"\r\n")) || bytes.Count(c22, []byte("\n")) != bytes.Count(c22, []byte("\r\n")) {
		t.Error("2022.csv: want BOM, English header, CRLF")
	}
	if !bytes.Contains(c22, []byte("+08:00,")) || !bytes.Contains(c22, []byte("Z,")) {
		t.Error("2022.csv: want both +08:00 and Z timestamps")
	}

	// 2020-2021.xlsx: date cells shown to the minute but holding seconds.
	f, err := excelize.OpenFile(filepath.Join(dirA, "incoming", "2020-2021.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	shown, _ := f.GetCellValue(sheet, "C4")
	raw, _ := f.GetCellValue(sheet, "C4", excelize.Options{RawCellValue: true})
	serial, err := strconv.ParseFloat(raw, 64)
	if err != nil || len(shown) != len("2020-01-02 08:30") {
		t.Fatalf("C4 shown %q raw %q", shown, raw)
	}
	withSeconds := 0
	for row := 4; row < 200; row++ {
		raw, _ := f.GetCellValue(sheet, "C"+strconv.Itoa(row), excelize.Options{RawCellValue: true})
		v, _ := strconv.ParseFloat(raw, 64)
		if s := int64(v*86400+0.5) % 60; s != 0 {
			withSeconds++
		}
	}
	if serial < 43831 || withSeconds < 100 {
		t.Errorf("received cells: serial %v, %d of 196 with seconds", serial, withSeconds)
	}
}

func BenchmarkGenerateCSV(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("CASELOAD_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
	p := filepath.Join(b.TempDir(), "bench.csv")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := WriteFile(context.Background(), p, Options{Cases: rows, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
	if st, err := os.Stat(p); err == nil {
		b.ReportMetric(float64(st.Size())/float64(rows), "bytes/row")
	}
}

// BenchmarkGenerateCSVDiscard measures generation and formatting alone (no file).
func BenchmarkGenerateCSVDiscard(b *testing.B) {
	const rows = 1_000_000
	start := time.Now()
	for i := 0; i < b.N; i++ {
		g, err := newGenerator(mustNormalizeB(b, Options{Cases: rows, Seed: uint64(i)}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := g.writeCSV(context.Background(), io.Discard, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

func mustNormalizeB(b *testing.B, o Options) Options {
	o, err := o.normalize()
	if err != nil {
		b.Fatal(err)
	}
	return o
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n++; f.n > 2 {
		return 0, os.ErrClosed
	}
	return len(p), nil
}

func TestWriteErrorStopsGeneration(t *testing.T) {
	g, err := newGenerator(mustNormalize(t, Options{Cases: 2_000_000, Seed: 1}))
	if err != nil {
		t.Fatal(err)
	}
	n, err := g.writeCSV(context.Background(), &failWriter{}, 2_000_000)
	if err != os.ErrClosed || n >= 2_000_000 {
		t.Errorf("wrote %d rows, err %v", n, err)
	}
}
