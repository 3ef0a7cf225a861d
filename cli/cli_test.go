package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseload/caseload/cli/internal/clitest"
	"github.com/caseload/caseload/pipeline/analyst/analysttest"
)

// run runs the CLI in dir and returns stdout, stderr and the exit code.
func run(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	old, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(old)
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

const items = clitest.Items

func newDir(t *testing.T) string { return clitest.Project(t) }

func TestVersionAndUsage(t *testing.T) {
	dir := t.TempDir()
	out, _, code := run(t, dir, "version")
	if code != 0 || !strings.Contains(out, "DuckDB v1.5") {
		t.Errorf("version: %d %q", code, out)
	}
	if _, _, code := run(t, dir, "pull", "--no-such-flag"); code != ExitUsage {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
	if _, errs, code := run(t, dir, "pull"); code != ExitUsage || !strings.Contains(errs, "caseload.yaml") {
		t.Errorf("no config: exit %d %q", code, errs)
	}
	if _, _, code := run(t, dir, "frobnicate"); code == 0 {
		t.Errorf("unknown command exit 0")
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ yaml, want string }{
		{"office: x\nitems: i.csv\nofice: y\n", `caseload.yaml:3: ofice: unknown key; expected one of: office,`},
		{"items: i.csv\n", `office: missing required key`},
		{"office: x\nitems: i.csv\ntimezone: Mars/Base\n", `timezone: "Mars/Base" is not an IANA time zone`},
		{"office: x\nitems: i.csv\nsources:\n  - name: a\n    path: x/*\n    encoding: latin1\n", `sources[0].encoding: "latin1" is not one of: auto, utf-8, gb18030, gbk`},
		{"office: x\nitems: i.csv\nsources:\n  - name: a\n    path: x/*\n    columns: {办件号: caseid}\n", `"caseid" is not a case field`},
		{"office: x\nitems: i.csv\njobs:\n  - name: m\n    schedule: \"0 6 32 * *\"\n    steps: [pull]\n", `jobs[0].schedule: "0 6 32 * *" is not a cron spec`},
		{"office: [x\n", `not valid YAML`},
	} {
		os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte(c.yaml), 0o644)
		_, errs, code := run(t, dir, "pull")
		if code != ExitFailure || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want %q", c.yaml, code, errs, c.want)
		}
	}
}

func TestPullAndSQL(t *testing.T) {
	dir := newDir(t)
	out, errs, code := run(t, dir, "pull")
	if code != 0 || !strings.Contains(out, "incoming/a.csv") || !strings.Contains(out, "unknown_item_code 1") {
		t.Fatalf("pull: %d\n%s\n%s", code, out, errs)
	}
	if st, err := os.Stat(filepath.Join(dir, "caseload.duckdb")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("warehouse mode: %v %v", st.Mode(), err)
	}
	out, _, code = run(t, dir, "pull", "--format", "json")
	var res struct {
		Files []struct{ Status string } `json:"files"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Files[0].Status != "skipped" {
		t.Errorf("second pull: %d %s", code, out)
	}
	out, errs, code = run(t, dir, "sql", "SELECT case_id, 1.5::DOUBLE AS x, 2::BIGINT AS n, received_at::DATE AS d, NULL AS z FROM cases", "--format", "json")
	if code != 0 || strings.TrimSpace(out) != `[
  {"case_id":"A1","x":1.5,"n":2,"d":"2022-10-01","z":null}
]` {
		t.Errorf("sql json: %d %q %s", code, out, errs)
	}
	out, _, code = run(t, dir, "sql", "SELECT '=1+1' AS f, -5 AS n, '中文' AS c", "--format", "csv")
	if code != 0 || out != "\ufefff,n,c\r\n'=1+1,-5,中文\r\n" {
		t.Errorf("sql csv: %d %q", code, out)
	}
	out, _, code = run(t, dir, "sql", "SELECT reason, count(*) AS n FROM rejects GROUP BY ALL")
	if code != 0 || !strings.Contains(out, "unknown_item_code") || !strings.Contains(out, "(1 row)") {
		t.Errorf("sql table: %d %q", code, out)
	}
	if _, errs, code := run(t, dir, "sql", "SELECT nope FROM cases"); code != ExitFailure || !strings.Contains(errs, "nope") {
		t.Errorf("failing query: %d %q", code, errs)
	}
}

// TestSQLIsReadOnly: caseload sql cannot create, change or drop anything, and cannot read
// or write any file through SQL (acceptance 4).
func TestSQLIsReadOnly(t *testing.T) {
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	target := filepath.Join(dir, "written.csv")
	for _, q := range analysttest.Escapes(dir, secret, target) {
		out, errs, code := run(t, dir, "sql", q)
		if code == 0 {
			t.Errorf("%s: allowed (out %q)", q, out)
		}
		if strings.Contains(out, "s3cret") {
			t.Errorf("%s: leaked a file", q)
		}
		_ = errs
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("a file was written through SQL")
	}
	out, _, code := run(t, dir, "sql", "SELECT count(*) AS n FROM cases", "--format", "csv")
	if code != 0 || !strings.Contains(out, "\n1\r\n") {
		t.Errorf("cases changed: %q", out)
	}
}

// TestSecondWriter: a second writer process gets a clear "in use by PID" error.
func TestSecondWriter(t *testing.T) {
	if os.Getenv("CASELOAD_TEST_HOLD") != "" {
		return
	}
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	// Hold the writer lock from another process: the test binary re-run as a helper.
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHoldLock$")
	cmd.Env = append(os.Environ(), "CASELOAD_TEST_HOLD="+filepath.Join(dir, "caseload.duckdb"))
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("helper did not take the lock: %q %v", buf, err)
	}
	_, errs, code := run(t, dir, "pull", "--force")
	if code != ExitFailure || !strings.Contains(errs, "in use by another caseload: PID") {
		t.Errorf("second writer: %d %q", code, errs)
	}
	// Readers are not blocked: they read the snapshot.
	if out, errs, code := run(t, dir, "sql", "SELECT count(*) FROM cases", "--format", "csv"); code != 0 {
		t.Errorf("reader blocked by writer: %q %q", out, errs)
	}
}

// TestHoldLock is the helper process of TestSecondWriter.
func TestHoldLock(t *testing.T) {
	path := os.Getenv("CASELOAD_TEST_HOLD")
	if path == "" {
		return // only runs as TestSecondWriter's helper process
	}
	dir := filepath.Dir(path)
	os.Chdir(dir)
	e := &env{stdout: os.Stdout, stderr: os.Stderr}
	e.setup()
	cfg, err := e.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.openWarehouse(context.Background(), cfg, "pull")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	os.Stdout.WriteString("held\n")
	time.Sleep(30 * time.Second)
}
