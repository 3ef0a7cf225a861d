package deliver

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/deliver/delivertest"
)

// No secret reaches a log line, an error, a Result or a deliveries row, whatever fails: a
// wrong SMTP password, a refused connection (net/http puts the whole URL, key included, in
// its error), a server that echoes the request URL in its error page.
func TestNoSecretAnywhere(t *testing.T) {
	const (
		password  = "smtp-Pa55/w0rd+侨办"
		wecomKey  = "wk-0123456789abcdef-KEY"
		dingToken = "dt0123456789abcdef0123456789"
		dingSec   = "SECfedcba9876543210fedcba9876543210"
		hookToken = "hk_ABCDEFGHIJKLMNOP1234"
		hookSec   = "hook-signing-secret-42"
	)
	secrets := []string{password, wecomKey, dingToken, dingSec, hookToken, hookSec}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "bad request to %s", r.URL.String()) // a careless gateway echoing the key
	}))
	defer echo.Close()
	refused := "http://" + delivertest.FreeAddr(t)
	smtp := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "u@example.gov.cn", Pass: "another"})
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, fmt.Sprintf(`deliveries:
  - name: mail
    kind: email
    smtp: {host: %s, port: %d, tls: none, username: u@example.gov.cn, password_env: P}
    from: a@b.cn
    to: c@d.cn
    attach: [xlsx]
  - name: wecom-echo
    kind: wecom
    url_env: WECOM_ECHO
  - name: wecom-refused
    kind: wecom
    url_env: WECOM_REFUSED
  - name: ding
    kind: dingtalk
    url_env: DING
    secret_env: DING_SECRET
  - name: hook-echo
    kind: webhook
    url_env: HOOK_ECHO
    secret_env: HOOK_SECRET
  - name: hook-refused
    kind: webhook
    url_env: HOOK_REFUSED
    retries: 1
`, smtp.Host, smtp.Port))
	h := newHarness(testEnv{
		"P":             password,
		"WECOM_ECHO":    echo.URL + "/cgi-bin/webhook/send?key=" + wecomKey,
		"WECOM_REFUSED": refused + "/cgi-bin/webhook/send?key=" + wecomKey,
		"DING":          refused + "/robot/send?access_token=" + dingToken,
		"DING_SECRET":   dingSec,
		"HOOK_ECHO":     echo.URL + "/hooks/" + hookToken + "?token=" + hookToken,
		"HOOK_SECRET":   hookSec,
		"HOOK_REFUSED":  refused + "/hooks/" + hookToken,
	})
	msg := reportMessage(t, reportFiles(t, dir, 100))
	results, err := SendAll(context.Background(), cfg.Deliveries, msg, h.opt)
	if err == nil {
		t.Fatal("everything succeeded")
	}
	w := openWarehouse(t)
	texts := map[string]string{"log": h.log.String(), "error": err.Error()}
	for _, r := range results {
		if r.Status != StatusFailed {
			t.Errorf("%s: %s", r.Delivery, r.Status)
		}
		texts["result "+r.Delivery] = jsonOf(r)
		if _, err := Record(context.Background(), w.DB, nil, r); err != nil {
			t.Fatal(err)
		}
	}
	var rows strings.Builder
	rs, err := w.DB.Query("SELECT CAST(d AS VARCHAR) FROM deliveries d")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var s string
		rs.Scan(&s)
		rows.WriteString(s + "\n")
	}
	rs.Close()
	texts["deliveries rows"] = rows.String()
	if !strings.Contains(rows.String(), "HTTP 400 Bad Request: bad request to /cgi-bin/webhook/upload_media?[REDACTED]&type=file") {
		t.Errorf("rows:\n%s", rows.String())
	}
	for _, s := range secrets {
		assertNoSecret(t, s, texts)
	}
}
