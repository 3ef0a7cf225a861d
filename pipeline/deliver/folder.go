package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/period"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// MarkerName is the file a folder delivery leaves in each period folder it fills: it lists
// the files caseload put there, so that `keep` removes only those, and only from folders
// caseload made.
const MarkerName = ".caseload-delivery.json"

type folderKind struct {
	d   config.Delivery
	opt Options
}

func (k *folderKind) target(msg Message) string {
	base, dest := baseAndDest(k.d.Folder.Path, msg.Period)
	if msg.Type == TypeTest {
		return base
	}
	return dest
}

type folderMarker struct {
	Period      string    `json:"period"`
	Files       []string  `json:"files"`
	DeliveredAt time.Time `json:"delivered_at"`
}

type folderJob struct {
	k     *folderKind
	msg   Message
	files []File
	base  string // must exist: the folder above the first element with {period}
	dest  string
	note  []string
}

func (j *folderJob) notes() []string { return j.note }

// baseAndDest splits the pattern: base is the directory that must already exist (a network
// share's mount point or a folder on it); dest is the expanded target.
func baseAndDest(pattern string, p period.Period) (base, dest string) {
	i := strings.Index(pattern, "{period}")
	if i < 0 {
		return pattern, pattern
	}
	base = filepath.Dir(pattern[:i] + "x")
	label := "test"
	if !p.IsZero() {
		label = p.FileLabel()
	}
	return base, strings.ReplaceAll(pattern, "{period}", label)
}

func (k *folderKind) prepare(ctx context.Context, msg Message, env func(string) (string, bool), red *redactor) (job, error) {
	f := k.d.Folder
	j := &folderJob{k: k, msg: msg}
	j.base, j.dest = baseAndDest(f.Path, msg.Period)
	switch msg.Type {
	case TypeReport:
		if len(f.Formats) == 0 {
			j.files = msg.Files
		} else {
			files, err := filesOf(msg.Files, f.Formats, "formats")
			if err != nil {
				return nil, err
			}
			j.files = files
		}
		if len(j.files) == 0 {
			return nil, permanentf("no files to copy")
		}
	case TypeTest:
	default:
		return nil, permanentf("a folder delivery cannot carry %s messages", msg.Type)
	}
	return j, nil
}

func (j *folderJob) run(ctx context.Context) (int64, error) {
	st, err := os.Stat(j.base)
	if err != nil || !st.IsDir() {
		// A share that is not mounted looks like this; it may come back.
		return 0, transientf("folder %s does not exist (is the share mounted?)", j.base)
	}
	if j.msg.Type == TypeTest {
		return j.probe()
	}
	if err := os.MkdirAll(j.dest, 0o755); err != nil {
		return 0, err
	}
	var total int64
	var names []string
	for _, f := range j.files {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		name := filepath.Base(f.Path)
		dst := filepath.Join(j.dest, name)
		removeStaleTemps(dst)
		n, err := copyAtomic(f.Path, dst)
		total += n
		if err != nil {
			return total, fmt.Errorf("copy %s to %s: %w", name, j.dest, err)
		}
		names = append(names, name)
	}
	if err := j.writeMarker(names); err != nil {
		return total, err
	}
	if j.k.d.Folder.Keep > 0 {
		j.note = append(j.note, j.prune()...)
	}
	return total, nil
}

// probe checks that the base folder is writable: a test message writes and removes a file.
func (j *folderJob) probe() (int64, error) {
	data := []byte("caseload test " + j.msg.Time.Format(time.RFC3339) + "\n")
	p := filepath.Join(j.base, ".caseload-test")
	if err := warehouse.WriteAtomic(p, 0o644, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
		return 0, fmt.Errorf("write a test file into %s: %w", j.base, err)
	}
	if err := os.Remove(p); err != nil {
		return 0, fmt.Errorf("remove the test file from %s: %w", j.base, err)
	}
	return int64(len(data)), nil
}

// copyAtomic copies src to a temporary name in dst's folder, syncs it and renames it into
// place (SPEC §7.4): readers of the share never see a partial file.
func copyAtomic(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	var n int64
	err = warehouse.WriteAtomic(dst, 0o644, func(w io.Writer) error {
		var err error
		n, err = io.Copy(w, in)
		return err
	})
	return n, err
}

// removeStaleTemps removes the temporary files a killed copy left for dst (.NAME.tmp-*).
func removeStaleTemps(dst string) {
	esc := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`).Replace(filepath.Base(dst))
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), "."+esc+".tmp-*"))
	for _, m := range matches {
		_ = os.Remove(m)
	}
}

func (j *folderJob) writeMarker(names []string) error {
	p := filepath.Join(j.dest, MarkerName)
	var m folderMarker
	if b, err := os.ReadFile(p); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	for _, n := range names {
		if !slices.Contains(m.Files, n) {
			m.Files = append(m.Files, n)
		}
	}
	m.Period, m.DeliveredAt = j.msg.Period.Label, j.msg.Time
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	removeStaleTemps(p)
	return warehouse.WriteAtomic(p, 0o644, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}

// prune keeps the newest `keep` period folders of the delivered period's kind. A folder
// is a candidate only if its name is the pattern's last element with a period label in
// place of {period} and it holds caseload's marker; only the files the marker lists are
// removed, then the folder if that left it empty. Problems become notes, not failures:
// the reports were delivered.
func (j *folderJob) prune() []string {
	pattern := j.k.d.Folder.Path
	parent := filepath.Dir(pattern)
	elem := filepath.Base(pattern)
	i := strings.Index(elem, "{period}")
	prefix, suffix := elem[:i], elem[i+len("{period}"):]
	entries, err := os.ReadDir(parent)
	if err != nil {
		return []string{fmt.Sprintf("keep: could not list %s: %v", parent, err)}
	}
	type cand struct {
		dir string
		p   period.Period
	}
	var cands []cand
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || len(name) <= len(prefix)+len(suffix) {
			continue
		}
		p, ok := parseFileLabel(name[len(prefix) : len(name)-len(suffix)])
		if !ok || p.Kind != j.msg.Period.Kind {
			continue
		}
		if _, err := os.Stat(filepath.Join(parent, name, MarkerName)); err != nil {
			continue
		}
		cands = append(cands, cand{filepath.Join(parent, name), p})
	}
	sort.Slice(cands, func(a, b int) bool {
		if !cands[a].p.First.Equal(cands[b].p.First) {
			return cands[a].p.First.After(cands[b].p.First)
		}
		return cands[a].p.Last.After(cands[b].p.Last)
	})
	var notes []string
	for n, c := range cands {
		if n < j.k.d.Folder.Keep || c.p.Label == j.msg.Period.Label {
			continue
		}
		if err := removeDelivered(c.dir); err != nil {
			notes = append(notes, fmt.Sprintf("keep: %v", err))
		} else {
			j.k.opt.Logger.Info("removed an old period folder (keep)", "delivery", j.k.d.Name, "folder", c.dir)
		}
	}
	return notes
}

// parseFileLabel reverses fileLabel: "2022-10", "2022-Q3", "ytd-2022-10", "2022-01..2022-10".
func parseFileLabel(s string) (period.Period, bool) {
	if p, err := period.Parse(s); err == nil && p.FileLabel() == s {
		return p, true
	}
	if rest, ok := strings.CutPrefix(s, "ytd-"); ok {
		if p, err := period.Parse("ytd:" + rest); err == nil && p.FileLabel() == s {
			return p, true
		}
	}
	return period.Period{}, false
}

// removeDelivered removes the files the marker of dir lists, the marker, and dir if empty.
func removeDelivered(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, MarkerName))
	if err != nil {
		return err
	}
	var m folderMarker
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %v", filepath.Join(dir, MarkerName), err)
	}
	for _, f := range m.Files {
		if f != filepath.Base(f) || f == "." || f == ".." {
			continue // a marker never names anything outside its folder
		}
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, MarkerName)); err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil {
		return fmt.Errorf("%s kept: it holds files caseload did not put there", dir)
	}
	return nil
}
