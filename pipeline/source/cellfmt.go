package source

import (
	"math"
	"strconv"
	"strings"
	"time"
)

const (
	msPerDay = 86400000
	// maxSerialDays is 9999-12-31 in the 1900 date system, Excel's last date.
	maxSerialDays = 2958465
)

// serialToText converts an Excel date serial number to wall-clock text at full
// precision: "2006-01-02" when the serial is a whole day, else
// "2006-01-02 15:04:05" plus ".000" milliseconds when they are non-zero. The
// value is rounded to the nearest millisecond to remove float noise.
//
// In the 1900 date system a serial below 1 has no date part (Excel's day 0 is
// "1900-01-00"), so it yields the time of day only ("15:04:05"); serial 60 is
// Excel's fictitious 1900-02-29 and is printed as such. Negative, non-finite
// and out-of-range (after 9999-12-31) serials report ok=false.
func serialToText(v float64, date1904 bool) (string, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return "", false
	}
	limit := float64(maxSerialDays + 1)
	if date1904 {
		limit -= 1462 // 1904-01-01 is serial 1462 in the 1900 system
	}
	if v >= limit {
		return "", false
	}
	ms := int64(math.Round(v * msPerDay))
	days, rem := ms/msPerDay, ms%msPerDay
	if days >= int64(limit) {
		return "", false
	}
	buf := make([]byte, 0, len("2006-01-02 15:04:05.000"))
	switch {
	case !date1904 && days == 0:
		return string(appendClock(buf, rem)), true
	case !date1904 && days == 60:
		buf = append(buf, "1900-02-29"...)
	default:
		var base time.Time
		switch {
		case date1904:
			base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
		case days < 60:
			base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
		default:
			base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
		}
		buf = base.AddDate(0, 0, int(days)).AppendFormat(buf, "2006-01-02")
	}
	if rem != 0 {
		buf = append(buf, ' ')
		buf = appendClock(buf, rem)
	}
	return string(buf), true
}

// appendClock appends "15:04:05" (plus ".000" when ms is not whole seconds)
// for ms milliseconds after midnight.
func appendClock(buf []byte, ms int64) []byte {
	two := func(b []byte, n int64) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }
	buf = two(buf, ms/3600000)
	buf = append(buf, ':')
	buf = two(buf, ms/60000%60)
	buf = append(buf, ':')
	buf = two(buf, ms/1000%60)
	if frac := ms % 1000; frac != 0 {
		buf = append(buf, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	}
	return buf
}

// numberText renders the raw text of a numeric cell as the shortest text that
// reads back as the same number: "20220001", "3", "2.5". Plain integer
// literals keep all their digits (even beyond float64 precision). Text that
// is not a number is returned unchanged.
func numberText(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return ""
	}
	if isIntLiteral(s) {
		neg := s[0] == '-' || s[0] == '+'
		digits := strings.TrimLeft(strings.TrimLeft(s, "+-"), "0")
		switch {
		case digits == "":
			return "0"
		case neg && s[0] == '-':
			return "-" + digits
		default:
			return digits
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return raw
	}
	return floatText(f)
}

// floatText formats f as the shortest decimal that parses back to f, in
// positional notation for 1e-6 <= |f| < 1e21 and exponent notation outside.
func floatText(f float64) string {
	if f == 0 {
		return "0"
	}
	if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func isIntLiteral(s string) bool {
	i := 0
	if s[0] == '-' || s[0] == '+' {
		i = 1
	}
	if i == len(s) {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isBuiltInDateFormat reports whether a built-in number format id is a date or
// time format: 14-22 and 45-47 in every locale, plus 27-36 and 50-58, which
// are the East Asian (zh-CN, ja-JP, ko-KR) date formats such as
// yyyy"年"m"月"d"日" that Chinese Excel and WPS write without a numFmt entry.
func isBuiltInDateFormat(id int) bool {
	return (id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) || (id >= 50 && id <= 58)
}

// isDateFormatCode reports whether a custom number format code formats dates
// or times: it holds one of y, m, d, h, s (any case) outside quoted text,
// [bracketed] modifiers, and characters escaped by \, _ or *. Elapsed-time
// brackets such as [h] or [mm] also count.
func isDateFormatCode(code string) bool {
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return false
			}
			inner := strings.ToLower(code[i+1 : i+1+j])
			if inner != "" && strings.Trim(inner, "hms") == "" {
				return true // elapsed time: [h], [mm], [ss]
			}
			i += j + 1
		case '\\', '_', '*':
			i++
		case 'y', 'Y', 'm', 'M', 'd', 'D', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}

// isoDateText converts the value of a t="d" cell (ISO 8601) to the same text
// form as a date serial; unparseable text is returned unchanged.
func isoDateText(raw string) string {
	s := strings.TrimSpace(raw)
	for _, layout := range []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04",
		"2006-01-02",
		"15:04:05.999999999",
	} {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		// Spreadsheet dates are wall-clock times: an offset suffix some
		// writers add is dropped, the clock reading is kept as written.
		t = t.Round(time.Millisecond)
		ms := int64(t.Hour())*3600000 + int64(t.Minute())*60000 + int64(t.Second())*1000 + int64(t.Nanosecond()/1e6)
		if layout == "15:04:05.999999999" {
			return string(appendClock(nil, ms))
		}
		out := t.AppendFormat(nil, "2006-01-02")
		if ms != 0 {
			out = append(out, ' ')
			out = appendClock(out, ms)
		}
		return string(out)
	}
	return raw
}

// decodeXString undoes the OOXML ST_Xstring escaping of characters that XML
// cannot carry: "_x000D_" is a carriage return, "_x005F_" a literal "_".
func decodeXString(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if n, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(n))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
