package gen

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	sqlfiles "github.com/caseload/caseload/sql"
)

// country is one country of residence the generator writes, with the spellings it uses, all
// recognised by the embedded list (sql/data/countries.csv).
type country struct {
	alpha2, alpha3, nameEn, nameZh string
	aliasZh                        string // another Chinese spelling: see chineseAlias
	simpleEn                       bool   // the English name has no comma, quote or parenthesis
	shortAlias                     bool   // the alias is what people say (印尼, 澳洲, 香港), not a formal name
}

// chineseAlias picks the other Chinese spelling a row may carry: the shortest Chinese alias
// shorter than the mainland name (大马, 香港, 俄国), or else the Traditional name when it is
// shorter and written in characters the mainland names use too, so that it reads as mainland
// usage (印尼 for 印度尼西亚, 澳洲; not 獅子山); else the first Chinese alias (美利坚合众国,
// 大韩民国); else "".
func chineseAlias(nameZh, nameZhHant, aliases string, mainland map[rune]bool) string {
	n := utf8.RuneCountInString
	var short, first string
	for _, a := range strings.Split(aliases, "|") {
		if a != "" && a != nameZh && isChinese(a) {
			if first == "" {
				first = a
			}
			if n(a) < n(nameZh) && (short == "" || n(a) < n(short)) {
				short = a
			}
		}
	}
	if h := nameZhHant; short == "" && h != "" && isChinese(h) && n(h) < n(nameZh) &&
		!strings.ContainsFunc(h, func(r rune) bool { return !mainland[r] }) {
		short = h
	}
	if short != "" {
		return short
	}
	return first
}

// isChinese reports whether s is written in Han characters (with Chinese punctuation).
func isChinese(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) && !strings.ContainsRune("（）、·-", r) {
			return false
		}
	}
	return true
}

// countryTop and countryTail list the 155 countries of residence of the reference
// office's applicants: first the frequent ones with relative weights (Fuqing's
// emigrants live mostly in the US, Indonesia, Japan, Singapore, Malaysia, …), then a
// long tail of equal, small weight.
const countryTop = "US:180 ID:110 JP:90 SG:45 MY:45 CA:55 AU:50 GB:50 IT:50 AR:45 BR:30 HU:20 " +
	"NZ:20 FR:20 ES:20 NL:18 DE:15 TH:12 PH:12 ZA:12 RU:10 KR:10 VN:8 MX:8 CL:8 PE:8 PA:8 VE:8 MM:6 KH:6"

// countryTail is the long tail, each with weight tailWeight.
const countryTail = "AE AF AL AM AO AT AZ BA BB BD BE BG BH BN BO BS BW BY BZ CH CI CM CO CR CU CY CZ DK DO DZ EC EE EG ET FI FJ GA GE GH GN GR GT GY HN HR HT IE IL IN IQ IR IS JM JO KE KG KW KZ LA LB LK LT LU LV LY MA MD ME MG MK ML MN MT MU MV MW MZ NA NE NG NI NO NP OM PG PK PL PT PY QA RO RS RW SA SC SD SE SI SK SL SN SO SR SV SY TD TG TJ TM TN TR TT TZ UA UG UY UZ WS YE ZM ZW BJ BF CG CD"

const tailWeight = 1.2

// loadCountries reads the embedded country list and returns the pool (in pool order)
// with its weights.
func loadCountries() ([]country, []float64, error) {
	f, err := sqlfiles.FS.Open("data/countries.csv")
	if err != nil {
		return nil, nil, fmt.Errorf("gen: country list: %w", err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, nil, fmt.Errorf("gen: country list: %v", err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"alpha2", "alpha3", "name_en", "name_zh", "name_zh_hant", "aliases"} {
		if _, ok := col[h]; !ok {
			return nil, nil, fmt.Errorf("gen: country list: no column %s", h)
		}
	}
	mainland := map[rune]bool{} // the characters of the mainland names
	for _, rec := range recs[1:] {
		for _, r := range rec[col["name_zh"]] {
			mainland[r] = true
		}
	}
	byCode := map[string]country{}
	for _, rec := range recs[1:] {
		c := country{alpha2: rec[col["alpha2"]], alpha3: rec[col["alpha3"]], nameEn: rec[col["name_en"]], nameZh: rec[col["name_zh"]]}
		c.aliasZh = chineseAlias(c.nameZh, rec[col["name_zh_hant"]], rec[col["aliases"]], mainland)
		c.simpleEn = c.nameEn != "" && !strings.ContainsAny(c.nameEn, ",'\"()")
		c.shortAlias = c.aliasZh != "" && utf8.RuneCountInString(c.aliasZh) < utf8.RuneCountInString(c.nameZh)
		byCode[c.alpha2] = c
	}
	var out []country
	var w []float64
	add := func(code string, weight float64) error {
		c, ok := byCode[code]
		if !ok {
			return fmt.Errorf("gen: country %s is not in sql/data/countries.csv", code)
		}
		out = append(out, c)
		w = append(w, weight)
		return nil
	}
	for _, f := range strings.Fields(countryTop) {
		code, ws, _ := strings.Cut(f, ":")
		weight, err := strconv.ParseFloat(ws, 64)
		if err != nil {
			return nil, nil, err
		}
		if err := add(code, weight); err != nil {
			return nil, nil, err
		}
	}
	for _, code := range strings.Fields(countryTail) {
		if err := add(code, tailWeight); err != nil {
			return nil, nil, err
		}
	}
	return out, w, nil
}

// Spelling styles of a country value.
const (
	spellMixed   = iota // generic: alpha-2, alpha-3, Chinese name, alias, English name
	spellChinese        // a Chinese-language export: Chinese names and aliases, a few codes
	spellCodes          // an English export: mostly ISO codes
)

// spell picks how country c is written in a row.
func (c *country) spell(r *rand.Rand, style int) string {
	u := r.IntN(100)
	switch style {
	case spellChinese:
		switch {
		case u < 8:
			return c.alpha2
		case u < 50 && c.shortAlias, u < 11 && c.aliasZh != "":
			return c.aliasZh
		default:
			return c.nameZh
		}
	case spellCodes:
		switch {
		case u < 60:
			return c.alpha2
		case u < 80:
			return c.alpha3
		case u < 90 && c.simpleEn:
			return c.nameEn
		default:
			return c.nameZh
		}
	}
	switch {
	case u < 40:
		return c.alpha2
	case u < 52:
		return c.alpha3
	case u < 60 && c.aliasZh != "":
		return c.aliasZh
	case u < 70 && c.simpleEn:
		return c.nameEn
	default:
		return c.nameZh
	}
}
