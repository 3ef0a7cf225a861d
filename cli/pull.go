package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/pipeline/warehouse"
	"github.com/caseload/caseload/reports/figures"
	"github.com/caseload/caseload/reports/textwidth"
)

func newPullCmd(e *env) *cobra.Command {
	var force, allOrNothing bool
	var wait time.Duration
	var format string
	cmd := &cobra.Command{
		Use:   "pull [FILE…]",
		Short: "Pull case-record files (CSV, XLSX, JSON/NDJSON, Parquet) into the warehouse",
		Long: `Pull case-record files into the warehouse. With no FILE, pulls the configured sources
(globs, in name order). Files named here are pulled in the order given; a file matching a
configured source uses that source's settings (encoding, sheet, column aliases).

Every row read ends up accepted, superseded by a newer version of the same case, or
rejected with a reason code; the summary shows the four numbers per file. A file already
pulled (same sha256) is skipped unless --force. A pull is one transaction.

Exit codes: 0 ok, 1 a file could not be pulled (the others were), 2 usage,
3 the rejected share exceeded quality.max_reject_ratio.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "table", "json":
			default:
				return usagef("--format %q: expected table or json", format)
			}
			cfg, err := e.loadConfig()
			if err != nil {
				return err
			}
			e.pullWait = wait
			return e.pull(cmd.Context(), cfg, args, force, allOrNothing, format)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "re-pull files already in the ledger (same sha256)")
	cmd.Flags().BoolVar(&allOrNothing, "all-or-nothing", false, "if any file is malformed, pull nothing")
	cmd.Flags().StringVar(&format, "format", "table", "summary format: table | json")
	cmd.Flags().DurationVar(&wait, "wait", 0, "if another caseload (a scheduled run) holds the warehouse, wait up to this long (e.g. 10m)")
	return cmd
}

// openWarehouse opens the configured warehouse for writing.
func (e *env) openWarehouse(ctx context.Context, cfg *config.Config, purpose string) (*warehouse.Warehouse, error) {
	return warehouse.Open(ctx, warehouse.Options{
		Path: cfg.Warehouse, Timezone: cfg.Timezone, MemoryLimit: cfg.MemoryLimit, Threads: cfg.Threads,
		CalendarOverride: cfg.Calendar, Purpose: purpose, Logger: e.log,
	})
}

func (e *env) pull(ctx context.Context, cfg *config.Config, files []string, force, allOrNothing bool, format string) error {
	w, err := e.waitingOpen(cfg, e.clock, e.pullWait)(ctx, "pull")
	if err != nil {
		if ctx.Err() != nil {
			return &ingest.InterruptedError{Step: "opening the warehouse", Err: context.Cause(ctx)}
		}
		return err
	}
	defer w.Close()
	opt := ingest.Options{Config: cfg, Files: files, Force: force, AllOrNothing: allOrNothing, Logger: e.log, Now: e.clock.Now}
	if !e.quiet && isTerminal(e.stderr) {
		opt.Progress = &barProgress{w: e.stderr}
	}
	res, err := ingest.Pull(ctx, w, opt)
	if res != nil {
		if format == "json" {
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(res); err != nil {
				return err
			}
		} else if !e.quiet || err != nil {
			printPullSummary(e.stdout, res, terminalWidth(e.stdout))
		}
	}
	if err != nil {
		return err
	}
	if len(res.Files) == 0 && len(files) == 0 {
		e.log.Warn("nothing to pull: no files match the configured sources", "sources", strings.Join(cfg.SortedSourceNames(), ", "))
	}
	if failed := res.Failed(); len(failed) > 0 {
		return &exitError{code: ExitFailure, err: failedFilesError(res, failed)}
	}
	if err := res.CheckQuality(cfg.Quality.MaxRejectRatio); err != nil {
		return &exitError{code: ExitQuality, err: err}
	}
	return nil
}

// failedFilesError lists each file that could not be pulled with its error (which names the
// file), once: the summary table only says "error below".
func failedFilesError(res *ingest.Result, failed []ingest.FileResult) error {
	pulled := int64(0)
	for _, f := range res.Files {
		if f.Status == "pulled" {
			pulled++
		}
	}
	head := plural(int64(len(failed)), "file", "files") + " not pulled"
	if pulled > 0 {
		head += " (" + plural(pulled, "other file was", "other files were") + " pulled)"
	}
	var b strings.Builder
	b.WriteString(head + ":")
	for _, f := range failed {
		b.WriteString("\n  " + textwidth.Safe(f.Error))
	}
	return errors.New(b.String())
}

// terminalWidth is the width of w when it is a terminal, else 0 (no limit).
func terminalWidth(w any) int {
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			return cols
		}
	}
	return 0
}

// barProgress draws a progress bar while a file is scanned, then a spinner naming each
// step of unknown length (staging, validating, committing…), on a terminal.
type barProgress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar
	spinner *progressbar.ProgressBar
	stop    chan struct{}
}

func (p *barProgress) Step(label string) {
	if p.spinner != nil {
		close(p.stop)
		_ = p.spinner.Finish()
		p.spinner = nil
	}
	if label == "" {
		return
	}
	sp := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(p.w), progressbar.OptionSpinnerType(14),
		progressbar.OptionSetDescription(textwidth.Truncate(textwidth.Safe(label), 60)), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetElapsedTime(true))
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(150 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				_ = sp.Add(1)
			}
		}
	}()
	p.spinner, p.stop = sp, stop
}

func (p *barProgress) Start(label string, total int64) {
	if total < 8<<20 { // small files are done before a bar is worth drawing
		p.bar = nil
		return
	}
	p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription(textwidth.Truncate(textwidth.Safe(label), 40)), progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100_000_000))
}
func (p *barProgress) Set(done int64) {
	if p.bar != nil {
		_ = p.bar.Set64(done)
	}
}
func (p *barProgress) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// table prints aligned columns with CJK-aware widths.
type table struct {
	header []string
	rows   [][]string
	right  map[int]bool
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) {
	widths := make([]int, len(t.header))
	for i, h := range t.header {
		widths[i] = textwidth.String(h)
	}
	for _, r := range t.rows {
		for i, c := range r {
			if i < len(widths) {
				widths[i] = max(widths[i], textwidth.String(c))
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			if t.right[i] {
				b.WriteString(textwidth.PadLeft(c, widths[i]))
			} else if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				b.WriteString(textwidth.PadRight(c, widths[i]))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(t.header)
	sep := make([]string, len(t.header))
	for i := range sep {
		sep[i] = strings.Repeat("─", widths[i])
	}
	line(sep)
	for _, r := range t.rows {
		line(r)
	}
}

// num formats an integer with thousands separators (14,998).
func num(n int64) string { return figures.Thousands(n) }
