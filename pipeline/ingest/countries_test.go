package ingest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"unicode"

	sqlfiles "github.com/caseload/caseload/sql"
)

// fullWidth writes the ASCII characters of s in their full-width forms (ＵＳＡ, （）) and
// spaces as ideographic spaces, as a Chinese input method does.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '\u3000'
		case r > 0x20 && r < 0x7f:
			return r + 0xfee0
		}
		return r
	}, s)
}

// halfWidth is the inverse of fullWidth (（金） → (金)).
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r > 0xff00 && r < 0xff5f:
			return r - 0xfee0
		}
		return r
	}, s)
}

// countryForm is how the tests expect a spelling to be matched: case, width, apostrophes
// and blanks folded (the rule is country_key in sql/reference/countries.sql).
func countryForm(s string) string {
	s = strings.NewReplacer("’", "'", "‘", "'", "\u00a0", " ").Replace(halfWidth(s))
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

type countrySpelling struct{ value, want, what string }

// countrySpellings lists every spelling of every row of the embedded country table (codes,
// English, Chinese, Traditional, aliases) and variants of them: upper and lower case,
// full-width, half-width brackets, surrounding and doubled blanks.
func countrySpellings(t *testing.T) []countrySpelling {
	t.Helper()
	b, err := sqlfiles.FS.ReadFile("data/countries.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "alpha2,alpha3,numeric,name_en,name_zh,name_zh_hant,aliases" {
		t.Fatalf("countries.csv header %s", got)
	}
	var out []countrySpelling
	owner := map[string]string{} // countryForm -> alpha2: no spelling may name two countries
	add := func(value, want, what string) {
		out = append(out, countrySpelling{value, want, what})
		k := countryForm(value)
		if o, ok := owner[k]; ok && o != want {
			t.Errorf("%q (%s of %s) is also a spelling of %s", value, what, want, o)
		}
		owner[k] = want
	}
	for _, rec := range recs[1:] {
		a2 := rec[0]
		forms := map[string]string{"alpha2": rec[0], "alpha3": rec[1], "numeric": rec[2], "name_en": rec[3], "name_zh": rec[4], "name_zh_hant": rec[5]}
		for i, a := range strings.Split(rec[6], "|") {
			if a != "" {
				forms[fmt.Sprintf("alias %d", i+1)] = a
			}
		}
		for what, s := range forms {
			if s == "" || strings.TrimSpace(s) != s {
				t.Errorf("%s: %s %q is empty or has blanks around it", a2, what, s)
				continue
			}
			add(s, a2, what)
			if strings.ToUpper(s) != s {
				add(strings.ToUpper(s), a2, what+" upper-case")
			}
			if strings.ToLower(s) != s {
				add(strings.ToLower(s), a2, what+" lower-case")
			}
			if fw := fullWidth(s); fw != s {
				add(fw, a2, what+" full-width")
			}
			if hw := halfWidth(s); hw != s {
				add(hw, a2, what+" half-width")
			}
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) {
				add(" "+strings.ReplaceAll(s, " ", "  ")+"\u3000", a2, what+" with blanks")
			} else {
				add("\u3000"+s+" ", a2, what+" with blanks")
			}
		}
	}
	return out
}

// TestCountrySpellings pulls one file holding every spelling of every country of the
// embedded table, and variants of them, and checks each case's country (issue 11: the
// corrected table with its Traditional names and aliases).
func TestCountrySpellings(t *testing.T) {
	spellings := countrySpellings(t)
	spellings = append(spellings,
		countrySpelling{"ＵＳＡ", "US", "full-width code"}, countrySpelling{" usa ", "US", "code with blanks"},
		countrySpelling{"Usa", "US", "mixed case"}, countrySpelling{"ｕｓａ", "US", "full-width lower case"},
		countrySpelling{"柬埔寨", "KH", "mainland name (the old table had 柬埔塞)"},
		countrySpelling{"梵蒂冈", "VA", "mainland name (the old table had 梵地冈)"},
		countrySpelling{"马耳他", "MT", "mainland name (the old table had 马尔他)"},
		countrySpelling{"危地马拉", "GT", "mainland name (the old table had 瓜地马拉)"},
		countrySpelling{"吉尔吉斯斯坦", "KG", "mainland name (the old table had 吉尔吉斯坦)"},
		countrySpelling{"UK", "GB", "alias"}, countrySpelling{"Russia", "RU", "alias"}, countrySpelling{"Vietnam", "VN", "alias"},
		countrySpelling{"澳洲", "AU", "Traditional name"}, countrySpelling{"中国香港", "HK", "name"}, countrySpelling{"香港", "HK", "alias"},
		countrySpelling{"台湾", "TW", "alias"}, countrySpelling{"印尼", "ID", "Traditional name"},
		countrySpelling{"Congo", "CG", "name_en wins over CD's derived short form"},
		countrySpelling{"Congo, The Democratic Republic of the", "CD", "name_en"},
		countrySpelling{"Korea", "KR", "alias"}, countrySpelling{"Bolivia", "BO", "alias"},
		countrySpelling{"Cote d'Ivoire", "CI", "without accents"}, countrySpelling{"Côte d’Ivoire", "CI", "typographic apostrophe"},
		countrySpelling{"CÔTE D'IVOIRE", "CI", "upper case with accent"}, countrySpelling{"Sao Tome and Principe", "ST", "without accents"},
		countrySpelling{"Curacao", "CW", "without accents"}, countrySpelling{"United\u3000States", "US", "ideographic space inside"},
		countrySpelling{"United  States", "US", "double space inside"}, countrySpelling{"刚果(金)", "CD", "half-width brackets"},
		countrySpelling{"Bonaire", "BQ", "derived short form"}, countrySpelling{"Palestine", "PS", "derived short form"},
		countrySpelling{"火星", "", "unknown"}, countrySpelling{"Atlantis", "", "unknown"},
		countrySpelling{"Virgin Islands", "", "ambiguous: VG or VI"}, countrySpelling{"柬埔塞", "", "the old table's typo"},
		countrySpelling{"U S A", "", "letters apart"}, countrySpelling{"36", "", "numeric code without its zero"},
	)
	if len(spellings) < 1500 {
		t.Fatalf("only %d spellings", len(spellings))
	}
	p := newProject(t, "")
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"case_id", "item_code", "received_at", "status", "country"})
	for i, s := range spellings {
		w.Write([]string{fmt.Sprintf("C%05d", i), "QB01", "2022-01-03 09:00", "received", s.value})
	}
	w.Flush()
	path := p.file("countries.csv", buf.String())
	res := p.pull(Options{}, path)
	if f := res.Files[0]; f.Status != "pulled" || f.Accepted != int64(len(spellings)) {
		t.Fatalf("pull: %+v", f)
	}
	got := map[string]string{}
	for _, r := range p.rows("SELECT case_id, coalesce(country, '') FROM cases") {
		got[r[0]] = r[1]
	}
	unrecognised := 0
	for i, s := range spellings {
		id := fmt.Sprintf("C%05d", i)
		if got[id] != s.want {
			t.Errorf("%q (%s): country %q, want %q", s.value, s.what, got[id], s.want)
		}
		if s.want == "" {
			unrecognised++
		}
	}
	if n := res.Files[0].UnrecognisedCountry; n != int64(unrecognised) {
		t.Errorf("unrecognised_country %d, want %d", n, unrecognised)
	}
	t.Logf("%d spellings, %d unrecognised", len(spellings), unrecognised)
}
