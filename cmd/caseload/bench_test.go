package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caseload/caseload/internal/testtool"
)

// BenchmarkReportProcess measures the monthly report as whole processes, the way the office
// runs it: `caseload report --period 2022-10` (xlsx, html and json, from the warehouse) against
// the pandas + openpyxl peer an analyst would write instead (testdata/peer/pandas_peer.py:
// CSV in, xlsx and html out), run alternately in one run, each pair in turn starting with the
// other. Both read 1,000,000 canonical cases (testdata/peer/canonical_cases.py, with an
// items.csv of the codes A01…A10). The warehouse is pulled once outside the timing; before the
// runs the built binary pulls again (nothing new: the warehouse's setup — migrations, KPI
// macros — becomes this binary's, as after the office's own pull).
//
// Reported per process, as medians over the pairs: s (wall), cpu-s (user + system) and peak
// RSS from the child's rusage (MiB), and peer/caseload, the ratio of the median wall times
// ("caseload is N× faster"); start-s is `caseload help` (the process start every command pays). Without pandas and openpyxl under /usr/bin/python3 the peer is
// left out and only caseload is measured. No test asserts a speed.
//
//	go test ./cmd/caseload -run '^$' -bench ReportProcess -benchtime 5x -timeout 1h
//
//	CASELOAD_BENCH_CASES   number of cases (default 1000000)
//	CASELOAD_BENCH_DIR     keep the CSV and the project there (per size) and reuse them
//	CASELOAD_BENCH_PERIOD  the report period (default 2022-10; the peer takes months only)
//	CASELOAD_BENCH_PEER    the peer script (default testdata/peer/pandas_peer.py); "off": caseload alone
//	CASELOAD_BENCH_PYTHON  the Python with pandas (default /usr/bin/python3)
func BenchmarkReportProcess(b *testing.B) {
	e := benchEnv(b)
	n, label, python := e.n, e.label, e.python
	peer, withPeer := benchPeer(b, python)
	if !withPeer {
		b.Log("no pandas peer (CASELOAD_BENCH_PEER=off, or no pandas/openpyxl): caseload alone, no ratio")
	}
	holidays := benchHolidays(b)

	dir, bin, project := e.prepare(b)
	if out, err := exec.Command(bin, "--config", filepath.Join(project, "caseload.yaml"), "pull").CombinedOutput(); err != nil {
		b.Fatalf("pull: %v\n%s", err, out)
	}

	outCaseload := filepath.Join(dir, "out-caseload")
	outPeer := filepath.Join(dir, "out-peer")
	runCaseload := func() run {
		return runProcess(b, project, bin, "report", "--period", label, "--format", "xlsx,html,json", "--out", outCaseload)
	}
	runPeer := func() run {
		return runProcess(b, project, python, peer, filepath.Join(project, "cases.csv"), filepath.Join(project, "items.csv"), holidays, label, outPeer)
	}
	// Once untimed: both tools' files come into the page cache, and the outputs agree.
	runCaseload()
	if withPeer {
		checkSameFigures(b, filepath.Join(outCaseload, "report-"+label+".json"), runPeer().stdout)
	}

	var starts []run
	withStart := func() run {
		// what every command pays before its work: the process start (help opens no database)
		starts = append(starts, runProcess(b, project, bin, "help"))
		return runCaseload()
	}
	var yardstick func() run
	if withPeer {
		yardstick = runPeer
	}
	ours, theirs := alternate(b, withStart, yardstick)
	b.ReportMetric(0, "ns/op") // a pair of processes per op: the figures below say more
	c := summarize(ours)
	b.ReportMetric(summarize(starts).wall, "start-s")
	b.ReportMetric(c.wall, "caseload-s")
	b.ReportMetric(c.cpu, "caseload-cpu-s")
	b.ReportMetric(c.rssMiB, "caseload-MiB")
	if len(theirs) > 0 {
		p := summarize(theirs)
		b.ReportMetric(p.wall, "peer-s")
		b.ReportMetric(p.cpu, "peer-cpu-s")
		b.ReportMetric(p.rssMiB, "peer-MiB")
		b.ReportMetric(p.wall/c.wall, "peer/caseload")
		b.Logf("%d cases, report %s: caseload %.3f s (cpu %.3f s, %.0f MiB), pandas peer %.2f s (cpu %.2f s, %.0f MiB): caseload %.1f× faster (medians of %d alternate runs; per pair %s)",
			n, label, c.wall, c.cpu, c.rssMiB, p.wall, p.cpu, p.rssMiB, p.wall/c.wall, len(ours), pairRatios(ours, theirs))
	} else {
		b.Logf("%d cases, report %s: caseload %.3f s (cpu %.3f s, %.0f MiB), median of %d runs", n, label, c.wall, c.cpu, c.rssMiB, len(ours))
	}
}

// BenchmarkPullProcess measures `caseload pull` of the canonical cases into a fresh
// warehouse (no warehouse file, no .caseload: removed before each run, outside the timing)
// against DuckDB's own load of the same file (testdata/nativeload: read_csv into a table of
// a new database file, CHECKPOINT), alternately as whole processes. Reported as medians:
// wall, CPU and peak RSS of each, and caseload/native for the wall time and the peak RSS.
//
//	go test ./cmd/caseload -run '^$' -bench PullProcess -benchtime 5x -timeout 1h
//
// CASELOAD_BENCH_CASES, CASELOAD_BENCH_DIR and CASELOAD_BENCH_PYTHON as for
// BenchmarkReportProcess; CASELOAD_BENCH_MEMORY sets memory_limit in the project's
// caseload.yaml (e.g. 1GB; default: caseload's own default).
func BenchmarkPullProcess(b *testing.B) {
	e := benchEnv(b)
	n := e.n
	dir, bin, project := e.prepare(b)
	native := buildNative(b)
	nativeDB := filepath.Join(dir, "native.duckdb")
	fresh := func() {
		removeAll(b, project, "caseload.duckdb", "caseload.duckdb.wal", "caseload.duckdb.lock", ".caseload", "native.duckdb", "native.duckdb.wal")
	}
	runCaseload := func() run { fresh(); return runProcess(b, project, bin, "--quiet", "pull") }
	runNative := func() run {
		fresh()
		return runProcess(b, project, native, nativeDB, filepath.Join(project, "cases.csv"))
	}
	runCaseload() // untimed: the CSV comes into the page cache
	ours, theirs := alternate(b, runCaseload, runNative)
	c, y := reportRatios(b, ours, theirs, "native")
	b.Logf("%d cases, pull into a fresh warehouse: caseload %.2f s (cpu %.2f s, %.0f MiB), DuckDB read_csv + CHECKPOINT %.2f s (cpu %.2f s, %.0f MiB): %.2f× the time, %.2f× the memory (medians of %d alternate runs; time per pair %s)",
		n, c.wall, c.cpu, c.rssMiB, y.wall, y.cpu, y.rssMiB, c.wall/y.wall, c.rssMiB/y.rssMiB, len(ours), pairRatios(theirs, ours))
}

// BenchmarkFirstRunProcess measures an office's first run: `caseload pull` into a fresh
// warehouse followed by `caseload report --period 2022-10` (xlsx, html, json), against the
// pandas peer, which reads the CSV every time (BenchmarkReportProcess). caseload's time is the
// two processes' wall times added, its memory the larger peak RSS of the two. Reported as
// medians, with caseload/peer for the time and the memory.
//
//	go test ./cmd/caseload -run '^$' -bench FirstRunProcess -benchtime 5x -timeout 1h
func BenchmarkFirstRunProcess(b *testing.B) {
	e := benchEnv(b)
	n, label, python := e.n, e.label, e.python
	peer, ok := benchPeer(b, python)
	if !ok {
		b.Skip("the first-run comparison needs the pandas peer")
	}
	holidays := benchHolidays(b)
	dir, bin, project := e.prepare(b)
	outCaseload, outPeer := filepath.Join(dir, "out-first"), filepath.Join(dir, "out-peer")
	runCaseload := func() run {
		removeAll(b, project, "caseload.duckdb", "caseload.duckdb.wal", "caseload.duckdb.lock", ".caseload")
		pull := runProcess(b, project, bin, "--quiet", "pull")
		rep := runProcess(b, project, bin, "report", "--period", label, "--format", "xlsx,html,json", "--out", outCaseload)
		return run{wall: pull.wall + rep.wall, cpu: pull.cpu + rep.cpu, maxRSS: max(pull.maxRSS, rep.maxRSS)}
	}
	runPeer := func() run {
		return runProcess(b, project, python, peer, filepath.Join(project, "cases.csv"), filepath.Join(project, "items.csv"), holidays, label, outPeer)
	}
	runCaseload()
	checkSameFigures(b, filepath.Join(outCaseload, "report-"+label+".json"), runPeer().stdout)
	ours, theirs := alternate(b, runCaseload, runPeer)
	c, p := reportRatios(b, ours, theirs, "peer")
	b.Logf("%d cases, first run (pull into a fresh warehouse + report %s): caseload %.2f s (cpu %.2f s, %.0f MiB), pandas peer %.2f s (cpu %.2f s, %.0f MiB): %.2f× the peer's time, %.2f× its memory (medians of %d alternate runs)",
		n, label, c.wall, c.cpu, c.rssMiB, p.wall, p.cpu, p.rssMiB, c.wall/p.wall, c.rssMiB/p.rssMiB, len(ours))
}

// benchSettings are the process benchmarks' knobs: the number of cases, the report period and
// the Python that writes the canonical cases (and runs the peer).
type benchSettings struct {
	n             int
	label, python string
}

// benchEnv reads the knobs, and skips the benchmark when there is no Python to write the cases.
func benchEnv(b *testing.B) benchSettings {
	e := benchSettings{
		n:      testtool.EnvInt(b, "CASELOAD_BENCH_CASES", 1_000_000),
		label:  testtool.Env("CASELOAD_BENCH_PERIOD", "2022-10"),
		python: testtool.Env("CASELOAD_BENCH_PYTHON", "/usr/bin/python3"),
	}
	if _, err := exec.LookPath(e.python); err != nil {
		b.Skipf("needs %s (python3) to write the canonical cases: %v", e.python, err)
	}
	return e
}

// prepare builds caseload and makes the project with the canonical cases: the benchmark's
// directory, the binary, the project directory.
func (e benchSettings) prepare(b *testing.B) (dir, bin, project string) {
	dir = benchDir(b, e.n)
	return dir, buildCaseload(b), benchProject(b, dir, e.n, e.python)
}

// removeAll removes names in dir (a fresh warehouse for the next run).
func removeAll(b *testing.B, dir string, names ...string) {
	for _, p := range names {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			b.Fatal(err)
		}
	}
}

// alternate runs caseload and its yardstick b.N times each, in turn, each pair starting with
// the other than the pair before, under the benchmark's timer; caseload alone if yardstick is
// nil.
func alternate(b *testing.B, caseload, yardstick func() run) (ours, theirs []run) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if yardstick == nil {
			ours = append(ours, caseload())
		} else if i%2 == 0 {
			ours = append(ours, caseload())
			theirs = append(theirs, yardstick())
		} else {
			theirs = append(theirs, yardstick())
			ours = append(ours, caseload())
		}
	}
	b.StopTimer()
	return ours, theirs
}

// reportRatios reports the medians of both sides and caseload's time and memory as multiples
// of the yardstick's (named name in the metrics).
func reportRatios(b *testing.B, ours, theirs []run, name string) (c, y summary) {
	c, y = summarize(ours), summarize(theirs)
	b.ReportMetric(0, "ns/op") // a pair of processes per op: the figures below say more
	b.ReportMetric(c.wall, "caseload-s")
	b.ReportMetric(c.rssMiB, "caseload-MiB")
	b.ReportMetric(y.wall, name+"-s")
	b.ReportMetric(y.rssMiB, name+"-MiB")
	b.ReportMetric(c.wall/y.wall, "time-ratio")
	b.ReportMetric(c.rssMiB/y.rssMiB, "memory-ratio")
	return c, y
}

// benchDir is the directory of the n-case project (CASELOAD_BENCH_DIR, or this run's scratch).
func benchDir(b *testing.B, n int) string {
	dir := os.Getenv("CASELOAD_BENCH_DIR")
	if dir == "" {
		dir = scratch(b, "data")
	}
	return filepath.Join(dir, fmt.Sprintf("cases-%d", n))
}

// benchHolidays is the embedded holiday calendar's source file, which the peer reads.
func benchHolidays(b *testing.B) string {
	holidays, err := filepath.Abs(filepath.Join("..", "..", "sql", "data", "cn-holidays.csv"))
	if err != nil {
		b.Fatal(err)
	}
	return holidays
}

// benchPeer is the pandas peer's script, if python has pandas and openpyxl.
func benchPeer(b *testing.B, python string) (string, bool) {
	peer := testtool.Env("CASELOAD_BENCH_PEER", filepath.Join("testdata", "peer", "pandas_peer.py"))
	if peer == "off" {
		return "", false
	}
	if _, err := exec.LookPath(python); err != nil {
		return "", false
	}
	if out, err := exec.Command(python, "-c", "import pandas, openpyxl").CombinedOutput(); err != nil {
		b.Logf("no pandas/openpyxl under %s (%v: %s)", python, err, strings.TrimSpace(string(out)))
		return "", false
	}
	abs, err := filepath.Abs(peer)
	if err != nil {
		b.Fatal(err)
	}
	return abs, true
}

// buildNative builds the pull benchmark's yardstick, testdata/nativeload (once per run).
func buildNative(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(scratch(b, "bin"), "nativeload")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if out, err := exec.Command("go", "build", "-o", bin, "./testdata/nativeload").CombinedOutput(); err != nil {
		b.Fatalf("go build nativeload: %v\n%s", err, out)
	}
	return bin
}

// run is one finished process.
type run struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
	stdout    string
}

func runProcess(b *testing.B, dir, name string, args ...string) run {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	r := run{wall: wall, stdout: stdout.String()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.maxRSS = ru.Maxrss // KiB on Linux
	}
	return r
}

type summary struct{ wall, cpu, rssMiB float64 }

func summarize(rs []run) summary {
	var w, c, m []float64
	for _, r := range rs {
		w = append(w, r.wall.Seconds())
		c = append(c, r.cpu.Seconds())
		m = append(m, float64(r.maxRSS)/1024)
	}
	return summary{median(w), median(c), median(m)}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func pairRatios(ours, theirs []run) string {
	var parts []string
	for i := range ours {
		parts = append(parts, fmt.Sprintf("%.1f×", theirs[i].wall.Seconds()/ours[i].wall.Seconds()))
	}
	return strings.Join(parts, " ")
}

// checkSameFigures: the peer's received and completed (its printed dict) are caseload's, so
// the two did the same work.
func checkSameFigures(b *testing.B, reportJSON, peerOut string) {
	b.Helper()
	raw, err := os.ReadFile(reportJSON)
	if err != nil {
		b.Fatal(err)
	}
	var doc struct {
		KPIs map[string]*float64 `json:"kpis"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	for _, key := range []string{"received", "completed"} {
		m := regexp.MustCompile(`'` + key + `': (\d+)`).FindStringSubmatch(peerOut)
		if m == nil {
			b.Fatalf("the peer printed no %s: %q", key, peerOut)
		}
		got, _ := strconv.ParseFloat(m[1], 64)
		if v := doc.KPIs[key]; v == nil || *v != got {
			b.Fatalf("%s: caseload %v, the peer %v: the two did not compute the same month", key, doc.KPIs[key], got)
		}
	}
}

// The testing package calls a benchmark once with b.N = 1 before the real run: the binary and
// the generated data outlive both calls, in directories TestMain removes.
var (
	scratchDirs = map[string]string{}
	builtBinary string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range scratchDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// scratch is a temporary directory for this test binary's run, the same for every call.
func scratch(b *testing.B, name string) string {
	b.Helper()
	if d, ok := scratchDirs[name]; ok {
		return d
	}
	d, err := os.MkdirTemp("", "caseload-bench-"+name+"-")
	if err != nil {
		b.Fatal(err)
	}
	scratchDirs[name] = d
	return d
}

// buildCaseload builds this command (once per test binary run).
func buildCaseload(b *testing.B) string {
	b.Helper()
	if builtBinary != "" {
		return builtBinary
	}
	bin := filepath.Join(scratch(b, "bin"), "caseload")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	builtBinary = bin
	return bin
}

// benchItems is the catalogue of the canonical cases' item codes.
const benchItems = `item_code,name,instant_since,promised_days,statutory_days,active_from,active_to
A01,华侨身份证明,2019-01-01,0,20,2019-01-01,
A02,“三侨生”身份认定,2021-06-01,0,20,2019-01-01,
A03,华侨回国定居审批,,20,60,2019-01-01,
A04,华侨回国落户审核,,1,20,2019-01-01,
A05,归侨侨眷身份确认,2019-01-01,0,10,2019-01-01,
A06,侨资企业认定,,5,20,2019-01-01,
A07,侨捐项目备案,,10,30,2019-01-01,
A08,华侨子女入学证明,2020-01-01,0,10,2019-01-01,
A09,涉侨法律援助转介,,3,15,2019-01-01,
A10,海外侨胞来访接待,2019-01-01,0,5,2019-01-01,
`

// benchProject returns a project directory in dir with n canonical cases in cases.csv, an
// items.csv and a caseload.yaml, writing the CSV unless a previous run left it there.
func benchProject(b *testing.B, dir string, n int, python string) string {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	files := map[string]string{
		"items.csv":     benchItems,
		"caseload.yaml": "office: 基准侨办\ntimezone: Asia/Shanghai\nwarehouse: caseload.duckdb\nitems: items.csv\nsources:\n  - name: cases\n    path: cases.csv\n",
	}
	if m := os.Getenv("CASELOAD_BENCH_MEMORY"); m != "" {
		files["caseload.yaml"] += "memory_limit: " + m + "\n"
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	csv := filepath.Join(dir, "cases.csv")
	done := csv + ".done"
	if _, err := os.Stat(done); err != nil {
		gen, _ := filepath.Abs(filepath.Join("testdata", "peer", "canonical_cases.py"))
		start := time.Now()
		if out, err := exec.Command(python, gen, csv, strconv.Itoa(n)).CombinedOutput(); err != nil {
			b.Fatalf("canonical_cases.py: %v\n%s", err, out)
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
		b.Logf("setup: wrote %d canonical cases in %.1fs", n, time.Since(start).Seconds())
	}
	return dir
}
