package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/caseload/caseload/pipeline/ingest"
	"github.com/caseload/caseload/reports/textwidth"
)

// The pull summary: one row per file with its four numbers (SPEC §4.2) and notes (every
// reject reason, most frequent first, unrecognised countries, earlier versions replaced),
// then warnings. It fits a terminal of the given width (0: no limit, for a pipe or file): a
// long path loses its beginning ("…/2022/202403.csv"), notes that do not fit end with
// "+N more", and when the paths leave too little room for a notes column, the notes go on
// their own line under their file. A command to run is printed whole, on its own line, however wide. A
// failed file's error is not in the table: the command's error message
// lists it, once. Every data-derived string (paths, errors, case ids) goes through
// textwidth.Safe, so that a file name or value cannot send escape sequences to the terminal.

// notesMin is the narrowest notes column worth having (two or three reasons); when paths
// leave less, notes get their own line.
const notesMin = 40

// printPullSummary writes res as a table fitting width columns (0: no limit).
func printPullSummary(w io.Writer, res *ingest.Result, width int) {
	header := []string{"file", "status", "read", "accepted", "superseded", "rejected", "notes"}
	type row struct {
		cells []string
		notes []string
	}
	var rows []row
	var tr, ta, ts, tj int64
	for _, f := range res.Files {
		r := row{cells: []string{textwidth.Safe(f.Path), f.Status, "", "", "", ""}}
		switch f.Status {
		case "pulled":
			r.cells[2], r.cells[3], r.cells[4], r.cells[5] = num(f.RowsRead), num(f.Accepted), num(f.Superseded), num(f.Rejected)
			if f.Note != "" { // "no rows"
				r.notes = append(r.notes, textwidth.Safe(f.Note))
			}
			for _, rc := range f.Reasons {
				r.notes = append(r.notes, rc.Reason+" "+num(rc.Rows))
			}
			if f.UnrecognisedCountry > 0 {
				r.notes = append(r.notes, "unrecognised_country "+num(f.UnrecognisedCountry)+" (kept)")
			}
			if f.Replaced > 0 {
				r.notes = append(r.notes, "replaced "+plural(f.Replaced, "earlier version", "earlier versions"))
			}
			tr, ta, ts, tj = tr+f.RowsRead, ta+f.Accepted, ts+f.Superseded, tj+f.Rejected
		case "skipped":
			r.notes = []string{textwidth.Safe(f.Note)}
		case "failed":
			r.notes = []string{"error below"}
		default: // staged, then the pull stopped before merging it
			r.cells[1] = "not pulled"
		}
		rows = append(rows, r)
	}
	if len(res.Files) > 1 {
		rows = append(rows, row{cells: []string{"total", "", num(tr), num(ta), num(ts), num(tj)}})
	}

	// Column widths: the natural ones, then fitted to width.
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = textwidth.String(h)
	}
	notesNatural := widths[6]
	for _, r := range rows {
		for i, c := range r.cells {
			widths[i] = max(widths[i], textwidth.String(c))
		}
		notesNatural = max(notesNatural, textwidth.String(strings.Join(r.notes, ", ")))
	}
	widths[6] = notesNatural
	const gap = 2
	fixed := 0 // status and the numbers, with the gaps around them
	for i := 1; i <= 5; i++ {
		fixed += widths[i] + gap
	}
	below := false // notes on their own line under each file
	if width > 0 && widths[0]+fixed+gap+widths[6] > width {
		if avail := width - fixed - gap - widths[0]; avail >= min(widths[6], notesMin) {
			widths[6] = avail // paths whole, notes in the rest
		} else {
			below = true
			widths[0] = max(6, min(widths[0], width-fixed))
			widths[6] = max(notesMin, width-2)
		}
	}

	line := func(cells []string, notes string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString(strings.Repeat(" ", gap))
			}
			switch {
			case i == 0:
				b.WriteString(textwidth.PadRight(truncateLeft(c, widths[0]), widths[0]))
			case i >= 2 && i <= 5:
				b.WriteString(textwidth.PadLeft(c, widths[i]))
			default:
				b.WriteString(textwidth.PadRight(c, widths[i]))
			}
		}
		if !below && notes != "" {
			b.WriteString(strings.Repeat(" ", gap) + notes)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(header[:6], header[6])
	sep := make([]string, 6)
	for i := range sep {
		sep[i] = strings.Repeat("─", widths[i])
	}
	notesSep := ""
	if !below {
		notesSep = strings.Repeat("─", widths[6])
	}
	line(sep, notesSep)
	cut := false
	for _, r := range rows {
		notes, more := fitNotes(r.notes, widths[6])
		cut = cut || more
		line(r.cells, notes)
		if below && notes != "" {
			fmt.Fprintln(w, "  "+notes)
		}
	}
	if cut {
		fmt.Fprint(w, wrapText(`all reasons: caseload sql "SELECT * FROM reject_reasons"`, width))
	}
	for _, f := range res.Files {
		for _, fr := range f.FinalReplaced {
			fmt.Fprintln(w)
			text, command := finalReplacedWarning(f.Path, fr)
			fmt.Fprint(w, wrapText(text, width))
			fmt.Fprintln(w, "  "+command)
		}
	}
	if line := piiLine(res); line != "" {
		fmt.Fprint(w, wrapText(line, width))
	}
	for _, warning := range res.Warnings {
		fmt.Fprint(w, wrapText("warning: "+textwidth.Safe(warning), width))
	}
}

// piiLine says in one line what the pull did with personal data (issue 12): "3 personal-data
// columns hashed: 申请人姓名, 身份证号, 联系电话; masked in 备注 (2 rows)". Columns kept in the
// clear are warnings (Result.Warnings). "" when the files had none.
func piiLine(res *ingest.Result) string {
	cols := map[string][]string{} // how → column names, in the order first met
	seen := map[string]bool{}
	masked := map[string]int64{}
	for i := range res.Files {
		f := &res.Files[i]
		if f.Status != "pulled" || f.PII == nil {
			continue
		}
		for _, c := range f.PII.Columns {
			name := textwidth.Safe(c.Column)
			if !seen[c.How+"\x00"+name] {
				seen[c.How+"\x00"+name] = true
				cols[c.How] = append(cols[c.How], name)
			}
			masked[name] += c.Rows
		}
	}
	noun := func(n int) string {
		if n == 1 {
			return "1 personal-data column"
		}
		return fmt.Sprintf("%d personal-data columns", n)
	}
	var parts []string
	hashed, dropped := cols["hashed"], cols["dropped"]
	if len(hashed) > 0 {
		parts = append(parts, noun(len(hashed))+" hashed: "+strings.Join(hashed, ", "))
	}
	if len(dropped) > 0 {
		what := noun(len(dropped))
		if len(hashed) > 0 {
			what = strconv.Itoa(len(dropped))
		}
		what += " dropped: " + strings.Join(dropped, ", ")
		if res.PII != nil && res.PII.Reason == "no key" {
			what += " (no key: set " + res.PII.KeyEnv + " to hash them instead)"
		}
		parts = append(parts, what)
	}
	if m := cols["masked"]; len(m) > 0 {
		for i, name := range m {
			m[i] = fmt.Sprintf("%s (%s)", name, plural(masked[name], "row", "rows"))
		}
		what := "masked in "
		if len(parts) == 0 {
			what = "personal data masked in "
		}
		parts = append(parts, what+strings.Join(m, ", "))
	}
	return strings.Join(parts, "; ")
}

// finalReplacedWarning explains a later-pulled file that set cases back from a final to a
// non-final status, and gives the command that undoes it if that is wrong.
func finalReplacedWarning(file string, fr ingest.FinalReplaced) (text, command string) {
	later, earlier := textwidth.Safe(file), textwidth.Safe(fr.File)
	text = fmt.Sprintf("warning: %s replaced the final status of %s pulled from %s with a non-final one "+
		"(e.g. case %s: %s → %s). Without a newer updated_at (更新时间), the version pulled last wins, "+
		"and a source's files are pulled in name order. If %s is the newer export, pull it again "+
		"to make its versions win:",
		later, plural(fr.Cases, "case", "cases"), earlier, textwidth.Safe(fr.CaseID), textwidth.Safe(fr.From),
		textwidth.Safe(fr.To), earlier)
	return text, "caseload pull --force " + shellQuote(earlier)
}

// fitNotes joins notes with ", " within w columns; those that do not fit are counted as
// "+N more" (more reports that). A single note that does not fit is cut with "…".
func fitNotes(notes []string, w int) (s string, more bool) {
	if len(notes) == 0 {
		return "", false
	}
	all := strings.Join(notes, ", ")
	if textwidth.String(all) <= w {
		return all, false
	}
	if len(notes) == 1 {
		return textwidth.Truncate(all, w), false
	}
	for k := len(notes) - 1; k > 0; k-- {
		s := strings.Join(notes[:k], ", ") + fmt.Sprintf(", +%d more", len(notes)-k)
		if textwidth.String(s) <= w {
			return s, true
		}
	}
	return fmt.Sprintf("+%d more", len(notes)), true
}

// truncateLeft cuts s to at most w columns by dropping its beginning ("…/incoming/a.csv"):
// the end of a path names the file.
func truncateLeft(s string, w int) string {
	if textwidth.String(s) <= w || w < 2 {
		return s
	}
	rs := []rune(s)
	used, i := 1, len(rs) // 1 for "…"
	for i > 0 && used+textwidth.Rune(rs[i-1]) <= w {
		i--
		used += textwidth.Rune(rs[i])
	}
	return "…" + string(rs[i:])
}

// wrapText breaks text into lines of at most width columns at spaces (0: one line), the
// lines after the first indented by two spaces; it ends with a newline.
func wrapText(text string, width int) string {
	if width <= 0 || textwidth.String(text) <= width {
		return text + "\n"
	}
	var b strings.Builder
	cur := 0
	for i, word := range strings.Split(text, " ") {
		ww := textwidth.String(word)
		switch {
		case i == 0:
		case cur+1+ww > width:
			b.WriteString("\n  ")
			cur = 2
		default:
			b.WriteByte(' ')
			cur++
		}
		b.WriteString(word)
		cur += ww
	}
	return b.String() + "\n"
}

// plural writes a count with its noun: "1 file", "2 files", "1,234 cases".
func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return num(n) + " " + many
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
