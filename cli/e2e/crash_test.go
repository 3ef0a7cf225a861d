package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caseload/caseload/cli/internal/clitest"
)

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
	bin := clitest.Binary(t)
	dir := clitest.Project(t)
	if _, errs, code := caseload(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	big := filepath.Join(dir, "big.csv")
	gen := exec.Command(bin, "gen", "--cases", "1000000", "--seed", "7", "-o", big)
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "items.csv"), []byte(clitest.AllItems), 0o644)
	wh := filepath.Join(dir, "caseload.duckdb")
	backup := filepath.Join(t.TempDir(), "before.duckdb")
	clitest.CopyFile(t, wh, backup)
	before := state(t, dir)

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
	after := state(t, dir)
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
	// Every step of the commit, and up to eight of the others spread over the pull: with the
	// nine points in time below, over twenty kills (a kill at a late step costs a whole
	// pull, so not every statement of the merge gets its own).
	var commitSteps, others []string
	for _, st := range steps {
		if strings.Contains(st, "commit") {
			commitSteps = append(commitSteps, st)
		} else {
			others = append(others, st)
		}
	}
	for _, must := range []string{"commit: checkpoint", "commit: closed", "commit: synced", "commit: renamed into place"} {
		if !slices.ContainsFunc(commitSteps, func(st string) bool { return strings.HasPrefix(st, `msg="`+must+`"`) }) {
			t.Fatalf("the debug log does not name the commit step %q:\n%s", must, strings.Join(lines, "\n"))
		}
	}
	if len(others) > 8 {
		var picked []string
		for i := 0; i < 8; i++ {
			picked = append(picked, others[i*len(others)/8])
		}
		others = picked
	}
	type point struct {
		name string
		kill func(line string, elapsed time.Duration) bool
	}
	var points []point
	for _, st := range append(others, commitSteps...) {
		st := st
		points = append(points, point{"after " + st, func(line string, _ time.Duration) bool { return strings.Contains(line, st) }})
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
		clitest.CopyFile(t, backup, wh)
		killed, _, _ := pull(p.kill)
		got := state(t, dir)
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
	clitest.CopyFile(t, backup, wh)
	pull(func(line string, _ time.Duration) bool { return strings.Contains(line, "commit: synced") })
	if out, errs, code := caseload(t, dir, "pull", big); code != 0 {
		t.Fatalf("pull after the kill: %d %s %s", code, out, errs)
	}
	if got := state(t, dir); got != after {
		t.Errorf("after the next pull: %s, want %s", got, after)
	}
	if gens, _ := filepath.Glob(filepath.Join(dir, ".caseload", "gen-*")); len(gens) != 0 {
		t.Errorf("generations left after a complete pull: %v", gens)
	}
}

// TestInterruptedPullMessage: Ctrl-C during a pull says what was interrupted and that the
// warehouse is unchanged (not just "context canceled"), exits 1, and changes nothing.
func TestInterruptedPullMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the binary and writes 300,000 rows")
	}
	bin := clitest.Binary(t)
	dir := clitest.Project(t)
	if _, errs, code := caseload(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	big := filepath.Join(dir, "big.csv")
	if out, err := exec.Command(bin, "gen", "--cases", "300000", "-o", big).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	before := state(t, dir)
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
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want %d\n%s", err, 1, msg)
	}
	for _, want := range []string{"the pull was interrupted while", "SIGINT received", "nothing was committed, the warehouse is as it was before this pull"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr lacks %q:\n%s", want, msg)
		}
	}
	if got := state(t, dir); got != before {
		t.Errorf("the interrupted pull changed the warehouse: %s → %s", before, got)
	}
}
