package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/chzyer/readline"

	"github.com/caseload/caseload/pipeline/analyst"
	"github.com/caseload/caseload/pipeline/analyst/export"
	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/reports/textwidth"
)

const promptHelp = `Statements end with ';' and may span lines. Read-only: SELECT, EXPLAIN, PRAGMA.
  .tables            list the tables and views
  .schema NAME       the columns of a table or view
  .format F          table | csv | tsv | json | ndjson | xlsx | parquet | arrow
  .output FILE       write each following result to FILE (replaced atomically);
                     .output alone: back to the terminal
  .timer on|off      show how long each statement took
  .help              this text
  .quit              leave (or Ctrl-D)
Ctrl-C stops the running statement (or clears the line being typed).
Up/Down recall earlier statements (history: .caseload/sql_history in the project).`

// prompt is the interactive `caseload sql` session (SPEC §9).
type prompt struct {
	e     *env
	sess  *analyst.Session
	xo    export.Options
	f     export.Format
	out   string
	timer bool
	rl    *readline.Instance
}

// HistoryPath is where the prompt keeps its history: in the project directory.
func historyPath(cfg *config.Config) string {
	return filepath.Join(cfg.Dir, ".caseload", "sql_history")
}

// sqlPrompt reads statements with line editing and history until .quit or Ctrl-D. Ctrl-C
// while a statement runs cancels that statement only; SIGTERM cancels it and leaves.
func (e *env) sqlPrompt(ctx context.Context, cfg *config.Config, sess *analyst.Session, f export.Format, xo export.Options) error {
	hist := historyPath(cfg)
	if err := os.MkdirAll(filepath.Dir(hist), 0o700); err != nil {
		return err
	}
	if fh, err := os.OpenFile(hist, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
		fh.Close() // created private before readline opens it (it would make it 0666)
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 "caseload> ",
		HistoryFile:            hist,
		HistoryLimit:           1000,
		DisableAutoSaveHistory: true,
		InterruptPrompt:        "^C",
		Stdout:                 e.stderr,
		Stderr:                 e.stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	p := &prompt{e: e, sess: sess, xo: xo, f: f, rl: rl}
	if f.Binary() {
		p.f = export.Table
	}

	// The command's context is cancelled by the first SIGINT (cmd/caseload): statements run
	// under a context of their own, cancelled by Ctrl-C; SIGTERM also ends the prompt.
	base := context.WithoutCancel(ctx)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var terminated atomic.Bool

	fmt.Fprintf(e.stderr, "caseload sql — read-only, %s — end statements with ; — .help for help, Ctrl-D to leave\n", sess.Source)
	var buf strings.Builder
	for !terminated.Load() {
		if buf.Len() == 0 {
			rl.SetPrompt("caseload> ")
		} else {
			rl.SetPrompt("      ...> ")
		}
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			continue
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if buf.Len() == 0 && strings.HasPrefix(strings.TrimSpace(line), ".") {
			cmdLine := strings.TrimSpace(line)
			_ = rl.SaveHistory(cmdLine)
			if quit := p.dot(base, cmdLine); quit {
				break
			}
			continue
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		text := buf.String()
		if !analyst.Complete(text) {
			continue
		}
		buf.Reset()
		_ = rl.SaveHistory(strings.Join(strings.Fields(text), " "))
		for _, st := range analyst.Split(text) {
			qctx, cancel := context.WithCancel(base)
			stop := make(chan struct{})
			go func() {
				select {
				case s := <-sigs:
					if s == syscall.SIGTERM {
						terminated.Store(true)
					}
					cancel()
				case <-stop:
				}
			}()
			err := p.run(qctx, st.Text)
			close(stop)
			cancel()
			if err != nil {
				fmt.Fprintln(e.stderr, "error: "+textwidth.Safe(err.Error()))
				break // the rest of this input is not run after a failure
			}
		}
	}
	fmt.Fprintln(e.stderr)
	return nil
}

// run runs one statement and shows (or writes) its result.
func (p *prompt) run(ctx context.Context, stmt string) error {
	t0 := time.Now()
	var n int64
	var err error
	if p.out == "" && p.f.Binary() {
		return fmt.Errorf("%s is a file format: give .output FILE first, or .format table", p.f)
	}
	if p.out != "" {
		n, err = p.e.export(ctx, p.sess, stmt, p.f, p.out, p.xo)
		if err == nil {
			fmt.Fprintf(p.e.stderr, "wrote %s to %s\n", plural(n, "row", "rows"), p.out)
		}
	} else {
		_, err = p.e.runOne(ctx, p.sess, stmt, p.f, p.e.stdout, p.xo)
	}
	if p.timer {
		fmt.Fprintf(p.e.stderr, "Run Time: %.3fs\n", time.Since(t0).Seconds())
	}
	return err
}

// dot runs a dot command; it reports whether the prompt should end.
func (p *prompt) dot(ctx context.Context, line string) bool {
	fields := strings.Fields(line)
	cmd, args := fields[0], fields[1:]
	errf := func(format string, a ...any) { fmt.Fprintf(p.e.stderr, "error: "+format+"\n", a...) }
	switch cmd {
	case ".quit", ".exit", ".q":
		return true
	case ".help":
		fmt.Fprintln(p.e.stderr, promptHelp)
	case ".tables":
		p.show(ctx, `SELECT table_name AS name, CASE table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS kind
			FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = 'main'
			ORDER BY kind DESC, name`)
	case ".schema":
		if len(args) != 1 {
			errf("usage: .schema NAME (.tables lists the names)")
			break
		}
		n := p.show(ctx, `SELECT column_name AS "column", data_type AS type, is_nullable = 'YES' AS nullable
			FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = 'main'
			AND table_name = $1 ORDER BY ordinal_position`, args[0])
		if n == 0 {
			errf("no table or view named %q (.tables lists them)", args[0])
		}
	case ".format", ".mode":
		if len(args) != 1 {
			fmt.Fprintf(p.e.stderr, "format: %s (one of %s)\n", p.f, strings.Join(export.Formats(), ", "))
			break
		}
		f, ok := export.ParseFormat(args[0])
		if !ok {
			errf("%q is not a format; expected one of %s", args[0], strings.Join(export.Formats(), ", "))
			break
		}
		p.f = f
		if f.Binary() && p.out == "" {
			fmt.Fprintf(p.e.stderr, "%s is a file format: give .output FILE before the next statement\n", f)
		}
	case ".output", ".once":
		if len(args) == 0 {
			p.out = ""
			if p.f.Binary() {
				p.f = export.Table
			}
			break
		}
		out := strings.Join(args, " ")
		if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
			errf("%s: no such directory", filepath.Dir(out))
			break
		}
		p.out = out
	case ".timer":
		if len(args) != 1 || (args[0] != "on" && args[0] != "off") {
			errf("usage: .timer on|off")
			break
		}
		p.timer = args[0] == "on"
	default:
		errf("unknown command %s (.help lists the commands)", cmd)
	}
	return false
}

// show runs a catalogue query and prints it as a table; it returns the number of rows.
func (p *prompt) show(ctx context.Context, q string, args ...any) int64 {
	res, err := p.sess.Query(ctx, q, args...)
	if err != nil {
		fmt.Fprintln(p.e.stderr, "error: "+err.Error())
		return 0
	}
	defer res.Close()
	n, err := export.Write(p.e.stdout, res.Rows, export.Table, p.xo)
	if err != nil {
		fmt.Fprintln(p.e.stderr, "error: "+err.Error())
	}
	return n
}
