package warehouse

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	sqlfiles "github.com/caseload/caseload/sql"
)

// refreshKPI installs the KPI SQL (sql/kpi, written as TEMP macros) as persistent macros,
// and the analyst views over them (sql/reference/kpi_views.sql), whenever the embedded SQL
// differs from what the warehouse has: stored views cannot use TEMP macros, and the rules
// must exist once, in sql/kpi.
func (w *Warehouse) refreshKPI(ctx context.Context) (bool, error) {
	files, sum := sqlfiles.KPIFiles(), sqlfiles.KPISum()
	if old, err := Meta(ctx, w.DB, "kpi_sql_sha256"); err != nil || old == sum {
		return false, err
	}
	return true, w.inTx(ctx, func(tx *sql.Tx) error {
		for _, f := range files {
			text := strings.ReplaceAll(sqlfiles.MustRead(f), "CREATE OR REPLACE TEMP MACRO", "CREATE OR REPLACE MACRO")
			if _, err := tx.ExecContext(ctx, text); err != nil {
				return fmt.Errorf("install sql/%s: %w", f, err)
			}
		}
		return SetMeta(ctx, tx, "kpi_sql_sha256", sum)
	})
}

// refreshReference (re)loads countries and the holiday calendar when the embedded data, the
// project's override file or the office timezone changed since the last load. The change is
// committed by Open as a generation of its own, so readers see it at once (after an upgrade
// to a corrected country list, say), not only after the next pull.
func (w *Warehouse) refreshReference(ctx context.Context) (bool, error) {
	countries, _ := sqlfiles.FS.ReadFile("data/countries.csv")
	holidays, _ := sqlfiles.FS.ReadFile("data/cn-holidays.csv")
	var override []byte
	if w.opt.CalendarOverride != "" {
		b, err := os.ReadFile(w.opt.CalendarOverride)
		if err != nil {
			return false, fmt.Errorf("calendar: %w", err)
		}
		override = b
	}
	h := sha256.New()
	for _, part := range [][]byte{countries, {0}, holidays, {0}, override, {0}, []byte(sqlfiles.MustRead("reference/calendar.sql")), []byte(sqlfiles.MustRead("reference/countries.sql"))} {
		h.Write(part)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	old, err := Meta(ctx, w.DB, "reference_sha256")
	if err != nil {
		return false, err
	}
	oldTZ, err := Meta(ctx, w.DB, "timezone")
	if err != nil {
		return false, err
	}
	if old == sum && oldTZ == w.opt.Timezone {
		return false, nil
	}
	return true, w.inTx(ctx, func(tx *sql.Tx) error {
		if old != sum {
			if err := loadCountries(ctx, tx, countries); err != nil {
				return fmt.Errorf("countries: %w", err)
			}
			if err := loadHolidays(ctx, tx, holidays, "embedded", "embedded cn-holidays.csv", true); err != nil {
				return err
			}
			if override != nil {
				if err := loadHolidays(ctx, tx, override, w.opt.CalendarOverride, w.opt.CalendarOverride, false); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, sqlfiles.MustRead("reference/calendar.sql")); err != nil {
				return fmt.Errorf("calendar: %w", err)
			}
		}
		if oldTZ != "" && oldTZ != w.opt.Timezone {
			// Local dates depend on the office timezone: recompute them.
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET received_date = received_at::DATE, completed_date = completed_at::DATE`); err != nil {
				return fmt.Errorf("timezone change %s -> %s: %w", oldTZ, w.opt.Timezone, err)
			}
		}
		if err := SetMeta(ctx, tx, "timezone", w.opt.Timezone); err != nil {
			return err
		}
		return SetMeta(ctx, tx, "reference_sha256", sum)
	})
}

// countriesHeader is the header of the embedded sql/data/countries.csv.
var countriesHeader = []string{"alpha2", "alpha3", "numeric", "name_en", "name_zh", "name_zh_hant", "aliases"}

// loadCountries replaces the countries table with the embedded list, rebuilds the country
// keys (sql/reference/countries.sql), and matches the country of every case again, so that a
// corrected or extended list also corrects the cases pulled before it (a value the old list
// did not recognise, such as 柬埔寨 before issue 11, gets its country; the ledger's per-pull
// unrecognised_country counts stay as they were at pull time).
func loadCountries(ctx context.Context, tx *sql.Tx, data []byte) error {
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		return err
	}
	if len(recs) == 0 || !slices.Equal(recs[0], countriesHeader) {
		return fmt.Errorf("embedded countries.csv: expected the header %s", strings.Join(countriesHeader, ","))
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM countries"); err != nil {
		return err
	}
	var rows [][]any
	for _, rec := range recs[1:] {
		var aliases any
		if rec[6] != "" {
			aliases = rec[6]
		}
		rows = append(rows, []any{rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], aliases})
	}
	if err := insertRows(ctx, tx, "INSERT INTO countries VALUES ", 7, rows); err != nil {
		return fmt.Errorf("embedded countries.csv: %w", err)
	}
	if _, err := tx.ExecContext(ctx, sqlfiles.MustRead("reference/countries.sql")); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE cases SET country = k.alpha2
		FROM (SELECT DISTINCT country_raw FROM cases WHERE country_raw IS NOT NULL) r
		LEFT JOIN country_keys k ON k.key = country_key(r.country_raw)
		WHERE cases.country_raw = r.country_raw AND cases.country IS DISTINCT FROM k.alpha2`)
	if err != nil {
		return fmt.Errorf("matching the countries of existing cases again: %w", err)
	}
	return nil
}

// loadHolidays loads a holidays CSV (date,name,is_off_day). With replace, the table is
// emptied first; otherwise the rows override or add to what is there.
func loadHolidays(ctx context.Context, tx *sql.Tx, data []byte, source, display string, replace bool) error {
	text, err := DecodeText(data)
	if err != nil {
		return fmt.Errorf("calendar %s: %w", display, err)
	}
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	if replace {
		if _, err := tx.ExecContext(ctx, "DELETE FROM holidays"); err != nil {
			return err
		}
	}
	// A date given twice: the later line wins, as it did when rows were inserted one by one.
	byDate := map[time.Time]int{}
	var rows [][]any
	line := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return fmt.Errorf("calendar %s: %w", display, err)
		}
		if line == 1 {
			if len(rec) != 3 || strings.TrimSpace(rec[0]) != "date" || strings.TrimSpace(rec[1]) != "name" || strings.TrimSpace(rec[2]) != "is_off_day" {
				return fmt.Errorf("calendar %s: line 1: expected the header date,name,is_off_day", display)
			}
			continue
		}
		if len(rec) != 3 {
			return fmt.Errorf("calendar %s: line %d: expected 3 fields (date,name,is_off_day), got %d", display, line, len(rec))
		}
		d, err := time.Parse("2006-01-02", strings.TrimSpace(rec[0]))
		if err != nil {
			return fmt.Errorf("calendar %s: line %d: date %q is not YYYY-MM-DD", display, line, rec[0])
		}
		off, err := strconv.ParseBool(strings.TrimSpace(rec[2]))
		if err != nil {
			return fmt.Errorf("calendar %s: line %d: is_off_day %q is not true or false", display, line, rec[2])
		}
		row := []any{d, strings.TrimSpace(rec[1]), off, source}
		if i, ok := byDate[d]; ok {
			rows[i] = row
			continue
		}
		byDate[d] = len(rows)
		rows = append(rows, row)
	}
	if err := insertRows(ctx, tx, "INSERT OR REPLACE INTO holidays VALUES ", 4, rows); err != nil {
		return fmt.Errorf("calendar %s: %w", display, err)
	}
	return nil
}

// insertRows inserts rows of cols values with one statement per 500 rows (row by row, a
// prepared INSERT costs DuckDB about 2 ms: 1.2 s for the embedded calendar at every new
// warehouse).
func insertRows(ctx context.Context, tx *sql.Tx, prefix string, cols int, rows [][]any) error {
	const batch = 500
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var b strings.Builder
		b.WriteString(prefix)
		args := make([]any, 0, (end-start)*cols)
		for i, r := range rows[start:end] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(one)
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// DecodeText returns a small text file's content as UTF-8: valid UTF-8 (BOM stripped) as
// is, anything else decoded as GB18030 (what Excel on a Chinese Windows saves).
func DecodeText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("neither UTF-8 nor GB18030: %w", err)
	}
	return string(out), nil
}
