package warehouse

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// copyFileAtomic copies src to a temporary file beside dst, syncs it and renames it into
// place: a reader sees the old file or the new one, never a part.
func copyFileAtomic(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return WriteAtomic(dst, perm, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// WriteAtomic writes a file through a temporary file in the same directory, synced and
// renamed into place. On any error the temporary file is removed and dst is untouched.
func WriteAtomic(dst string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(name, perm); err != nil {
		return err
	}
	if err = os.Rename(name, dst); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// StateDir is the directory caseload owns beside a warehouse (".caseload"): temporary files,
// generations being written and run records live there, so that every start can clean what
// a killed run left and nothing lands in /tmp.
func StateDir(warehousePath string) string {
	return filepath.Join(filepath.Dir(warehousePath), ".caseload")
}

// ScratchDir is where any caseload process working on the warehouse at warehousePath keeps
// temporary files (transcoded inputs, DuckDB spill files, excelize's streaming files). It is
// created (mode 0700) if needed. Each process should use its own subdirectory (see
// ProcessScratchDir) so a start can remove what dead processes left.
func ScratchDir(warehousePath string) string {
	return filepath.Join(StateDir(warehousePath), "tmp")
}

// ProcessScratchDir is this process's own scratch directory under ScratchDir, created
// (mode 0700) on first use: "<dir>/.caseload/tmp/<pid>".
func ProcessScratchDir(warehousePath string) (string, error) {
	d := filepath.Join(ScratchDir(warehousePath), strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", fmt.Errorf("scratch directory %s: %w", d, err)
	}
	return d, nil
}
