package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/reports/textwidth"
)

func summaryResult() *ingest.Result {
	var reasons []ingest.ReasonCount
	for i, r := range []string{"bad_received_at", "bad_status", "final_status_without_completed_at", "missing_case_id",
		"unknown_item_code", "bad_channel", "bad_trips", "bad_backlog_since"} {
		reasons = append(reasons, ingest.ReasonCount{Reason: r, Rows: int64(1000 - i)})
	}
	return &ingest.Result{Files: []ingest.FileResult{
		{Path: "incoming/2024/03/办件明细-202403-更新.csv", Status: "pulled", RowsRead: 12, Accepted: 12},
		{Path: "incoming/2024/03/办件明细-202403.csv", Status: "pulled", RowsRead: 10036, Accepted: 2000, Superseded: 1,
			Rejected: 8035, Replaced: 1, UnrecognisedCountry: 3, Reasons: reasons,
			FinalReplaced: []ingest.FinalReplaced{{File: "incoming/2024/03/办件明细-202403-更新.csv", Cases: 2, CaseID: "A7", From: "completed", To: "received"}}},
		{Path: "incoming/b.csv", Status: "pulled", RowsRead: 1, Accepted: 1, Replaced: 2},
		{Path: "incoming/old.csv", Status: "skipped", Note: "already pulled: same content as incoming/old.csv (pulled 2024-03-01 10:00)"},
		{Path: "incoming/broken.csv", Status: "failed", Error: "incoming/broken.csv: line 2, column 4: bad quoting"},
	}}
}

// TestPullSummaryFits: at any terminal width the summary's lines fit, notes that do not fit
// end with "+N more", and at no limit (a pipe) every reject reason is there.
func TestPullSummaryFits(t *testing.T) {
	res := summaryResult()
	for _, width := range []int{0, 400, 120, 100, 80, 72, 60} {
		var b bytes.Buffer
		printPullSummary(&b, res, width)
		out := b.String()
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if width > 0 && textwidth.String(l) > width && !strings.HasPrefix(l, "  caseload pull --force ") {
				t.Errorf("width %d: line of %d columns: %q", width, textwidth.String(l), l)
			}
		}
		for _, want := range []string{"办件明细-202403.csv", "10,036", "8,035", "bad_received_at 1,000", "error below",
			"warning: ", "replaced the final status of 2 cases", "(e.g. case A7: completed → received)",
			"caseload pull --force incoming/2024/03/办件明细-202403-更新.csv", "replaced 1 earlier version", "replaced 2 earlier versions"} {
			if width > 0 && width < 400 && strings.HasPrefix(want, "replaced 1") {
				continue // may be among the "+N more"
			}
			if !strings.Contains(strings.ReplaceAll(out, "\n  ", " "), want) {
				t.Errorf("width %d: no %q in\n%s", width, want, out)
			}
		}
		if strings.Contains(out, "line 2, column 4") {
			t.Errorf("width %d: the failed file's error is in the summary (it belongs to the error message, once)", width)
		}
		if strings.Contains(out, "§") || strings.Contains(out, "(s)") {
			t.Errorf("width %d: § or (s) in\n%s", width, out)
		}
		cut := strings.Contains(out, " more")
		if width == 0 || width == 400 {
			if cut {
				t.Errorf("width %d: notes cut:\n%s", width, out)
			}
			for _, r := range res.Files[1].Reasons {
				if !strings.Contains(out, r.Reason) {
					t.Errorf("width %d: reason %s missing", width, r.Reason)
				}
			}
		} else if !cut || !strings.Contains(out, `all reasons: caseload sql "SELECT * FROM reject_reasons"`) {
			t.Errorf("width %d: want notes cut with +N more and a hint:\n%s", width, out)
		}
		if width == 100 {
			t.Logf("width 100:\n%s", out)
		}
	}
}

func TestFitNotes(t *testing.T) {
	notes := []string{"bad_status 10", "bad_trips 9", "bad_channel 8"}
	for _, c := range []struct {
		w    int
		want string
	}{
		{100, "bad_status 10, bad_trips 9, bad_channel 8"},
		{41, "bad_status 10, bad_trips 9, bad_channel 8"},
		{40, "bad_status 10, bad_trips 9, +1 more"},
		{30, "bad_status 10, +2 more"},
		{10, "+3 more"},
	} {
		if got, _ := fitNotes(notes, c.w); got != c.want {
			t.Errorf("width %d: %q, want %q", c.w, got, c.want)
		}
	}
	if got, more := fitNotes([]string{"already pulled: same content as x.csv"}, 20); got != "already pulled: sam…" || more {
		t.Errorf("one long note: %q %v", got, more)
	}
	if got := truncateLeft("incoming/2024/03/办件明细.csv", 17); got != "…/03/办件明细.csv" || textwidth.String(got) != 17 {
		t.Errorf("truncateLeft: %q", got)
	}
	for n, want := range map[int64]string{0: "0 files", 1: "1 file", 2: "2 files", 1234: "1,234 files"} {
		if got := plural(n, "file", "files"); got != want {
			t.Errorf("plural(%d) = %q", n, got)
		}
	}
}

// TestPullEscapeSequences pulls real files whose names, header and values carry terminal
// escape sequences (OSC 52 writes the clipboard, CSI 2J clears the screen): nothing the pull
// prints — the summary, the warning, the skip note, the error message, the JSON — may carry
// an ESC or BEL byte; they are shown as visible escapes.
func TestPullEscapeSequences(t *testing.T) {
	dir := newDir(t)
	osc := "\x1b]52;c;ZXZpbA==\x07"
	in := filepath.Join(dir, "incoming")
	final := filepath.Join(in, "final"+osc+".csv")
	later := filepath.Join(in, "later\x1b[2J.csv")
	bad := filepath.Join(in, "bad\x1b[31m.csv")
	id := "C" + osc
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(final, "case_id,item_code,received_at,completed_at,status\n\""+id+"\",QB01,2022-10-01 09:00,2022-10-02 09:00,completed\nX"+osc+",QB99,2022-10-01 09:00,,received\n")
	write(later, "case_id,item_code,received_at,completed_at,status\n\""+id+"\",QB01,2022-10-01 09:00,,received\n")
	write(bad, "\x1b[31mcase_id,"+osc+"\nA,B\n")
	var outs []string
	out, errs, code := run(t, dir, "pull", final, later, bad)
	if code != ExitFailure || !strings.Contains(out, "replaced the final status of 1 case") {
		t.Fatalf("pull: exit %d\n%s\n%s", code, out, errs)
	}
	if n := strings.Count(out+errs, "missing required columns"); n != 1 {
		t.Errorf("the failed file's error appears %d times, want once:\n%s%s", n, out, errs)
	}
	outs = append(outs, out, errs)
	out, errs, _ = run(t, dir, "pull", final)
	if !strings.Contains(out, "skipped") {
		t.Errorf("second pull: %s", out)
	}
	outs = append(outs, out, errs)
	out, errs, _ = run(t, dir, "pull", "--force", "--format", "json", bad)
	outs = append(outs, out, errs)
	all := strings.Join(outs, "\n")
	if strings.ContainsAny(all, "\x1b\x07") {
		t.Errorf("raw escape sequences reached the terminal:\n%q", all)
	}
	for _, want := range []string{`final\x1b]52;c;ZXZpbA==\x07.csv`, `later\x1b[2J.csv`, `case C\x1b]52;c;ZXZpbA==\x07`, `\x1b[31mcase_id`} {
		if !strings.Contains(all, want) {
			t.Errorf("no visible %s in the output:\n%s", want, all)
		}
	}
}

// TestPullSummaryPII: one line says what became of personal data; warnings follow.
func TestPullSummaryPII(t *testing.T) {
	cols := func(how string, names ...string) []ingest.PIIColumn {
		var out []ingest.PIIColumn
		for _, n := range names {
			out = append(out, ingest.PIIColumn{Column: n, How: how, By: "header"})
		}
		return out
	}
	masked := ingest.PIIColumn{Column: "备注", How: "masked", By: "value", Rows: 2}
	for _, c := range []struct {
		policy ingest.PIIPolicy
		files  [][]ingest.PIIColumn
		want   string
	}{
		{ingest.PIIPolicy{Policy: "hash", Reason: "key set", KeyEnv: "CASELOAD_PII_KEY"},
			[][]ingest.PIIColumn{cols("hashed", "申请人姓名", "身份证号", "联系电话")},
			"3 personal-data columns hashed: 申请人姓名, 身份证号, 联系电话\n"},
		{ingest.PIIPolicy{Policy: "drop", Reason: "no key", KeyEnv: "CASELOAD_PII_KEY"},
			[][]ingest.PIIColumn{append(cols("dropped", "申请人姓名", "身份证号"), masked), append(cols("dropped", "身份证号"), masked)},
			"2 personal-data columns dropped: 申请人姓名, 身份证号 (no key: set CASELOAD_PII_KEY to hash them instead); masked in 备注 (4 rows)\n"},
		{ingest.PIIPolicy{Policy: "drop", Reason: "pii.policy", KeyEnv: "K"},
			[][]ingest.PIIColumn{append(cols("hashed", "经办窗口"), append(cols("dropped", "姓名"), cols("kept", "电话")...)...)},
			"1 personal-data column hashed: 经办窗口; 1 dropped: 姓名\n"},
		{ingest.PIIPolicy{Policy: "hash"}, [][]ingest.PIIColumn{{masked}}, "personal data masked in 备注 (2 rows)\n"},
		{ingest.PIIPolicy{Policy: "hash"}, [][]ingest.PIIColumn{nil}, ""},
	} {
		res := &ingest.Result{PII: &c.policy}
		for i, f := range c.files {
			res.Files = append(res.Files, ingest.FileResult{Path: string(rune('a'+i)) + ".csv", Status: "pulled", PII: &ingest.FilePII{Columns: f}})
		}
		if got := piiLine(res); got != strings.TrimSuffix(c.want, "\n") {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
		var b bytes.Buffer
		printPullSummary(&b, res, 0)
		if !strings.HasSuffix(b.String(), "\n"+c.want) {
			t.Errorf("the summary does not end with the line:\n%s", b.String())
		}
	}
	res := &ingest.Result{Files: []ingest.FileResult{{Path: "a.csv", Status: "pulled"}},
		Warnings: []string{"a.csv: 1 case id looks like a resident ID number (first on line 3): case ids are kept as they are"}}
	var b bytes.Buffer
	printPullSummary(&b, res, 60)
	if out := b.String(); !strings.Contains(out, "warning: a.csv: 1 case id looks like a resident ID number\n  (first on line 3)") {
		t.Errorf("warning:\n%s", out)
	}
}
