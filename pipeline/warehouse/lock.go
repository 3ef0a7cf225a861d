package warehouse

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
)

// Lock is the writer lock of a warehouse: an flock(2) on "<warehouse>.lock" whose content
// names the holder. The kernel drops the lock when the process dies, so a killed pull never
// leaves a stale lock behind; the file itself may stay and is reused.
type Lock struct {
	f     *os.File
	since time.Time
}

// AcquireLock takes the writer lock without waiting.
func AcquireLock(warehouse, purpose string) (*Lock, error) {
	path := warehouse + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			holder = strings.TrimSpace(string(b))
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &InUseError{Path: warehouse, Holder: holder}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	l := &Lock{f: f, since: time.Now()}
	l.setPurpose(purpose)
	return l, nil
}

// setPurpose writes the holder's description into the lock file.
func (l *Lock) setPurpose(purpose string) {
	if purpose == "" {
		purpose = "caseload"
	}
	_ = l.f.Truncate(0)
	_, _ = l.f.WriteAt([]byte(fmt.Sprintf("PID %d (caseload %s since %s)\n", os.Getpid(), purpose, l.since.Format(time.RFC3339))), 0)
}

// Release drops the lock.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// Held reports whether another process holds the writer lock, and who.
func Held(warehouse string) (bool, string) {
	f, err := os.OpenFile(warehouse+".lock", os.O_RDWR, 0)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(warehouse + ".lock")
		return true, strings.TrimSpace(string(b))
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false, ""
}
