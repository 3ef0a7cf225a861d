package pii

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// Personal data inside text: the rules of the scalar function cl_pii_scrub (see the package
// doc for why they are Go and not SQL).
//
// Scrub(s, labels, values) masks, in this order:
//
//  1. the row's own personal data: each value (without surrounding blanks — space, tab,
//     U+3000, U+00A0 — and when at least 2 characters long: a value such as 无 or - would mask
//     too much) is replaced wherever it appears by its label in brackets: "申请人林秀英补交材料"
//     → "申请人[申请人姓名]补交材料";
//  2. patterns, each replaced by a placeholder:
//     [邮箱]      e-mail addresses;
//     [手机号]    mainland mobile numbers — a run of 11 digits 1[3-9]…, also after 86 or
//                 0086, and the spaced forms 138 1234 5678 and 138-1234-5678;
//     [证件号]    travel permits and passports: 港澳居民来往内地通行证 H/M + 8 or 10 digits,
//                 往来港澳通行证 C + 8 digits or C + letter + 7 digits, 往来台湾通行证 L + 8
//                 digits, passports E/G + 8 digits or E + letter + 7 digits (the 8 digits of a
//                 台胞证 cannot be told from other numbers: a column named 台胞证 is personal
//                 data by its header);
//     [身份证号]  resident ID numbers: any 18 characters, 17 digits then a digit or X/x, whose
//                 check digit is right (GB 11643-1999, ID18) — found exactly where an auditor's
//                 regexp_extract_all(text, '[0-9]{17}[0-9Xx]') finds them — and 15-digit ID
//                 numbers of the first generation (a run of exactly 15 digits with a date
//                 YYMMDD in the 7th–12th, ID15).
//
// Digits are ASCII or full-width (１３８…). The text is cut into tokens — an e-mail address, a
// spaced mobile number, a permit number, 18 characters that could be an ID number, a run of
// digits, a run of letters, a run of anything else — trying them in that order at each place
// (leftmost-first, as RE2 and Go's regexp both do), and each token is kept or becomes its
// placeholder; the tokens, put together, are the text again. So masking changes nothing around
// what it masks, and no ID number with a right check digit is left, or made, by masking
// (FuzzScrub checks it, and more). Placeholders hold no digit or letter: masking twice is
// masking once. Most text holds nothing of this: a scan for 7 digits in a row, an @ or the
// spaced mobile form lets it through untouched and uncopied.
//
// Over-masking is the intended side: an 18-digit order number whose last digit happens to fit
// the check is masked as an ID number (one in eleven); a letter and 8 digits are a permit
// number. Landline numbers and names that are not in a personal-data column of the same row
// are not found.

// emailRE is the e-mail address pattern, anchored: tried where a run of the characters an
// address starts with is followed by an @.
var emailRE = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)

// TokenPattern is the tokenizer as one RE2 regular expression, what nextToken does by hand
// (a Go regexp with this many alternatives took 4–5 µs per remark): at each place the first
// alternative that matches is taken. The migration 006 copy of the rules uses it as it is.
const TokenPattern = `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}` + // e-mail
	`|1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}` + // spaced mobile
	`|[HMhm][0-9０-９]{8}(?:[0-9０-９]{2})?|[CcLlEeGg][0-9０-９]{8}|[CcEe][A-Za-z][0-9０-９]{7}` + // permit, passport
	`|[0-9０-９]{17}[0-9０-９XxＸｘ]` + // could be an ID number
	`|[0-9０-９]+|[A-Za-z]+|[^0-9０-９A-Za-z]+`

// Token kinds.
const (
	tkOther = iota
	tkEmail
	tkSpaced
	tkPermit
	tkWindow
	tkDigits
	tkLetters
)

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// digitAt returns the value of the ASCII or full-width digit at s[i] and its length in bytes
// (0 when there is none).
func digitAt(s string, i int) (byte, int) {
	if i < len(s) && isDigit(s[i]) {
		return s[i] - '0', 1
	}
	if i+2 < len(s) && s[i] == 0xEF && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99 { // ０–９
		return s[i+2] - 0x90, 3
	}
	return 0, 0
}

// xAt returns the length of X, x, Ｘ or ｘ at s[i] (0 when there is none).
func xAt(s string, i int) int {
	if i < len(s) && (s[i] == 'X' || s[i] == 'x') {
		return 1
	}
	if i+2 < len(s) && s[i] == 0xEF && ((s[i+1] == 0xBC && s[i+2] == 0xB8) || (s[i+1] == 0xBD && s[i+2] == 0x98)) { // Ｘ ｘ
		return 3
	}
	return 0
}

// digitsAt returns the end of n digits from s[i], or -1 when there are fewer.
func digitsAt(s string, i, n int) int {
	for ; n > 0; n-- {
		_, l := digitAt(s, i)
		if l == 0 {
			return -1
		}
		i += l
	}
	return i
}

// nextToken returns the kind and end of the token starting at s[i] (TokenPattern).
func nextToken(s string, i int) (kind, end int) {
	c := s[i]
	if isLetter(c) || isDigit(c) || strings.IndexByte("._%+-", c) >= 0 {
		j := i
		for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || strings.IndexByte("._%+-", s[j]) >= 0) {
			j++
		}
		if j < len(s) && s[j] == '@' {
			if m := emailRE.FindStringIndex(s[i:]); m != nil {
				return tkEmail, i + m[1]
			}
		}
	}
	if c == '1' && i+13 <= len(s) && s[i+1] >= '3' && s[i+1] <= '9' && isDigit(s[i+2]) && (s[i+3] == ' ' || s[i+3] == '-') &&
		digits4(s[i+4:]) && (s[i+8] == ' ' || s[i+8] == '-') && digits4(s[i+9:]) {
		return tkSpaced, i + 13
	}
	if isLetter(c) {
		switch c | 0x20 {
		case 'h', 'm':
			if e := digitsAt(s, i+1, 8); e >= 0 {
				if e2 := digitsAt(s, e, 2); e2 >= 0 {
					return tkPermit, e2
				}
				return tkPermit, e
			}
		case 'c', 'l', 'e', 'g':
			if e := digitsAt(s, i+1, 8); e >= 0 {
				return tkPermit, e
			}
			if c|0x20 == 'c' || c|0x20 == 'e' {
				if i+1 < len(s) && isLetter(s[i+1]) {
					if e := digitsAt(s, i+2, 7); e >= 0 {
						return tkPermit, e
					}
				}
			}
		}
		j := i + 1
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		return tkLetters, j
	}
	if _, l := digitAt(s, i); l > 0 {
		if e := digitsAt(s, i, 17); e >= 0 {
			if _, l := digitAt(s, e); l > 0 {
				return tkWindow, e + l
			}
			if l := xAt(s, e); l > 0 {
				return tkWindow, e + l
			}
		}
		j := i
		for {
			_, l := digitAt(s, j)
			if l == 0 {
				return tkDigits, j
			}
			j += l
		}
	}
	j := i
	for j < len(s) {
		if isLetter(s[j]) {
			break
		}
		if _, l := digitAt(s, j); l > 0 {
			break
		}
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	}
	return tkOther, j
}

func digits4(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// fold makes full-width digits and Ｘ ASCII.
func fold(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r -= '０' - '0'
		case r == 'Ｘ':
			r = 'X'
		case r == 'ｘ':
			r = 'x'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ID18 reports whether s is an 18-character resident ID number with a right check digit
// (GB 11643-1999): 17 digits weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, the sum modulo 11
// indexing "10X98765432". Full-width digits count; x is X.
func ID18(s string) bool {
	s = fold(s)
	if len(s) != 18 {
		return false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return false
		}
		sum += int(s[i]-'0') * weights[i]
	}
	c := s[17]
	if c == 'x' {
		c = 'X'
	}
	return "10X98765432"[sum%11] == c
}

// ID15 reports whether s is a 15-digit ID number of the first generation: 6 digits of region
// (the first not 0), a date YYMMDD, 3 digits.
func ID15(s string) bool {
	s = fold(s)
	if len(s) != 15 || s[0] == '0' {
		return false
	}
	for i := 0; i < 15; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	m := int(s[8]-'0')*10 + int(s[9]-'0')
	d := int(s[10]-'0')*10 + int(s[11]-'0')
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// mobile reports whether the ASCII digits s are a mainland mobile number, after 86 or 0086 or not.
func mobile(s string) bool {
	switch {
	case len(s) == 13 && s[:2] == "86":
		s = s[2:]
	case len(s) == 15 && s[:4] == "0086":
		s = s[4:]
	}
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9'
}

// mayHold is the scan that lets most text through: 7 digits in a row, an @, or the spaced
// mobile form (a digit, a space or -, 4 digits, a space or -, a digit).
func mayHold(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			run++
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99: // ０–９
			run++
			i += 2
		case c == '@':
			return true
		case (c == ' ' || c == '-') && run > 0 && i+6 < len(s) && digits4(s[i+1:]) && (s[i+5] == ' ' || s[i+5] == '-') && isDigit(s[i+6]):
			return true
		default:
			run = 0
		}
		if run >= 7 {
			return true
		}
	}
	return false
}

// Mask replaces the patterns in s by their placeholders (step 2 of Scrub).
func Mask(s string) string {
	if !mayHold(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		kind, end := nextToken(s, i)
		t := s[i:end]
		switch kind {
		case tkEmail:
			t = "[邮箱]"
		case tkSpaced:
			t = "[手机号]"
		case tkPermit:
			t = "[证件号]"
		case tkWindow:
			if ID18(t) {
				t = "[身份证号]"
			}
		case tkDigits:
			switch f := fold(t); {
			case ID15(f):
				t = "[身份证号]"
			case mobile(f):
				t = "[手机号]"
			}
		}
		b.WriteString(t)
		i = end
	}
	return b.String()
}

// Key is the text of a personal-data value that is looked for in the same row's other
// columns: without surrounding blanks (space, tab, U+3000, U+00A0), and "" when shorter than 2
// characters.
func Key(v string) string {
	for blankEdge(v) {
		v = strings.Trim(v, " \t\u3000\u00a0")
	}
	if len(v) < 2 || (len(v) <= 4 && utf8.RuneCountInString(v) < 2) {
		return ""
	}
	return v
}

// blankEdge reports whether v starts or ends with a blank (space, tab, U+3000, U+00A0).
func blankEdge(v string) bool {
	for _, b := range []string{" ", "\t", "\u3000", "\u00a0"} {
		if strings.HasPrefix(v, b) || strings.HasSuffix(v, b) {
			return true
		}
	}
	return false
}

// Scrub masks in s the row's personal-data values (values[i], labelled labels[i]) and then
// the patterns.
func Scrub(s string, labels, values []string) string {
	for i, v := range values {
		if k := Key(v); k != "" && strings.Contains(s, k) {
			s = strings.ReplaceAll(s, k, "["+labels[i]+"]")
		}
	}
	return Mask(s)
}

// scrubFunc is the scalar function cl_pii_scrub(s, label1, value1, label2, value2, …): Scrub
// with the labels and values given in pairs after s (constant labels, the row's values).
type scrubFunc struct{}

func (scrubFunc) Config() duckdb.ScalarFuncConfig {
	vt, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{vt}, VariadicTypeInfo: vt, ResultTypeInfo: vt, SpecialNullHandling: true}
}

func (scrubFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		in := st.GetInputChunk()
		views := make([]duckdb.VectorView[string], in.ColumnCount())
		for c := range views {
			v, err := in.GetVector(c)
			if err != nil {
				return err
			}
			if views[c], err = duckdb.GetVectorView[string](v); err != nil {
				return err
			}
		}
		out, err := duckdb.GetVectorWriter[string](st.GetResultVector())
		if err != nil {
			return err
		}
		n := (len(views) - 1) / 2
		labels, values := make([]string, n), make([]string, n)
		for row := 0; row < in.GetSize(); row++ {
			s, ok, err := views[0].GetValueBorrowed(row)
			if err != nil {
				return err
			}
			if !ok {
				if err := out.SetNull(row); err != nil {
					return err
				}
				continue
			}
			for i := 0; i < n; i++ {
				labels[i], _, _ = views[1+2*i].GetValueBorrowed(row)
				values[i], _, _ = views[2+2*i].GetValueBorrowed(row) // NULL: "", not looked for
			}
			if err := out.Set(row, Scrub(s, labels, values)); err != nil {
				return err
			}
		}
		return nil
	}}
}

// idLikeFunc is the scalar function cl_pii_id_like(s) → BOOLEAN: s is, as a whole, a resident
// ID number (ID18 or ID15). Case ids that are are kept (they are the office's key) and warned
// about.
type idLikeFunc struct{}

func (idLikeFunc) Config() duckdb.ScalarFuncConfig {
	vt, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	bt, _ := duckdb.NewTypeInfo(duckdb.TYPE_BOOLEAN)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{vt}, ResultTypeInfo: bt}
}

func (idLikeFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{ChunkContextExecutor: func(_ context.Context, st *duckdb.ChunkIteratorState) error {
		for row, err := range st.Rows() {
			if err != nil {
				return err
			}
			s, _ := (*row.GetValuePtr(0)).(string)
			if err := row.SetResult(IDLike(s)); err != nil {
				return err
			}
		}
		return nil
	}}
}

// IDLike reports whether s, as a whole, is a resident ID number (ID18 or ID15).
func IDLike(s string) bool { return ID18(s) || ID15(s) }
