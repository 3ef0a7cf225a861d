package pii

import (
	"context"
	"strings"
	"testing"

	sqlfiles "github.com/caseload/caseload/sql"
)

// TestMigration006Rules: migration 006 carries its own copy of the rules (a migration does the
// same whenever it runs); as long as this version's rules are the ones it copied, both treat
// headers and values alike.
func TestMigration006Rules(t *testing.T) {
	conn := sqlConn(t)
	m := sqlfiles.MustRead("migrations/006_personal_data.sql")
	start := strings.Index(m, "CREATE OR REPLACE TEMP MACRO m006_header")
	end := strings.Index(m, "-- m006_treat(j, keep)")
	if start < 0 || end < start {
		t.Fatal("cannot find the migration's macros")
	}
	if _, err := conn.ExecContext(context.Background(), m[start:end]); err != nil {
		t.Fatal(err)
	}
	for h, want := range headerCases {
		if got := query(t, conn, "SELECT m006_header(?)", h); got != map[bool]string{true: "true", false: "false"}[want] {
			t.Errorf("m006_header(%q) = %s, ByHeader %v", h, got, want)
		}
	}
	for _, c := range maskCases {
		if got := query(t, conn, "SELECT m006_mask(?)", c.in); got != c.want {
			t.Errorf("m006_mask(%q) = %q, cl_pii_mask %q", c.in, got, c.want)
		}
	}
}
