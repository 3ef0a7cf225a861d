package pii

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

var (
	foldRef    = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "Ｘ", "X", "ｘ", "x")
	idWindowRE = regexp.MustCompile(`[0-9]{17}[0-9Xx]`)
	digitRunRE = regexp.MustCompile(`[0-9]+`)
	mobileRef  = regexp.MustCompile(`^(0086|86)?1[3-9][0-9]{9}$`)
	id15Ref    = regexp.MustCompile(`^[1-9][0-9]{7}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}$`)
	emailRef   = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	wordRE     = regexp.MustCompile(`[0-9A-Za-z]+`)
	permitRef  = regexp.MustCompile(`^([HMhm][0-9]{8}([0-9]{2})?|[CcLlEeGg][0-9]{8}|[CcEe][A-Za-z][0-9]{7})$`)
	triggerRE  = regexp.MustCompile(`[0-9０-９]{7}|@|[0-9][ -][0-9]{4}[ -][0-9]`)
)

// leftovers lists what the detector must not leave in masked text, found by Go's own
// reading of the rules (the check digit by checkDigit, written apart from the SQL).
func leftovers(out string) []string {
	f := foldRef.Replace(out)
	var bad []string
	for _, w := range idWindowRE.FindAllString(f, -1) {
		if strings.ToUpper(w)[17] == checkDigit(w[:17]) {
			bad = append(bad, "ID number "+w)
		}
	}
	for _, loc := range digitRunRE.FindAllStringIndex(f, -1) {
		run := f[loc[0]:loc[1]]
		if mobileRef.MatchString(run) {
			bad = append(bad, "mobile "+run)
		}
		if id15Ref.MatchString(run) {
			bad = append(bad, "15-digit ID "+run)
		}
	}
	for _, e := range emailRef.FindAllString(f, -1) {
		bad = append(bad, "e-mail "+e)
	}
	for _, w := range wordRE.FindAllString(out, -1) {
		if permitRef.MatchString(w) {
			bad = append(bad, "permit "+w)
		}
	}
	return bad
}

// FuzzScrub: whatever the text, Mask leaves no ID number with a right check digit (as an
// auditor's regexp_extract_all finds them), no mobile number, 15-digit ID number, e-mail
// address or permit number standing on its own; text with nothing that could be one is
// returned unchanged; masking twice is masking once; only placeholders are added; and
// migration 006's SQL copy of the rules gives the same (that is the slow part of each run).
func FuzzScrub(f *testing.F) {
	for _, s := range []string{
		"补交材料",
		"申请人林秀英，身份证11010519491231002X，电话13812345678，邮箱lin.xy@qq.com，通行证H12345678，旧证350181520101123",
		"1101051949123100211010519491231002X",
		"11010519491231002X13812345678",
		"H11010519491231002X",
		"x11010519491231002Xx",
		"电话 +86 138-1234-5678 与 139 1234 5678；13812345678,13912345678",
		"13812345678@qq.com 与 a@b.c@d.cn，.x@y.cn，a.b@c..d.cn",
		"CA1234567 EA1234567 QB12345678 E123456789 H1234567890 CAB1234567 XH12345678",
		"１１０１０５１９４９１２３１００２ｘ",
		"12345678901234567890123456789012345678",
		"１3８1234５678 ０086１３９１２３４５６７８",
	} {
		f.Add(s)
	}
	conn := sqlConn(f)
	loadMigration006(f, conn)
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) || strings.ContainsRune(in, 0) || len(in) > 512 {
			return
		}
		out := Mask(in)
		if bad := leftovers(out); len(bad) > 0 {
			t.Fatalf("Mask(%q) = %q leaves %v", in, out, bad)
		}
		if !triggerRE.MatchString(in) && out != in {
			t.Fatalf("Mask(%q) = %q: changed text that holds nothing to mask", in, out)
		}
		if again := Mask(out); again != out {
			t.Fatalf("Mask(%q) = %q, but masking that again gives %q", in, out, again)
		}
		// Only placeholders are added: what is left once they are taken out is a subsequence of the input.
		rest := strings.NewReplacer("[身份证号]", "", "[手机号]", "", "[邮箱]", "", "[证件号]", "").Replace(out)
		if !subsequence(rest, in) {
			t.Fatalf("Mask(%q) = %q: changed more than it masked", in, out)
		}
		if m := query(t, conn, "SELECT m006_mask(?)", in); m != out {
			t.Fatalf("Mask(%q) = %q, migration 006's copy gives %q", in, out, m)
		}
	})
}

func subsequence(sub, s string) bool {
	i := 0
	for _, r := range s {
		if i < len(sub) {
			if q, n := utf8.DecodeRuneInString(sub[i:]); q == r {
				i += n
			}
		}
	}
	return i == len(sub)
}
