package pii

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	sqlfiles "github.com/caseload/caseload/sql"
)

// TestMigration006Rules: migration 006 carries its own copy of the rules (a migration does the
// same whenever it runs); as long as this version's rules are the ones it copied, both treat
// headers and values alike.
func TestMigration006Rules(t *testing.T) {
	conn := sqlConn(t)
	loadMigration006(t, conn)
	for _, h := range append(append(append([]string{}, headerParts...), headerWords...), englishWords...) {
		if query(t, conn, "SELECT m006_header(?)", h) != "true" {
			t.Errorf("m006_header(%q) is false: the migration's list lacks it", h)
		}
	}
	for h, want := range headerCases {
		if got := query(t, conn, "SELECT m006_header(?)", h); got != fmt.Sprint(want) {
			t.Errorf("m006_header(%q) = %s, ByHeader %v", h, got, want)
		}
	}
	for _, c := range maskCases {
		if got := query(t, conn, "SELECT m006_mask(?)", c.in); got != c.want {
			t.Errorf("m006_mask(%q) = %q, Mask %q", c.in, got, c.want)
		}
	}
	// the row's own values, as a pull treats a searched column
	got := query(t, conn, "SELECT m006_mask(m006_unrow('申请人林秀英补交材料，身份证11010519491231002X', ['林秀英', m006_key(' 11010519491231002X '), m006_key('林')], ['[姓名]', '[证件号码]', '[x]']))")
	if want := Scrub("申请人林秀英补交材料，身份证11010519491231002X", []string{"姓名", "证件号码", "x"}, []string{"林秀英", " 11010519491231002X ", "林"}); got != want {
		t.Errorf("migration: %q, Scrub: %q", got, want)
	}
}

// loadMigration006 creates migration 006's macros on conn.
func loadMigration006(t testing.TB, conn *sql.Conn) {
	t.Helper()
	m := sqlfiles.MustRead("migrations/006_personal_data.sql")
	start := strings.Index(m, "CREATE OR REPLACE TEMP MACRO m006_header")
	end := strings.Index(m, "-- m006_treat(j, keep)")
	if start < 0 || end < start {
		t.Fatal("cannot find the migration's macros")
	}
	if _, err := conn.ExecContext(context.Background(), m[start:end]); err != nil {
		t.Fatal(err)
	}
}
