package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/cli/internal/clitest"
	"github.com/caseload/caseload/pipeline/deliver/delivertest"
)

// TestJobDeliveryAndAlerts runs a job whose deliver step emails the workbook (a real SMTP
// server on loopback) and whose alerts go to a webhook: SMTP answering "try later" once, then
// up: the delivery is retried and succeeds, the deliveries rows show both attempts; SMTP down
// for good: the run fails, one alert, and no second one for the next failure; SMTP up again:
// one "recovered". The SMTP password never appears in any output, log or table (issue 10,
// acceptance 3 and 4).
func TestJobDeliveryAndAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: runs jobs against a loopback SMTP server")
	}
	const secret = "s3cret-smtp-passw0rd"
	t.Setenv("CASELOAD_TEST_SMTP_PASSWORD", secret)
	sink := clitest.NewAlertSink(t)
	t.Setenv("CASELOAD_TEST_ALERT_URL", sink.URL)
	dir := newDir(t)
	config := func(host string, port int) {
		os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(fmt.Sprintf(`office: 测试侨办
items: items.csv
sources:
  - name: a
    path: incoming/*.csv
jobs:
  - name: monthly
    schedule: "0 6 1 * *"
    period: 2022-10
    steps: [pull, report, deliver]
    formats: [xlsx, html, json]
    deliver: [officials]
deliveries:
  - name: officials
    kind: email
    smtp: {host: %s, port: %d, tls: none, username: stats, password_env: CASELOAD_TEST_SMTP_PASSWORD}
    from: 测试侨办数据统计 <stats@example.gov.cn>
    to: [kezhang@example.gov.cn]
    attach: [xlsx]
    retries: 2
    retry_backoff: 50ms
  - name: it
    kind: webhook
    url_env: CASELOAD_TEST_ALERT_URL
alerts: [it]
`, host, port)), 0o644)
	}
	var logs bytes.Buffer
	runJob := func() (string, string, int) {
		out, errs, code := run(t, dir, "--log-format", "json", "-v", "run", "monthly")
		logs.WriteString(out + errs)
		return out, errs, code
	}

	// Down (a temporary 451), then up: retried within the step, one run, succeeded.
	smtp := delivertest.StartSMTP(t, delivertest.SMTPOptions{User: "stats", Pass: secret, FailSessions: 1, FailCode: 451})
	config(smtp.Host, smtp.Port)
	if out, errs, code := runJob(); code != 0 {
		t.Fatalf("run with SMTP down then up: %d\n%s%s", code, out, errs)
	}
	if n := len(smtp.Mails()); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
	out, _, _ := run(t, dir, "sql", "SELECT d.attempt, d.status FROM deliveries d JOIN job_runs r USING (run_id) WHERE r.job = 'monthly' ORDER BY d.attempt", "--format", "csv")
	if !strings.Contains(out, "1,retrying") || !strings.Contains(out, "2,succeeded") {
		t.Errorf("deliveries rows of the run:\n%s", out)
	}
	if got := sink.All(); got != "null" {
		t.Errorf("an alert for a run that succeeded: %s", got)
	}

	// Down for good: the run fails (the reports stay written), one alert.
	config("127.0.0.1", clitest.FreePortNumber(t))
	for i := 0; i < 2; i++ {
		if _, errs, code := runJob(); code != ExitFailure || !strings.Contains(errs, "did not succeed") {
			t.Errorf("run with SMTP down: exit %d %s", code, errs)
		}
	}
	rs := runsJSON(t, dir)
	if len(rs) != 3 || rs[0].Status != "failed" || rs[1].Status != "failed" || len(rs[0].Outputs) != 3 {
		t.Errorf("runs: %+v", rs)
	}
	if got := sink.All(); strings.Count(got, `"type":"alert"`) != 1 || !strings.Contains(got, `"status":"failed"`) || !strings.Contains(got, "connection refused (after 3 attempts)") {
		t.Errorf("alerts after two failed runs, want exactly one: %s", got)
	}

	// Up again: one "recovered".
	config(smtp.Host, smtp.Port)
	if out, errs, code := runJob(); code != 0 {
		t.Fatalf("run with SMTP up: %d\n%s%s", code, out, errs)
	}
	got := sink.All()
	if strings.Count(got, `"type":"alert"`) != 1 || strings.Count(got, `"type":"recovered"`) != 1 {
		t.Errorf("alerts, want one failed and one recovered: %s", got)
	}
	// No secret anywhere: outputs, logs, the run ledger, the deliveries table, alerts.
	tables, _, _ := run(t, dir, "sql", "SELECT (SELECT string_agg(to_json(r)::VARCHAR, '') FROM job_runs r) || (SELECT string_agg(to_json(d)::VARCHAR, '') FROM deliveries d)", "--format", "csv")
	for what, text := range map[string]string{"logs and output": logs.String(), "tables": tables, "alerts": got} {
		if strings.Contains(text, secret) {
			t.Errorf("the SMTP password appears in the %s", what)
		}
	}
}
