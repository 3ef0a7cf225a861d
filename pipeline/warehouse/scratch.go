package warehouse

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// StateDir is the directory caseload owns beside a warehouse (".caseload"): generations
// being written, the previous generation, and the scratch directories of processes.
func StateDir(warehousePath string) string {
	return filepath.Join(filepath.Dir(warehousePath), ".caseload")
}

// ScratchDir holds the scratch directories of the processes working on the warehouse at
// warehousePath: ".caseload/tmp".
func ScratchDir(warehousePath string) string {
	return filepath.Join(StateDir(warehousePath), "tmp")
}

// ProcessScratchDir is this process's own scratch directory, created (mode 0700) on first
// use: ".caseload/tmp/PID-START", START being the process's start time in clock ticks since
// boot (/proc/PID/stat), so that a later process with the same PID is not taken for its
// owner. Temporary files of any kind (DuckDB spill files, transcoded inputs, excelize's
// streaming files) go there; the next caseload start removes it once the process is gone.
func ProcessScratchDir(warehousePath string) (string, error) {
	d := filepath.Join(ScratchDir(warehousePath), processTag(os.Getpid()))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("scratch directory %s: %w", d, err)
	}
	return d, nil
}

// processTag is "PID-START" for a live process, "PID-0" when its start time is unknown.
func processTag(pid int) string {
	return strconv.Itoa(pid) + "-" + strconv.FormatUint(startTime(pid), 10)
}

// startTime is field 22 of /proc/PID/stat (0 when unreadable).
func startTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 20 {
		return 0
	}
	v, _ := strconv.ParseUint(f[19], 10, 64) // field 22 overall; f[0] is field 3
	return v
}

// alive reports whether the process a scratch directory is named after still runs.
func alive(tag string) bool {
	pidText, start, ok := strings.Cut(tag, "-")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil || pid <= 0 {
		return false
	}
	if _, err := os.Stat("/proc/" + pidText); err != nil {
		return false
	}
	return start == "0" || processTag(pid) == tag
}

// removeDeadScratch removes the scratch directories of processes that are gone.
func removeDeadScratch(warehousePath string, log *slog.Logger) {
	entries, err := os.ReadDir(ScratchDir(warehousePath))
	if err != nil {
		return
	}
	for _, e := range entries {
		if alive(e.Name()) {
			continue
		}
		p := filepath.Join(ScratchDir(warehousePath), e.Name())
		if os.RemoveAll(p) == nil && log != nil {
			log.Info("removed the temporary files of a caseload process that ended without cleaning up", "dir", p)
		}
	}
}
