// Package cli is caseload's command line: Run takes the arguments and the three standard
// streams and returns the exit code, so the whole CLI runs in tests.
//
// Exit codes (SPEC §10): 0 success, 1 failure, 2 usage error, 3 data-quality gate failed.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
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
	log            *slog.Logger
}

// Run runs caseload with args (without the program name) and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "caseload: "+err.Error())
	return exitCode(err)
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
		newServeCmd(e),
	)
	return root
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
