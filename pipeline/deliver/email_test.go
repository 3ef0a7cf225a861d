package deliver

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/deliver/delivertest"
)

const smtpPassword = "Pa55-w0rd/侨办+secret=="

func emailYAML(host string, port int, tls, extra string) string {
	return fmt.Sprintf(`deliveries:
  - name: officials
    kind: email
    smtp: {host: %s, port: %d, tls: %s, username: stats@example.gov.cn, password_env: CASELOAD_SMTP_PASSWORD%s}
    from: 示范县侨办数据统计 <stats@example.gov.cn>
    to: [kezhang@example.gov.cn, 李科长 <li@example.gov.cn>]
    cc: [office@example.gov.cn]
`, host, port, tls, extra)
}

// A real SMTP server on loopback receives the report; Python's email package (an
// independent MIME parser) decodes the Chinese subject and attachment names, openpyxl opens
// the workbook, and the body states the headline figures.
func TestEmailEndToEnd(t *testing.T) {
	srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "stats@example.gov.cn", Pass: smtpPassword})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, emailYAML(srv.Host, srv.Port, "none", "")+"    attach: [xlsx, pdf]\n")
	h := newHarness(testEnv{"CASELOAD_SMTP_PASSWORD": smtpPassword})
	msg := reportMessage(t, reportFiles(t, dir, 3000))

	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("%v\n%s", err, h.log)
	}
	if res.Status != StatusSucceeded || len(res.Attempts) != 1 || res.Bytes == 0 {
		t.Fatalf("result %+v", res)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	m := mails[0]
	if m.Auth != "PLAIN stats@example.gov.cn" || m.From != "stats@example.gov.cn" || len(m.To) != 3 {
		t.Errorf("envelope: %+v", m)
	}
	if int64(len(m.Data)) > res.Bytes+2 || int64(len(m.Data)) < res.Bytes-2 {
		t.Errorf("bytes %d, message %d", res.Bytes, len(m.Data))
	}
	for i, line := range bytes.Split(m.Data, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long (RFC 5322: 998)", i, len(line))
		}
	}

	p := delivertest.ParseMIME(t, m.Data)
	if len(p.Defects) > 0 {
		t.Errorf("defects: %v", p.Defects)
	}
	if p.Subject != "示范县侨办2022年10月统计报表" {
		t.Errorf("subject %q", p.Subject)
	}
	if !strings.Contains(p.From, "示范县侨办数据统计") || !strings.Contains(p.To, "李科长") {
		t.Errorf("from %q to %q", p.From, p.To)
	}
	if p.Headers["Auto-Submitted"] != "auto-generated" {
		t.Errorf("headers %v", p.Headers)
	}
	for _, name := range []string{"示范县侨办2022年10月统计报表.xlsx", "示范县侨办2022年10月统计报表.pdf"} {
		a, ok := p.Attachment(name)
		if !ok {
			t.Fatalf("no attachment %s in %+v", name, p.Parts)
		}
		if a.Disposition != "attachment" || a.Filename2047 != name || a.Filename2231 != name || a.Name2047 != name {
			t.Errorf("%s: disposition %q, RFC 2047 %q, RFC 2231 %q, name %q (%s)", name, a.Disposition, a.Filename2047, a.Filename2231, a.Name2047, a.RawDisposition)
		}
		if strings.HasSuffix(name, ".xlsx") && (a.SheetError != "" || strings.Join(a.Sheets, ",") != "汇总,分事项") {
			t.Errorf("workbook: sheets %v %s", a.Sheets, a.SheetError)
		}
		if strings.HasSuffix(name, ".pdf") && (a.ContentType != "application/pdf" || a.Size != 3000) {
			t.Errorf("pdf: %s %d bytes", a.ContentType, a.Size)
		}
	}
	for _, ct := range []string{"text/plain", "text/html"} {
		body := p.Body(ct)
		for _, want := range append(append([]string(nil), testHeadlines...), "14,856宗", "示范县侨办2022年10月（2022-10-01至2022-10-31）统计报表已生成",
			"示范县侨办2022年10月统计报表.xlsx（Excel工作簿", dir) {
			if ct == "text/html" && strings.Contains(want, "“") {
				continue
			}
			if !strings.Contains(body, want) {
				t.Errorf("%s body lacks %q:\n%s", ct, want, body)
			}
		}
	}
	assertNoSecret(t, smtpPassword, map[string]string{"log": h.log.String(), "result": jsonOf(res), "message": string(m.Data)})
}

// STARTTLS and implicit TLS with a certificate trusted through ca_file; AUTH LOGIN and
// PLAIN; English subject and body with --lang en.
func TestEmailTLSAndAuth(t *testing.T) {
	for _, c := range []struct{ tls, auth, want string }{
		{"starttls", "login", "LOGIN stats@example.gov.cn"},
		{"ssl", "plain", "PLAIN stats@example.gov.cn"},
		{"ssl", "auto", "PLAIN stats@example.gov.cn"},
	} {
		t.Run(c.tls+"-"+c.auth, func(t *testing.T) {
			srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "stats@example.gov.cn", Pass: smtpPassword, TLS: c.tls})
			dir := t.TempDir()
			cfg := loadDeliveries(t, dir, emailYAML(srv.Host, srv.Port, c.tls, ", auth: "+c.auth+", ca_file: "+srv.CAFile)+"    attach: [xlsx]\n")
			h := newHarness(testEnv{"CASELOAD_SMTP_PASSWORD": smtpPassword})
			msg := reportMessage(t, reportFiles(t, dir, 100))
			msg.Lang = "en"
			if _, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), msg); err != nil {
				t.Fatalf("%v\n%s", err, h.log)
			}
			m := srv.Mails()
			if len(m) != 1 || m[0].Auth != c.want {
				t.Fatalf("mails %+v", m)
			}
			p := delivertest.ParseMIME(t, m[0].Data)
			if p.Subject != "示范县侨办 report, October 2022" {
				t.Errorf("subject %q", p.Subject)
			}
			if _, ok := p.Attachment("示范县侨办 report 2022-10.xlsx"); !ok {
				t.Errorf("parts %+v", p.Parts)
			}
			if !strings.Contains(p.Body("text/plain"), "The 示范县侨办 report for October 2022 (2022-10-01 to 2022-10-31) is ready.") {
				t.Errorf("body %s", p.Body("text/plain"))
			}
		})
	}
}

// A certificate the machine does not trust is a permanent failure (not retried).
func TestEmailUntrustedCertificate(t *testing.T) {
	srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{TLS: "ssl"})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, fmt.Sprintf("deliveries:\n  - name: m\n    kind: email\n    smtp: {host: %s, port: %d, tls: ssl}\n    from: a@b.cn\n    to: c@d.cn\n", srv.Host, srv.Port))
	h := newHarness(nil)
	res, err := New(delivery(t, cfg, "m"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
	if err == nil || len(res.Attempts) != 1 || !strings.Contains(res.Error, "certificate") {
		t.Fatalf("%v %+v", err, res)
	}
}

// An attachment over max_attachment_mb is left out and the email says so (name and size).
func TestEmailAttachmentOverLimit(t *testing.T) {
	srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "stats@example.gov.cn", Pass: smtpPassword})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, emailYAML(srv.Host, srv.Port, "none", "")+"    attach: [xlsx, pdf]\n    max_attachment_mb: 0.02\n")
	h := newHarness(testEnv{"CASELOAD_SMTP_PASSWORD": smtpPassword})
	msg := reportMessage(t, reportFiles(t, dir, 50000))
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "report-2022-10.pdf (48.8 KB) is over max_attachment_mb (20.5 KB)") {
		t.Errorf("notes %q", res.Notes)
	}
	p := delivertest.ParseMIME(t, srv.Mails()[0].Data)
	if _, ok := p.Attachment("示范县侨办2022年10月统计报表.pdf"); ok {
		t.Error("the PDF over the limit was attached")
	}
	if _, ok := p.Attachment("示范县侨办2022年10月统计报表.xlsx"); !ok {
		t.Error("the workbook is missing")
	}
	body := p.Body("text/plain")
	want := "示范县侨办2022年10月统计报表.pdf（48.8 KB）超过 20.5 KB 的上限，未随本消息发送，文件位于 " + msg.Files[2].Path
	if !strings.Contains(body, "未附上的文件") || !strings.Contains(body, want) {
		t.Errorf("body lacks %q:\n%s", want, body)
	}
}

// A test message carries a small attachment with a Chinese name, so IT staff see whether
// their mail client shows such names.
func TestEmailTestMessage(t *testing.T) {
	srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, fmt.Sprintf("deliveries:\n  - name: m\n    kind: email\n    smtp: {host: %s, port: %d, tls: none}\n    from: a@b.cn\n    to: c@d.cn\n", srv.Host, srv.Port))
	h := newHarness(nil)
	if _, err := New(delivery(t, cfg, "m"), h.opt).Send(context.Background(), TestMessage("示范县侨办", "zh")); err != nil {
		t.Fatal(err)
	}
	p := delivertest.ParseMIME(t, srv.Mails()[0].Data)
	if p.Subject != "【caseload测试】示范县侨办 投递“m”" {
		t.Errorf("subject %q", p.Subject)
	}
	a, ok := p.Attachment("caseload测试附件（中文文件名）.txt")
	if !ok || !strings.Contains(a.Text, "中文附件名") {
		t.Errorf("parts %+v", p.Parts)
	}
}

// The password comes from the environment when the message is sent: an unset variable is a
// permanent failure naming the variable, not its value.
func TestEmailPasswordUnset(t *testing.T) {
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, emailYAML("127.0.0.1", 1, "none", ""))
	h := newHarness(testEnv{})
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
	want := "environment variable CASELOAD_SMTP_PASSWORD (deliveries: officials: smtp.password_env) is not set"
	if err == nil || err.Error() != "deliver officials: "+want || res.Error != want || len(res.Attempts) != 1 || res.Attempts[0].Status != StatusFailed {
		t.Fatalf("%v %+v", err, res)
	}
	if len(h.clock.sleeps) != 0 {
		t.Error("a permanent failure was retried")
	}
}

// A wrong password: the server's 535 is permanent, and the password appears nowhere.
func TestEmailAuthFailedNoSecret(t *testing.T) {
	srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "stats@example.gov.cn", Pass: "the-right-one"})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, emailYAML(srv.Host, srv.Port, "none", ""))
	h := newHarness(testEnv{"CASELOAD_SMTP_PASSWORD": smtpPassword})
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
	if err == nil || len(res.Attempts) != 1 || !strings.Contains(res.Error, "535") {
		t.Fatalf("%v %+v", err, res)
	}
	assertNoSecret(t, smtpPassword, map[string]string{"log": h.log.String(), "result": jsonOf(res), "error": err.Error()})
}
