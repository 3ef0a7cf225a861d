package warehouse

import (
	"context"
	"path/filepath"
	"testing"
)

// TestCountriesUpgrade opens a warehouse shaped as before migration 005 (countries with
// alias_zh; cases matched with the old table, whose 柬埔塞 typo left 柬埔寨 unrecognised)
// and checks that the next open migrates the table, loads the corrected list and matches
// the existing cases again — for readers too (kpi, report), at once.
func TestCountriesUpgrade(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := open(t, path, Options{})
	for _, q := range []string{
		`DROP TABLE countries`,
		`CREATE TABLE countries (alpha2 VARCHAR PRIMARY KEY, alpha3 VARCHAR NOT NULL, numeric VARCHAR NOT NULL,
			name_en VARCHAR NOT NULL, name_zh VARCHAR NOT NULL, alias_zh VARCHAR)`,
		`INSERT INTO countries VALUES ('KH', 'KHM', '116', 'Cambodia', '柬埔塞', NULL)`,
		`DELETE FROM country_keys`,
		`INSERT INTO country_keys VALUES ('kh', 'KH'), ('柬埔塞', 'KH')`,
		`DELETE FROM schema_migrations WHERE version = 5`,
		`UPDATE meta SET value = 'old' WHERE key = 'reference_sha256'`,
		`INSERT INTO cases (case_id, item_code, received_at, status, channel, backlog, received_date, file_id, source_file, source_line, country, country_raw)
		 VALUES ('A', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 2, NULL, '柬埔寨'),
		        ('B', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 3, 'KH', '柬埔塞'),
		        ('C', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 4, 'KH', 'kh'),
		        ('D', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 5, NULL, 'ＵＫ'),
		        ('E', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 6, NULL, '火星'),
		        ('F', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 7, NULL, NULL)`,
	} {
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w = open(t, path, Options{})
	defer w.Close()
	snap, err := OpenReadOnly(path, "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	var inSnapshot string
	if err := snap.QueryRow(`SELECT string_agg(case_id || '=' || coalesce(country, '-'), ' ' ORDER BY case_id) || ' ' || (SELECT name_zh_hant FROM countries WHERE alpha2 = 'KH') FROM cases`).Scan(&inSnapshot); err != nil {
		t.Fatal(err)
	}
	if want := "A=KH B=- C=KH D=GB E=- F=- 柬埔寨"; inSnapshot != want {
		t.Errorf("snapshot after the upgrade: %s, want %s", inSnapshot, want)
	}
	got := one(t, w, `SELECT string_agg(case_id || '=' || coalesce(country, '-'), ' ' ORDER BY case_id) FROM cases`)
	if want := "A=KH B=- C=KH D=GB E=- F=-"; got != want {
		t.Errorf("cases after the upgrade: %s, want %s", got, want)
	}
	got = one(t, w, `SELECT name_zh || ' ' || name_zh_hant || ' ' || coalesce(aliases, '-') FROM countries WHERE alpha2 = 'TW'`)
	if want := "中国台湾 台灣 中国台湾省|台湾|Taiwan|臺灣|台湾省"; got != want {
		t.Errorf("TW: %s, want %s", got, want)
	}
	if got := one(t, w, `SELECT count(*)::VARCHAR FROM countries`); got != "249" {
		t.Errorf("%s countries, want 249", got)
	}
	if got := one(t, w, `SELECT alpha2 FROM country_keys WHERE key = country_key('　ＵＳＡ ')`); got != "US" {
		t.Errorf("country_key('　ＵＳＡ ') → %s", got)
	}
	// the analyst views still work over the new table
	if got := one(t, w, `SELECT count(*)::VARCHAR FROM cases_named WHERE country_name_zh = '柬埔寨'`); got != "2" {
		t.Errorf("cases_named 柬埔寨: %s", got)
	}
}
