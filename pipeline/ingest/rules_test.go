package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/caseload/caseload/pipeline/warehouse"
	sqlfiles "github.com/caseload/caseload/sql"
)

// tsConn is a connection with the parsing macros, on a fresh warehouse in Asia/Shanghai.
func tsConn(t testing.TB) *sql.Conn {
	t.Helper()
	return tzConn(t, "Asia/Shanghai")
}

// tzConn is a connection with the parsing macros, on a fresh warehouse in timezone tz.
func tzConn(t testing.TB, tz string) *sql.Conn {
	t.Helper()
	w, err := warehouse.Open(context.Background(), warehouse.Options{Path: t.TempDir() + "/w.duckdb", Timezone: tz})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	conn, err := w.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(context.Background(), sqlfiles.MustRead("ingest/functions.sql")); err != nil {
		t.Fatal(err)
	}
	return conn
}

// parseTS runs the SQL timestamp rule and returns the instant (UTC, RFC 3339) or "NULL".
func parseTS(t testing.TB, conn *sql.Conn, s string) string {
	t.Helper()
	var out sql.NullString
	if err := conn.QueryRowContext(context.Background(),
		`SELECT strftime(cl_ts(cl_text(?)) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ')`, s).Scan(&out); err != nil {
		t.Fatalf("cl_ts(%q): %v", s, err)
	}
	if !out.Valid {
		return "NULL"
	}
	return out.String
}

// TestLocalDate: the arithmetic shortcuts of cl_local_date and cl_instant give exactly what
// ICU gives (t::DATE, w::TIMESTAMPTZ) for instants and wall-clock times every 97 minutes from
// 1980 to 2030 — across China's daylight saving years (1986–1991), a zone with DST now, a
// half-hour offset and UTC — and for the same values with the variables unset.
func TestLocalDate(t *testing.T) {
	ctx := context.Background()
	const q = `SELECT count(*) FILTER (WHERE cl_local_date(t) IS DISTINCT FROM t::DATE)
			+ count(*) FILTER (WHERE cl_instant(w) IS DISTINCT FROM w::TIMESTAMPTZ), count(*)
		FROM (SELECT t, (t AT TIME ZONE 'UTC') + INTERVAL 13 MINUTE AS w
		      FROM (SELECT unnest(generate_series(TIMESTAMPTZ '1980-01-01 00:00:00+00', TIMESTAMPTZ '2030-01-01 00:00:00+00', INTERVAL 97 MINUTE)) AS t))`
	for _, tz := range []string{"Asia/Shanghai", "America/New_York", "Asia/Kolkata", "UTC", "Pacific/Chatham"} {
		conn := tzConn(t, tz)
		for _, set := range []bool{false, true} {
			if set {
				if err := setFixedOffset(ctx, conn, tz, time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)); err != nil {
					t.Fatal(err)
				}
			}
			if set && tz == "Asia/Shanghai" {
				// China has kept UTC+8 since 1991: the shortcut must cover the data's years.
				var from string
				if err := conn.QueryRowContext(ctx, "SELECT strftime(getvariable('tz_fixed_from') AT TIME ZONE 'UTC', '%Y-%m-%d') || '/' || strftime(getvariable('tz_fixed_to') AT TIME ZONE 'UTC', '%Y')").Scan(&from); err != nil || from != "1991-09-14/2200" {
					t.Errorf("Asia/Shanghai fixed span = %s, %v; want 1991-09-14/2200", from, err)
				}
			}
			var bad, n int
			if err := conn.QueryRowContext(ctx, q).Scan(&bad, &n); err != nil {
				t.Fatal(err)
			}
			if bad != 0 || n < 270_000 {
				t.Errorf("%s (variables set: %v): %d of %d local dates or instants differ from ICU's", tz, set, bad, n)
			}
		}
	}
}

func TestTimestampForms(t *testing.T) {
	conn := tsConn(t)
	cases := []struct{ in, want string }{
		// instants with an offset or Z
		{"2022-10-31T23:59:59+08:00", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31T15:59:59Z", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31 15:59:59z", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31T10:59:59-05:00", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31T23:59:59+0800", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31 23:59:59+08", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31T23:59:59.250+08:00", "2022-10-31T15:59:59.250Z"},
		{"2022-10-31T8:05:00+08:00", "2022-10-31T00:05:00.000Z"},
		// wall-clock times in the office timezone (UTC+8)
		{"2022-10-31 23:59:59", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31 23:59", "2022-10-31T15:59:00.000Z"},
		{"2022-10-31T23:59:59", "2022-10-31T15:59:59.000Z"},
		{"2022-10-31 23:59:59.5", "2022-10-31T15:59:59.500Z"},
		{"2022/10/31 23:59:59", "2022-10-31T15:59:59.000Z"},
		{"2022/1/2 8:05", "2022-01-02T00:05:00.000Z"},
		{"2022/01/02 08:05", "2022-01-02T00:05:00.000Z"},
		{"2022年10月31日 23:59", "2022-10-31T15:59:00.000Z"},
		{"2022年10月31日 23:59:59", "2022-10-31T15:59:59.000Z"},
		{"2022年1月2日 8:05", "2022-01-02T00:05:00.000Z"},
		{"2022年10月31日23时59分", "2022-10-31T15:59:00.000Z"},
		{"  2022-10-31 08:00:00  ", "2022-10-31T00:00:00.000Z"},
		{"\u30002022-10-31 08:00:00\t", "2022-10-31T00:00:00.000Z"}, // full-width space, tab
		{"\u00a02022-10-31 08:00:00\u00a0\u3000", "2022-10-31T00:00:00.000Z"},
		{"2022-10-31 08:00:00 \u3000", "2022-10-31T00:00:00.000Z"},
		{"\u3000\t ", "NULL"},
		// bare dates: 00:00 local
		{"2022-10-31", "2022-10-30T16:00:00.000Z"},
		{"2022/1/2", "2022-01-01T16:00:00.000Z"},
		{"2022年10月31日", "2022-10-30T16:00:00.000Z"},
		{"20221031", "2022-10-30T16:00:00.000Z"},
		{"2024-02-29", "2024-02-28T16:00:00.000Z"},
		// not timestamps
		{"", "NULL"},
		{"   ", "NULL"},
		{"2022-02-30", "NULL"},
		{"2023-02-29 10:00", "NULL"},
		{"2022-13-01", "NULL"},
		{"2022-10-31 24:01", "NULL"},
		{"31/10/2022", "NULL"},
		{"yesterday", "NULL"},
		{"2022-10-31T23:59:59+25:00", "NULL"},
		{"44865.5", "NULL"},
	}
	for _, c := range cases {
		if got := parseTS(t, conn, c.in); got != c.want {
			t.Errorf("cl_ts(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// FuzzTimestamp: the SQL rule never errors; whatever it accepts is a real instant that
// survives a round trip through RFC 3339.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2022-10-31T23:59:59+08:00", "2022/1/2 8:05", "2022年10月31日 23:59", "2022-10-31", "20221031", "2022-10-31 23:59:59.123456", "x"} {
		f.Add(s)
	}
	conn := tsConn(f)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return // staging only ever holds valid UTF-8 text (files are validated or decoded)
		}
		got := parseTS(t, conn, s)
		if got == "NULL" {
			return
		}
		ts, err := time.Parse("2006-01-02T15:04:05.000Z", got)
		if err != nil {
			t.Fatalf("cl_ts(%q) gave %q: %v", s, got, err)
		}
		if again := parseTS(t, conn, ts.Format(time.RFC3339Nano)); again != got {
			t.Fatalf("round trip of %q: %s -> %s", s, got, again)
		}
	})
}

func TestReasonCodes(t *testing.T) {
	p := newProject(t, "")
	rows := []struct{ row, reason string }{
		{",QB01,2022-10-01 09:00,,received,,,,,,", "missing_case_id"},
		{"R2,,2022-10-01 09:00,,received,,,,,,", "missing_item_code"},
		{"R3,QB99,2022-10-01 09:00,,received,,,,,,", "unknown_item_code"},
		{"R4,QB01,,,received,,,,,,", "missing_received_at"},
		{"R5,QB01,2022-02-30 09:00,,received,,,,,,", "bad_received_at"},
		{"R5b,QB01,22/10/31 09:00,,received,,,,,,", "bad_received_at"},
		{"R6,QB01,2022-10-01 09:00,,,,,,,,", "missing_status"},
		{"R7,QB01,2022-10-01 09:00,,done-ish,,,,,,", "bad_status"},
		{"R8,QB01,2022-10-01 09:00,soon,completed,,,,,,", "bad_completed_at"},
		{"R9,QB01,2022-10-01 09:00,,completed,,,,,,", "final_status_without_completed_at"},
		{"R10,QB01,2022-10-01 09:00,,不予受理,,,,,,", "final_status_without_completed_at"},
		{"R11,QB01,2022-10-01 09:00,2022-10-01 08:59,completed,,,,,,", "completed_before_received"},
		{"R12,QB01,2022-10-01 09:00,,received,by pigeon,,,,,", "bad_channel"},
		{"R13,QB01,2022-10-01 09:00,,received,,alien,,,,", "bad_applicant_type"},
		{"R14,QB01,2022-10-01 09:00,,received,,,-1,,,", "bad_trips"},
		{"R15,QB01,2022-10-01 09:00,,received,,,2.5,,,", "bad_trips"},
		{"R16,QB01,2022-10-01 09:00,,received,,,,maybe,,", "bad_backlog"},
		{"R17,QB01,2022-10-01 09:00,,received,,,,是,,", "bad_backlog_since"},
		{"R18,QB01,2022-10-01 09:00,,received,,,,否,last year,", "bad_backlog_since"},
		{"R19,QB01,2022-10-01 09:00,,received,,,,,,later", "bad_updated_at"},
		{"R20,QB01,2022-11-21 20:00:01,,received,,,,,,", "received_in_future"},
		{"R21,QB01,2022-11-21 20:00,,received,,,,,,", ""}, // pull time + 1 day exactly: accepted
		{"R22,QB01,2022-10-01 09:00,2022-10-01 09:00,completed,窗口,华侨,3,Y,2010-01-01,", ""},
		{"R23,QB01,2022-10-01 09:00,,received,,,0,0,,", ""},
	}
	var b strings.Builder
	b.WriteString("case_id,item_code,received_at,completed_at,status,channel,applicant_type,trips,backlog,backlog_since,updated_at\n")
	for _, r := range rows {
		b.WriteString(r.row + "\n")
	}
	// pull time is 2022-11-20 12:00 UTC = 20:00 in Shanghai; +1 day = 2022-11-21 20:00 local.
	p.now = time.Date(2022, 11, 20, 12, 0, 0, 0, time.UTC)
	path := p.file("reasons.csv", b.String())
	res := p.pull(Options{}, path)
	f := res.Files[0]
	if f.RowsRead != int64(len(rows)) || f.Accepted+f.Rejected != f.RowsRead {
		t.Fatalf("ledger: %+v", f)
	}
	got := map[string]string{}
	for _, r := range p.rows(`SELECT source_line, reason FROM rejects`) {
		got[r[0]] = r[1]
	}
	for i, r := range rows {
		line := fmt.Sprint(i + 2)
		if got[line] != r.reason {
			t.Errorf("line %s (%s): reason %q, want %q", line, r.row, got[line], r.reason)
		}
	}
	if raw := p.one(`SELECT raw->>'channel' FROM rejects WHERE reason = 'bad_channel'`); raw != "by pigeon" {
		t.Errorf("raw row of bad_channel: %q", raw)
	}
	if v := p.one(`SELECT concat_ws('|', channel, applicant_type, trips, backlog, backlog_since) FROM cases WHERE case_id = 'R22'`); v != "window|overseas_chinese|3|true|2010-01-01" {
		t.Errorf("R22 normalised: %s", v)
	}
}

func TestEnumLabels(t *testing.T) {
	p := newProject(t, "")
	labels := map[string][]string{
		"status": {"received:受理", "received:已受理", "received:收件", "in_progress:办理中", "in_progress:在办", "in_progress:审核中",
			"completed:办结", "completed:已办结", "completed:办毕", "completed:准予", "rejected:不予受理", "rejected:不予许可", "rejected:退件",
			"withdrawn:撤回", "withdrawn:撤件", "completed:Completed", "in_progress:IN_PROGRESS"},
		"channel": {"window:窗口", "bundle:打包办", "bundle:联办", "bundle:一窗通办", "outreach:进园区", "outreach:进社区", "outreach:上门", "outreach:下乡",
			"remote:拍照回传", "remote:远程核验", "online:网办", "online:网上办理", "mail:邮寄", "mail:MAIL"},
		"applicant_type": {"overseas_chinese:华侨", "returned:归侨", "relative:侨眷", "other:其他", "other:Other"},
		"backlog":        {"true:是", "true:1", "true:Y", "true:TRUE", "false:否", "false:0", "false:n", "false:False"},
	}
	var b strings.Builder
	b.WriteString("办件编号,事项编码,受理时间,办结时间,办理状态,办理渠道,身份类别,是否积案,积案起始日期\n")
	type exp struct{ id, field, want string }
	var exps []exp
	n := 0
	for field, ls := range labels {
		for _, l := range ls {
			want, label, _ := strings.Cut(l, ":")
			n++
			id := fmt.Sprintf("E%d", n)
			st, ch, ap, bl := "received", "", "", ""
			completed := ""
			switch field {
			case "status":
				st = label
				completed = "2022-10-02 10:00"
			case "channel":
				ch = label
			case "applicant_type":
				ap = label
			case "backlog":
				bl = label
			}
			fmt.Fprintf(&b, "%s,QB01,2022-10-01 09:00,%s,%s,%s,%s,%s,2010-01-01\n", id, completed, st, ch, ap, bl)
			exps = append(exps, exp{id, field, want})
		}
	}
	res := p.pull(Options{}, p.file("labels.csv", b.String()))
	if res.Files[0].Rejected != 0 {
		t.Fatalf("rejects: %v", p.rows(`SELECT source_line, reason FROM rejects`))
	}
	for _, e := range exps {
		if got := p.one(fmt.Sprintf(`SELECT %s::VARCHAR FROM cases WHERE case_id = ?`, e.field), e.id); got != e.want {
			t.Errorf("%s %s = %s, want %s", e.id, e.field, got, e.want)
		}
	}
}

func TestSupersedeOrder(t *testing.T) {
	p := newProject(t, "")
	// Within a file: the last line wins among equal updated_at; a present updated_at beats a
	// missing one whatever the line; a newer updated_at beats a later line.
	a := p.file("a.csv", "case_id,item_code,received_at,status,channel,updated_at\n"+
		"S1,QB01,2022-10-01,received,window,\n"+
		"S1,QB01,2022-10-01,received,mail,\n"+ // wins among no-updated_at rows of S1 in a.csv…
		"S2,QB01,2022-10-01,received,window,2022-10-05 10:00\n"+
		"S2,QB01,2022-10-01,received,mail,\n"+ // missing updated_at is older: loses
		"S3,QB01,2022-10-01,received,window,2022-10-06 10:00\n"+
		"S3,QB01,2022-10-01,received,mail,2022-10-05 10:00\n"+ // older: loses
		"S4,QB01,2022-10-01,received,window,2022-10-05 10:00\n")
	b := p.file("b.csv", "case_id,item_code,received_at,status,channel,updated_at\n"+
		"S1,QB01,2022-10-01,received,online,\n"+ // later pull, same (missing) updated_at: wins
		"S2,QB01,2022-10-01,received,online,\n"+ // missing updated_at: loses to a.csv's dated row
		"S4,QB01,2022-10-01,received,online,2022-10-05 10:00\n") // same updated_at, later pull: wins
	res := p.pull(Options{}, a, b)
	if f := res.Files[0]; f.RowsRead != 7 || f.Accepted != 4 || f.Superseded != 3 {
		t.Errorf("a.csv: %+v", f)
	}
	if f := res.Files[1]; f.RowsRead != 3 || f.Accepted != 2 || f.Superseded != 1 || f.Replaced != 2 {
		t.Errorf("b.csv: %+v", f)
	}
	got := p.rows(`SELECT case_id, channel, source_file, source_line FROM cases ORDER BY case_id`)
	want := []string{"S1,online,b.csv,2", "S2,window,a.csv,4", "S3,window,a.csv,6", "S4,online,b.csv,4"}
	if strings.Join(flat(got), " ") != strings.Join(want, " ") {
		t.Errorf("cases %v, want %v", flat(got), want)
	}
	if n := p.one(`SELECT count(*) FROM superseded`); n != "6" {
		t.Errorf("superseded rows: %s", n)
	}
	// Every row is in exactly one place.
	if n := p.one(`SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM superseded) + (SELECT count(*) FROM rejects)`); n != "10" {
		t.Errorf("rows accounted: %s, want 10", n)
	}
	// A later pull with an older version changes nothing in cases; it is superseded.
	c := p.file("c.csv", "case_id,item_code,received_at,status,channel,updated_at\nS3,QB01,2022-10-01,received,mail,2022-10-01 00:00\n")
	res = p.pull(Options{}, c)
	if f := res.Files[0]; f.Accepted != 0 || f.Superseded != 1 {
		t.Errorf("c.csv: %+v", f)
	}
	if v := p.one(`SELECT channel FROM cases WHERE case_id = 'S3'`); v != "window" {
		t.Errorf("S3 after older version: %s", v)
	}
	if n := p.one(`SELECT count(*) - count(DISTINCT case_id) FROM cases`); n != "0" {
		t.Errorf("duplicate case ids: %s", n)
	}
}

// TestFractionalSeconds: fractions of any length are kept to the microsecond, truncated
// (SQL Server datetime2 writes seven digits, nanosecond sources nine), with or without an
// offset, in every form that takes seconds.
func TestFractionalSeconds(t *testing.T) {
	conn := tsConn(t)
	cases := []struct{ in, want string }{
		{"2022-10-31 23:59:59.1234567", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31 23:59:59.123456789", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31T23:59:59.123456789", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31 23:59:59.9999999", "2022-10-31T15:59:59.999999Z"}, // truncated: stays on its day
		{"2022-10-31 23:59:59.123456789012", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31 23:59:59.5", "2022-10-31T15:59:59.500000Z"},
		{"2022-10-31 23:59:59.000001", "2022-10-31T15:59:59.000001Z"},
		{"2022/10/31 23:59:59.1234567", "2022-10-31T15:59:59.123456Z"},
		{"2022年10月31日 23:59:59.1234567", "2022-10-31T15:59:59.123456Z"},
		{"2022年10月31日23时59分59.25秒", "2022-10-31T15:59:59.250000Z"},
		{"2022-10-31T23:59:59.1234567+08:00", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31T15:59:59.123456789Z", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31 23:59:59.123456789123+08", "2022-10-31T15:59:59.123456Z"},
		{"2022-10-31 23:59:59.", "NULL"},
		{"2022-10-31 23:59:59.12a", "NULL"},
	}
	for _, c := range cases {
		var out sql.NullString
		if err := conn.QueryRowContext(context.Background(),
			`SELECT strftime(cl_ts(cl_text(?)) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')`, c.in).Scan(&out); err != nil {
			t.Fatalf("cl_ts(%q): %v", c.in, err)
		}
		got := "NULL"
		if out.Valid {
			got = out.String
		}
		if got != c.want {
			t.Errorf("cl_ts(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

// TestIncreasingCaseIDs: the merge skips looking for a case id twice in a file whose case ids
// strictly increase (sql/ingest/merge.sql); a file that repeats one, however close to
// increasing, still has its older versions superseded, and ids already in cases still compete.
func TestIncreasingCaseIDs(t *testing.T) {
	const head = "case_id,item_code,received_at,status,channel\n"
	row := func(id, channel string) string { return id + ",QB01,2022-10-01,received," + channel + "\n" }
	for _, c := range []struct {
		name       string
		rows       string
		accepted   int64
		superseded int64
		rejected   int64
		want       string // channel of I2 in cases
	}{
		{"increasing", row("I1", "window") + row("I2", "mail") + row("I3", "window"), 3, 0, 0, "mail"},
		{"decreasing", row("I3", "window") + row("I2", "mail") + row("I1", "window"), 3, 0, 0, "mail"},
		{"adjacent repeat", row("I1", "window") + row("I2", "window") + row("I2", "mail") + row("I3", "window"), 3, 1, 0, "mail"},
		{"repeat at the end", row("I1", "window") + row("I2", "window") + row("I3", "window") + row("I2", "online"), 3, 1, 0, "online"},
		{"equal once trimmed", row("I1", "window") + row("I2", "window") + row("\"I2 \"", "remote") + row("I3", "window"), 3, 1, 0, "remote"},
		{"a rejected row between", row("I1", "window") + "I1,,2022-10-01,received,window\n" + row("I2", "mail"), 2, 0, 1, "mail"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t, "")
			res := p.pull(Options{}, p.file("a.csv", head+c.rows))
			if f := res.Files[0]; f.Accepted != c.accepted || f.Superseded != c.superseded || f.Rejected != c.rejected {
				t.Errorf("accepted %d superseded %d rejected %d, want %d %d %d", f.Accepted, f.Superseded, f.Rejected, c.accepted, c.superseded, c.rejected)
			}
			if got := p.one(`SELECT channel FROM cases WHERE case_id = 'I2'`); got != c.want {
				t.Errorf("I2's channel %s, want %s", got, c.want)
			}
			if n := p.one(`SELECT count(*) - count(DISTINCT case_id) FROM cases`); n != "0" {
				t.Errorf("duplicate case ids in cases: %s", n)
			}
		})
	}
	// A second file with increasing ids, one of them already in cases: it still competes.
	p := newProject(t, "")
	p.pull(Options{}, p.file("a.csv", head+row("J1", "window")+row("J2", "window")))
	res := p.pull(Options{}, p.file("b.csv", head+row("J2", "mail")+row("J3", "window")))
	if f := res.Files[0]; f.Accepted != 2 || f.Replaced != 1 {
		t.Errorf("b.csv: %+v", f)
	}
	if got := p.one(`SELECT channel FROM cases WHERE case_id = 'J2'`); got != "mail" {
		t.Errorf("J2's channel %s, want mail (the later pull)", got)
	}
}
