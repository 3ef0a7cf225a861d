package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsageExitCodes: mistakes in calling caseload exit 2 (SPEC §10) with a message that
// says what was wrong; a config file that exists but is invalid is a failure (1).
func TestUsageExitCodes(t *testing.T) {
	dir := newDir(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"--lang", "en", "frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"init"}, ExitUsage, "caseload init: accepts 1 arg(s), received 0; usage: caseload init DIR"},
		{[]string{"init", "a", "b"}, ExitUsage, "accepts 1 arg(s), received 2"},
		{[]string{"demo", "a", "b"}, ExitUsage, "usage: caseload demo [DIR]"},
		{[]string{"kpi", "extra", "--period", "2022-10"}, ExitUsage, "caseload kpi: unknown command \"extra\""},
		{[]string{"version", "x"}, ExitUsage, "caseload version"},
		{[]string{"pull", "--config", "nope.yaml"}, ExitUsage, "--config nope.yaml: no such file"},
		{[]string{"kpi", "--period", "2022-10", "--config", filepath.Join("sub", "caseload.yaml")}, ExitUsage, "no such file"},
		{[]string{"sql", "--config", "incoming", "SELECT 1"}, ExitUsage, "--config incoming: is a directory"},
		{[]string{"kpi", "--period", "2022-13"}, ExitUsage, "bad period"},
		{[]string{"pull", "--no-such-flag"}, ExitUsage, "unknown flag"},
		{[]string{"help"}, ExitOK, ""},
		{[]string{"help", "pull"}, ExitOK, ""},
		{[]string{"--help"}, ExitOK, ""},
	} {
		_, errs, code := run(t, dir, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("caseload %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
	}
	// An existing but invalid caseload.yaml is a failure, not a usage error.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("office: [x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := run(t, dir, "pull", "--config", bad); code != ExitFailure || !strings.Contains(errs, "not valid YAML") {
		t.Errorf("invalid --config file: exit %d %q", code, errs)
	}
}
