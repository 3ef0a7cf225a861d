package config

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	sqlfiles "github.com/caseload/caseload/sql"
)

// sizeRE is a size as DuckDB's memory_limit takes it: a number and a unit (KB, MB, GB, TB
// are powers of 1000, KiB … TiB powers of 1024, B or bytes), or a percentage, which caseload
// turns into bytes itself (DuckDB refuses percentages).
var sizeRE = regexp.MustCompile(`(?i)^\s*([0-9]+(?:\.[0-9]+)?)\s*(b|bytes|kb|mb|gb|tb|kib|mib|gib|tib|%)\s*$`)

var units = map[string]float64{
	"b": 1, "bytes": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// memoryBytes turns a memory_limit value into bytes: "4GB", "512MiB", "50%" (of the memory
// this process may use: the cgroup limit when one is set, else the machine's). ok is false
// for anything else.
func memoryBytes(s string, total func() (uint64, error)) (uint64, bool, error) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f <= 0 {
		return 0, false, nil
	}
	unit := strings.ToLower(m[2])
	if unit == "%" {
		if f > 100 {
			return 0, false, nil
		}
		t, err := total()
		if err != nil {
			return 0, true, err
		}
		return uint64(float64(t) * f / 100), true, nil
	}
	b := f * units[unit]
	if b < 1<<20 || b > math.MaxInt64 {
		return 0, false, nil
	}
	return uint64(b), true, nil
}

// totalMemory is the memory this process may use: the cgroup v2 (or v1) limit when one is
// set, else MemTotal of /proc/meminfo.
func totalMemory() (uint64, error) {
	for _, f := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(f); err == nil {
			if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && v < 1<<60 {
				if mt, err := memTotal(); err == nil && mt < v {
					return mt, nil
				}
				return v, nil
			}
		}
	}
	return memTotal()
}

func memTotal() (uint64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("cannot tell the machine's memory for a percentage (%v); give a size like 4GB", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			if err == nil {
				return kb * 1024, nil
			}
		}
	}
	return 0, fmt.Errorf("cannot tell the machine's memory for a percentage (no MemTotal in /proc/meminfo); give a size like 4GB")
}

// duckdbZones are the time zone names DuckDB's ICU knows (sql/data/icu-timezones.txt, the
// output of pg_timezone_names(); TestICUTimezones keeps it equal to DuckDB's own list).
func duckdbZones() map[string]bool {
	b, _ := sqlfiles.FS.ReadFile("data/icu-timezones.txt")
	out := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out[line] = true
		}
	}
	return out
}

// zoneSuggestion proposes a zone DuckDB knows for one it does not ("right/Asia/Shanghai",
// "posix/Asia/Shanghai", "asia/shanghai" → "Asia/Shanghai"), or "".
func zoneSuggestion(tz string, known map[string]bool) string {
	for _, prefix := range []string{"right/", "posix/", "zoneinfo/"} {
		if rest, ok := strings.CutPrefix(tz, prefix); ok && known[rest] {
			return rest
		}
	}
	for k := range known {
		if strings.EqualFold(k, tz) {
			return k
		}
	}
	return ""
}
