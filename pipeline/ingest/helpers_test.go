package ingest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/warehouse"
)

const testItems = "item_code,name,instant_since,promised_days,statutory_days,active_from,active_to\n" +
	"QB01,华侨身份证明,2017-03-01,0,20,2017-03-01,\n" +
	"QB02,“三侨生”身份认定,2021-07-01,0,20,2017-03-01,\n" +
	"QB03,华侨回国定居审批,,20,60,2017-03-01,\n"

// project is a temp project directory with a config, items and a warehouse.
type project struct {
	t   testing.TB
	dir string
	cfg *config.Config
	w   *warehouse.Warehouse
	now time.Time
}

func newProject(t testing.TB, extraYAML string) *project {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "items.csv"), []byte(testItems))
	yaml := "office: 测试侨办\ntimezone: Asia/Shanghai\nitems: items.csv\n" + extraYAML
	write(t, filepath.Join(dir, "caseload.yaml"), []byte(yaml))
	cfg, err := config.Load(filepath.Join(dir, "caseload.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := &project{t: t, dir: dir, cfg: cfg, now: time.Date(2022, 11, 20, 12, 0, 0, 0, time.UTC)}
	p.open()
	return p
}

func (p *project) open() {
	p.t.Helper()
	w, err := warehouse.Open(context.Background(), warehouse.Options{Path: p.cfg.Warehouse, Timezone: p.cfg.Timezone, Purpose: "test"})
	if err != nil {
		p.t.Fatal(err)
	}
	p.w = w
	p.t.Cleanup(func() { p.w.Close() })
}

func (p *project) file(name, content string) string {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	write(p.t, path, []byte(content))
	return path
}

func (p *project) gb18030(name, content string) string {
	p.t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(content))
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(p.dir, name)
	write(p.t, path, b)
	return path
}

func (p *project) pull(opt Options, files ...string) *Result {
	p.t.Helper()
	res, err := p.tryPull(opt, files...)
	if err != nil {
		p.t.Fatalf("pull: %v", err)
	}
	return res
}

func (p *project) tryPull(opt Options, files ...string) (*Result, error) {
	opt.Config = p.cfg
	opt.Files = files
	if opt.Now == nil {
		opt.Now = func() time.Time { return p.now }
	}
	res, err := Pull(context.Background(), p.w, opt)
	p.reopen()
	return res, err
}

// reopen begins a new generation after a commit, so that p.w.DB reads what was committed.
func (p *project) reopen() {
	p.t.Helper()
	if p.w.DB == nil {
		if err := p.w.Begin(context.Background()); err != nil {
			p.t.Fatal(err)
		}
	}
}

// rows runs a query and returns every row as strings.
func (p *project) rows(query string, args ...any) [][]string {
	p.t.Helper()
	rs, err := p.w.DB.Query(query, args...)
	if err != nil {
		p.t.Fatalf("%s: %v", query, err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			p.t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = *v
			}
		}
		out = append(out, row)
	}
	return out
}

func (p *project) one(query string, args ...any) string {
	p.t.Helper()
	r := p.rows(query, args...)
	if len(r) != 1 || len(r[0]) != 1 {
		p.t.Fatalf("%s: want one value, got %v", query, r)
	}
	return r[0][0]
}

func write(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// noTempObjects checks that no temp table or view is left on the pooled connections (the
// warehouse must allow at most 2: the pull's and the one the snapshot checkpoints on).
func (p *project) noTempObjects() {
	p.t.Helper()
	ctx := context.Background()
	for i := 0; i < 2; i++ { // hold both at once, so each one is checked
		c, err := p.w.DB.Conn(ctx)
		if err != nil {
			p.t.Fatal(err)
		}
		defer c.Close()
		var tables, views int
		if err := c.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM duckdb_tables() WHERE temporary),
			(SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal)`).Scan(&tables, &views); err != nil {
			p.t.Fatal(err)
		}
		if tables+views != 0 {
			p.t.Errorf("connection %d: %d temp tables and %d temp views left", i, tables, views)
		}
		var vars string
		if err := c.QueryRowContext(ctx, `SELECT coalesce(string_agg(name, ', ' ORDER BY name), '') FROM duckdb_variables()`).Scan(&vars); err != nil {
			p.t.Fatal(err)
		}
		if vars != "" {
			p.t.Errorf("connection %d: variables left: %s", i, vars)
		}
	}
}
