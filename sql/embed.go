// Package sqlfiles holds every piece of SQL text caseload runs, and the reference data
// it loads into the warehouse, embedded into the binary:
//
//	migrations/NNN_name.sql  schema migrations, applied once each, in order
//	ingest/*.sql             validation and normalisation of staged rows, merge into cases
//	kpi/*.sql                KPI queries, one file per group, bilingual header per figure
//	reports/*.sql            report-only queries (data quality, backlog details)
//	jobs/*.sql               the run ledger's rules (interrupted runs)
//	reference/*.sql          calendar and country-key builders
//	data/cn-holidays.csv     State Council holidays and make-up working days, 2007–2026
//	data/countries.csv       ISO 3166-1 codes with English, Chinese (mainland) and Traditional names and aliases
//	data/icu-timezones.txt   the time zone names DuckDB's ICU knows (config validation)
//
// Go code binds parameters (as DuckDB variables) and moves data; business rules live here.
package sqlfiles

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sort"
)

// FS is the embedded tree (paths as above).
//
//go:embed migrations ingest reference kpi reports data jobs
var FS embed.FS

// MustRead returns the text of an embedded file; it panics on a missing name, which is a
// programming error caught by the tests.
func MustRead(name string) string {
	b, err := FS.ReadFile(name)
	if err != nil {
		panic("sqlfiles: " + err.Error())
	}
	return string(b)
}

// KPIFiles are the files that define the KPI macros and the analyst views over them, in the
// order they are installed: kpi/*.sql by name, then reference/kpi_views.sql.
func KPIFiles() []string {
	names, err := fs.Glob(FS, "kpi/*.sql")
	if err != nil {
		panic("sqlfiles: " + err.Error())
	}
	sort.Strings(names)
	return append(names, "reference/kpi_views.sql")
}

// KPISum is the SHA-256 (hex) of KPIFiles, each as "NAME\x00TEXT\x00". The writer records it
// in the warehouse (meta kpi_sql_sha256) when it installs them; a reader whose binary has
// the same sum uses the warehouse's own macros instead of installing its copy.
func KPISum() string {
	h := sha256.New()
	for _, f := range KPIFiles() {
		h.Write([]byte(f + "\x00" + MustRead(f) + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
