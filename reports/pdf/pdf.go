// Package pdf prints the HTML report as a PDF with headless Chromium (SPEC §11): A4, the
// report's own print CSS (@page, page breaks between sections), page numbers in the footer,
// Chinese fonts from the system (fonts-droid-fallback or any Noto/WenQuanYi CJK font).
//
// Offline by construction: the HTML is written to a file in a scratch directory and loaded
// from there; every other request the page might make (http, https, ws, other files) is
// failed by the DevTools Fetch domain before it leaves the browser. The browser's profile
// and temporary files live in the same scratch directory, which is removed afterwards
// (temporary files only when its path is short enough for Chromium's Unix socket).
//
// Without Chromium on the machine, FromHTML returns an error wrapping ErrNoChromium that
// names the Debian package to install.
package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ErrNoChromium means no Chromium was found.
var ErrNoChromium = errors.New("Chromium not found")

// DebianPackage is the package that provides the browser.
const DebianPackage = "chromium"

// browsers are the names looked up in PATH, in order.
var browsers = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "headless_shell"}

// DefaultTimeout bounds one print (browser start, load, print).
const DefaultTimeout = 2 * time.Minute

// Options configure a print.
type Options struct {
	// Chromium is the browser's path or name; "" looks up chromium, chromium-browser and
	// google-chrome in PATH. The CLI passes $CASELOAD_CHROMIUM.
	Chromium string
	// ScratchDir is where the temporary directory (the HTML file, the browser profile) is
	// made; "" = the system's temporary directory.
	ScratchDir string
	// Footer is the text printed left of the page number on every page; "" = the
	// document's <title>.
	Footer string
	// Lang is zh (第 1 / 5 页) or en (Page 1 of 5).
	Lang    string
	Timeout time.Duration
	// Blocked, when set, is called with each URL the page tried to load and was refused.
	Blocked func(url string)
}

// FindChromium returns the browser's path, or an error wrapping ErrNoChromium that says
// what to install.
func FindChromium(explicit string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("%w at %s (CASELOAD_CHROMIUM): %v; install the Debian package %q (apt-get install %s) or correct the path",
				ErrNoChromium, explicit, err, DebianPackage, DebianPackage)
		}
		return p, nil
	}
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked for %s in PATH): the pdf format needs it; install the Debian package %q (apt-get install %s), or set CASELOAD_CHROMIUM to the browser's path",
		ErrNoChromium, strings.Join(browsers[:3], ", "), DebianPackage, DebianPackage)
}

// FromHTML prints a self-contained HTML document to PDF bytes.
func FromHTML(ctx context.Context, doc []byte, opt Options) ([]byte, error) {
	exe, err := FindChromium(opt.Chromium)
	if err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.ScratchDir != "" {
		if err := os.MkdirAll(opt.ScratchDir, 0o700); err != nil {
			return nil, fmt.Errorf("pdf: %w", err)
		}
	}
	dir, err := os.MkdirTemp(opt.ScratchDir, "pdf-*")
	if err != nil {
		return nil, fmt.Errorf("pdf: scratch directory: %w", err)
	}
	defer os.RemoveAll(dir)
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, withoutPageCounter(doc), 0o600); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: page}).String()

	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	aopts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("dns-prefetch-disable", true),
		chromedp.Flag("font-render-hinting", "none"),
	)
	// Chromium puts a Unix socket (…/org.chromium.Chromium.XXXXXX/SingletonSocket) into
	// TMPDIR, and such a path may not pass 107 bytes: a deep scratch directory leaves the
	// system's temporary directory in place (Chromium removes its directory on exit).
	if len(dir)+len("/org.chromium.Chromium.XXXXXX/SingletonSocket") < 100 {
		aopts = append(aopts, chromedp.Env("TMPDIR="+dir))
	}
	if os.Geteuid() == 0 {
		aopts = append(aopts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	actx, acancel := chromedp.NewExecAllocator(ctx, aopts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	// Start the browser, then intercept every request: only the page itself loads.
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("pdf: start %s: %w", exe, err)
	}
	paused := chromedp.Events(bctx, fetch.RequestPaused)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev, err := range paused {
			if err != nil {
				return
			}
			if ev.Request != nil && ev.Request.URL == pageURL {
				_, _ = chromedp.Call(bctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			if opt.Blocked != nil && ev.Request != nil {
				opt.Blocked(ev.Request.URL)
			}
			_, _ = chromedp.Call(bctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	defer wg.Wait()
	defer bcancel() // ends the event loop before waiting for it
	if _, err := chromedp.Call(bctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, fmt.Errorf("pdf: load the report: %w", err)
	}
	out, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFMargins(0.55, 0.47, 0.55, 0.47), // the report's @page margins (14 mm, 12 mm), for pages without them
		chromedp.PDFHeaderTemplate("<span></span>"),
		chromedp.PDFFooterTemplate(footer(opt.Footer, opt.Lang)),
	))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("pdf: %w", ctx.Err())
		}
		return nil, fmt.Errorf("pdf: print: %w", err)
	}
	return out, nil
}

// withoutPageCounter silences the page counter the report's print CSS puts at the bottom
// of each page (for printing the HTML from a browser): the PDF has its own footer, with the
// title and the page number, and two page numbers on one page would be one too many.
func withoutPageCounter(doc []byte) []byte {
	const override = "<style>@page{@bottom-center{content:none}}</style>"
	if i := bytes.LastIndex(doc, []byte("</head>")); i >= 0 {
		return append(append(append([]byte{}, doc[:i]...), override...), doc[i:]...)
	}
	return doc
}

// footerFonts is the CJK font stack of the footer (the page's own fonts do not apply to it).
const footerFonts = `"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Droid Sans Fallback",sans-serif`

// footer is the footer template: the title on the left, the page number on the right.
func footer(title, lang string) string {
	left := `<span class="title"></span>`
	if title != "" {
		left = `<span>` + html.EscapeString(title) + `</span>`
	}
	num := `第 <span class="pageNumber"></span> / <span class="totalPages"></span> 页`
	if lang == "en" {
		num = `Page <span class="pageNumber"></span> of <span class="totalPages"></span>`
	}
	return `<div style="box-sizing:border-box;width:100%;padding:0 12mm;font-size:8pt;color:#666;font-family:` +
		html.EscapeString(footerFonts) + `;display:flex;justify-content:space-between">` +
		left + `<span>` + num + `</span></div>`
}
