package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	sqlfiles "github.com/caseload/caseload/sql"
)

// Migration is one embedded schema migration.
type Migration struct {
	Version int
	Name    string
	SQL     string
	// Compact: the migration removes data that must not survive anywhere (personal data), so
	// the generation it is applied in is rewritten into a fresh file and the previous one is
	// not kept. A migration asks for it with a line "-- caseload: compact".
	Compact bool
}

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := sqlfiles.FS.ReadDir("migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", name)
		}
		b, err := sqlfiles.FS.ReadFile("migrations/" + name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b), Compact: strings.Contains(string(b), "\n-- caseload: compact")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %03d", out[i].Version)
		}
	}
	return out, nil
}

// migrate applies the embedded migrations the open generation lacks, each in its own
// transaction, and reports whether it applied any.
func (w *Warehouse) migrate(ctx context.Context) (bool, error) {
	if _, err := w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return false, fmt.Errorf("migrate %s: %w", w.Path, err)
	}
	applied := map[int]bool{}
	rows, err := w.DB.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return false, fmt.Errorf("migrate %s: %w", w.Path, err)
	}
	maxApplied := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return false, err
		}
		applied[v] = true
		maxApplied = max(maxApplied, v)
	}
	rows.Close()
	// Migrations that came with the template (template.go) were applied when this warehouse
	// was created: now, at its first open.
	if _, err := w.DB.ExecContext(ctx, "UPDATE schema_migrations SET applied_at = now() WHERE applied_at = 'epoch'::TIMESTAMPTZ"); err != nil {
		return false, fmt.Errorf("migrate %s: %w", w.Path, err)
	}
	ms, err := Migrations()
	if err != nil {
		return false, err
	}
	if len(ms) > 0 && maxApplied > ms[len(ms)-1].Version {
		return false, fmt.Errorf("warehouse %s has schema version %d, newer than this caseload knows (%d): use a newer caseload", w.Path, maxApplied, ms[len(ms)-1].Version)
	}
	changed := false
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		if err := w.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, ?, now())", m.Version, m.Name)
			return err
		}); err != nil {
			return false, fmt.Errorf("migration %03d_%s: %w", m.Version, m.Name, err)
		}
		changed = true
		w.compact = w.compact || m.Compact
		w.log.Debug("migration applied", "version", m.Version, "name", m.Name)
	}
	return changed, nil
}
