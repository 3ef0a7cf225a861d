// Package textwidth measures text as a terminal or a spreadsheet column shows it: East
// Asian wide and fullwidth characters (汉字, ，) take two columns, combining marks none.
package textwidth

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Rune is the display width of one rune.
func Rune(r rune) int {
	if r == 0 || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b' {
		return 0
	}
	if r < 0x1100 {
		return 1
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// String is the display width of s (its widest line, if it has several).
func String(s string) int {
	best, cur := 0, 0
	for _, r := range s {
		if r == '\n' {
			best, cur = max(best, cur), 0
			continue
		}
		cur += Rune(r)
	}
	return max(best, cur)
}

// PadRight pads s with spaces to display width w.
func PadRight(s string, w int) string {
	if d := w - String(s); d > 0 {
		return s + strings.Repeat(" ", d)
	}
	return s
}

// PadLeft pads s on the left with spaces to display width w.
func PadLeft(s string, w int) string {
	if d := w - String(s); d > 0 {
		return strings.Repeat(" ", d) + s
	}
	return s
}

// Truncate cuts s to at most w display columns, ending with "…" when cut.
func Truncate(s string, w int) string {
	if String(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := Rune(r)
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}
