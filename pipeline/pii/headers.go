package pii

import (
	"strings"
	"unicode"
)

// Headers that name personal data, built in (pii.columns adds more). A header is compared
// lower-cased and without surrounding blanks, as caseload compares headers everywhere.
//
// Chinese: the header contains one of headerParts, or is one of headerWords (words that name
// personal data alone but are parts of other headers too: 申请人 is the applicant's name, while
// 申请人类型 is a §4.1 field and 申请人国籍 a category; 证件 is a number, 证件类型 a category).
var headerParts = []string{
	"姓名", "名字",
	"身份证号", "身份号码", "身份证件号", "公民身份号", "证件号", "证件编号", "证照号",
	"护照号", "护照编号", "通行证号", "通行证编号", "台胞证", "回乡证", "居住证号",
	"电话", "手机", "座机", "固话", "联系方式", "住址", "地址", "邮箱", "电子邮件", "微信", "qq号",
	"出生日期", "生日", "银行账号", "银行卡号", "社保号", "社会保障号",
}

var headerWords = []string{
	"申请人", "代理人", "委托人", "受托人", "联系人", "监护人", "身份证", "证件", "护照", "通行证",
}

// English headers are split into words at anything that is not a letter or digit
// ("Applicant Name", "applicant_name", "applicantName" are the same three words).
var (
	// a header with any of these words is personal data
	englishWords = []string{
		"passport", "phone", "telephone", "tel", "mobile", "cellphone", "email", "address",
		"addr", "wechat", "birthday", "birthdate", "dob", "idcard", "idno", "idnumber", "ssn", "surname",
		"firstname", "lastname", "fullname", "givenname", "familyname",
	}
	// "name" is personal data alone or with one of these words ("applicant_name"); "item_name" is not
	nameWith = []string{"applicant", "person", "contact", "full", "first", "last", "given", "family",
		"client", "customer", "agent", "proxy", "guardian", "holder", "owner", "resident"}
	// "id" is personal data with one of these words ("id_number", "national_id"); "id" alone is a row id
	idWith = []string{"number", "no", "num", "card", "national", "identity", "personal", "citizen", "resident"}
)

// ByHeader reports whether a column's header names personal data by the built-in list.
func ByHeader(header string) bool {
	h := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header, "\ufeff")))
	if h == "" {
		return false
	}
	for _, w := range headerWords {
		if h == w {
			return true
		}
	}
	for _, p := range headerParts {
		if strings.Contains(h, p) {
			return true
		}
	}
	words := splitWords(header)
	has := func(list []string) bool {
		for _, w := range words {
			for _, l := range list {
				if w == l {
					return true
				}
			}
		}
		return false
	}
	return has(englishWords) ||
		(has([]string{"name"}) && (len(words) == 1 || has(nameWith))) ||
		(has([]string{"id"}) && has(idWith)) ||
		(len(words) == 1 && words[0] == "applicant")
}

// splitWords splits an English header into lower-case words at every character that is not
// an ASCII letter or digit, and where a lower-case letter is followed by an upper-case one
// (camelCase). "e-mail" stays one word.
func splitWords(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "e-mail", "email"), "E-mail", "email")
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if unicode.IsUpper(r) && unicode.IsLower(prev) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
		prev = r
	}
	flush()
	return out
}
