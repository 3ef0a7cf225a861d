package textwidth

import "testing"

func TestWidths(t *testing.T) {
	for _, c := range []struct {
		s string
		w int
	}{
		{"", 0}, {"abc", 3}, {"办件", 4}, {"QB01 华侨身份证明", 17}, {"，。", 4}, {"é", 1}, {"e\u0301", 1}, {"a\nbcd", 3}, {"ＡＢ", 4},
	} {
		if got := String(c.s); got != c.w {
			t.Errorf("String(%q) = %d, want %d", c.s, got, c.w)
		}
	}
	if got := PadRight("办件", 6); got != "办件  " {
		t.Errorf("PadRight: %q", got)
	}
	if got := PadLeft("12", 4); got != "  12" {
		t.Errorf("PadLeft: %q", got)
	}
	if got := Truncate("华侨身份证明", 7); got != "华侨身…" || String(got) > 7 {
		t.Errorf("Truncate: %q", got)
	}
}
