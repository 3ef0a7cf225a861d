package cli

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/caseload/caseload/pipeline/jobs"
)

// unitKeys reads a systemd unit's [Service] keys.
func unitKeys(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			keys[k] = v
		}
	}
	return keys
}

// TestSystemdUnit: deploy/caseload.service is a notify service whose stop timeout outlasts
// the scheduler's shutdown grace, whose command line caseload accepts, and which
// systemd-analyze verify passes without a warning.
func TestSystemdUnit(t *testing.T) {
	unit := filepath.Join("..", "deploy", "caseload.service")
	keys := unitKeys(t, unit)
	if keys["Type"] != "notify" || keys["WatchdogSec"] == "" || keys["Restart"] != "on-failure" {
		t.Errorf("unit: Type=%s WatchdogSec=%s Restart=%s", keys["Type"], keys["WatchdogSec"], keys["Restart"])
	}
	stop, err := time.ParseDuration(keys["TimeoutStopSec"])
	if err != nil || stop <= jobs.Grace {
		t.Errorf("TimeoutStopSec=%s must be above the shutdown grace %s", keys["TimeoutStopSec"], jobs.Grace)
	}
	exec0 := strings.Fields(keys["ExecStart"])
	if len(exec0) < 2 || exec0[1] != "schedule" {
		t.Fatalf("ExecStart=%s", keys["ExecStart"])
	}
	bin := caseloadBinary(t)
	// The command line is one caseload accepts (with --list it prints the plan and exits).
	dir := newDir(t)
	os.WriteFile(filepath.Join(dir, "caseload.yaml"), []byte("office: 测试侨办\nitems: items.csv\njobs:\n  - name: m\n    schedule: \"0 6 1 * *\"\n    steps: [report]\n"), 0o644)
	args := append([]string{}, exec0[1:]...)
	for i, a := range args {
		if a == "--config" {
			args[i+1] = filepath.Join(dir, "caseload.yaml")
		}
		if a == "--http" {
			args[i+1] = "127.0.0.1:0"
		}
	}
	if out, err := exec.Command(bin, append(args, "--list")...).CombinedOutput(); err != nil || !strings.Contains(string(out), "next runs") {
		t.Errorf("%v --list: %v\n%s", args, err, out)
	}
	sa := testtool.Path(t, "systemd-analyze", "systemd")
	tmp := t.TempDir()
	text, _ := os.ReadFile(unit)
	os.WriteFile(filepath.Join(tmp, "caseload.service"), []byte(strings.ReplaceAll(string(text), exec0[0], bin)), 0o644)
	out, err := exec.Command(sa, "verify", "--man=no", filepath.Join(tmp, "caseload.service")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
