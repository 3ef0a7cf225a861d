package deliver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// testClock is the injected clock: Sleep advances it and records the delay; onSleep, when
// set, runs inside Sleep (e.g. to start a server that was down).
type testClock struct {
	mu      sync.Mutex
	t       time.Time
	sleeps  []time.Duration
	onSleep func(n int)
}

func newClock() *testClock {
	return &testClock{t: time.Date(2022, 11, 1, 6, 0, 0, 0, shanghai)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	n := len(c.sleeps)
	hook := c.onSleep
	c.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return ctx.Err()
}

// testEnv is the environment secrets are read from.
type testEnv map[string]string

func (e testEnv) get(k string) (string, bool) { v, ok := e[k]; return v, ok }

// harness collects everything a send shows: the options to pass and the log.
type harness struct {
	clock *testClock
	env   testEnv
	log   *bytes.Buffer
	opt   Options
}

func newHarness(env testEnv) *harness {
	h := &harness{clock: newClock(), env: env, log: &bytes.Buffer{}}
	h.opt = Options{Getenv: env.get, Now: h.clock.Now, Sleep: h.clock.Sleep, Location: shanghai, Host: "caseload-test",
		Version: "test", Logger: slog.New(slog.NewTextHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	return h
}

// loadDeliveries parses a caseload.yaml with the given deliveries: section (and more).
func loadDeliveries(t testing.TB, dir, yaml string) *config.Config {
	t.Helper()
	c, err := config.Parse(filepath.Join(dir, "caseload.yaml"), []byte("office: 示范县侨办\nitems: items.csv\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func delivery(t testing.TB, c *config.Config, name string) config.Delivery {
	t.Helper()
	d, ok := c.Delivery(name)
	if !ok {
		t.Fatalf("no delivery %s", name)
	}
	return *d
}

var october = func() period.Period {
	p, err := period.Parse("2022-10")
	if err != nil {
		panic(err)
	}
	return p
}()

var testHeadlines = []string{
	"截至2022年10月底，示范县侨办累计审批涉侨业务14,856宗。",
	"2022年10月，共受理涉侨业务207宗，同比下降1.4%，环比下降12.7%；办结198宗。",
	"截至2022年10月底，全部8项审批事项中即办件事项7项，即办率达87.5%。",
}

// reportFiles writes a real workbook (Chinese sheet names), an HTML file and a PDF of
// pdfBytes bytes into dir, named like the report writer names them.
func reportFiles(t testing.TB, dir string, pdfBytes int) []string {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", "汇总"); err != nil {
		t.Fatal(err)
	}
	f.SetCellValue("汇总", "A1", "指标")
	f.SetCellValue("汇总", "B1", "本期")
	f.SetCellValue("汇总", "A2", "受理量")
	f.SetCellValue("汇总", "B2", 207)
	if _, err := f.NewSheet("分事项"); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(dir, "report-2022-10.xlsx")
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "report-2022-10.html")
	os.WriteFile(html, []byte("<!DOCTYPE html><html lang=\"zh-CN\"><title>报告</title><p>受理207宗</p></html>"), 0o644)
	pdf := filepath.Join(dir, "report-2022-10.pdf")
	os.WriteFile(pdf, append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), max(pdfBytes-9, 0))...), 0o644)
	return []string{xlsx, html, pdf}
}

func reportMessage(t testing.TB, paths []string) Message {
	t.Helper()
	files, err := FilesOf(paths)
	if err != nil {
		t.Fatal(err)
	}
	return Message{Type: TypeReport, Office: "示范县侨办", Lang: "zh", Period: october, Headlines: testHeadlines, Files: files}
}

// assertNoSecret fails if any of the texts contains the secret or a common encoding of it.
func assertNoSecret(t testing.TB, secret string, texts map[string]string) {
	t.Helper()
	r := &redactor{}
	r.add(secret)
	for what, s := range texts {
		for _, form := range r.secrets {
			if strings.Contains(s, form) {
				t.Errorf("%s contains the secret (as %q):\n%s", what, form, s)
			}
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
