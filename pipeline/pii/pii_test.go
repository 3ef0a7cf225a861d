package pii

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/caseload/caseload/pipeline/config"
)

// sqlConn is an in-memory DuckDB connection with the pull's functions registered (without a
// key: no cl_pii_hash).
func sqlConn(t testing.TB) *sql.Conn {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	p, err := Resolve(config.PII{}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Register(conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

func query(t testing.TB, conn *sql.Conn, q string, args ...any) string {
	t.Helper()
	var s sql.NullString
	if err := conn.QueryRowContext(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	if !s.Valid {
		return "NULL"
	}
	return s.String
}

// checkDigit is GB 11643-1999 written independently of the SQL, as the reference.
func checkDigit(first17 string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

func TestCheckDigit(t *testing.T) {
	conn := sqlConn(t)
	for _, c := range []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},  // the standard's own example
		{"11010519491231002x", true},  // lower-case x
		{"110105194912310021", false}, // wrong check digit
		{"440524188001010014", true},
		{"440524188001010013", false},
		{"１１０１０５１９４９１２３１００２Ｘ", true},   // full-width
		{"11010519491231002", false},   // 17 digits
		{"11010519491231002XX", false}, // 19 characters
		{"1101051949123100X2", false},  // X not last
		{"11010519491231002Y", false},
		{"810000199408230021", true}, // 港澳台居民居住证, same form
		{"", false},
	} {
		if got := ID18(c.id); got != c.want {
			t.Errorf("ID18(%q) = %v, want %v", c.id, got, c.want)
		}
		if got := query(t, conn, "SELECT cl_pii_id_like(?)", c.id); got != fmt.Sprint(c.want) {
			t.Errorf("cl_pii_id_like(%q) = %s, want %v", c.id, got, c.want)
		}
	}
	// every check digit, against the reference
	for i := 0; i < 3000; i++ {
		first := []byte("35018119900101000")
		n := i * 7919
		for j := 16; j >= 8; j-- {
			first[j] = byte('0' + n%10)
			n /= 10
		}
		right := checkDigit(string(first))
		for _, c := range "0123456789X" {
			if got := ID18(string(first) + string(c)); got != (byte(c) == right) {
				t.Fatalf("ID18(%s%c) = %v (check digit %c)", first, c, got, right)
			}
		}
	}
}

func TestID15(t *testing.T) {
	for in, want := range map[string]bool{"350181520101123": true, "350181521301123": false, "350181520100123": false,
		"050181520101123": false, "35018152010112": false, "３５０１８１５２０１０１１２３": true} {
		if ID15(in) != want {
			t.Errorf("ID15(%q) = %v", in, !want)
		}
	}
}

var maskCases = []struct{ in, want string }{
	{"补交材料", "补交材料"},
	{"", ""},
	{"身份证11010519491231002X已核验", "身份证[身份证号]已核验"},
	{"身份证11010519491231002x已核验", "身份证[身份证号]已核验"},
	{"号码110105194912310021有误", "号码110105194912310021有误"}, // wrong check digit: not an ID number
	{"旧证350181520101123", "旧证[身份证号]"},
	{"订单350181521301123", "订单350181521301123"},     // month 13: not a 15-digit ID number
	{"流水号1350181520101123", "流水号1350181520101123"}, // 16 digits
	{"电话13812345678", "电话[手机号]"},
	{"电话１３８１２３４５６７８", "电话[手机号]"},
	{"电话+8613812345678；008613912345678", "电话+[手机号]；[手机号]"},
	{"电话 138 1234 5678、138-1234-5679", "电话 [手机号]、[手机号]"},
	{"13812345678,13912345678,13712345678", "[手机号],[手机号],[手机号]"},
	{"座机059185221234", "座机059185221234"}, // landlines are not detected by value
	{"12812345678", "12812345678"},       // not a mobile prefix
	{"邮箱 lin.xiuying+qb@mail.example.cn 已联系", "邮箱 [邮箱] 已联系"},
	{"13812345678@qq.com", "[邮箱]"},
	{"回乡证H12345678，旧回乡证M1234567890", "回乡证[证件号]，旧回乡证[证件号]"},
	{"往来港澳通行证C12345678、CA1234567，台湾L12345678", "往来港澳通行证[证件号]、[证件号]，台湾[证件号]"},
	{"护照E12345678 EA1234567 G12345678", "护照[证件号] [证件号] [证件号]"},
	{"办件QB2022-000123，事项QB01，H1234567", "办件QB2022-000123，事项QB01，H1234567"},
	{"2022-10-31 23:59:59 受理", "2022-10-31 23:59:59 受理"},
}

func TestMaskPatterns(t *testing.T) {
	conn := sqlConn(t)
	for _, c := range maskCases {
		if got := Mask(c.in); got != c.want {
			t.Errorf("Mask(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := query(t, conn, "SELECT cl_pii_scrub(?)", c.in); got != c.want {
			t.Errorf("cl_pii_scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := query(t, conn, "SELECT cl_pii_scrub(NULL)"); got != "NULL" {
		t.Errorf("NULL: %s", got)
	}
}

func TestScrubRow(t *testing.T) {
	conn := sqlConn(t)
	for _, c := range []struct {
		in, name, id, want string
	}{
		{"申请人林秀英补交材料", "林秀英", "11010519491231002X", "申请人[申请人姓名]补交材料"},
		{"申请人林秀英补交材料", " 林秀英\u3000", "", "申请人[申请人姓名]补交材料"},
		{"林补交材料", "林", "", "林补交材料"}, // a 1-character value is not looked for
		{"补交材料", "林秀英", "", "补交材料"},
		{"证件11010519491231002X", "林秀英", "11010519491231002X", "证件[身份证号码]"},
		{"证件11010519491231002X", "林秀英", "11010519491231002x", "证件[身份证号]"}, // not the row's spelling: the pattern
	} {
		if got := Scrub(c.in, []string{"申请人姓名", "身份证号码"}, []string{c.name, c.id}); got != c.want {
			t.Errorf("Scrub(%q, %q, %q) = %q, want %q", c.in, c.name, c.id, got, c.want)
		}
		got := query(t, conn, "SELECT cl_pii_scrub(?, '申请人姓名', ?, '身份证号码', nullif(?, ''))", c.in, c.name, c.id)
		if got != c.want {
			t.Errorf("cl_pii_scrub(%q, %q, %q) = %q, want %q", c.in, c.name, c.id, got, c.want)
		}
	}
}

func TestIDLike(t *testing.T) {
	conn := sqlConn(t)
	for in, want := range map[string]string{"11010519491231002X": "true", "350181520101123": "true", "QB2022-000001": "false", "202210310000123456": "false"} {
		if got := query(t, conn, "SELECT cl_pii_id_like(?)", in); got != want {
			t.Errorf("cl_pii_id_like(%q) = %s", in, got)
		}
	}
}

var headerCases = map[string]bool{
	"申请人姓名": true, "申请人": true, "姓名": true, "身份证号": true, "身份证号码": true, "公民身份号码": true,
	"证件号码": true, "证件": true, "护照号码": true, "护照": true, "港澳通行证号码": true, "通行证": true,
	"台胞证号": true, "联系电话": true, "手机号码": true, "联系方式": true, "住址": true, "家庭住址": true,
	"通讯地址": true, "座机": true, "固话号码": true, "电子邮箱": true, "微信号": true, "出生日期": true, "代理人": true, " 联系人 ": true,
	"Name": true, "applicant_name": true, "Applicant Name": true, "applicantName": true, "passport_no": true,
	"ID Number": true, "id_number": true, "national_id": true, "phone": true, "Mobile": true, "e-mail": true,
	"Email Address": true, "address": true, "DOB": true,
	// not personal data by header
	"备注": false, "申请人类型": false, "申请人国籍": false, "证件类型": false, "事项名称": false, "经办窗口": false,
	"item_name": false, "country_name": false, "id": false, "remark": false, "channel": false, "": false,
	"身份证明类型": false,
}

func TestByHeader(t *testing.T) {
	for h, want := range headerCases {
		if got := ByHeader(h); got != want {
			t.Errorf("ByHeader(%q) = %v, want %v", h, got, want)
		}
	}
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestResolve(t *testing.T) {
	const key = "0123456789abcdef-office-key"
	p, err := Resolve(config.PII{}, env(nil))
	if err != nil || p.Default != Drop || p.Reason != "no key" || p.KeyID != "" || p.KeyEnv != config.DefaultPIIKeyEnv {
		t.Fatalf("no key: %+v %v", p, err)
	}
	p, err = Resolve(config.PII{}, env(map[string]string{"CASELOAD_PII_KEY": key}))
	if err != nil || p.Default != Hash || p.Reason != "key set" || len(p.KeyID) != 8 {
		t.Fatalf("key set: %+v %v", p, err)
	}
	p2, _ := Resolve(config.PII{Policy: "drop"}, env(map[string]string{"CASELOAD_PII_KEY": key}))
	if p2.Default != Drop || p2.Reason != "pii.policy" || p2.KeyID != p.KeyID {
		t.Errorf("drop with a key: %+v", p2)
	}
	_, err = Resolve(config.PII{Policy: "hash", KeyEnv: "OFFICE_KEY"}, env(map[string]string{"CASELOAD_PII_KEY": key}))
	var ke *KeyError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "pii.policy is hash, but the environment variable OFFICE_KEY that holds the key is not set") {
		t.Errorf("hash without its key: %v", err)
	}
	_, err = Resolve(config.PII{}, env(map[string]string{"CASELOAD_PII_KEY": "short-s3cret"}))
	if !errors.As(err, &ke) || strings.Contains(err.Error(), "short-s3cret") || !strings.Contains(err.Error(), "12 characters long, shorter than 16") {
		t.Errorf("short key: %v", err)
	}
	_, err = Resolve(config.PII{Columns: map[string]string{"备用号码": "hash"}}, env(nil))
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "pii.columns asks for hash") {
		t.Errorf("column hash without key: %v", err)
	}
	p, _ = Resolve(config.PII{Columns: map[string]string{"备用号码": "", "联系电话": "keep", "Client": "hash"}}, env(map[string]string{"CASELOAD_PII_KEY": key}))
	for h, want := range map[string][2]string{
		"备用号码": {Hash, "config"}, "联系电话": {Keep, "config"}, " client ": {Hash, "config"},
		"申请人姓名": {Hash, "header"}, "备注": {Free, ""},
	} {
		if how, by := p.Column(h); how != want[0] || by != want[1] {
			t.Errorf("Column(%q) = %q %q, want %v", h, how, by, want)
		}
	}
}

func TestHashFunction(t *testing.T) {
	conn := sqlConn(t)
	p, err := Resolve(config.PII{}, env(map[string]string{"CASELOAD_PII_KEY": "0123456789abcdef-office-key"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Register(conn); err != nil {
		t.Fatal(err)
	}
	h := query(t, conn, "SELECT cl_pii_hash('11010519491231002X')")
	if len(h) != 16 || h != p.Sum("11010519491231002X") {
		t.Fatalf("hash %q, Sum %q", h, p.Sum("11010519491231002X"))
	}
	for _, same := range []string{" 11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X\u3000"} {
		if got := query(t, conn, "SELECT cl_pii_hash(?)", same); got != h {
			t.Errorf("%q hashes to %s, not %s", same, got, h)
		}
	}
	if a, b := p.Sum("林 秀英"), p.Sum("林　 秀英"); a != b || a == p.Sum("林秀英") {
		t.Errorf("blanks: %s %s %s", a, b, p.Sum("林秀英"))
	}
	for _, empty := range []string{"", "  ", "\u3000"} {
		if got := query(t, conn, "SELECT cl_pii_hash(?)", empty); got != "NULL" {
			t.Errorf("%q: %s", empty, got)
		}
	}
	if got := query(t, conn, "SELECT cl_pii_hash(NULL)"); got != "NULL" {
		t.Errorf("NULL: %s", got)
	}
	// many rows, from DuckDB's threads
	if got := query(t, conn, "SELECT count(DISTINCT cl_pii_hash(i::VARCHAR)) FROM range(100000) t(i)"); got != "100000" {
		t.Errorf("distinct hashes of 100000 values: %s", got)
	}
	other, _ := Resolve(config.PII{}, env(map[string]string{"CASELOAD_PII_KEY": "another-key-0123456789"}))
	if other.Sum("11010519491231002X") == h || other.KeyID == p.KeyID {
		t.Errorf("another key gives the same hash or key id")
	}
}
