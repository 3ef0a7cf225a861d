package deliver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caseload/caseload/pipeline/deliver/delivertest"
	"github.com/caseload/caseload/pipeline/warehouse"
)

func smtpNoAuthYAML(addr string, extra string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("deliveries:\n  - name: officials\n    kind: email\n    smtp: {host: %s, port: %s, tls: none}\n    from: a@b.cn\n    to: c@d.cn\n    attach: [xlsx]\n%s", host, port, extra)
}

// openWarehouse opens a fresh warehouse (migrations applied, 004 included).
func openWarehouse(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	w, err := warehouse.Open(context.Background(), warehouse.Options{Path: filepath.Join(t.TempDir(), "w.duckdb"), Purpose: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

type deliveryRow struct {
	attempt           int
	status, err, kind string
	bytes             int64
	started, finished time.Time
	runID             *int64
}

func deliveryRows(t *testing.T, w *warehouse.Warehouse, sendID int64) []deliveryRow {
	t.Helper()
	rows, err := w.DB.Query(`SELECT attempt, status, coalesce(error, ''), kind, bytes, started_at, finished_at, run_id
		FROM deliveries WHERE send_id = ? ORDER BY attempt`, sendID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []deliveryRow
	for rows.Next() {
		var r deliveryRow
		if err := rows.Scan(&r.attempt, &r.status, &r.err, &r.kind, &r.bytes, &r.started, &r.finished, &r.runID); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// SMTP down, then up: the attempts are retried after 30 s and 60 s (injected clock, no
// waiting), the third succeeds, and the deliveries rows show all three.
func TestRetrySMTPDownThenUp(t *testing.T) {
	addr := delivertest.FreeAddr(t)
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, smtpNoAuthYAML(addr, ""))
	h := newHarness(nil)
	var srv *delivertest.SMTPServer
	h.clock.onSleep = func(n int) {
		if n == 2 { // the server comes up during the second wait
			srv = delivertest.StartSMTP(t, delivertest.SMTPOptions{Addr: addr})
		}
	}
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
	if err != nil {
		t.Fatalf("%v\n%s", err, h.log)
	}
	if got := fmt.Sprint(h.clock.sleeps); got != "[30s 1m0s]" {
		t.Errorf("backoff %s", got)
	}
	var st []string
	for _, a := range res.Attempts {
		st = append(st, a.Status)
	}
	if strings.Join(st, ",") != "retrying,retrying,succeeded" || !strings.Contains(res.Attempts[0].Error, "connection refused") {
		t.Fatalf("attempts %+v", res.Attempts)
	}
	if len(srv.Mails()) != 1 {
		t.Errorf("%d mails", len(srv.Mails()))
	}

	w := openWarehouse(t)
	run := int64(42)
	id, err := Record(context.Background(), w.DB, &run, res)
	if err != nil {
		t.Fatal(err)
	}
	rows := deliveryRows(t, w, id)
	if len(rows) != 3 || rows[0].status != "retrying" || rows[2].status != "succeeded" || rows[2].err != "" || rows[2].bytes == 0 ||
		rows[0].kind != "email" || *rows[0].runID != 42 || !rows[1].started.After(rows[0].finished) {
		t.Fatalf("rows %+v", rows)
	}
	var status, target string
	var attempts int
	var errText *string
	if err := w.DB.QueryRow("SELECT status, attempts, error, target FROM delivery_results WHERE send_id = ?", id).Scan(&status, &attempts, &errText, &target); err != nil {
		t.Fatal(err)
	}
	if status != "succeeded" || attempts != 3 || errText != nil || target != "smtp://"+addr+" (none) to c@d.cn" {
		t.Errorf("delivery_results: %s %d %v %s", status, attempts, errText, target)
	}
}

// SMTP down for good: 1 + retries attempts, then a failed result; the error says so.
func TestRetrySMTPDownForGood(t *testing.T) {
	addr := delivertest.FreeAddr(t)
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, smtpNoAuthYAML(addr, "    retries: 2\n    retry_backoff: 1m\n"))
	h := newHarness(nil)
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
	var de *Error
	if !errors.As(err, &de) || !de.Transient || res.Status != StatusFailed || len(res.Attempts) != 3 {
		t.Fatalf("%v %+v", err, res)
	}
	if fmt.Sprint(h.clock.sleeps) != "[1m0s 2m0s]" || !strings.HasSuffix(res.Error, "(after 3 attempts)") || res.Attempts[2].Status != StatusFailed {
		t.Errorf("sleeps %v, error %q, attempts %+v", h.clock.sleeps, res.Error, res.Attempts)
	}
	w := openWarehouse(t)
	id, err := Record(context.Background(), w.DB, nil, res)
	if err != nil {
		t.Fatal(err)
	}
	rows := deliveryRows(t, w, id)
	if len(rows) != 3 || rows[2].status != "failed" || rows[0].runID != nil || !strings.Contains(rows[2].err, "connection refused") {
		t.Fatalf("rows %+v", rows)
	}
}

// SMTP temporary codes (421, 451) are retried; a permanent one (550) is not.
func TestRetrySMTPCodes(t *testing.T) {
	for _, c := range []struct {
		code, sessions, attempts int
		status                   string
	}{
		{421, 2, 3, StatusSucceeded},
		{451, 1, 2, StatusSucceeded},
		{550, 1, 1, StatusFailed},
	} {
		t.Run(fmt.Sprint(c.code), func(t *testing.T) {
			srv := delivertest.StartSMTP(t, delivertest.SMTPOptions{FailSessions: c.sessions, FailCode: c.code})
			dir := t.TempDir()
			cfg := loadDeliveries(t, dir, smtpNoAuthYAML(net.JoinHostPort(srv.Host, fmt.Sprint(srv.Port)), ""))
			h := newHarness(nil)
			res, _ := New(delivery(t, cfg, "officials"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 100)))
			if res.Status != c.status || len(res.Attempts) != c.attempts || !strings.Contains(res.Attempts[0].Error, fmt.Sprint(c.code)) {
				t.Fatalf("%+v", res)
			}
		})
	}
}

// A context cancelled while waiting to retry ends the send at once (scheduler shutdown).
func TestRetryCancelledWhileWaiting(t *testing.T) {
	addr := delivertest.FreeAddr(t)
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, smtpNoAuthYAML(addr, ""))
	h := newHarness(nil)
	ctx, cancel := context.WithCancel(context.Background())
	h.clock.onSleep = func(int) { cancel() }
	res, err := New(delivery(t, cfg, "officials"), h.opt).Send(ctx, reportMessage(t, reportFiles(t, dir, 100)))
	if err == nil || len(res.Attempts) != 1 || res.Attempts[0].Status != StatusFailed || !strings.Contains(res.Error, "not retried: context canceled") {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestIsTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{fmt.Errorf("x: %w", syscall.ECONNRESET), true},
		{context.DeadlineExceeded, true},
		{io.ErrUnexpectedEOF, true},
		{&net.DNSError{Err: "no such host", IsNotFound: true}, false},
		{&net.DNSError{Err: "timeout", IsTimeout: true}, true},
		{fmt.Errorf("dial failed: %w", &textproto.Error{Code: 421, Msg: "busy"}), true},
		{&textproto.Error{Code: 535, Msg: "auth failed"}, false},
		{transientf("HTTP 503"), true},
		{permanentf("HTTP 404"), false},
		{syscall.EACCES, false},
		{errors.New("something else"), false},
	} {
		if got := isTransient(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}
