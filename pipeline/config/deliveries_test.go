package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const deliveriesYAML = `office: 示范县侨办
items: items.csv
alerts: [it-staff]
deliveries:
  - name: officials
    kind: email
    smtp: {host: mail.example.gov.cn, port: 465, tls: ssl,
           username: stats@example.gov.cn, password_env: CASELOAD_SMTP_PASSWORD}
    from: 示范县侨办数据统计 <stats@example.gov.cn>
    to: [kezhang@example.gov.cn]
    cc: []
    attach: [xlsx, pdf]
    retries: 3
    retry_backoff: 30s
  - name: archive
    kind: folder
    path: share/侨办报表/{period}
    keep: 36
  - name: it-staff
    kind: wecom
    url_env: CASELOAD_WECOM_URL
  - name: ding
    kind: dingtalk
    url_env: DING_URL
    secret_env: DING_SECRET
    base_url: http://gateway.intra:8080/dingtalk
  - name: hook
    kind: webhook
    url_env: HOOK_URL
    timeout: 10s
    retries: 0
`

func TestDeliveriesParsed(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(filepath.Join(dir, "caseload.yaml"), []byte(deliveriesYAML))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.DeliveryNames(), ","); got != "officials,archive,it-staff,ding,hook" {
		t.Fatalf("names %s", got)
	}
	if strings.Join(c.Alerts, ",") != "it-staff" {
		t.Errorf("alerts %v", c.Alerts)
	}
	d, ok := c.Delivery("officials")
	if !ok || d.Kind != KindEmail || d.Email == nil {
		t.Fatalf("officials: %+v", d)
	}
	e := d.Email
	if e.SMTP.Host != "mail.example.gov.cn" || e.SMTP.Port != 465 || e.SMTP.TLS != "ssl" || e.SMTP.PasswordEnv != "CASELOAD_SMTP_PASSWORD" || e.SMTP.Auth != "auto" {
		t.Errorf("smtp %+v", e.SMTP)
	}
	if e.From != `示范县侨办数据统计 <stats@example.gov.cn>` || len(e.To) != 1 || len(e.Cc) != 0 || e.MaxAttachmentBytes != 20<<20 {
		t.Errorf("email %+v", e)
	}
	if d.Retries != 3 || d.RetryBackoff != 30*time.Second || d.Timeout != DefaultEmailTimeout {
		t.Errorf("retries %d %v %v", d.Retries, d.RetryBackoff, d.Timeout)
	}
	a, _ := c.Delivery("archive")
	if a.Folder.Path != filepath.Join(dir, "share", "侨办报表", "{period}") || a.Folder.Keep != 36 || a.Formats() != nil {
		t.Errorf("folder %+v", a.Folder)
	}
	w, _ := c.Delivery("it-staff")
	if w.Robot.URLEnv != "CASELOAD_WECOM_URL" || strings.Join(w.Formats(), ",") != "xlsx" || w.Timeout != DefaultHTTPTimeout {
		t.Errorf("wecom %+v", w.Robot)
	}
	h, _ := c.Delivery("hook")
	if h.Retries != 0 || h.Timeout != 10*time.Second {
		t.Errorf("hook %+v", h)
	}
	if got := d.MissingFormats([]string{"xlsx", "html", "json"}); strings.Join(got, ",") != "pdf" {
		t.Errorf("missing formats %v", got)
	}
	if got := a.MissingFormats(nil); got != nil {
		t.Errorf("a folder without formats needs none: %v", got)
	}
	if err := c.CheckDeliveryNames([]string{"archive", "nope"}); err == nil || !strings.Contains(err.Error(), `no delivery named "nope"; defined in caseload.yaml: officials, archive, it-staff, ding, hook`) {
		t.Errorf("check: %v", err)
	}
}

func TestDeliveryErrors(t *testing.T) {
	head := "office: x\nitems: i.csv\n"
	email := "deliveries:\n  - name: m\n    kind: email\n    from: a@b.cn\n    to: [c@d.cn]\n"
	for _, c := range []struct{ yaml, want string }{
		{"deliveries:\n  - name: m\n    kind: mail\n", `x.yaml:5: deliveries[0].kind: "mail" is not one of: email, folder, wecom, dingtalk, webhook`},
		{"deliveries:\n  - name: m\n", `x.yaml:4: deliveries[0].kind: missing required key`},
		{"deliveries:\n  - kind: folder\n    path: p\n", `deliveries[0].name: missing required key`},
		{"deliveries:\n  - name: m\n    kind: folder\n    path: p\n    url_env: X\n", `x.yaml:7: deliveries[0].url_env: unknown key; expected one of: name, kind, retries, retry_backoff, timeout, path, keep, formats`},
		{"deliveries:\n  - name: m\n    kind: folder\n", `x.yaml:4: deliveries[0].path: missing required key for kind folder`},
		{"deliveries:\n  - name: m\n    kind: folder\n    path: a/{period}/b\n    keep: 3\n", `deliveries[0].keep: needs {period} in the last element of path`},
		{"deliveries:\n  - name: m\n    kind: folder\n    path: p\n  - name: m\n    kind: folder\n    path: q\n", `x.yaml:7: deliveries[1].name: expected a unique delivery name`},
		{email, `deliveries[0].smtp: missing required key for kind email`},
		{email + "    smtp: {host: h, tls: tls}\n", `x.yaml:8: deliveries[0].smtp.tls: "tls" is not one of: ssl`},
		{email + "    smtp: {host: h, port: 99999}\n", `deliveries[0].smtp.port: expected a port number`},
		{email + "    smtp: {host: h, username: u}\n", `deliveries[0].smtp.password_env: missing`},
		{email + "    smtp: {host: h, password_env: P}\n", `a password needs a username`},
		{email + "    smtp: {host: h, tls: none, username: u, password_env: P}\n", `deliveries[0].smtp.tls: none would send the password unencrypted to h`},
		{email + "    smtp: {host: h}\n    attach: [xlsx, docx]\n", `deliveries[0].attach: "docx" is not one of: xlsx, html, pdf, json`},
		{email + "    smtp: {host: h}\n    retries: 99\n", `deliveries[0].retries: expected a whole number from 0 to 20`},
		{email + "    smtp: {host: h}\n    retry_backoff: soon\n", `deliveries[0].retry_backoff: "soon" is not a duration`},
		{email + "    smtp: {host: h}\n    max_attachment_mb: -1\n", `deliveries[0].max_attachment_mb: expected a size in MB`},
		{"deliveries:\n  - name: m\n    kind: email\n    from: nobody\n    to: [c@d.cn]\n    smtp: {host: h}\n", `x.yaml:6: deliveries[0].from: "nobody" is not an email address`},
		{"deliveries:\n  - name: w\n    kind: wecom\n", `deliveries[0].url_env: missing required key for kind wecom`},
		{"deliveries:\n  - name: w\n    kind: dingtalk\n    url_env: U\n    base_url: gateway\n", `deliveries[0].base_url: expected an http(s) URL`},
		{"alerts: [it]\n", `x.yaml:3: alerts: no delivery named "it"; caseload.yaml defines no deliveries`},
		{"alerts: it\n", `alerts: expected a list of delivery names`},
		{"deliveries:\n  - name: w\n    kind: webhook\n    url_env: U\nalerts: [w, w]\n", `alerts: "w" is listed twice`},
		{"deliveries:\n  - name: a\n    kind: folder\n    path: p\nalerts: [a]\n", `x.yaml:7: alerts: "a" is a folder delivery`},
	} {
		_, err := Parse("/p/x.yaml", []byte(head+c.yaml))
		var ce *Error
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %q", c.yaml, err, c.want)
		}
	}
}

// A secret pasted into caseload.yaml is refused, and the error never repeats it.
func TestDeliverySecretsNotInFile(t *testing.T) {
	const secret = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
	for _, c := range []struct{ yaml, want string }{
		{"deliveries:\n  - name: w\n    kind: wecom\n    url_env: " + secret + "\n", `deliveries[0].url_env: expected the NAME of an environment variable`},
		{"deliveries:\n  - name: w\n    kind: wecom\n    url: " + secret + "\n", `deliveries[0].url: secrets never go in x.yaml: put the value in an environment variable and name that variable with url_env`},
		{"deliveries:\n  - name: m\n    kind: email\n    from: a@b.cn\n    to: [c@d.cn]\n    smtp: {host: h, username: u, password: hunter2-693a91f6}\n", `x.yaml:8: deliveries[0].smtp.password: secrets never go in x.yaml: put the value in an environment variable and name that variable with password_env`},
	} {
		_, err := Parse("/p/x.yaml", []byte("office: x\nitems: i.csv\n"+c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "693a91f6") {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
}

func TestSMTPDefaults(t *testing.T) {
	for _, c := range []struct {
		smtp string
		port int
		tls  string
	}{
		{"{host: h}", 587, "starttls"},
		{"{host: h, tls: ssl}", 465, "ssl"},
		{"{host: h, tls: none}", 25, "none"},
		{"{host: 127.0.0.1, tls: none, port: 2525, username: u, password_env: P, auth: login}", 2525, "none"},
	} {
		y := "office: x\nitems: i.csv\ndeliveries:\n  - name: m\n    kind: email\n    from: a@b.cn\n    to: c@d.cn\n    smtp: " + c.smtp + "\n"
		cfg, err := Parse("/p/x.yaml", []byte(y))
		if err != nil {
			t.Fatalf("%s: %v", c.smtp, err)
		}
		s := cfg.Deliveries[0].Email.SMTP
		if s.Port != c.port || s.TLS != c.tls {
			t.Errorf("%s: %+v", c.smtp, s)
		}
	}
}
