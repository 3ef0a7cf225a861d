package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"
)

// tmuxSession drives a program in a pseudo-terminal (a detached tmux session).
type tmuxSession struct {
	t    *testing.T
	name string
}

func newTmux(t *testing.T, dir string, command string) *tmuxSession {
	t.Helper()
	name := "caseload-test-" + filepath.Base(dir)
	s := &tmuxSession{t: t, name: name}
	cmd := exec.Command("tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "60", "-c", dir, command+"; echo EXITED $?; sleep 60")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return s
}

// line types text literally and presses Enter (tmux would take a trailing ';' as its own
// command separator, hence the escape).
func (s *tmuxSession) line(text string) {
	s.t.Helper()
	if err := exec.Command("tmux", "send-keys", "-t", s.name, "-l", strings.ReplaceAll(text, ";", `\;`)).Run(); err != nil {
		s.t.Fatal(err)
	}
	s.key("Enter")
}

func (s *tmuxSession) key(k string) {
	s.t.Helper()
	if err := exec.Command("tmux", "send-keys", "-t", s.name, k).Run(); err != nil {
		s.t.Fatal(err)
	}
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.name, "-S", "-500").Output()
	return string(out)
}

// waitCount waits until text appears at least n times on the screen.
func (s *tmuxSession) waitCount(text string, n int) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(s.screen(), text) >= n {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("waited for %q ×%d; screen:\n%s", text, n, s.screen())
}

// TestPrompt drives the real binary's prompt in a pseudo-terminal: a statement, a
// two-line statement, history recall with the Up arrow (and across sessions), .tables,
// .format csv, Ctrl-C during a long statement (the prompt stays), Ctrl-D (acceptance 3).
func TestPrompt(t *testing.T) {
	testtool.Path(t, "tmux", "tmux") // the pseudo-terminal
	bin := caseloadBinary(t)
	dir := newDir(t)
	if _, errs, code := run(t, dir, "pull"); code != 0 {
		t.Fatal(errs)
	}
	s := newTmux(t, dir, bin+" sql")
	s.waitCount("caseload>", 1)
	s.line("SELECT 40 + 2 AS answer;")
	s.waitCount("(1 row)", 1)
	s.line("SELECT case_id,")
	s.waitCount("...>", 1)
	s.line("  received_at FROM cases;")
	s.waitCount("A1 ", 1)
	if !strings.Contains(s.screen(), "2022-10-01 09:00:00+08:00") {
		t.Errorf("two-line statement:\n%s", s.screen())
	}
	s.key("Up")
	s.waitCount("caseload> SELECT case_id, received_at FROM cases;", 1)
	s.key("Enter")
	s.waitCount("2022-10-01 09:00:00+08:00", 2)
	s.line(".tables")
	s.waitCount("ingest_files", 1)
	s.line(".format csv")
	s.line("SELECT 'x,y' AS csv_col, 7 AS n;")
	s.waitCount(`"x,y",7`, 1)
	s.line(".format table")
	s.line("SELECT count(*) FROM range(1000000000000000) a;")
	time.Sleep(time.Second) // let the statement start: Ctrl-C must reach it, not the line editor
	for i := 0; !strings.Contains(s.screen(), "query cancelled") && i < 20; i++ {
		s.key("C-c")
		time.Sleep(500 * time.Millisecond)
	}
	s.waitCount("error: query cancelled", 1)
	s.line("SELECT 'still here' AS alive;")
	s.waitCount("still here", 2)
	s.line(".quit")
	s.waitCount("EXITED 0", 1)

	hist, err := os.ReadFile(filepath.Join(dir, ".caseload", "sql_history"))
	if err != nil || !strings.Contains(string(hist), "SELECT case_id, received_at FROM cases;") {
		t.Errorf("history: %q %v", hist, err)
	}
	if st, err := os.Stat(filepath.Join(dir, ".caseload", "sql_history")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("history file mode: %v", st.Mode())
	}

	// A new session recalls the last statement of the previous one; Ctrl-D leaves.
	exec.Command("tmux", "kill-session", "-t", s.name).Run()
	s = newTmux(t, dir, bin+" sql")
	s.waitCount("caseload>", 1)
	s.key("Up")
	s.waitCount("caseload> .quit", 1)
	s.key("Up")
	s.waitCount("caseload> SELECT 'still here' AS alive;", 1)
	s.key("C-c") // clears the recalled line
	s.key("C-d")
	s.waitCount("EXITED 0", 1)
}
