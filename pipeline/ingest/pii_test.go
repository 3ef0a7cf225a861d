package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/pii"
	"github.com/caseload/caseload/pipeline/source"
)

const testKey = "0123456789abcdef-test-office-key"

func withKey(key string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if name == config.DefaultPIIKeyEnv && key != "" {
			return key, true
		}
		return "", false
	}
}

// The applicant of the tests, and values that must never reach the warehouse in the clear.
const (
	piiName    = "林秀英"
	piiID      = "11010519491231002X"
	piiPhone   = "13812345678"
	piiAddress = "福清市玉屏街道解放路12号"
	piiRemark  = "申请人林秀英补交材料，身份证11010519491231002X已核验"
	piiOtherID = "350181199001011233" // in a remark only; its check digit must be right
)

var piiSecrets = []string{piiName, piiID, strings.ToLower(piiID), piiPhone, piiAddress, "解放路12号", "11010519491231002", piiOtherID[:17]}

// piiFile is a clerk's export with personal data: line 2 accepted, line 3 rejected (item code
// QB09 is not in the catalogue), and a remark holding another ID number on line 2.
func piiFile(p *project, name string) string {
	if piiOtherID[17] != checkDigitForTest(piiOtherID[:17]) {
		panic("piiOtherID: wrong check digit")
	}
	return p.gb18030(name, "办件编号,事项编码,受理时间,办理状态,申请人姓名,身份证号,联系电话,住址,备注\r\n"+
		"A1,QB01,2022-10-01 09:00,受理,"+piiName+","+piiID+","+piiPhone+","+piiAddress+",\"家属证件"+piiOtherID+"，"+piiRemark+"\"\r\n"+
		"A2,QB09,2022-10-02 09:00,"+piiName+","+piiName+","+strings.ToLower(piiID)+",\" "+piiPhone+"\","+piiAddress+","+piiRemark+"\r\n")
}

func checkDigitForTest(first17 string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

// dumpWarehouse returns every row of every table and view of the warehouse (not temporary
// objects), as JSON and as DuckDB's text of the row, one line each.
func dumpWarehouse(t testing.TB, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND NOT internal
		UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if len(names) < 10 {
		t.Fatalf("only %d tables and views: %v", len(names), names)
	}
	var b strings.Builder
	for _, n := range names {
		q := fmt.Sprintf(`SELECT to_json(t)::VARCHAR || ' ' || t::VARCHAR FROM %s t`, sqlIdent(n))
		if n == "kpi_monthly" {
			q += " WHERE month >= '2022-01'"
		}
		rs, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(n + ": " + s + "\n")
		}
		rs.Close()
	}
	return b.String()
}

// noSecrets fails when text holds any of the values that must not be kept in the clear.
// (DuckDB's JSON keeps non-ASCII characters as they are, so a plain search finds them.)
func noSecrets(t testing.TB, where, text string) {
	t.Helper()
	for _, s := range piiSecrets {
		if i := strings.Index(text, s); i >= 0 {
			lo, hi := max(0, i-300), min(len(text), i+len(s)+100)
			t.Errorf("%s holds %q in the clear: …%s…", where, s, text[lo:hi])
		}
	}
}

func TestPIIHashed(t *testing.T) {
	p := newProject(t, "")
	res := p.pull(Options{LookupEnv: withKey(testKey)}, piiFile(p, "a.csv"))
	f := res.Files[0]
	if f.Status != "pulled" || f.Accepted != 1 || f.Rejected != 1 || f.Encoding != "gb18030" {
		t.Fatalf("pull: %+v", f)
	}
	if res.PII == nil || res.PII.Policy != "hash" || res.PII.Reason != "key set" || len(res.PII.KeyID) != 8 {
		t.Fatalf("policy: %+v", res.PII)
	}
	if got := strings.Join(f.PII.Count("hashed"), ","); got != "申请人姓名,身份证号,联系电话,住址" {
		t.Errorf("hashed: %s", got)
	}
	if m := f.PII.Columns[len(f.PII.Columns)-1]; m != (PIIColumn{Column: "备注", How: "masked", By: "value", Rows: 2}) {
		t.Errorf("masked: %+v", f.PII.Columns)
	}
	policy, _ := pii.Resolve(config.PII{}, withKey(testKey))
	extra := p.one(`SELECT extra::VARCHAR FROM cases WHERE case_id = 'A1'`)
	var e map[string]string
	if err := json.Unmarshal([]byte(extra), &e); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"申请人姓名": policy.Sum(piiName), "身份证号": policy.Sum(piiID), "联系电话": policy.Sum(piiPhone), "住址": policy.Sum(piiAddress),
		// the other ID number by its pattern; the applicant's name and ID number as the row's values, under their columns' names
		"备注": "家属证件[身份证号]，申请人[申请人姓名]补交材料，身份证[身份证号]已核验",
	}
	if fmt.Sprint(e) != fmt.Sprint(want) {
		t.Errorf("extra\n got %v\nwant %v", e, want)
	}
	// The rejected row: the same, and its §4.1 fields masked (the name in 办理状态), case_id kept.
	raw := p.one(`SELECT raw::VARCHAR FROM rejects`)
	for _, w := range []string{`"办件编号":"A2"`, `"办理状态":"[申请人姓名]"`, `"身份证号":"` + policy.Sum(piiID) + `"`, `"联系电话":"` + policy.Sum(piiPhone) + `"`,
		`"备注":"申请人[申请人姓名]补交材料，身份证[身份证号]已核验"`} {
		if !strings.Contains(raw, w) {
			t.Errorf("rejects.raw %s lacks %s", raw, w)
		}
	}
	ledger := p.one(`SELECT pii::VARCHAR FROM ingest_files`)
	for _, w := range []string{`"policy":"hash"`, `"key_id":"` + res.PII.KeyID + `"`, `{"column":"申请人姓名","how":"hashed","by":"header"}`, `{"column":"备注","how":"masked","by":"value","rows":2}`} {
		if !strings.Contains(ledger, w) {
			t.Errorf("ingest_files.pii %s lacks %s", ledger, w)
		}
	}
	if strings.Contains(ledger, testKey) {
		t.Errorf("the key is in the ledger")
	}
	dump := dumpWarehouse(t, p.w.DB)
	noSecrets(t, "the warehouse", dump)
	if strings.Contains(dump, testKey) {
		t.Errorf("the key is in the warehouse")
	}
	if n := p.one(`SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE 'cl_pii%'`); n != "0" {
		t.Errorf("%s personal-data functions persisted in the warehouse", n)
	}

	// The same applicant in another file, another export's spelling: the same hashes.
	p.pull(Options{LookupEnv: withKey(testKey)}, p.file("b.csv", "办件编号,事项编码,受理时间,办理状态,姓名,证件号码\n"+
		"B1,QB01,2022-10-03 09:00,受理, "+piiName+" ,"+strings.ToLower(piiID)+"\n"))
	if got := p.rows(`SELECT count(DISTINCT h) FROM (SELECT extra->>'申请人姓名' AS h FROM cases WHERE case_id = 'A1' UNION ALL SELECT extra->>'姓名' FROM cases WHERE case_id = 'B1')`); got[0][0] != "1" {
		t.Errorf("the same name hashes differently across files")
	}
	if a, b := p.one(`SELECT extra->>'身份证号' FROM cases WHERE case_id = 'A1'`), p.one(`SELECT extra->>'证件号码' FROM cases WHERE case_id = 'B1'`); a != b {
		t.Errorf("the same ID number hashes differently across files: %s %s", a, b)
	}
}

func TestPIIDroppedWithoutKey(t *testing.T) {
	p := newProject(t, "")
	res := p.pull(Options{LookupEnv: withKey("")}, piiFile(p, "a.csv"))
	f := res.Files[0]
	if res.PII.Policy != "drop" || res.PII.Reason != "no key" || res.PII.KeyID != "" {
		t.Fatalf("policy: %+v", res.PII)
	}
	if got := strings.Join(f.PII.Count("dropped"), ","); got != "申请人姓名,身份证号,联系电话,住址" {
		t.Errorf("dropped: %s", got)
	}
	if got := p.one(`SELECT extra::VARCHAR FROM cases`); got != `{"备注":"家属证件[身份证号]，申请人[申请人姓名]补交材料，身份证[身份证号]已核验"}` {
		t.Errorf("extra: %s", got)
	}
	if got := p.one(`SELECT raw::VARCHAR FROM rejects`); got != `{"办件编号":"A2","事项编码":"QB09","受理时间":"2022-10-02 09:00","办理状态":"[申请人姓名]","备注":"申请人[申请人姓名]补交材料，身份证[身份证号]已核验"}` {
		t.Errorf("raw: %s", got)
	}
	noSecrets(t, "the warehouse", dumpWarehouse(t, p.w.DB))
	// A file whose only other columns are personal data: extra is NULL, as for no other columns.
	p.pull(Options{LookupEnv: withKey("")}, p.file("b.csv", "办件编号,事项编码,受理时间,办理状态,联系电话\nB1,QB01,2022-10-03 09:00,受理,13912345678\n"))
	if got := p.one(`SELECT coalesce(extra::VARCHAR, 'NULL') FROM cases WHERE case_id = 'B1'`); got != "NULL" {
		t.Errorf("extra of a row with only personal data besides the fields: %s", got)
	}
}

func TestPIIPolicies(t *testing.T) {
	// keep only for columns named explicitly, with a warning on every pull
	p := newProject(t, "pii:\n  policy: drop\n  columns: {联系电话: keep, 经办窗口: hash, 客户编号: drop}\n")
	file := p.file("a.csv", "办件编号,事项编码,受理时间,办理状态,申请人姓名,联系电话,经办窗口,客户编号,备注\n"+
		"A1,QB01,2022-10-01 09:00,受理,林秀英,13812345678,3号窗,K-0042,电话13812345678\n")
	res := p.pull(Options{LookupEnv: withKey(testKey)}, file)
	f := res.Files[0]
	if res.PII.Policy != "drop" || res.PII.Reason != "pii.policy" {
		t.Errorf("policy: %+v", res.PII)
	}
	want := []PIIColumn{{"申请人姓名", "dropped", "header", 0}, {"联系电话", "kept", "config", 0}, {"经办窗口", "hashed", "config", 0}, {"客户编号", "dropped", "config", 0}, {"备注", "masked", "value", 1}}
	if fmt.Sprint(f.PII.Columns) != fmt.Sprint(want) {
		t.Errorf("columns\n got %v\nwant %v", f.PII.Columns, want)
	}
	policy, _ := pii.Resolve(config.PII{}, withKey(testKey))
	if got := p.one(`SELECT extra::VARCHAR FROM cases`); got != `{"联系电话":"13812345678","经办窗口":"`+policy.Sum("3号窗")+`","备注":"电话[手机号]"}` {
		t.Errorf("extra: %s", got)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "a.csv: personal data kept in the clear in 联系电话 (pii.columns: keep)") {
		t.Errorf("warnings: %q", res.Warnings)
	}

	// hash asked for, no key: the pull stops before reading anything, naming the variable
	p = newProject(t, "pii:\n  policy: hash\n")
	_, err := p.tryPull(Options{LookupEnv: withKey("")}, piiFile(p, "a.csv"))
	var ke *pii.KeyError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "pii.policy is hash, but the environment variable CASELOAD_PII_KEY that holds the key is not set") {
		t.Errorf("hash without a key: %v", err)
	}
	if n := p.one(`SELECT count(*) FROM ingest_files`); n != "0" {
		t.Errorf("%s files pulled", n)
	}
	_, err = p.tryPull(Options{LookupEnv: withKey("too-short")}, piiFile(p, "a.csv"))
	if !errors.As(err, &ke) || strings.Contains(err.Error(), "too-short") {
		t.Errorf("short key: %v", err)
	}
}

func TestPIIWarnings(t *testing.T) {
	p := newProject(t, "")
	file := p.file("a.csv", "办件编号,事项编码,受理时间,办理状态\n"+
		"A1,QB01,2022-10-01 09:00,受理\n"+
		piiID+",QB01,2022-10-01 09:00,受理\n"+
		"350181520101123,QB01,2022-10-01 09:00,受理\n")
	res := p.pull(Options{LookupEnv: withKey(testKey)}, file)
	if f := res.Files[0]; f.PII.CaseIDsLikeIDNumbers != 2 || f.PII.IDLikeLine != 3 {
		t.Errorf("case ids like ID numbers: %+v", f.PII)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "a.csv: 2 case ids look like a resident ID number (first on line 3)") || strings.Contains(res.Warnings[0], piiID) {
		t.Errorf("warnings: %q", res.Warnings)
	}
	if got := p.one(`SELECT count(*) FROM cases WHERE case_id = ?`, piiID); got != "1" {
		t.Errorf("the case id is the office's key and is kept")
	}
	// a pull with another key: warned, as the same person now hashes differently
	res = p.pull(Options{LookupEnv: withKey("another-key-0123456789")}, p.file("b.csv", "办件编号,事项编码,受理时间,办理状态,姓名\nB1,QB01,2022-10-01 09:00,受理,林秀英\n"))
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "the personal-data key in $CASELOAD_PII_KEY is not the one earlier pulls hashed with") {
		t.Errorf("key change: %q", res.Warnings)
	}
}

func TestPIIOtherFormats(t *testing.T) {
	p := newProject(t, "")
	nd := p.file("a.ndjson", `{"case_id":"N1","item_code":"QB01","received_at":"2022-10-01 09:00","status":"受理","applicant_name":"`+piiName+`","id_number":"`+piiID+`","remark":"`+piiRemark+`"}`+"\n"+
		`{"case_id":"N2","item_code":"QB01","received_at":"bad","status":"受理","applicant_name":"`+piiName+`","id_number":"`+piiID+`","remark":"tel `+piiPhone+`"}`+"\n")
	res := p.pull(Options{LookupEnv: withKey("")}, nd)
	if f := res.Files[0]; f.Accepted != 1 || f.Rejected != 1 || strings.Join(f.PII.Count("dropped"), ",") != "applicant_name,id_number" {
		t.Fatalf("pull: %+v %+v", f, f.PII)
	}
	if got := p.one(`SELECT extra::VARCHAR FROM cases`); got != `{"remark":"申请人[applicant_name]补交材料，身份证[id_number]已核验"}` {
		t.Errorf("extra: %s", got)
	}
	noSecrets(t, "the warehouse", dumpWarehouse(t, p.w.DB))
}

// TestPIIDetectorOff is the benchmark's baseline: with the rules off, every column is kept.
func TestPIIDetectorOff(t *testing.T) {
	p := newProject(t, "")
	p.pull(Options{LookupEnv: withKey(testKey), piiOff: true}, piiFile(p, "a.csv"))
	if got := p.one(`SELECT extra->>'申请人姓名' FROM cases`); got != piiName {
		t.Errorf("detector off: %s", got)
	}
	var n int
	if err := p.w.DB.QueryRowContext(context.Background(), `SELECT count(*) FROM rejects WHERE raw->>'身份证号' = ?`, strings.ToLower(piiID)).Scan(&n); err != nil || n != 1 {
		t.Errorf("detector off, raw: %d %v", n, err)
	}
}

// The §4.1 fields' built-in headers are never taken for personal data (migration 006 relies
// on it for the keys of rejects.raw).
func TestFieldAliasesAreNotPersonalData(t *testing.T) {
	for f, as := range builtinAliases {
		for _, h := range append(as, f) {
			if pii.ByHeader(h) {
				t.Errorf("%s (%s) is taken for personal data", h, f)
			}
		}
	}
}

// A failed file's message never carries personal data: the workbook reader no longer quotes
// the stray cell, and any message that quotes a value of the file has what looks like
// personal data masked.
func TestPIIInErrors(t *testing.T) {
	p := newProject(t, "")
	x := excelize.NewFile()
	sh := x.GetSheetName(0)
	x.SetSheetRow(sh, "A1", &[]any{"办件编号", "事项编码", "受理时间", "办理状态"})
	x.SetSheetRow(sh, "A2", &[]any{"A1", "QB01", "2022-10-01 09:00", "受理", "身份证" + piiID})
	path := filepath.Join(p.dir, "a.xlsx")
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	res, err := p.tryPull(Options{LookupEnv: withKey("")}, path)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Files[0]
	if f.Status != "failed" || !strings.Contains(f.Error, "beyond the last header column") || strings.Contains(f.Error, piiID) {
		t.Errorf("error: %s", f.Error)
	}
	var se *source.Error
	if !errors.As(f.Err(), &se) || se.Line != 2 {
		t.Errorf("the error inside: %v", f.Err())
	}
	_, err = p.tryPull(Options{LookupEnv: withKey(""), AllOrNothing: true}, path)
	if err == nil || !strings.Contains(err.Error(), "beyond the last header column") || strings.Contains(err.Error(), piiID) {
		t.Errorf("--all-or-nothing: %v", err)
	}
}
