package reports

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"time"

	"github.com/caseload/caseload/pipeline/period"
	sqlfiles "github.com/caseload/caseload/sql"
)

// MaxCountryValues is the most unrecognised country values a report lists.
const MaxCountryValues = 200

// MaxRejectRows is the most rejected rows a report lists (the total is always given).
const MaxRejectRows = 200

// QueryFirstCase returns the local received date of the earliest case (zero when there is
// none): sql/reports/first_case.sql.
func QueryFirstCase(ctx context.Context, db *sql.DB) (time.Time, error) {
	var d sql.NullTime
	if err := db.QueryRowContext(ctx, sqlfiles.MustRead("reports/first_case.sql")).Scan(&d); err != nil {
		return time.Time{}, fmt.Errorf("first case: %w", err)
	}
	if !d.Valid {
		return time.Time{}, nil
	}
	return period.DateOf(d.Time), nil
}

// QueryQuality reads the data-quality section (sql/reports/quality_*.sql).
func QueryQuality(ctx context.Context, db *sql.DB) (Quality, error) {
	var q Quality
	rows, err := db.QueryContext(ctx, sqlfiles.MustRead("reports/quality_files.sql"))
	if err != nil {
		return q, fmt.Errorf("data quality: files: %w", err)
	}
	for rows.Next() {
		var f FileRow
		var format sql.NullString
		if err := rows.Scan(&f.Path, &f.PulledAt, &format, &f.RowsRead, &f.Accepted, &f.Superseded, &f.Rejected, &f.UnrecognisedCountry); err != nil {
			rows.Close()
			return q, fmt.Errorf("data quality: files: %w", err)
		}
		f.Format = format.String
		q.Files = append(q.Files, f)
	}
	if err := closeRows(rows); err != nil {
		return q, fmt.Errorf("data quality: files: %w", err)
	}

	rows, err = db.QueryContext(ctx, sqlfiles.MustRead("reports/quality_rejects.sql"))
	if err != nil {
		return q, fmt.Errorf("data quality: rejects: %w", err)
	}
	for rows.Next() {
		var r ReasonRow
		if err := rows.Scan(&r.Reason, &r.Rows); err != nil {
			rows.Close()
			return q, fmt.Errorf("data quality: rejects: %w", err)
		}
		q.RejectReasons = append(q.RejectReasons, r)
	}
	if err := closeRows(rows); err != nil {
		return q, fmt.Errorf("data quality: rejects: %w", err)
	}

	rows, err = db.QueryContext(ctx, sqlfiles.MustRead("reports/quality_reject_rows.sql"), MaxRejectRows)
	if err != nil {
		return q, fmt.Errorf("data quality: rejected rows: %w", err)
	}
	for rows.Next() {
		var r RejectRow
		var id sql.NullString
		if err := rows.Scan(&r.File, &r.Line, &id, &r.Reason); err != nil {
			rows.Close()
			return q, fmt.Errorf("data quality: rejected rows: %w", err)
		}
		r.CaseID = id.String
		q.RejectRows = append(q.RejectRows, r)
	}
	if err := closeRows(rows); err != nil {
		return q, fmt.Errorf("data quality: rejected rows: %w", err)
	}
	if len(q.RejectRows) > MaxRejectRows {
		q.RejectRows = q.RejectRows[:MaxRejectRows]
		q.RejectRowsTruncated = true
	}

	rows, err = db.QueryContext(ctx, sqlfiles.MustRead("reports/quality_countries.sql"), MaxCountryValues)
	if err != nil {
		return q, fmt.Errorf("data quality: countries: %w", err)
	}
	for rows.Next() {
		var c CountryValueRow
		if err := rows.Scan(&c.Value, &c.Cases); err != nil {
			rows.Close()
			return q, fmt.Errorf("data quality: countries: %w", err)
		}
		q.UnrecognisedCountries = append(q.UnrecognisedCountries, c)
	}
	if err := closeRows(rows); err != nil {
		return q, fmt.Errorf("data quality: countries: %w", err)
	}
	if len(q.UnrecognisedCountries) > MaxCountryValues {
		q.UnrecognisedCountries = q.UnrecognisedCountries[:MaxCountryValues]
		q.CountriesTruncated = true
	}
	return q, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// DetailRow is one case of the row-level sheet. It holds no personal identifier: CaseRef is
// a truncated salted hash of the case id (sql/reports/details.sql).
type DetailRow struct {
	CaseRef       string
	ItemCode      string
	ItemName      string
	ReceivedDate  time.Time  // calendar date (00:00 UTC)
	CompletedDate *time.Time // calendar date, nil when not completed
	Status        string
	Channel       string
	ApplicantType string
	Country       string // ISO alpha-2, "" when empty or unrecognised
	CountryZH     string
	CountryEN     string
	Trips         *int64
	Backlog       bool
}

// Details is a sequence of detail rows; iteration stops at the first error, which is yielded.
type Details = iter.Seq2[DetailRow, error]

// QueryDetails streams the cases received or completed in p (sql/reports/details.sql). The
// rows are read as they are written, never held in memory all at once.
func QueryDetails(ctx context.Context, db *sql.DB, p period.Period, fingerprint string) Details {
	return func(yield func(DetailRow, error) bool) {
		rows, err := db.QueryContext(ctx, sqlfiles.MustRead("reports/details.sql"),
			period.FormatDate(p.First), period.FormatDate(p.Last), fingerprint)
		if err != nil {
			yield(DetailRow{}, fmt.Errorf("case details: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var d DetailRow
			var comp sql.NullTime
			var trips sql.NullInt64
			if err := rows.Scan(&d.CaseRef, &d.ItemCode, &d.ItemName, &d.ReceivedDate, &comp, &d.Status, &d.Channel,
				&d.ApplicantType, &d.Country, &d.CountryZH, &d.CountryEN, &trips, &d.Backlog); err != nil {
				yield(DetailRow{}, fmt.Errorf("case details: %w", err))
				return
			}
			if comp.Valid {
				t := comp.Time
				d.CompletedDate = &t
			}
			if trips.Valid {
				n := trips.Int64
				d.Trips = &n
			}
			if !yield(d, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(DetailRow{}, fmt.Errorf("case details: %w", err))
		}
	}
}
