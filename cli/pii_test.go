package cli

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The applicant of TestPersonalDataStaysAtTheDoor and what must never be seen of them.
const (
	piiName    = "林秀英"
	piiID      = "11010519491231002X"
	piiPhone   = "13812345678"
	piiAddress = "福清市玉屏街道解放路12号"
	piiOtherID = "350181199001011233" // another person's, in a remark only
	piiKey     = "3f1c0a9e5b7d2468ace0f1357b9d2c4e"
)

var piiSecrets = []string{piiName, piiID, strings.ToLower(piiID), piiPhone, piiAddress, "解放路12号", piiID[:17], piiOtherID[:17], piiKey}

// TestPersonalDataStaysAtTheDoor (issue 12, acceptance 1): a GB18030 export with the applicant's
// name, ID number, phone and address in columns, and an ID number and the name in a 备注, pulled
// by the real binary with -v, then reported with --details and exported with caseload sql:
// no raw value is in any table or view, nor in the pull's output or log, the reports or the
// exports; the auditor's query of the README finds no ID number.
func TestPersonalDataStaysAtTheDoor(t *testing.T) {
	bin := caseloadBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte("item_code,name,instant_since,promised_days,statutory_days,active_from,active_to\n"+
		"QB01,华侨身份证明,2017-03-01,0,20,2017-03-01,\nQB02,“三侨生”身份认定,,5,20,2017-03-01,\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte("office: 测试侨办\nitems: items.csv\nsources:\n  - name: a\n    path: incoming/*.csv\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "incoming"), 0o755)
	remark := "家属证件" + piiOtherID + "，申请人" + piiName + "补交材料，身份证" + piiID + "已核验"
	csv := "办件编号,事项编码,受理时间,办结时间,办理状态,申请人姓名,身份证号,联系电话,住址,备注\r\n" +
		"A1,QB01,2022-10-08 09:00,2022-10-08 10:00,办结," + piiName + "," + piiID + "," + piiPhone + "," + piiAddress + ",\"" + remark + "\"\r\n" +
		"A2,QB02,2022-10-09 09:00,,受理," + piiName + "," + strings.ToLower(piiID) + "," + piiPhone + "," + piiAddress + ",电话" + piiPhone + "\r\n" +
		"A3,QB09,2022-10-10 09:00,,受理," + piiName + "," + piiID + "," + piiPhone + "," + piiAddress + "," + remark + "\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "incoming", "202210.csv"), gb, 0o644)

	env := append(os.Environ(), "CASELOAD_PII_KEY="+piiKey)
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("caseload %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	var seen bytes.Buffer // everything caseload printed or wrote
	out := cli("pull", "-v")
	seen.WriteString(out)
	if !strings.Contains(out, "4 personal-data columns hashed: 申请人姓名, 身份证号, 联系电话, 住址; masked in 备注 (3 rows)") ||
		!strings.Contains(out, "unknown_item_code 1") || !strings.Contains(out, "level=DEBUG") {
		t.Errorf("pull -v:\n%s", out)
	}
	seen.WriteString(cli("-v", "report", "--period", "2022-10", "--details", "--format", "xlsx,html,json", "--out", "out"))
	for _, f := range []string{"report-2022-10.html", "report-2022-10.json"} {
		b, err := os.ReadFile(filepath.Join(dir, "out", f))
		if err != nil {
			t.Fatal(err)
		}
		seen.Write(b)
	}
	seen.WriteString(unzipAll(t, filepath.Join(dir, "out", "report-2022-10.xlsx")))
	for _, q := range []string{"SELECT * FROM cases", "SELECT * FROM cases_named", "SELECT * FROM rejects", "SELECT * FROM ingest_files", "SELECT * FROM superseded"} {
		for _, format := range []string{"table", "csv", "tsv", "json", "ndjson"} {
			seen.WriteString(cli("sql", q, "--format", format))
		}
		o := filepath.Join(dir, "export.csv")
		cli("sql", q, "--format", "csv", "-o", o)
		b, _ := os.ReadFile(o)
		seen.Write(b)
	}
	// Every table and view, as JSON.
	names := strings.Fields(cli("sql", `SELECT table_name FROM duckdb_tables() WHERE NOT temporary AND NOT internal
		UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT temporary AND NOT internal ORDER BY 1`, "--format", "csv"))
	if len(names) < 15 {
		t.Fatalf("tables and views: %v", names)
	}
	var dump strings.Builder
	for _, n := range names[1:] { // after the header
		q := "SELECT to_json(t) AS row FROM " + n + " t"
		if n == "kpi_monthly" {
			q += " WHERE month >= '2022-01'"
		}
		dump.WriteString(cli("sql", q, "--format", "ndjson"))
	}
	if !strings.Contains(dump.String(), `申请人[申请人姓名]补交材料，身份证[身份证号]已核验`) || !strings.Contains(dump.String(), `"联系电话":"`) {
		t.Errorf("the dump does not show the treated values:\n%.2000s", dump.String())
	}
	for where, text := range map[string]string{"a table or view": dump.String(), "caseload's output, logs, reports or exports": seen.String()} {
		for _, s := range piiSecrets {
			if i := strings.Index(text, s); i >= 0 {
				t.Errorf("%s holds %q: …%s…", where, s, text[max(0, i-200):min(len(text), i+100)])
			}
		}
	}
	// The auditor's query, as the README gives it.
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```sql\n(-- audit: resident ID numbers.*?;)\n```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README: no audit query")
	}
	audit := filepath.Join(dir, "audit.sql")
	os.WriteFile(audit, m[1], 0o644)
	if got := cli("sql", "-f", audit, "--format", "csv"); strings.TrimSpace(strings.TrimPrefix(got, "\ufeff")) != "tbl,id_numbers" {
		t.Errorf("the audit query finds ID numbers:\n%s", got)
	}
	// …and it does find them where they are.
	probe := strings.Replace(string(m[1]), "SELECT 'cases' AS tbl, c::VARCHAR AS s FROM cases c",
		"SELECT 'probe' AS tbl, '证件"+piiOtherID+"' AS s", 1)
	os.WriteFile(audit, []byte(probe), 0o644)
	if got := cli("sql", "-f", audit, "--format", "csv"); !strings.Contains(got, "probe,1") {
		t.Errorf("the audit query does not find an ID number:\n%s", got)
	}
	os.Remove(audit)

	// Without a key: dropped, and the summary says so.
	os.WriteFile(filepath.Join(dir, "incoming", "202211.csv"), []byte("办件编号,事项编码,受理时间,办理状态,联系电话\nB1,QB01,2022-11-01 09:00,受理,13912345678\n"), 0o644)
	env = os.Environ()
	out = cli("pull")
	if !strings.Contains(out, "1 personal-data column dropped: 联系电话 (no key: set CASELOAD_PII_KEY to hash them instead)") {
		t.Errorf("pull without a key:\n%s", out)
	}
}

// unzipAll returns the text of every part of a zip file (a workbook).
func unzipAll(t *testing.T, path string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var b strings.Builder
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&b, r)
		r.Close()
	}
	return b.String()
}
