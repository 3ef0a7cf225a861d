package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/caseload/caseload/pipeline/deliver/delivertest"
)

// The demo project's October report, written as PDF too, sent by email (a real SMTP server
// on loopback, read back by Python's email package and openpyxl), copied to an archive
// folder, a test message to a WeCom stand-in, every attempt recorded in the deliveries
// table; missing files and a mail server that is down are failures that say so.
func TestDeliverCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: pulls the demo dataset")
	}
	dir := t.TempDir()
	if _, errs, code := run(t, dir, "--quiet", "demo", "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errs)
	}
	proj := filepath.Join(dir, "demo")
	formats := "xlsx,html,json"
	pdf := true
	if _, err := exec.LookPath("chromium"); err != nil {
		pdf = false
		t.Log("no chromium (Debian package chromium): the PDF part is skipped")
	} else {
		formats = "xlsx,html,pdf,json"
	}
	out, errs, code := run(t, proj, "report", "--period", "2022-10", "--format", formats)
	if code != 0 {
		t.Fatalf("report: exit %d\n%s%s", code, out, errs)
	}
	if pdf {
		checkDemoPDF(t, filepath.Join(proj, "reports", "report-2022-10.pdf"))
	}

	smtp := delivertest.StartSMTP(t, delivertest.SMTPOptions{})
	var mu sync.Mutex
	var wecom []map[string]any
	robot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/cgi-bin/webhook/upload_media" {
			w.Write([]byte(`{"errcode":0,"errmsg":"ok","media_id":"M1"}`))
			return
		}
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		wecom = append(wecom, m)
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer robot.Close()
	t.Setenv("CASELOAD_TEST_WECOM_URL", robot.URL+"/cgi-bin/webhook/send?key=k3y-0f-the-r0b0t")
	share := filepath.Join(dir, "share")
	os.Mkdir(share, 0o755)
	attach := "[xlsx]"
	if pdf {
		attach = "[xlsx, pdf]"
	}
	yaml := fmt.Sprintf(`
deliveries:
  - name: officials
    kind: email
    smtp: {host: %s, port: %d, tls: none}
    from: 示范县侨办数据统计 <stats@example.gov.cn>
    to: [kezhang@example.gov.cn]
    attach: %s
    retries: 0
  - name: archive
    kind: folder
    path: %s/{period}
    keep: 12
  - name: it
    kind: wecom
    url_env: CASELOAD_TEST_WECOM_URL
alerts: [it]
`, smtp.Host, smtp.Port, attach, share)
	f, _ := os.OpenFile(filepath.Join(proj, "caseload.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(yaml)
	f.Close()

	// without --to: every delivery that is not an alert target
	out, errs, code = run(t, proj, "deliver", "--period", "2022-10")
	if code != 0 {
		t.Fatalf("deliver: exit %d\n%s%s", code, out, errs)
	}
	if !regexp.MustCompile(`officials\s+email\s+sent \(1 attempt, `).MatchString(out) || !regexp.MustCompile(`archive\s+folder\s+sent`).MatchString(out) || strings.Contains(out, "it ") {
		t.Errorf("output:\n%s", out)
	}
	mails := smtp.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	p := delivertest.ParseMIME(t, mails[0].Data)
	if p.Subject != "示范县侨办2022年10月统计报表" {
		t.Errorf("subject %q", p.Subject)
	}
	a, ok := p.Attachment("示范县侨办2022年10月统计报表.xlsx")
	if !ok || a.SheetError != "" || len(a.Sheets) == 0 || a.Sheets[0] != "汇总" || a.Filename2047 != a.Filename || a.Filename2231 != a.Filename {
		t.Errorf("workbook attachment: %+v", a)
	}
	if _, ok := p.Attachment("示范县侨办2022年10月统计报表.pdf"); pdf && !ok {
		t.Errorf("no PDF attachment: %+v", p.Parts)
	}
	body := p.Body("text/plain")
	for _, want := range []string{"截至2022年10月底，示范县侨办2017年以来累计审批涉侨业务14,856宗。", "即办率为87.5%", filepath.Join(proj, "reports", "report-2022-10.html")} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if _, err := os.Stat(filepath.Join(share, "2022-10", "report-2022-10.xlsx")); err != nil {
		t.Errorf("archive: %v", err)
	}

	// files missing: an error naming them
	_, errs, code = run(t, proj, "deliver", "--period", "2022-09", "--to", "officials")
	if code != ExitFailure || !strings.Contains(errs, "no report files of 2022-09 in "+filepath.Join(proj, "reports")) {
		t.Errorf("missing files: exit %d %s", code, errs)
	}
	os.Remove(filepath.Join(proj, "reports", "report-2022-10.xlsx"))
	_, errs, code = run(t, proj, "deliver", "--period", "2022-10", "--to", "officials")
	if code != ExitFailure || !strings.Contains(errs, "report files missing: "+filepath.Join(proj, "reports", "report-2022-10.xlsx")+" (needed by officials)") {
		t.Errorf("missing xlsx: exit %d %s", code, errs)
	}

	// a test message
	out, errs, code = run(t, proj, "deliver", "--test", "--to", "it")
	if code != 0 || len(wecom) != 2 || wecom[0]["msgtype"] != "markdown" || wecom[1]["msgtype"] != "file" {
		t.Errorf("test: exit %d %s%s %v", code, out, errs, wecom)
	}

	// the mail server is down: a failure, recorded
	smtp2 := delivertest.FreeAddr(t)
	cfgText, _ := os.ReadFile(filepath.Join(proj, "caseload.yaml"))
	os.WriteFile(filepath.Join(proj, "caseload.yaml"), []byte(strings.Replace(string(cfgText), fmt.Sprintf("port: %d", smtp.Port), "port: "+strings.Split(smtp2, ":")[1], 1)), 0o644)
	_, _, _ = run(t, proj, "report", "--period", "2022-10", "--format", formats)
	out, _, code = run(t, proj, "deliver", "--period", "2022-10", "--to", "officials")
	if code != ExitFailure || !strings.Contains(out, "FAILED (1 attempt)") || !strings.Contains(out, "connection refused") {
		t.Errorf("smtp down: exit %d\n%s", code, out)
	}

	// usage errors
	for _, args := range [][]string{{"deliver"}, {"deliver", "--test"}, {"deliver", "--test", "--period", "2022-10", "--to", "it"}, {"deliver", "--period", "2022-10", "--to", "nobody"}} {
		if _, errs, code := run(t, proj, args...); code != ExitUsage {
			t.Errorf("%v: exit %d (%s)", args, code, errs)
		}
	}

	out, errs, code = run(t, proj, "sql", "--format", "csv", "SELECT delivery, message, status, attempts, run_id IS NULL AS manual FROM delivery_results ORDER BY send_id")
	want := "delivery,message,status,attempts,manual\r\nofficials,report,succeeded,1,true\r\narchive,report,succeeded,1,true\r\nit,test,succeeded,1,true\r\nofficials,report,failed,1,true\r\n"
	if code != 0 || !strings.HasSuffix(out, want) {
		t.Errorf("delivery_results: exit %d\n%q\nwant %q\n%s", code, out, want, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(proj, "caseload.duckdb")); strings.Contains(string(b), "k3y-0f-the-r0b0t") {
		t.Error("the robot key is in the warehouse")
	}
}

// checkDemoPDF: A4 pages with page numbers, the headline figures in the text.
func checkDemoPDF(t *testing.T, path string) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Logf("no %s (Debian package poppler-utils): the PDF is not checked", tool)
			return
		}
	}
	info, err := exec.Command("pdfinfo", path).Output()
	if err != nil || !strings.Contains(string(info), "(A4)") {
		t.Errorf("pdfinfo: %v\n%s", err, info)
	}
	pages := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(string(info))
	text, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil || len(pages) < 2 {
		t.Fatalf("pdftotext: %v", err)
	}
	flat := strings.Join(strings.Fields(string(text)), "")
	for _, want := range []string{"示范县侨办涉侨审批业务统计报告·2022年10月", "14,856", "87.5%", "截至2022年10月底，示范县侨办2017年以来累计审批涉侨业务14,856宗。",
		"第1/" + pages[1] + "页", "第" + pages[1] + "/" + pages[1] + "页"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}
