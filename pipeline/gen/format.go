package gen

import (
	"strconv"
	"unicode/utf8"
)

// timeForm says how a row's timestamps are written; all forms are §4.1 forms and mean
// the same instant in the office time zone.
type timeForm uint8

const (
	formDash     timeForm = iota // 2022-10-31 23:59:59   (local wall clock)
	formSlashMin                 // 2022/1/2 8:05          (local, minute precision)
	formUTC                      // 2022-10-31T15:59:59Z  (the instant in UTC)
	formOffset                   // 2022-10-31T23:59:59+08:00
	formCJKMin                   // 2022年10月31日 23:59  (local, minute precision)
)

// minutePrecision reports whether f drops the seconds; the generator truncates the
// times of such rows to whole minutes, so what is written is exactly the instant.
func (f timeForm) minutePrecision() bool { return f == formSlashMin || f == formCJKMin }

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

func append4(b []byte, v int) []byte {
	if v < 0 || v > 9999 {
		return strconv.AppendInt(b, int64(v), 10)
	}
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func appendYMD(b []byte, y, m, d int, sep byte) []byte {
	b = append4(b, y)
	b = append(b, sep)
	b = append2(b, m)
	b = append(b, sep)
	return append2(b, d)
}

// appendFields writes a date and a second of day in form f.
func appendFields(b []byte, y, m, d, sod int, f timeForm, off int64) []byte {
	hh, mm, ss := sod/3600, sod/60%60, sod%60
	switch f {
	case formSlashMin:
		b = append4(b, y)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(hh), 10)
		b = append(b, ':')
		return append2(b, mm)
	case formCJKMin:
		b = append4(b, y)
		b = append(b, "年"...)
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, "月"...)
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, "日 "...)
		b = append2(b, hh)
		b = append(b, ':')
		return append2(b, mm)
	}
	b = appendYMD(b, y, m, d, '-')
	if f == formDash {
		b = append(b, ' ')
	} else {
		b = append(b, 'T')
	}
	b = append2(b, hh)
	b = append(b, ':')
	b = append2(b, mm)
	b = append(b, ':')
	b = append2(b, ss)
	switch f {
	case formUTC:
		b = append(b, 'Z')
	case formOffset:
		b = appendOffset(b, off)
	}
	return b
}

func appendOffset(b []byte, off int64) []byte {
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = append2(b, int(off/3600))
	b = append(b, ':')
	return append2(b, int(off/60%60))
}

// appendCSVField appends s, quoted when CSV requires it.
func appendCSVField(b []byte, s string) []byte {
	need := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			need = true
		}
	}
	if len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		need = true
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendJSONString appends s as a JSON string literal (UTF-8 kept as is).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			b = append(b, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else if r == '\u2028' || r == '\u2029' {
				b = append(b, `\u202`...)
				b = append(b, byte('0'+r-'\u2028'))
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		i++
	}
	return append(b, '"')
}

// appendCaseID writes QB<year>-<seq, 6 digits or more>.
func appendCaseID(b []byte, year, seq int) []byte {
	b = append(b, 'Q', 'B')
	b = append4(b, year)
	b = append(b, '-')
	for p := 100000; p > 1 && seq < p; p /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(seq), 10)
}
