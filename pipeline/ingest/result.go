package ingest

import (
	"errors"
	"fmt"

	"github.com/caseload/caseload/pipeline/pii"
	"github.com/caseload/caseload/pipeline/source"
)

// ReasonCount is a reject reason and how many rows had it.
type ReasonCount struct {
	Reason string `json:"reason"`
	Rows   int64  `json:"rows"`
}

// FileResult is what happened to one file.
type FileResult struct {
	Path                string        `json:"path"`
	Source              string        `json:"source,omitempty"`
	SHA256              string        `json:"sha256,omitempty"`
	Format              string        `json:"format"`
	Encoding            string        `json:"encoding,omitempty"`
	Status              string        `json:"status"` // pulled | skipped | failed
	Note                string        `json:"note,omitempty"`
	Error               string        `json:"error,omitempty"`
	FileID              int64         `json:"file_id,omitempty"`
	RowsRead            int64         `json:"rows_read"`
	Accepted            int64         `json:"accepted"`
	Superseded          int64         `json:"superseded"`
	Rejected            int64         `json:"rejected"`
	Replaced            int64         `json:"replaced"` // earlier versions in the warehouse this file superseded
	UnrecognisedCountry int64         `json:"unrecognised_country"`
	Reasons             []ReasonCount `json:"reasons,omitempty"` // every reject reason, most frequent first
	// PII: what the personal-data rules did to the file's columns (pii.go), also in ingest_files.pii.
	PII *FilePII `json:"pii,omitempty"`
	// FinalReplaced: cases whose final status (from an earlier file) this file replaced
	// with a non-final one by pull order alone (sql/ingest/merge.sql), per earlier file.
	FinalReplaced []FinalReplaced `json:"final_replaced,omitempty"`
	Seconds       float64         `json:"seconds"`
	err           error
}

// FinalReplaced counts the cases of one earlier file whose final status a later-pulled file
// replaced with a non-final one; CaseID, From and To describe the first of them.
type FinalReplaced struct {
	File   string `json:"file"`
	Cases  int64  `json:"cases"`
	CaseID string `json:"case_id"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// Err is the file's error (nil unless Status is failed).
func (f *FileResult) Err() error { return f.err }

// Result is the outcome of a pull.
type Result struct {
	PullID int64        `json:"pull_id"`
	Files  []FileResult `json:"files"`
	// Warehouse is the warehouse file the pull committed ("" when nothing was new): analysts
	// and reports read it from then on.
	Warehouse string `json:"warehouse,omitempty"`
	// PII is the personal-data policy the pull ran with (nil when it stopped before).
	PII *PIIPolicy `json:"pii,omitempty"`
	// Warnings are what the office should act on although the pull went through: personal data
	// kept in the clear, case ids that look like ID numbers, a changed personal-data key. Each
	// is logged too.
	Warnings []string `json:"warnings,omitempty"`
}

// Failed lists the files that could not be pulled.
func (r *Result) Failed() []FileResult {
	var out []FileResult
	for _, f := range r.Files {
		if f.Status == "failed" {
			out = append(out, f)
		}
	}
	return out
}

// Totals sums the per-file counts.
func (r *Result) Totals() (read, accepted, superseded, rejected int64) {
	for _, f := range r.Files {
		read += f.RowsRead
		accepted += f.Accepted
		superseded += f.Superseded
		rejected += f.Rejected
	}
	return
}

// QualityError is a failed data-quality gate (SPEC §10, exit code 3): more rows rejected
// than quality.max_reject_ratio allows. The pull itself is committed: rejects are data too.
type QualityError struct {
	Rejected, Read int64
	MaxRatio       float64
}

func (e *QualityError) Error() string {
	return fmt.Sprintf("data-quality gate: %d of %d rows rejected (%.1f%%), above quality.max_reject_ratio %.1f%%; see `caseload sql \"SELECT * FROM reject_reasons\"`",
		e.Rejected, e.Read, 100*float64(e.Rejected)/float64(e.Read), 100*e.MaxRatio)
}

// CheckQuality returns a *QualityError when the share of rejected rows exceeds maxRatio.
func (r *Result) CheckQuality(maxRatio float64) error {
	read, _, _, rejected := r.Totals()
	if read > 0 && float64(rejected)/float64(read) > maxRatio {
		return &QualityError{Rejected: rejected, Read: read, MaxRatio: maxRatio}
	}
	return nil
}

// maskedError is an error whose message has personal data masked (pii.Mask: ID numbers,
// mobile numbers, e-mail addresses, permits); errors.As and errors.Is see the error inside.
type maskedError struct{ err error }

func (e maskedError) Error() string { return pii.Mask(e.err.Error()) }
func (e maskedError) Unwrap() error { return e.err }

// FileError is a malformed or unreadable file.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string {
	var se *source.Error
	if errors.As(e.Err, &se) {
		return se.Error()
	}
	return e.Path + ": " + e.Err.Error()
}
func (e *FileError) Unwrap() error { return e.Err }
