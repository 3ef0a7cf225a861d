package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestMigration006: a warehouse written by a caseload before issue 12 (every other column kept
// as it was) loses on upgrade what it holds of personal data in the clear, and what is left is
// what a pull of this version without a key (policy drop) keeps of the same file.
func TestMigration006(t *testing.T) {
	ctx := context.Background()
	// What this version keeps of the file, without a key.
	fresh := newProject(t, "")
	fresh.pull(Options{LookupEnv: withKey("")}, piiFile(fresh, "a.csv"))
	want := fresh.rows(`SELECT 'case', case_id, extra::VARCHAR FROM cases UNION ALL SELECT 'reject', case_id, raw::VARCHAR FROM rejects ORDER BY 1, 2`)

	// An earlier version's warehouse: the same file pulled with every column as it is, and no
	// migration 006 (its column and its record taken away again).
	p := newProject(t, "")
	p.pull(Options{piiOff: true}, piiFile(p, "a.csv"))
	p.pull(Options{piiOff: true}, p.file("b.csv", "办件编号,事项编码,受理时间,办理状态,经办窗口\nB1,QB01,2022-10-03 09:00,受理,3号窗\n"))
	if got := p.one(`SELECT extra->>'申请人姓名' FROM cases WHERE case_id = 'A1'`); got != piiName {
		t.Fatalf("the earlier version's warehouse: %s", got)
	}
	if _, err := p.w.DB.ExecContext(ctx, `ALTER TABLE ingest_files DROP COLUMN pii; DELETE FROM schema_migrations WHERE version = 6`); err != nil {
		t.Fatal(err)
	}
	if err := p.w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	p.w.Close()
	p.open() // migration 006 runs

	got := p.rows(`SELECT 'case', case_id, extra::VARCHAR FROM cases WHERE case_id <> 'B1' UNION ALL SELECT 'reject', case_id, raw::VARCHAR FROM rejects ORDER BY 1, 2`)
	if flatJoin(got) != flatJoin(want) {
		t.Errorf("after the migration\n got %v\nwant %v (what a pull without a key keeps)", got, want)
	}
	if got := p.one(`SELECT extra::VARCHAR FROM cases WHERE case_id = 'B1'`); got != `{"经办窗口":"3号窗"}` {
		t.Errorf("a file without personal data: %s", got)
	}
	ledger := p.rows(`SELECT path, pii::VARCHAR FROM ingest_files ORDER BY file_id`)
	if ledger[0][1] != `{"policy":"drop","reason":"migration 006","columns":[{"column":"住址","how":"dropped","by":"header"},{"column":"申请人姓名","how":"dropped","by":"header"},{"column":"联系电话","how":"dropped","by":"header"},{"column":"身份证号","how":"dropped","by":"header"}]}` ||
		ledger[1][1] != `{"policy":"drop","reason":"migration 006","columns":[]}` {
		t.Errorf("ingest_files.pii: %v", ledger)
	}
	noSecrets(t, "the migrated warehouse", dumpWarehouse(t, p.w.DB))
	// Not in the file's free blocks either, nor in the previous generation (a compacting
	// commit): the bytes of the warehouse file and of .caseload hold no trace of the name.
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(p.cfg.Warehouse), ".caseload", "*.duckdb"))
	for _, f := range append(files, p.cfg.Warehouse) {
		if raw, err := os.ReadFile(f); err == nil && bytes.Contains(raw, []byte(piiName)) {
			t.Errorf("%s still holds the applicant's name in its bytes", f)
		}
	}
	if n := p.one(`SELECT count(*) FROM duckdb_functions() WHERE function_name LIKE 'm006%'`); n != "0" {
		t.Errorf("the migration left %s macros", n)
	}
}

func flatJoin(rows [][]string) string {
	s := ""
	for _, r := range rows {
		for _, c := range r {
			s += c + "|"
		}
		s += "\n"
	}
	return s
}
