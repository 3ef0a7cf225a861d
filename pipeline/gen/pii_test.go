package gen

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPIIColumns: --pii adds synthetic personal data after the §4.1 columns, which stay as
// they are; ID numbers have right check digits; the same person recurs; some remarks repeat a
// name, an ID number or a phone.
func TestPIIColumns(t *testing.T) {
	dir := t.TempDir()
	plain, withPII := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	if _, err := WriteFile(context.Background(), plain, Options{Cases: 3000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteFile(context.Background(), withPII, Options{Cases: 3000, Seed: 7, PII: true}); err != nil {
		t.Fatal(err)
	}
	read := func(p string) [][]string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	a, b := read(plain), read(withPII)
	if len(a) != len(b) || strings.Join(b[0][13:], ",") != "申请人姓名,身份证号,联系电话,备注" {
		t.Fatalf("rows %d %d, header %v", len(a), len(b), b[0])
	}
	people := map[string]bool{}
	var inRemark [3]int
	for i := 1; i < len(b); i++ {
		if strings.Join(a[i], ",") != strings.Join(b[i][:13], ",") {
			t.Fatalf("row %d: the §4.1 columns differ:\n%v\n%v", i, a[i], b[i])
		}
		name, id, phone, remark := b[i][13], b[i][14], b[i][15], b[i][16]
		if len(id) != 18 || idCheckDigit([]byte(id)) != id[17] || len(phone) != 11 || phone[0] != '1' || len([]rune(name)) < 2 {
			t.Fatalf("row %d: %q %q %q", i, name, id, phone)
		}
		people[id] = true
		for j, v := range []string{name, id, phone} {
			if strings.Contains(remark, v) {
				inRemark[j]++
			}
		}
	}
	if len(people) > 1100 || len(people) < 800 {
		t.Errorf("%d people for 3000 cases", len(people))
	}
	if inRemark[0] < 100 || inRemark[1] < 50 || inRemark[2] < 50 {
		t.Errorf("remarks holding a name, ID number, phone: %v", inRemark)
	}
	if _, err := WriteFile(context.Background(), filepath.Join(dir, "c.ndjson"), Options{Cases: 1, PII: true}); err == nil {
		t.Errorf("personal-data columns in .ndjson")
	}
}
