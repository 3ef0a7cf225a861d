package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/internal/testtool"

	"github.com/caseload/caseload/pipeline/kpi"
	"github.com/caseload/caseload/pipeline/period"
)

func TestFileBase(t *testing.T) {
	for in, want := range map[string]string{
		"2022-10": "report-2022-10", "ytd:2022-10": "report-ytd-2022-10", "2022-Q3": "report-2022-Q3",
		"2022-01..2022-10": "report-2022-01..2022-10", "2022-11-01..2022-11-17": "report-2022-11-01..2022-11-17",
	} {
		p, err := period.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FileBase("", p); got != want {
			t.Errorf("FileBase(%s) = %q, want %q", in, got, want)
		}
	}
	p, _ := period.Parse("ytd:2022-10")
	if got := FileBase("侨办/{period}-月报", p); got != "侨办-ytd-2022-10-月报" {
		t.Errorf("custom pattern: %q", got)
	}
	if _, err := ParseFormats("xlsx, docx"); err == nil {
		t.Errorf("docx accepted")
	}
	if f, err := ParseFormats("pdf,json,xlsx,html"); err != nil || fmt.Sprint(f) != "[xlsx html pdf json]" {
		t.Errorf("ParseFormats: %v %v", f, err)
	}
	if f, err := ParseFormats("json,xlsx,json"); err != nil || len(f) != 2 || f[0] != XLSX {
		t.Errorf("ParseFormats: %v %v", f, err)
	}
}

// The pdf format prints the HTML report through WriteOptions.PDF (reports/pdf in the CLI).
func TestWriteFilesPDF(t *testing.T) {
	dir := t.TempDir()
	m := ytdModel(t, LangZH)
	var got []byte
	print := func(ctx context.Context, html []byte) ([]byte, error) {
		got = html
		return []byte("%PDF-1.7 test"), nil
	}
	paths, err := WriteFiles(context.Background(), m, WriteOptions{Dir: dir, Formats: []Format{PDF}, PDF: print})
	if err != nil || len(paths) != 1 || filepath.Ext(paths[0]) != ".pdf" {
		t.Fatalf("%v %v", paths, err)
	}
	if b, _ := os.ReadFile(paths[0]); string(b) != "%PDF-1.7 test" || !bytes.Contains(got, []byte("新闻稿素材")) {
		t.Errorf("pdf file %q, html %d bytes", b, len(got))
	}
	if _, err := WriteFiles(context.Background(), m, WriteOptions{Dir: dir, Formats: []Format{PDF}}); err == nil {
		t.Error("pdf without a printer")
	}
}

func TestWriteFilesAndJSON(t *testing.T) {
	dir := t.TempDir()
	m := ytdModel(t, LangZH)
	paths, err := WriteFiles(context.Background(), m, WriteOptions{Dir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"report-ytd-2022-10.xlsx", "report-ytd-2022-10.html", "report-ytd-2022-10.json"}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("path %d = %s", i, p)
		}
	}
	// the JSON is the §7.1 document: it decodes back into the same result
	b, err := os.ReadFile(paths[2])
	if err != nil {
		t.Fatal(err)
	}
	var back kpi.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Period != m.Period || len(back.ByItem) != 8 || *back.KPIs["received"] != 2731 {
		t.Errorf("JSON round trip: %+v", back.Period)
	}
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	kpis := doc["kpis"].(map[string]any)
	for _, k := range kpi.Keys() {
		if _, ok := kpis[k]; !ok {
			t.Errorf("kpis lacks %s", k)
		}
	}
	if kpis["received_mom_growth"] != nil {
		t.Errorf("null growth written as %v", kpis["received_mom_growth"])
	}
	assertNoTemps(t, filepath.Join(dir, "out"))
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil {
			out[e.Name()] = b
		}
	}
	return out
}

func sameFiles(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("files before %d, after %d", len(before), len(after))
	}
	for name, b := range before {
		if !bytes.Equal(b, after[name]) {
			t.Errorf("%s changed", name)
		}
	}
}

// A run that fails leaves the previous reports intact and no temporary file: an unwritable
// output directory, an error while rendering (half-way through the detail rows), a cancelled
// run, and the leftovers of a killed run.
func TestWriteFilesAtomic(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old := monthModel(t, LangZH)
	if _, err := WriteFiles(ctx, old, WriteOptions{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	m := monthModel(t, LangEN) // different content

	t.Run("render error half-way", func(t *testing.T) {
		_, err := WriteFiles(ctx, m, WriteOptions{Dir: dir, Details: sliceDetails(1000, 500)})
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("err = %v", err)
		}
		sameFiles(t, before, snapshot(t, dir))
		assertNoTemps(t, dir)
	})
	t.Run("cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := WriteFiles(cctx, m, WriteOptions{Dir: dir}); err == nil {
			t.Fatal("no error")
		}
		sameFiles(t, before, snapshot(t, dir))
		assertNoTemps(t, dir)
	})
	t.Run("killed run leftovers", func(t *testing.T) {
		stale := filepath.Join(dir, ".report-2022-10.html.tmp-123456")
		if err := os.WriteFile(stale, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := WriteFiles(ctx, old, WriteOptions{Dir: dir}); err != nil {
			t.Fatal(err)
		}
		assertNoTemps(t, dir)
	})
	t.Run("directory not writable", func(t *testing.T) {
		before := snapshot(t, dir)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		if probe, err := os.CreateTemp(dir, "probe"); err == nil { // root ignores permissions
			probe.Close()
			os.Remove(probe.Name())
			chattr := testtool.Path(t, "chattr", "e2fsprogs") // root ignores permissions: make the directory immutable
			if out, err := exec.Command(chattr, "+i", dir).CombinedOutput(); err != nil {
				t.Skipf("chattr +i %s: %v %s: this file system cannot make a directory unwritable for root", dir, err, out)
			}
			defer exec.Command(chattr, "-i", dir).Run()
		}
		_, err := WriteFiles(ctx, m, WriteOptions{Dir: dir})
		if err == nil {
			t.Fatal("wrote into an unwritable directory")
		}
		if !strings.Contains(err.Error(), dir) {
			t.Errorf("error does not name the file: %v", err)
		}
		sameFiles(t, before, snapshot(t, dir))
		assertNoTemps(t, dir)
	})
}
