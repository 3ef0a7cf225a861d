package testtool

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Env is the environment variable name, or def when it is unset or empty (benchmark knobs
// such as CASELOAD_BENCH_DIR).
func Env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// EnvInt is the positive number in the environment variable name ("1_000_000" allowed), or
// def when it is unset; anything else fails the benchmark.
func EnvInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// ResetPeakRSS resets the kernel's record of this process's peak resident set size
// (Linux ≥ 4.0; elsewhere nothing).
func ResetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// PeakRSSMB is this process's peak resident set size since the last reset (VmHWM), in MB;
// 0 where /proc is not available.
func PeakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			if err == nil {
				return kb / 1024
			}
		}
	}
	return 0
}
