package textwidth

import "testing"

func TestSafe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"城关镇", "城关镇"},
		{"a\x1b[2Jb", `a\x1b[2Jb`},
		{"\x1b]52;c;SGVsbG8=\x07", `\x1b]52;c;SGVsbG8=\x07`},
		{"x\u009b31m", `x\x9b31m`},
		{"line1\nline2\tend\r", `line1\nline2\tend\r`},
		{"abc\u202edef", `abc\u202edef`},
		{"", ""},
	} {
		if got := Safe(c.in); got != c.want {
			t.Errorf("Safe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
