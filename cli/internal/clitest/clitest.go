// Package clitest holds what the tests of the command line share: the real binary built
// once, a small project directory, a local HTTP server standing in for alert webhooks, and
// waiting on a process's log lines. It is imported by tests only.
package clitest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// Main runs the tests of a package and removes the binary Binary built.
func Main(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

// Binary builds cmd/caseload once per test process (crash and signal tests need a real
// process) and returns its path. Packages using it call Main from their TestMain.
func Binary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "caseload-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "caseload")
		if out, err := exec.Command("go", "build", "-o", binary.path, "github.com/caseload/caseload/cmd/caseload").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// Items is a one-item catalogue; AllItems the reference office's eight codes (QB01–QB08),
// which generated case files use.
const (
	Items    = "item_code,name,instant_since,promised_days,statutory_days,active_from,active_to\nQB01,华侨身份证明,2017-03-01,0,20,2017-03-01,\n"
	AllItems = Items + "QB02,b,,0,20,,\nQB03,c,,20,60,,\nQB04,d,,0,20,,\nQB05,e,,0,20,,\nQB06,f,,0,20,,\nQB07,g,,0,20,,\nQB08,h,,0,20,,\n"
)

// Project writes a small project: caseload.yaml (a source incoming/*.csv), items.csv and
// incoming/a.csv with one good and one rejected row.
func Project(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(Items), 0o644)
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte("office: 测试侨办\nitems: items.csv\nsources:\n  - name: a\n    path: incoming/*.csv\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "incoming"), 0o755)
	os.WriteFile(filepath.Join(dir, "incoming", "a.csv"), []byte("case_id,item_code,received_at,status\nA1,QB01,2022-10-01 09:00,received\nA2,QB09,2022-10-01 09:00,received\n"), 0o644)
	return dir
}

// StateQuery is what "the state of the warehouse" means for the crash tests: the row
// counts, and the invariants a torn write would break (one row per case_id, every case's
// file in the ledger, each file's rows adding up, rejects and superseded rows matching the
// ledger's sums).
const StateQuery = `SELECT (SELECT count(*) FROM cases) || ' cases, ' ||
 (SELECT count(DISTINCT case_id) FROM cases) || ' distinct, ' ||
 (SELECT count(*) FROM ingest_files) || ' files, ' ||
 (SELECT count(*) FROM rejects) || ' rejects, ' ||
 (SELECT count(*) FROM superseded) || ' superseded | broken: ' ||
 (SELECT count(*) FROM cases WHERE file_id NOT IN (SELECT file_id FROM ingest_files)) || ' orphan cases, ' ||
 (SELECT count(*) FROM ingest_files WHERE rows_read <> accepted + superseded + rejected) || ' unbalanced files, ' ||
 (SELECT count(*) FROM rejects) - (SELECT coalesce(sum(rejected), 0) FROM ingest_files) || ' rejects off the ledger, ' ||
 ((SELECT count(*) FROM cases) + (SELECT count(*) FROM superseded)) - (SELECT coalesce(sum(accepted + superseded), 0) FROM ingest_files) || ' cases off the ledger' AS s`

// Healthy is the part of a state that says no invariant is broken.
const Healthy = "broken: 0 orphan cases, 0 unbalanced files, 0 rejects off the ledger, 0 cases off the ledger"

// CopyFile copies src over dst (through a temporary file renamed into place).
func CopyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	tmp := dst + ".tmp"
	out, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// FreePort is a loopback address nothing listens on (at the moment of the call).
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// FreePortNumber is FreePort's port.
func FreePortNumber(t testing.TB) int {
	addr := FreePort(t)
	var port int
	fmt.Sscanf(addr[strings.LastIndexByte(addr, ':')+1:], "%d", &port)
	return port
}

// AlertSink is a local HTTP server standing in for the alerts' webhook.
type AlertSink struct {
	URL  string
	mu   sync.Mutex
	msgs []map[string]any
}

// NewAlertSink starts one; it stops when the test ends.
func NewAlertSink(t testing.TB) *AlertSink {
	a := &AlertSink{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		a.mu.Lock()
		a.msgs = append(a.msgs, m)
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	a.URL = srv.URL + "/hook"
	return a
}

// All is every message received, as JSON ("null" when none).
func (a *AlertSink) All() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	b, _ := json.Marshal(a.msgs)
	return string(b)
}

// Lines collects a process's log lines.
type Lines struct {
	mu    sync.Mutex
	lines []string
}

// Watch reads r's lines in the background.
func Watch(r io.Reader) *Lines {
	w := &Lines{}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
		}
	}()
	return w
}

// Count is how many lines so far contain text.
func (w *Lines) Count(text string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, l := range w.lines {
		if strings.Contains(l, text) {
			n++
		}
	}
	return n
}

// Text is every line so far.
func (w *Lines) Text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// WaitUntil polls cond every 50 ms for up to d, failing the test after.
func WaitUntil(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited %s for %s", d, what)
}
