package reports

import (
	"strings"
	"unicode"

	"github.com/caseload/caseload/reports/textwidth"
)

// Line breaking for workbook cells. Excel, WPS and LibreOffice wrap a cell's text each their
// own way, and none of them keeps Chinese punctuation off the start of a line when the file
// gives no East Asian language: a definition one character too long for its column ends on a
// line holding a lone "。". The workbook therefore breaks long text itself, with explicit line
// breaks, measured as 等线 and 宋体
// take them in Excel (cjkDigits) and by the rules of Chinese typesetting (禁则): no line starts with a
// closing punctuation mark and none ends with an opening one; Latin words and numbers are not
// split.

// noLineStart are characters that may not begin a line.
const noLineStart = "。，、；：？！）】」』”’》〉…%·.,;:!?)]}"

// noLineEnd are characters that may not end a line.
const noLineEnd = "（【「『“‘《〈([{"

// cjkDigits is the width of a CJK character in digit widths of the workbook's fonts: about
// 1.8 in 等线 and 宋体 at Excel's and WPS's default size, a little less in LibreOffice's
// substitutes; the 10.5-point cells are drawn at 10.5/11 of the column unit's font.
const cjkDigits = 1.8 * fontSize / 11

// runeWidth is a character's width in digit widths of the cell font.
func runeWidth(r rune) float64 {
	if strings.ContainsRune("“”‘’…—·", r) { // full width in a CJK font
		return cjkDigits
	}
	switch textwidth.Rune(r) {
	case 2:
		return cjkDigits
	case 0:
		return 0
	}
	return 1
}

// tokens splits a line into units that are never broken: a run of Latin letters, digits and
// the characters that join them (a number like 1,234.5, a key like on_time_ratio), or one
// other character.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		latin := r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("_-.,'/", r))
		if latin && !(word.Len() == 0 && strings.ContainsRune(".,", r)) {
			word.WriteRune(r)
			continue
		}
		flush()
		out = append(out, string(r))
	}
	flush()
	return out
}

func tokenWidth(t string) float64 {
	w := 0.0
	for _, r := range t {
		w += runeWidth(r)
	}
	return w
}

// wrapLines breaks s into lines of at most width digit widths (a longer unbreakable token
// gets a line of its own), keeping s's own line breaks.
func wrapLines(s string, width float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapPara(para, width)...)
	}
	return out
}

func wrapPara(s string, width float64) []string {
	var lines [][]string
	var cur []string
	curW := 0.0
	for _, t := range tokens(s) {
		tw := tokenWidth(t)
		if curW+tw <= width || len(cur) == 0 {
			cur = append(cur, t)
			curW += tw
			continue
		}
		// t starts the next line; take tokens along so that the new line does not start
		// with a closing mark and the old one does not end with an opening mark
		next := []string{t}
		for len(cur) > 1 && (strings.Contains(noLineStart, next[0]) || strings.Contains(noLineEnd, cur[len(cur)-1])) {
			next = append([]string{cur[len(cur)-1]}, next...)
			cur = cur[:len(cur)-1]
		}
		lines = append(lines, cur)
		for len(next) > 1 && strings.TrimSpace(next[0]) == "" {
			next = next[1:] // a break swallows the space it replaces
		}
		if strings.TrimSpace(next[0]) == "" {
			next = nil
		}
		cur, curW = next, 0
		for _, c := range cur {
			curW += tokenWidth(c)
		}
	}
	lines = append(lines, cur)
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRight(strings.Join(l, ""), " ")
	}
	return out
}
