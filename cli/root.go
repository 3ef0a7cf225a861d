// Package cli is caseload's command line: Run takes the arguments and the three standard
// streams and returns the exit code, so the whole CLI runs in tests.
//
// Exit codes (SPEC §10): 0 success, 1 failure, 2 usage error, 3 data-quality gate failed.
// Usage errors are the caller's: an unknown command, flag or flag value, a missing or extra
// argument, a bad --period, no caseload.yaml, or a --config file that does not exist. A
// caseload.yaml that exists but is invalid is a failure (1), like any other bad input file.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/reports/textwidth"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
	ExitQuality = 3
)

// Version is set at build time (-ldflags "-X github.com/caseload/caseload/cli.Version=…").
var Version = "dev"

// usageError marks an error caused by how the command was called (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// exitError carries a specific exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// env is what every command gets: the streams, the global flags and a logger.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	dbPath         string
	lang           string
	logFormat      string
	quiet          bool
	verbose        bool
	pullWait       time.Duration // pull --wait
	log            *slog.Logger
	// clock is the time every command works from (relative periods, schedules, waits, the
	// pull time): the real clock, which tests of the cli package replace.
	clock clockwork.Clock
}

// Run runs caseload with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, clock: clockwork.NewRealClock()}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	var err error
	// cobra reports an unknown command while finding the command, as a plain error: find it
	// first (with cobra's own help and completion commands in place, as Execute adds them),
	// so that it is a usage error like the other mistakes in calling caseload.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd(args...)
	completing := len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
	if _, _, ferr := root.Find(args); ferr != nil && !completing {
		err = &usageError{fmt.Errorf("%w (see 'caseload --help')", ferr)}
	} else {
		err = root.ExecuteContext(ctx)
	}
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "caseload: "+safeLines(err.Error()))
	return exitCode(err)
}

// safeLines passes each line of an error message through textwidth.Safe: messages quote
// file names and values from data, which must not reach the terminal as escape sequences.
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = textwidth.Safe(l)
	}
	return strings.Join(lines, "\n")
}

func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	var pe *period.ParseError
	if errors.As(err, &pe) {
		return ExitUsage
	}
	if errors.Is(err, context.Canceled) {
		return ExitFailure
	}
	return ExitFailure
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "caseload",
		Short: "Approval-case figures, workbooks and news-brief material from an office's case records",
		Long: `caseload turns a public-service office's approval-case records into the figures,
Excel workbooks and HTML reports the office publishes, with DuckDB embedded.

Work in a project directory holding caseload.yaml (create one with 'caseload init DIR',
or try 'caseload demo').`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return e.setup()
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%w (see 'caseload %s --help')", err, cmd.Name())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&e.configPath, "config", "", "project file (default ./caseload.yaml)")
	pf.StringVar(&e.dbPath, "db", "", "warehouse file (default: warehouse: in caseload.yaml)")
	pf.StringVar(&e.lang, "lang", "zh", "language of reports and labels: zh | en")
	pf.StringVar(&e.logFormat, "log-format", "text", "log format on stderr: text | json")
	pf.BoolVar(&e.quiet, "quiet", false, "print only errors (and the requested output)")
	pf.BoolVarP(&e.verbose, "verbose", "v", false, "debug logs on stderr (timings of every step)")
	root.AddCommand(
		newVersionCmd(e),
		newInitCmd(e),
		newPullCmd(e),
		newSQLCmd(e),
		newGenCmd(e),
		newDemoCmd(e),
		newKPICmd(e),
		newReportCmd(e),
		newRunCmd(e),
		newScheduleCmd(e),
		newRunsCmd(e),
		newDeliverCmd(e),
		newServeCmd(e),
	)
	argsAreUsage(root)
	return root
}

// argsAreUsage makes a wrong number of arguments, to c and every command under it, a usage
// error (exit 2) that shows how the command is called.
func argsAreUsage(c *cobra.Command) {
	for _, sub := range c.Commands() {
		argsAreUsage(sub)
	}
	check := c.Args
	if check == nil {
		return
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &usageError{fmt.Errorf("%s: %w; usage: %s (see '%s --help')", cmd.CommandPath(), err, cmd.UseLine(), cmd.CommandPath())}
		}
		return nil
	}
}

func (e *env) setup() error {
	switch e.lang {
	case "zh", "en":
	default:
		return usagef("--lang %q: expected zh or en", e.lang)
	}
	level := slog.LevelInfo
	if e.quiet {
		level = slog.LevelError
	}
	if e.verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch e.logFormat {
	case "text":
		e.log = slog.New(slog.NewTextHandler(e.stderr, opts))
	case "json":
		e.log = slog.New(slog.NewJSONHandler(e.stderr, opts))
	default:
		return usagef("--log-format %q: expected text or json", e.logFormat)
	}
	return nil
}

// loadConfig finds and loads caseload.yaml; --db overrides the warehouse.
func (e *env) loadConfig() (*config.Config, error) {
	path, err := config.Find(e.configPath)
	if err != nil {
		return nil, &usageError{err}
	}
	if e.configPath != "" {
		// A --config naming no file is a mistake in the call, not a broken project.
		if st, err := os.Stat(e.configPath); errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("--config %s: no such file (create a project with `caseload init DIR`)", e.configPath)
		} else if err == nil && st.IsDir() {
			return nil, usagef("--config %s: is a directory; name the project's caseload.yaml", e.configPath)
		}
	}
	c, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	if e.dbPath != "" {
		c.Warehouse = e.dbPath
	}
	return c, nil
}

// isTerminal reports whether w is a terminal (progress bars and prompts only there).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the caseload and DuckDB versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(e.stdout, "caseload %s (DuckDB %s)\n", Version, duckdbVersion())
			return nil
		},
	}
}
