package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var binary struct {
	once sync.Once
	path string
	err  error
}

// TestMain removes the binary the crash tests build.
func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

// caseloadBinary builds cmd/caseload once per test run (crash tests need a real process to
// kill).
func caseloadBinary(t *testing.T) string {
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

// stateQuery is what "the state of the warehouse" means for the crash tests: the row
// counts, and the invariants a torn write would break (one row per case_id, every case's
// file in the ledger, each file's rows adding up, rejects and superseded rows matching the
// ledger's sums).
const stateQuery = `SELECT (SELECT count(*) FROM cases) || ' cases, ' ||
 (SELECT count(DISTINCT case_id) FROM cases) || ' distinct, ' ||
 (SELECT count(*) FROM ingest_files) || ' files, ' ||
 (SELECT count(*) FROM rejects) || ' rejects, ' ||
 (SELECT count(*) FROM superseded) || ' superseded | broken: ' ||
 (SELECT count(*) FROM cases WHERE file_id NOT IN (SELECT file_id FROM ingest_files)) || ' orphan cases, ' ||
 (SELECT count(*) FROM ingest_files WHERE rows_read <> accepted + superseded + rejected) || ' unbalanced files, ' ||
 (SELECT count(*) FROM rejects) - (SELECT coalesce(sum(rejected), 0) FROM ingest_files) || ' rejects off the ledger, ' ||
 ((SELECT count(*) FROM cases) + (SELECT count(*) FROM superseded)) - (SELECT coalesce(sum(accepted + superseded), 0) FROM ingest_files) || ' cases off the ledger' AS s`

func warehouseState(t *testing.T, dir string) string {
	t.Helper()
	out, errs, code := run(t, dir, "sql", stateQuery, "--format", "csv")
	if code != 0 {
		t.Fatalf("state: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func copyFileForTest(t *testing.T, src, dst string) {
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

var debugMsg = regexp.MustCompile(`msg=("[^"]*"|\S+)(?: file=(\S+))?(?: statement=(\d+))?`)

// TestPullKilledAnywhere kills `caseload pull` of a 1,000,000-row file (SIGKILL, a real
// process) at every step its debug log names — staging, each statement of validation and
// merge, each step of the commit — and at tenths of its running time: after each kill the
// next command sees exactly the state before the pull or exactly the state after it, never
// a mix, and a final pull completes (issue 8, acceptance 1 and 2).
func TestPullKilledAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the binary and pulls 1,000,000 rows about 25 times")
	}
	bin := caseloadBinary(t)
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	big := filepath.Join(dir, "big.csv")
	gen := exec.Command(bin, "gen", "--cases", "1000000", "--seed", "7", "-o", big)
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(items+"QB02,b,,0,20,,\nQB03,c,,20,60,,\nQB04,d,,0,20,,\nQB05,e,,0,20,,\nQB06,f,,0,20,,\nQB07,g,,0,20,,\nQB08,h,,0,20,,\n"), 0o644)
	wh := filepath.Join(dir, "caseload.duckdb")
	backup := filepath.Join(t.TempDir(), "before.duckdb")
	copyFileForTest(t, wh, backup)
	before := warehouseState(t, dir)

	// A clean pull, timed, gives the state after and the steps its debug log names.
	pull := func(kill func(line string, elapsed time.Duration) bool) (killed bool, lines []string, took time.Duration) {
		cmd := exec.Command(bin, "pull", "--verbose", big)
		cmd.Dir = dir
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if kill != nil && kill(sc.Text(), time.Since(start)) {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
				break
			}
		}
		go io.Copy(io.Discard, stderr)
		cmd.Wait()
		return killed, lines, time.Since(start)
	}
	_, lines, took := pull(nil)
	after := warehouseState(t, dir)
	if after == before || !strings.Contains(after, "broken: 0 orphan cases, 0 unbalanced files, 0 rejects off the ledger, 0 cases off the ledger") {
		t.Fatalf("the clean pull: %s (before %s)\n%s", after, before, strings.Join(lines, "\n"))
	}
	var steps []string
	seen := map[string]bool{}
	for _, l := range lines {
		if m := debugMsg.FindStringSubmatch(l); m != nil && strings.Contains(l, "level=DEBUG") {
			key := m[0]
			if !seen[key] {
				seen[key] = true
				steps = append(steps, key)
			}
		}
	}
	for _, must := range []string{"commit: checkpoint", "commit: closed", "commit: synced", "commit: renamed into place"} {
		if !seen[`msg="`+must+`"`] && !slicesContainsPrefix(steps, `msg="`+must+`"`) {
			t.Fatalf("the debug log does not name the commit step %q:\n%s", must, strings.Join(lines, "\n"))
		}
	}
	type point struct {
		name string
		kill func(line string, elapsed time.Duration) bool
	}
	var points []point
	for _, s := range steps {
		s := s
		points = append(points, point{"after " + s, func(line string, _ time.Duration) bool { return strings.Contains(line, s) }})
	}
	for k := 1; k <= 9; k++ {
		at := took * time.Duration(k) / 10
		points = append(points, point{fmt.Sprintf("at %d/10 of the pull (%v)", k, at.Round(time.Millisecond)),
			func(_ string, elapsed time.Duration) bool { return elapsed >= at }})
	}
	if len(points) < 20 {
		t.Fatalf("only %d kill points", len(points))
	}
	var sawBefore, sawAfter int
	for _, p := range points {
		copyFileForTest(t, backup, wh)
		killed, _, _ := pull(p.kill)
		got := warehouseState(t, dir)
		switch got {
		case before:
			sawBefore++
		case after:
			sawAfter++
		default:
			t.Errorf("killed %s (killed: %v): the warehouse is neither as before nor as after the pull:\n  got    %s\n  before %s\n  after  %s", p.name, killed, got, before, after)
		}
	}
	t.Logf("%d kill points: %d left the state before the pull, %d the state after", len(points), sawBefore, sawAfter)
	if sawBefore == 0 || sawAfter == 0 {
		t.Errorf("kills should land both before and after the commit point: %d before, %d after", sawBefore, sawAfter)
	}
	// After a kill, the next pull completes and gives the same state as the clean pull.
	copyFileForTest(t, backup, wh)
	pull(func(line string, _ time.Duration) bool { return strings.Contains(line, "commit: synced") })
	if out, errs, code := run(t, dir, "pull", big); code != 0 {
		t.Fatalf("pull after the kill: %d %s %s", code, out, errs)
	}
	if got := warehouseState(t, dir); got != after {
		t.Errorf("after the next pull: %s, want %s", got, after)
	}
	if gens, _ := filepath.Glob(filepath.Join(dir, ".caseload", "gen-*")); len(gens) != 0 {
		t.Errorf("generations left after a complete pull: %v", gens)
	}
}

func slicesContainsPrefix(list []string, prefix string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

// TestInterruptedPullMessage: Ctrl-C during a pull says what was interrupted and that the
// warehouse is unchanged (not just "context canceled"), exits 1, and changes nothing.
func TestInterruptedPullMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the binary and writes 300,000 rows")
	}
	bin := caseloadBinary(t)
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	big := filepath.Join(dir, "big.csv")
	if out, err := exec.Command(bin, "gen", "--cases", "300000", "-o", big).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	before := warehouseState(t, dir)
	cmd := exec.Command(bin, "pull", "--verbose", big)
	cmd.Dir = dir
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		all.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "generation begun") {
			time.Sleep(300 * time.Millisecond) // into staging, most likely (either way the message holds)
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	rest, _ := io.ReadAll(stderr)
	all.Write(rest)
	err := cmd.Wait()
	msg := all.String()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != ExitFailure {
		t.Errorf("exit: %v, want %d\n%s", err, ExitFailure, msg)
	}
	for _, want := range []string{"the pull was interrupted while", "SIGINT received", "nothing was committed, the warehouse is as it was before this pull"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if got := warehouseState(t, dir); got != before {
		t.Errorf("the interrupted pull changed the warehouse: %s → %s", before, got)
	}
}
