package ingest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/caseload/caseload/pipeline/warehouse"
)

// itemsDigest is a digest of the item catalogue in the warehouse ("" when empty).
func itemsDigest(ctx context.Context, q warehouse.Querier) (string, error) {
	var d sql.NullString
	err := q.QueryRowContext(ctx, "SELECT md5(string_agg(to_json(items)::VARCHAR, '\n' ORDER BY item_code)) FROM items").Scan(&d)
	return d.String, err
}

// mergeFile validates and merges one staged file inside the pull transaction.
func mergeFile(ctx context.Context, tx *sql.Tx, sf *stagedFile, pullID int64, pullTime time.Time, policy *PIIPolicy, ps *piiState, log *slog.Logger) error {
	t0 := time.Now()
	var fileID int64
	if err := tx.QueryRowContext(ctx, "SELECT nextval('file_id_seq')").Scan(&fileID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(
		"CREATE OR REPLACE TEMP VIEW stg AS SELECT * FROM stg_v_%d; SET VARIABLE file_id = %d::BIGINT; SET VARIABLE source_file = %s",
		sf.k, fileID, sqlString(sf.plan.display))); err != nil {
		return err
	}
	r := sf.res
	last, err := execScript(ctx, tx, "ingest/merge.sql", log)
	if err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	var finalReplaced sql.NullString
	if err := tx.QueryRowContext(ctx, last).Scan(
		&r.RowsRead, &r.Accepted, &r.Superseded, &r.Rejected, &r.Replaced, &r.UnrecognisedCountry, &finalReplaced); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if finalReplaced.Valid {
		if err := json.Unmarshal([]byte(finalReplaced.String), &r.FinalReplaced); err != nil {
			return fmt.Errorf("merge: final_replaced: %w", err)
		}
	}
	if r.RowsRead != r.Accepted+r.Superseded+r.Rejected {
		return fmt.Errorf("merge: rows do not add up: read %d ≠ accepted %d + superseded %d + rejected %d", r.RowsRead, r.Accepted, r.Superseded, r.Rejected)
	}
	if err := ps.count(ctx, tx, sf.k, r.PII); err != nil {
		return err
	}
	var enc any
	if r.Encoding != "" {
		enc = r.Encoding
	}
	var src any
	if r.Source != "" {
		src = r.Source
	}
	var piiJSON any
	if r.PII != nil {
		b, err := json.Marshal(struct {
			*PIIPolicy
			*FilePII
		}{policy, r.PII})
		if err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
		piiJSON = string(b)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ingest_files (file_id, pull_id, source, path, sha256, size_bytes, format, encoding,
		pulled_at, rows_read, accepted, superseded, rejected, unrecognised_country, pii)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::TIMESTAMPTZ, ?, ?, ?, ?, ?, ?::JSON)`,
		fileID, pullID, src, sf.plan.display, sf.scan.SHA256, sf.scan.Size, r.Format, enc, pullTime,
		r.RowsRead, r.Accepted, r.Superseded, r.Rejected, r.UnrecognisedCountry, piiJSON); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT reason, count(*) FROM rejects WHERE file_id = ? GROUP BY reason ORDER BY count(*) DESC, reason", fileID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var rc ReasonCount
		if err := rows.Scan(&rc.Reason, &rc.Rows); err != nil {
			rows.Close()
			return err
		}
		r.Reasons = append(r.Reasons, rc)
	}
	rows.Close()
	log.Debug("merged", "file", sf.plan.display, "seconds", time.Since(t0).Seconds())
	r.FileID = fileID
	r.Status = "pulled"
	r.Seconds = time.Since(sf.started).Seconds()
	return nil
}

// mergeMemory is DuckDB's memory limit during a pull's merge (capMemory).
const mergeMemory = 192 << 20

// capMemory lowers DuckDB's memory_limit to max bytes unless the configured limit (0: DuckDB's
// default) is already lower, and returns what sets it back.
func capMemory(ctx context.Context, conn *sql.Conn, configured, max int64) (func(), error) {
	if configured > 0 && configured <= max {
		return func() {}, nil
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET memory_limit = '%dB'", max)); err != nil {
		return nil, err
	}
	return func() {
		q := "RESET memory_limit"
		if configured > 0 {
			q = fmt.Sprintf("SET memory_limit = '%dB'", configured)
		}
		_, _ = conn.ExecContext(context.Background(), q)
	}, nil
}

// stageDB is the name of the scratch database validated rows wait in (sql/ingest/validate.sql).
const stageDB = "caseload_stage"

// dropTemp drops every temp object a pull of n files creates, and resets the session's
// variables (every one: the pull's SQL sets them, and nothing else uses this connection
// while the pull holds it).
func dropTemp(conn *sql.Conn, n int) {
	ctx := context.Background()
	for k := 0; k < n; k++ {
		dropStaged(conn, k)
	}
	for _, q := range []string{"DROP VIEW IF EXISTS stg_fields", "DROP VIEW IF EXISTS stg",
		"DROP TABLE IF EXISTS " + stageDB + ".stg", "DROP TABLE IF EXISTS contest", "DROP TABLE IF EXISTS pull_items",
		"RESET SESSION preserve_insertion_order"} {
		_, _ = conn.ExecContext(ctx, q)
	}
	var names []string
	if rows, err := conn.QueryContext(ctx, "SELECT name FROM duckdb_variables()"); err == nil {
		for rows.Next() {
			var name string
			if rows.Scan(&name) == nil {
				names = append(names, name)
			}
		}
		rows.Close()
	}
	for _, name := range names {
		_, _ = conn.ExecContext(ctx, "RESET VARIABLE "+sqlIdent(name))
	}
}

// setFixedOffset sets the variables tz_fixed_* that cl_local_date and cl_instant
// (sql/ingest/functions.sql) use to skip ICU: the span around now (from 1970
// on) in which the office timezone's UTC offset does not change, as Go's zone database has
// it. ICU (DuckDB's own zone data) must agree at both ends and now; if it does not, the span
// is left empty and every date goes through ICU.
func setFixedOffset(ctx context.Context, conn *sql.Conn, tz string, now time.Time) error {
	from, to, off := time.Unix(0, 0), time.Unix(0, 0), 0
	if loc, err := time.LoadLocation(tz); err == nil {
		local := now.In(loc)
		_, off = local.Zone()
		start, end := local.ZoneBounds()
		from, to = start, end
		if epoch := time.Unix(0, 0); from.Before(epoch) {
			from = epoch // before 1970 the epoch arithmetic would need floor division
		}
		if to.IsZero() {
			to = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC) // no later change is known
		}
	}
	offUS := int64(off) * 1_000_000
	var agree bool
	err := conn.QueryRowContext(ctx, `SELECT bool_and(epoch_us(t::TIMESTAMP) - epoch_us(t) = ?)
		FROM (SELECT unnest([?::TIMESTAMPTZ, ?::TIMESTAMPTZ - INTERVAL 1 MICROSECOND, ?::TIMESTAMPTZ]) AS t)`,
		offUS, from, to, now).Scan(&agree)
	if err != nil {
		return fmt.Errorf("office timezone: %w", err)
	}
	if !agree {
		to = from
	}
	// The same span as wall-clock times, a day in from each end: a wall time near a change
	// of offset can be ambiguous (it occurs twice) or missing, and ICU decides those.
	wall := func(t time.Time) string {
		return t.UTC().Add(time.Duration(off) * time.Second).Format("2006-01-02 15:04:05.999999")
	}
	fromLocal, toLocal := wall(from.Add(24*time.Hour)), wall(to.Add(-24*time.Hour))
	if !to.After(from.Add(48 * time.Hour)) {
		toLocal = fromLocal
	}
	for _, v := range []struct {
		q   string
		arg any
	}{{"SET VARIABLE tz_fixed_from = ?::TIMESTAMPTZ", from}, {"SET VARIABLE tz_fixed_to = ?::TIMESTAMPTZ", to}, {"SET VARIABLE tz_fixed_offset_us = ?::BIGINT", offUS},
		{"SET VARIABLE tz_fixed_from_local = ?::TIMESTAMP", fromLocal}, {"SET VARIABLE tz_fixed_to_local = ?::TIMESTAMP", toLocal}} {
		if _, err := conn.ExecContext(ctx, v.q, v.arg); err != nil {
			return fmt.Errorf("office timezone: %w", err)
		}
	}
	return nil
}

// stageItems puts the item codes this pull loads into the temp table pull_items, which
// validation reads (it runs before the transaction that reloads items).
func stageItems(ctx context.Context, conn *sql.Conn, items []warehouse.Item) error {
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE pull_items (item_code VARCHAR PRIMARY KEY)"); err != nil {
		return err
	}
	for _, it := range items {
		if _, err := conn.ExecContext(ctx, "INSERT INTO pull_items VALUES (?)", it.Code); err != nil {
			return fmt.Errorf("items %s: %w", it.Code, err)
		}
	}
	return nil
}

// dropStaged drops the temp objects staging file k created.
func dropStaged(conn *sql.Conn, k int) {
	ctx := context.Background()
	for _, q := range []string{
		"DROP VIEW IF EXISTS stg_v_%d", "DROP VIEW IF EXISTS stg_fields_%d", "DROP TABLE IF EXISTS stg_raw_%d",
		"DROP TABLE IF EXISTS " + stageDB + ".stg_%d", "DROP TABLE IF EXISTS stg_linemap_%d",
	} {
		_, _ = conn.ExecContext(ctx, fmt.Sprintf(q, k))
	}
}
