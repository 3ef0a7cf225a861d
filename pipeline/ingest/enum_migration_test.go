package ingest

import (
	"context"
	"strings"
	"testing"
)

// TestMigration007: a warehouse whose cases keep status, channel and applicant_type as text
// (before migration 007) gets them as ENUMs on upgrade, with every value as it was, and
// queries that compare them with text, sort them or pass them to string functions answer as
// before.
func TestMigration007(t *testing.T) {
	ctx := context.Background()
	p := newProject(t, "")
	p.pull(Options{}, p.file("a.csv", "办件编号,事项编码,受理时间,办结时间,办理状态,办理渠道,申请人类型\n"+
		"A1,QB01,2022-10-03 09:00,2022-10-04 09:00,办结,窗口,华侨\n"+
		"A2,QB01,2022-10-03 09:00,,在办,网办,\n"+
		"A3,QB02,2022-10-05 09:00,2022-10-06 09:00,不予受理,上门,侨眷\n"+
		"A4,QB02,2022-10-05 09:00,2022-10-06 09:00,撤回,邮寄,其他\n"+
		"A5,QB01,2022-10-07 09:00,,受理,打包办,归侨\n"))
	const q = `SELECT case_id, status, channel, coalesce(applicant_type, '-'), upper(status), status = 'completed', status = 'complted' FROM cases ORDER BY status, channel, case_id`
	if _, err := p.w.DB.ExecContext(ctx, `ALTER TABLE cases ALTER COLUMN status TYPE VARCHAR;
		ALTER TABLE cases ALTER COLUMN channel TYPE VARCHAR;
		ALTER TABLE cases ALTER COLUMN applicant_type TYPE VARCHAR;
		DROP TYPE case_status; DROP TYPE case_channel; DROP TYPE case_applicant_type;
		DELETE FROM schema_migrations WHERE version = 7`); err != nil {
		t.Fatal(err)
	}
	if got := p.one(`SELECT data_type FROM information_schema.columns WHERE table_name = 'cases' AND column_name = 'status'`); got != "VARCHAR" {
		t.Fatalf("the earlier version's warehouse: status is %s", got)
	}
	want := p.rows(q) // the answers of the text columns
	fingerprint := p.one(`SELECT fingerprint FROM kpi_data()`)
	if err := p.w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	p.w.Close()
	p.open() // migration 007 runs

	for _, c := range []string{"status", "channel", "applicant_type"} {
		if got := p.one(`SELECT data_type FROM information_schema.columns WHERE table_name = 'cases' AND column_name = '` + c + `'`); !strings.HasPrefix(got, "ENUM(") {
			t.Errorf("after the migration %s is %s", c, got)
		}
	}
	if got := p.rows(q); flatJoin(got) != flatJoin(want) {
		t.Errorf("after the migration\n got %v\nwant %v", got, want)
	}
	// The same cases keep their data fingerprint (reports print it; details.sql keys on it).
	if got := p.one(`SELECT fingerprint FROM kpi_data()`); got != fingerprint {
		t.Errorf("fingerprint after the migration %s, before %s", got, fingerprint)
	}
	// A later pull writes into the ENUM columns.
	p.pull(Options{}, p.file("b.csv", "办件编号,事项编码,受理时间,办理状态,办理渠道\nB1,QB01,2022-10-08 09:00,审核中,远程核验\n"))
	if got := p.one(`SELECT status || '/' || channel FROM cases WHERE case_id = 'B1'`); got != "in_progress/remote" {
		t.Errorf("a pull after the migration: %s", got)
	}
}
