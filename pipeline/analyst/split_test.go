package analyst

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, c := range []struct {
		script string
		want   []Statement
	}{
		{"SELECT 1", []Statement{{"SELECT 1", 1, 0}}},
		{"SELECT 1;", []Statement{{"SELECT 1", 1, 0}}},
		{"SELECT 1; SELECT 2", []Statement{{"SELECT 1", 1, 0}, {"SELECT 2", 1, 0}}},
		{"\n\n  SELECT 1;\n\nSELECT\n 2;\n", []Statement{{"SELECT 1", 3, 0}, {"SELECT\n 2", 5, 0}}},
		{"SELECT 'a;b', \"c;d\" FROM t;", []Statement{{`SELECT 'a;b', "c;d" FROM t`, 1, 0}}},
		{"SELECT 'it''s;'; SELECT 2", []Statement{{"SELECT 'it''s;'", 1, 0}, {"SELECT 2", 1, 0}}},
		{"SELECT E'a\\';b'; SELECT 2", []Statement{{"SELECT E'a\\';b'", 1, 0}, {"SELECT 2", 1, 0}}},
		{"SELECT 'a\\'; SELECT 2", []Statement{{"SELECT 'a\\'", 1, 0}, {"SELECT 2", 1, 0}}}, // no E: backslash is a character
		{"SELECT $$a;b$$, $x$c;$$;d$x$; SELECT 2", []Statement{{"SELECT $$a;b$$, $x$c;$$;d$x$", 1, 0}, {"SELECT 2", 1, 0}}},
		{"SELECT $1; SELECT 2", []Statement{{"SELECT $1", 1, 0}, {"SELECT 2", 1, 0}}},
		{"-- a comment; still\nSELECT 1; -- trailing;\n-- only a comment;\n", []Statement{{"SELECT 1", 2, 0}}},
		{"/* a; /* nested; */ b; */ SELECT 1;\n/* x */;", []Statement{{"SELECT 1", 1, 0}}},
		{"SELECT '多行\n文本;'\n; SELECT 3", []Statement{{"SELECT '多行\n文本;'", 1, 0}, {"SELECT 3", 3, 0}}},
		{";;  ;\n", nil},
		{"", nil},
		{"SELECT 'unterminated; SELECT 2", []Statement{{"SELECT 'unterminated; SELECT 2", 1, 0}}},
		{"SELECT 1 /* open; comment", []Statement{{"SELECT 1 /* open; comment", 1, 0}}},
		{"SELECT x FROM \"we\"\"ird;\";", []Statement{{`SELECT x FROM "we""ird;"`, 1, 0}}},
		{"SELECT 1\r\n;\r\nSELECT 2", []Statement{{"SELECT 1", 1, 0}, {"SELECT 2", 3, 0}}},
	} {
		got := Split(c.script)
		for i := range got {
			got[i].Offset = 0
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q)\n got %+v\nwant %+v", c.script, got, c.want)
		}
	}
}

func TestComplete(t *testing.T) {
	for s, want := range map[string]bool{
		"SELECT 1;":                  true,
		"SELECT 1":                   false,
		"SELECT 1;  \n":              true,
		"SELECT 1; -- done\n":        true,
		"SELECT ';":                  false,
		"SELECT 1; /* open":          false,
		"SELECT 1; SELECT":           false,
		"SELECT $$;":                 false,
		"-- nothing;":                false,
		"SELECT 1\nFROM t\nWHERE x;": true,
		";":                          false,
	} {
		if got := Complete(s); got != want {
			t.Errorf("Complete(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzSplit: splitting never panics, never loses a significant character, and each
// statement's line is the line where its text starts in the script.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"SELECT 1; SELECT 2", "SELECT 'a;b' -- c\n;", "/* /* */ */ SELECT $x$;$x$;", "E'\\';'", "$1;$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		stmts := Split(s)
		pos := 0
		for _, st := range stmts {
			if st.Offset < pos || st.Offset+len(st.Text) > len(s) || s[st.Offset:st.Offset+len(st.Text)] != st.Text {
				t.Fatalf("statement %q not at its offset %d in %q", st.Text, st.Offset, s)
			}
			if line := 1 + strings.Count(s[:st.Offset], "\n"); line != st.Line {
				t.Fatalf("statement %q: line %d, want %d", st.Text, st.Line, line)
			}
			if strings.TrimSpace(st.Text) == "" {
				t.Fatalf("empty statement")
			}
			pos = st.Offset + len(st.Text)
		}
	})
}
