package warehouse

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func open(t *testing.T, path string, opt Options) *Warehouse {
	t.Helper()
	opt.Path = path
	w, err := Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func one(t *testing.T, w *Warehouse, q string, args ...any) string {
	t.Helper()
	var s string
	if err := w.DB.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func TestMigrationsOnceAndMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := open(t, path, Options{})
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if got := one(t, w, "SELECT count(*)::VARCHAR FROM schema_migrations"); got != strconv.Itoa(len(ms)) {
		t.Errorf("migrations applied: %s, want %d", got, len(ms))
	}
	w.Close()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	w = open(t, path, Options{})
	defer w.Close()
	if got := one(t, w, "SELECT count(*)::VARCHAR FROM schema_migrations"); got != strconv.Itoa(len(ms)) {
		t.Errorf("after reopening: %s", got)
	}
	for _, view := range []string{"cases_named", "reject_reasons", "kpi_monthly"} {
		one(t, w, "SELECT count(*)::VARCHAR FROM "+view)
	}
}

// TestCalendar checks facts of the State Council notices (SPEC §4.4).
func TestCalendar(t *testing.T) {
	w := open(t, filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	defer w.Close()
	for _, c := range []struct{ date, want string }{
		{"2023-10-06", "false holiday 中秋节、国庆节"}, // Friday in the National Day holiday
		{"2023-10-07", "true makeup"},           // Saturday make-up working day
		{"2023-10-08", "true makeup"},           // Sunday make-up working day
		{"2023-10-09", "true"},                  // ordinary Monday
		{"2023-10-14", "false"},                 // ordinary Saturday
		{"2024-02-29", "true"},                  // leap day, a Thursday
		{"2030-01-05", "false"},                 // beyond the notices: the weekend rule alone
		{"2030-01-07", "true"},
	} {
		got := one(t, w, `SELECT is_working_day::VARCHAR || CASE WHEN is_makeup_day THEN ' makeup' ELSE '' END ||
			CASE WHEN is_holiday THEN ' holiday ' || holiday_name ELSE '' END FROM calendar WHERE date = ?::DATE`, c.date)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q", c.date, got, c.want)
		}
	}
	// working days d with a < d <= b: Fri 2023-09-29 (holiday) .. Sat 2023-10-07 (make-up) = 1
	if got := one(t, w, `SELECT ((SELECT wd_index FROM calendar WHERE date = DATE '2023-10-07') -
		(SELECT wd_index FROM calendar WHERE date = DATE '2023-09-28'))::VARCHAR`); got != "1" {
		t.Errorf("working days 2023-09-28 → 2023-10-07: %s, want 1", got)
	}
}

func TestCalendarOverride(t *testing.T) {
	dir := t.TempDir()
	override := filepath.Join(dir, "holidays.csv")
	os.WriteFile(override, []byte("date,name,is_off_day\n2030-01-07,县庆,true\n2023-10-14,调休,false\n"), 0o644)
	w := open(t, filepath.Join(dir, "w.duckdb"), Options{CalendarOverride: override})
	defer w.Close()
	if got := one(t, w, "SELECT is_working_day::VARCHAR || ' ' || coalesce(holiday_name, '') FROM calendar WHERE date = DATE '2030-01-07'"); got != "false 县庆" {
		t.Errorf("override holiday: %q", got)
	}
	if got := one(t, w, "SELECT is_working_day::VARCHAR FROM calendar WHERE date = DATE '2023-10-14'"); got != "true" {
		t.Errorf("override make-up day: %q", got)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("date,name,is_off_day\n2030-13-01,x,true\n"), 0o644)
	_, err := Open(context.Background(), Options{Path: filepath.Join(dir, "w2.duckdb"), CalendarOverride: bad})
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "2030-13-01") {
		t.Errorf("bad override: %v", err)
	}
}

func TestCountryKeys(t *testing.T) {
	w := open(t, filepath.Join(t.TempDir(), "w.duckdb"), Options{})
	defer w.Close()
	for key, want := range map[string]string{
		"us": "US", "usa": "US", "840": "US", "美国": "US", "美利坚合众国": "US", "united states": "US",
		"印尼": "ID", "印度尼西亚": "ID", "korea": "KR", "virgin islands": "", "韩国": "KR", "korea, republic of": "KR", "japan": "JP", "日本": "JP",
	} {
		var got string
		err := w.DB.QueryRow("SELECT alpha2 FROM country_keys WHERE key = ?", key).Scan(&got)
		if want == "" {
			if err == nil {
				t.Errorf("%q is ambiguous but maps to %s", key, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q → %q (%v), want %s", key, got, err, want)
		}
	}
}

func TestWriterLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	lk, err := AcquireLock(path, "pull")
	if err != nil {
		t.Fatal(err)
	}
	if held, who := Held(path); !held || !strings.Contains(who, "caseload pull") {
		t.Errorf("Held: %v %q", held, who)
	}
	// flock is per open file description: a second Open in this process is refused too.
	_, err = Open(context.Background(), Options{Path: path})
	var iu *InUseError
	if !errors.As(err, &iu) || !strings.Contains(err.Error(), "PID") {
		t.Errorf("second writer: %v", err)
	}
	lk.Release()
	w := open(t, path, Options{})
	w.Close()
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out.txt")
	os.WriteFile(dst, []byte("old"), 0o644)
	err := WriteAtomic(dst, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half")
		return errors.New("boom")
	})
	if err == nil {
		t.Fatal("want the writer's error")
	}
	if b, _ := os.ReadFile(dst); string(b) != "old" {
		t.Errorf("dst changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	if err := WriteAtomic(dst, 0o600, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != "new" {
		t.Errorf("dst %q", b)
	}
}

func TestTimezoneChangeRecomputesLocalDates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	w := open(t, path, Options{Timezone: "Asia/Shanghai"})
	if _, err := w.DB.Exec(`INSERT INTO cases (case_id, item_code, received_at, status, channel, backlog, received_date, file_id, source_file, source_line)
		VALUES ('A', 'QB01', TIMESTAMPTZ '2022-10-31 16:30:00+00', 'received', 'window', false, DATE '2022-11-01', 1, 'x', 2)`); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w = open(t, path, Options{Timezone: "UTC"})
	defer w.Close()
	if got := one(t, w, "SELECT received_date::VARCHAR FROM cases"); got != "2022-10-31" {
		t.Errorf("received_date after switching to UTC: %s", got)
	}
}

func TestSizeBytes(t *testing.T) {
	for in, want := range map[string]int64{
		"4000000000B": 4000000000, "1GB": 1e9, "512 MiB": 512 << 20, "1.5GiB": 3 << 29, "256mb": 256e6,
		"": 0, "80%": 0, "GB": 0, "-1GB": 0, "x MB": 0,
	} {
		if got := sizeBytes(in); got != want {
			t.Errorf("sizeBytes(%q) = %d, want %d", in, got, want)
		}
	}
}
