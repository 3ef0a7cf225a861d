package analyst

import (
	"strings"
	"unicode"
)

// Statement is one statement of a script: its text (without the ending ';') and the line
// (1-based) on which it starts, counting from the first line of the script.
type Statement struct {
	Text   string
	Line   int
	Offset int // byte offset of Text in the script
}

// Split cuts a script into statements at the semicolons that end them. A ';' inside a
// string ('…', E'…' with backslash escapes, $tag$…$tag$), a quoted identifier ("…"), a
// line comment (-- …) or a block comment (/* … */, nested as in DuckDB) does not end a
// statement. Statements that hold only blanks and comments are dropped. The line of a
// statement is the line of its first character that is not a blank or part of a comment.
// Unterminated strings and comments run to the end of the script: the text is handed to
// DuckDB as it is, and DuckDB's parser reports the error.
func Split(script string) []Statement {
	out, _ := scan(script)
	return out
}

// scan is Split, and also reports whether the script ends inside a statement (text after
// the last ';', or an unterminated string or comment).
func scan(script string) (out []Statement, pending bool) {
	line := 1
	start := -1 // byte offset of the current statement's first significant character
	startLine := 0
	begin := 0 // byte offset where the current statement's text begins
	mark := func(i int) {
		if start < 0 {
			start, startLine = i, line
		}
	}
	emit := func(end int) {
		if start >= 0 {
			raw := script[start:end]
			text := strings.TrimLeftFunc(raw, unicode.IsSpace)
			off := start + len(raw) - len(text)
			text = strings.TrimRightFunc(text, unicode.IsSpace)
			if text != "" {
				out = append(out, Statement{Text: text, Line: startLine + strings.Count(script[start:off], "\n"), Offset: off})
			}
		}
		start = -1
	}
	n := len(script)
	for i := 0; i < n; {
		c := script[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && script[i+1] == '-':
			for i < n && script[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < n && script[i+1] == '*':
			depth := 0
			pending = true
			for i < n {
				if script[i] == '/' && i+1 < n && script[i+1] == '*' {
					depth++
					i += 2
					continue
				}
				if script[i] == '*' && i+1 < n && script[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						pending = false
						break
					}
					continue
				}
				if script[i] == '\n' {
					line++
				}
				i++
			}
		case c == ';':
			emit(i)
			i++
			begin = i
		case c == '\'' || c == '"':
			mark(i)
			backslash := c == '\'' && i > begin && (script[i-1] == 'E' || script[i-1] == 'e') && (i-1 == begin || !isIdent(script[i-2]))
			i++
			for i < n {
				if script[i] == '\n' {
					line++
				}
				if backslash && script[i] == '\\' && i+1 < n {
					if script[i+1] == '\n' {
						line++
					}
					i += 2
					continue
				}
				if script[i] == c {
					if i+1 < n && script[i+1] == c { // doubled quote
						i += 2
						continue
					}
					i++
					break
				}
				i++
			}
		case c == '$' && (i == begin || !isIdent(script[i-1])):
			mark(i)
			tag, ok := dollarTag(script[i:])
			if !ok {
				i++
				continue
			}
			i += len(tag)
			end := strings.Index(script[i:], tag)
			if end < 0 {
				line += strings.Count(script[i:], "\n")
				i = n
				continue
			}
			line += strings.Count(script[i:i+end], "\n")
			i += end + len(tag)
		default:
			mark(i)
			i++
		}
	}
	pending = pending || start >= 0
	emit(n)
	return out, pending
}

// dollarTag returns the opening tag of a dollar-quoted string at the start of s ("$$" or
// "$name$"), if there is one. "$1" (a parameter) is not one.
func dollarTag(s string) (string, bool) {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1], true
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || j > 1 && c >= '0' && c <= '9':
		default:
			return "", false
		}
	}
	return "", false
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// Complete reports whether text ends with a complete statement: something to run, and no
// text, open string or open comment after its last terminating ';'. The prompt reads
// lines until it does.
func Complete(text string) bool {
	stmts, pending := scan(text)
	return len(stmts) > 0 && !pending
}
