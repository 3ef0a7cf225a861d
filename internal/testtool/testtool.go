// Package testtool is how tests find the outside programs they drive (tmux, LibreOffice,
// Chromium, poppler, systemd-analyze, Python with openpyxl).
//
// A test whose program is missing skips, saying which Debian package holds it, so that
// `go test ./...` runs on a developer's machine without them. Where the environment sets
// CASELOAD_REQUIRE_TOOLS (.ci/run does, after installing every program), a missing program
// fails the test instead: a skipped test proves nothing, and CI must not pass on one.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing program into a failure.
const RequireEnv = "CASELOAD_REQUIRE_TOOLS"

// Missing ends the test because a program it needs is not there: a failure where RequireEnv
// is set, else a skip. what names the program, pkg its Debian package, err why it was not
// found.
func Missing(t testing.TB, what, pkg string, err error) {
	t.Helper()
	if os.Getenv(RequireEnv) != "" {
		t.Fatalf("%s not found (Debian package %s): %v (%s is set: install it)", what, pkg, err, RequireEnv)
	}
	t.Skipf("%s not found (Debian package %s): %v; the test did not run (set %s=1 to make this a failure)", what, pkg, err, RequireEnv)
}

// Path is the path of the program name, or Missing.
func Path(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, pkg, err)
	}
	return p
}

// Python is /usr/bin/python3 when it imports every module, or Missing (pkg names the Debian
// packages of the modules).
func Python(t testing.TB, pkg string, modules ...string) string {
	t.Helper()
	const py = "/usr/bin/python3"
	for _, m := range modules {
		if out, err := exec.Command(py, "-c", "import "+m).CombinedOutput(); err != nil {
			Missing(t, py+" with "+m, pkg, fmtErr(err, out))
		}
	}
	return py
}

type cmdErr struct {
	err error
	out string
}

func (e cmdErr) Error() string { return e.err.Error() + ": " + e.out }

func fmtErr(err error, out []byte) error {
	if len(out) > 200 {
		out = out[len(out)-200:]
	}
	return cmdErr{err, string(out)}
}
