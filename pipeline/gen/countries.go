package gen

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	sqlfiles "github.com/caseload/caseload/sql"
)

// country is one country of residence the generator writes, with every spelling the
// embedded list (sql/data/countries.csv) recognises.
type country struct {
	alpha2, alpha3, nameEn, nameZh, aliasZh string
	simpleEn                                bool // the English name has no comma, quote or parenthesis
	shortAlias                              bool // the alias is what people say (印尼, 韩国), not a formal name
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
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	byCode := map[string]country{}
	header := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("gen: country list: %w", err)
		}
		if header {
			header = false
			continue
		}
		if len(rec) < 6 {
			continue
		}
		c := country{alpha2: rec[0], alpha3: rec[1], nameEn: rec[3], nameZh: rec[4], aliasZh: rec[5]}
		c.simpleEn = c.nameEn != "" && !strings.ContainsAny(c.nameEn, ",'\"()")
		c.shortAlias = c.aliasZh != "" && len(c.aliasZh) < len(c.nameZh)
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
