package reports

import (
	"strings"
	"testing"
)

func TestWrapLines(t *testing.T) {
	for _, c := range []struct {
		in    string
		width float64
		want  []string
	}{
		{"本期内受理的办件数。", 10, []string{"本期内受理的办件数。"}},
		// one character too long: the last character goes down with the full stop
		{"本期内受理的办件数。", 9, []string{"本期内受理的办件", "数。"}},
		{"截至本期末（含）的数。", 6, []string{"截至本期末", "（含）的数。"}},
		// an opening bracket that would end a line goes down with the next character
		{"截至本期（含）的数。", 5, []string{"截至本期", "（含）的", "数。"}},
		{"截至本期末的“累计”数。", 6, []string{"截至本期末的", "“累计”数。"}},
		{"即办率（如8项中7项即办为87.5%）。", 7, []string{"即办率（如8项", "中7项即办为", "87.5%）。"}},
		{"the key on_time_ratio is one word", 12, []string{"the key", "on_time_ratio", "is one word"}},
		{"第一行\n第二行", 10, []string{"第一行", "第二行"}},
	} {
		width := c.width * cjkDigits // widths in CJK characters, except for the Latin case
		if c.in[0] < 0x80 {
			width = c.width
		}
		got := wrapLines(c.in, width+0.01)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrapLines(%q, %v) = %q, want %q", c.in, c.width, got, c.want)
		}
		for _, l := range got[1:] {
			if r := []rune(l); len(r) > 0 && strings.ContainsRune(noLineStart, r[0]) {
				t.Errorf("%q: line starts with %q", c.in, r[0])
			}
		}
	}
}
