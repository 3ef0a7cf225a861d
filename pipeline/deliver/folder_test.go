package deliver

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/period"
)

func mustPeriod(t *testing.T, s string) period.Period {
	t.Helper()
	p, err := period.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// Files are copied into {period} under the share, atomically (no temporary file stays), with
// caseload's marker; keep removes the oldest period folders of the same kind that caseload
// made, and only the files it put there.
func TestFolderCopyAndKeep(t *testing.T) {
	share := filepath.Join(t.TempDir(), "侨办报表")
	os.Mkdir(share, 0o755)
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: archive\n    kind: folder\n    path: "+share+"/月报-{period}\n    keep: 2\n    formats: [xlsx, pdf]\n")
	h := newHarness(nil)
	paths := reportFiles(t, dir, 500)
	// a folder someone made by hand, and a quarter caseload delivered: neither is touched
	os.MkdirAll(filepath.Join(share, "月报-2022-01"), 0o755)
	os.WriteFile(filepath.Join(share, "月报-2022-01", "notes.txt"), []byte("mine"), 0o644)

	send := func(label string) Result {
		msg := reportMessage(t, paths)
		msg.Period = mustPeriod(t, label)
		res, err := New(delivery(t, cfg, "archive"), h.opt).Send(context.Background(), msg)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		return res
	}
	res := send("2022-Q2")
	if res.Bytes != int64(500+fileSize(t, paths[0])) {
		t.Errorf("bytes %d", res.Bytes)
	}
	send("2022-08")
	// a stale temporary file of a killed copy is cleaned up
	os.MkdirAll(filepath.Join(share, "月报-2022-09"), 0o755)
	os.WriteFile(filepath.Join(share, "月报-2022-09", ".report-2022-10.xlsx.tmp-123"), []byte("half"), 0o644)
	// someone's own file in a folder caseload made: the folder stays, the file too
	os.WriteFile(filepath.Join(share, "月报-2022-09", "批注.docx"), []byte("mine"), 0o644)
	send("2022-09")
	send("2022-10")

	got := strings.Join(listDir(t, share), " ")
	if got != "月报-2022-01 月报-2022-09 月报-2022-10 月报-2022-Q2" {
		t.Fatalf("share: %s", got)
	}
	if got := strings.Join(listDir(t, filepath.Join(share, "月报-2022-10")), " "); got != MarkerName+" report-2022-10.pdf report-2022-10.xlsx" {
		t.Errorf("2022-10: %s", got)
	}
	if got := strings.Join(listDir(t, filepath.Join(share, "月报-2022-09")), " "); got != MarkerName+" report-2022-10.pdf report-2022-10.xlsx 批注.docx" {
		t.Errorf("2022-09: %s", got)
	}
	b, _ := os.ReadFile(filepath.Join(share, "月报-2022-10", "report-2022-10.xlsx"))
	if orig, _ := os.ReadFile(paths[0]); string(b) != string(orig) {
		t.Error("copy differs")
	}
	// keep: 1 now: 2022-09 has a file caseload did not put there, so the folder stays
	cfg.Deliveries[0].Folder.Keep = 1
	res = send("2022-10")
	if got := strings.Join(listDir(t, share), " "); got != "月报-2022-01 月报-2022-09 月报-2022-10 月报-2022-Q2" {
		t.Errorf("share: %s", got)
	}
	if got := strings.Join(listDir(t, filepath.Join(share, "月报-2022-09")), " "); got != "批注.docx" {
		t.Errorf("2022-09: %s", got)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "kept: it holds files caseload did not put there") {
		t.Errorf("notes %q", res.Notes)
	}
}

func fileSize(t *testing.T, p string) int {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Size())
}

// A share that is not mounted (the folder above {period} missing) is a transient failure:
// nothing is created on the local disk in its place.
func TestFolderShareMissing(t *testing.T) {
	share := filepath.Join(t.TempDir(), "mnt", "share")
	dir := t.TempDir()
	cfg := loadDeliveries(t, dir, "deliveries:\n  - name: archive\n    kind: folder\n    path: "+share+"/{period}\n    retries: 1\n")
	h := newHarness(nil)
	res, err := New(delivery(t, cfg, "archive"), h.opt).Send(context.Background(), reportMessage(t, reportFiles(t, dir, 10)))
	if err == nil || len(res.Attempts) != 2 || !strings.Contains(res.Error, "folder "+share+" does not exist (is the share mounted?)") {
		t.Fatalf("%v %+v", err, res)
	}
	if _, err := os.Stat(share); !os.IsNotExist(err) {
		t.Error("the missing share was created")
	}
}

// A test message to a folder writes and removes a probe file.
func TestFolderTest(t *testing.T) {
	share := t.TempDir()
	cfg := loadDeliveries(t, t.TempDir(), "deliveries:\n  - name: archive\n    kind: folder\n    path: "+share+"/{period}\n")
	h := newHarness(nil)
	res, err := New(delivery(t, cfg, "archive"), h.opt).Send(context.Background(), TestMessage("示范县侨办", "zh"))
	if err != nil || res.Bytes == 0 || len(listDir(t, share)) != 0 {
		t.Fatalf("%v %+v %v", err, res, listDir(t, share))
	}
	os.Chmod(share, 0o500)
	defer os.Chmod(share, 0o755)
	if os.Geteuid() == 0 {
		return // root writes anyway
	}
	if _, err := New(delivery(t, cfg, "archive"), h.opt).Send(context.Background(), TestMessage("示范县侨办", "zh")); err == nil {
		t.Error("a read-only folder passed the test")
	}
}

func TestParseFileLabel(t *testing.T) {
	for _, s := range []string{"2022-10", "2022-Q3", "2022-H1", "2022", "ytd-2022-10", "2022-01..2022-10", "2022-01-01..2022-10-31"} {
		p, ok := parseFileLabel(s)
		if !ok || p.FileLabel() != s {
			t.Errorf("%s: %v %v", s, p, ok)
		}
	}
	for _, s := range []string{"test", "2022-13", "ytd:2022-10", "notes"} {
		if _, ok := parseFileLabel(s); ok {
			t.Errorf("%s parsed", s)
		}
	}
}
