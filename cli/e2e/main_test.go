// Package e2e tests the caseload binary as a user's shell runs it, as real processes that
// are killed and signalled: crash safety of pulls and job runs, and the scheduler. These
// tests wait on real processes (a 1,000,000-row pull killed two dozen times, real minute
// ticks), so they live in a package of their own, which `go test ./...` runs beside the
// others.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/caseload/caseload/cli/internal/clitest"
)

func TestMain(m *testing.M) { clitest.Main(m) }

// caseload runs the binary in dir and returns its stdout, stderr and exit code.
func caseload(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(clitest.Binary(t), args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errb.String(), ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), 0
}

// state is the warehouse's state as the next command sees it (clitest.StateQuery).
func state(t *testing.T, dir string) string {
	t.Helper()
	out, errs, code := caseload(t, dir, "sql", clitest.StateQuery, "--format", "csv")
	if code != 0 {
		t.Fatalf("state: %s", errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// run is a row of `caseload runs --format json`.
type run struct {
	RunID        int64    `json:"run_id"`
	Period       string   `json:"period"`
	Trigger      string   `json:"trigger"`
	Status       string   `json:"status"`
	ScheduledFor *string  `json:"scheduled_for"`
	Outputs      []string `json:"outputs"`
	Error        *string  `json:"error"`
}

func runsJSON(t *testing.T, dir string) []run {
	t.Helper()
	out, errs, code := caseload(t, dir, "runs", "--format", "json", "--limit", "0")
	if code != 0 {
		t.Fatalf("runs: %d %s", code, errs)
	}
	var rs []run
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("runs JSON: %v\n%s", err, out)
	}
	return rs
}
