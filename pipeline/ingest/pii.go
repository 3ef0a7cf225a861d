package ingest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/caseload/caseload/pipeline/config"
	"github.com/caseload/caseload/pipeline/pii"
	"github.com/caseload/caseload/pipeline/warehouse"
)

// Personal data at staging (issue 12). Each file's columns that are not §4.1 fields are
// planned by pipeline/pii (hash, drop, keep, or searched value by value) and the plan is
// built into the file's staging view (createFieldsView), calling the functions pipeline/pii
// registers on the pull's connection, so that nothing of it reaches cases.extra, rejects.raw
// or any message in the clear:
//
//   - extra (the JSON of the other columns, for every row): hashed columns through
//     cl_pii_hash, dropped ones left out, kept ones as they are, the others through
//     cl_pii_scrub (the same row's personal-data values as [column], then ID numbers, mobile
//     numbers, e-mail addresses, permits);
//   - raw (the whole row, built for rejected rows only, by the file's macro cl_pii_raw): the
//     same, and the §4.1 fields except case_id scrubbed as the other columns are;
//   - pii_hits: per searched column, whether this row's value was scrubbed (counted per file
//     for the summary and the ledger).
//
// The case_id stays as it is (it is the office's key); case ids that look like resident ID
// numbers (cl_pii_id_like) are counted and warned about.

// PIIColumn is one column of a file that personal-data rules changed or kept.
type PIIColumn struct {
	Column string `json:"column"`
	How    string `json:"how"`            // hashed | dropped | kept | masked
	By     string `json:"by"`             // header (built-in list) | config (pii.columns) | value (found in values)
	Rows   int64  `json:"rows,omitempty"` // masked: rows in which a value was masked
}

// FilePII is what the personal-data rules did to one file: also written to
// ingest_files.pii (JSON), with the policy and the key id.
type FilePII struct {
	Columns []PIIColumn `json:"columns"`
	// CaseIDsLikeIDNumbers counts case ids that look like resident ID numbers (kept as they
	// are: the case id is the office's key); IDLikeLine is the first one's line.
	CaseIDsLikeIDNumbers int64 `json:"case_ids_like_id_numbers,omitempty"`
	IDLikeLine           int64 `json:"first_id_like_line,omitempty"`
}

// Count returns the columns treated in a way, in file order.
func (f *FilePII) Count(how string) []string {
	var out []string
	if f == nil {
		return nil
	}
	for _, c := range f.Columns {
		if c.How == how {
			out = append(out, c.Column)
		}
	}
	return out
}

// PIIPolicy is the personal-data policy a pull ran with.
type PIIPolicy struct {
	Policy string `json:"policy"`           // hash | drop: what personal-data columns get
	Reason string `json:"reason"`           // pii.policy | key set | no key
	KeyEnv string `json:"key_env"`          // the variable the key comes from
	KeyID  string `json:"key_id,omitempty"` // identifies the key (hash), reveals nothing of it
}

// piiState is the pull's policy and the plan of each staged file.
type piiState struct {
	policy *pii.Policy
	off    bool // benchmarks only: no personal-data rules (every other column as it is)
	plans  map[int]*piiPlan
}

// piiPlan is what happens to a file's columns.
type piiPlan struct {
	cols []planCol // every column of the header, in order
}

type planCol struct {
	i     int    // column index (c<i>)
	key   string // its key in extra and raw (uniqueKeys)
	field string // the §4.1 field it is, or ""
	how   string // pii.Hash, pii.Drop, pii.Keep, pii.Free (not personal data by header)
	by    string // header | config | "" (the field's column, or a searched one)
}

// personal reports a column whose values are personal data by its header or the config.
func (c planCol) personal() bool { return c.field == "" && (c.how == pii.Hash || c.how == pii.Drop) }

// searched reports a column that is not a §4.1 field and is searched for personal data.
func (c planCol) searched() bool { return c.field == "" && c.how == pii.Free }

// plan decides what happens to each column of a mapped header.
func (s *piiState) plan(m *Mapping) *piiPlan {
	keys := uniqueKeys(m.Header)
	field := map[int]string{}
	for f, i := range m.Field {
		field[i] = f
	}
	p := &piiPlan{}
	for i := range m.Header {
		c := planCol{i: i, key: keys[i], field: field[i]}
		switch {
		case c.field != "":
		case s.off:
			c.how = pii.Keep
		default:
			c.how, c.by = s.policy.Column(m.Header[i])
		}
		p.cols = append(p.cols, c)
	}
	return p
}

// scrub is v (an SQL expression) through cl_pii_scrub with the row's personal-data values
// (col(i) for column i) and their columns' names, which stand for them where they are found.
func (p *piiPlan) scrub(v string, col func(i int) string) string {
	var b strings.Builder
	b.WriteString("cl_pii_scrub(" + v)
	for _, c := range p.cols {
		if c.personal() {
			fmt.Fprintf(&b, ", %s, %s", sqlString(c.key), col(c.i))
		}
	}
	return b.String() + ")"
}

// fieldsSQL is the SELECT of the staging view stg_fields_k over from (c0..cN; line when
// hasLine): the §4.1 fields, extra, raw and pii_hits.
func (p *piiPlan) fieldsSQL(m *Mapping, from string, hasLine bool) string {
	// The searched columns are scrubbed below the view, each a column of its own (m<i>), so
	// that it is computed once per row for extra and pii_hits.
	var mask []string
	for _, col := range p.cols {
		if col.searched() {
			mask = append(mask, fmt.Sprintf("%s AS m%d", p.scrub(fmt.Sprintf("c%d", col.i), func(i int) string { return fmt.Sprintf("c%d", i) }), col.i))
		}
	}
	if len(mask) > 0 {
		from = fmt.Sprintf("(SELECT *, %s FROM %s)", strings.Join(mask, ", "), from)
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if hasLine {
		b.WriteString("line")
	} else {
		b.WriteString("NULL::BIGINT AS line")
	}
	for _, f := range config.CaseFields() {
		if i, ok := m.Field[f]; ok {
			fmt.Fprintf(&b, ", c%d AS %s", i, f)
		} else {
			fmt.Fprintf(&b, ", NULL::VARCHAR AS %s", f)
		}
	}
	var extra, hits []string
	for _, col := range p.cols {
		if col.field != "" {
			continue
		}
		switch {
		case col.how == pii.Hash:
			extra = append(extra, fmt.Sprintf("%s, cl_pii_hash(c%d)", sqlString(col.key), col.i))
		case col.how == pii.Keep:
			extra = append(extra, fmt.Sprintf("%s, c%d", sqlString(col.key), col.i))
		case col.searched():
			extra = append(extra, fmt.Sprintf("%s, m%d", sqlString(col.key), col.i))
			hits = append(hits, fmt.Sprintf("h%d := m%d IS DISTINCT FROM c%d", col.i, col.i, col.i))
		}
	}
	if len(extra) == 0 {
		b.WriteString(", NULL::JSON AS extra")
	} else {
		b.WriteString(", json_object(" + strings.Join(extra, ", ") + ") AS extra")
	}
	b.WriteString(", struct_pack(")
	for i, col := range p.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s := c%d", sqlIdent(col.key), col.i)
	}
	if len(p.cols) == 0 {
		b.WriteString("line := line")
	}
	b.WriteString(") AS raw")
	if len(hits) == 0 {
		b.WriteString(", NULL::BOOLEAN AS pii_hits")
	} else {
		b.WriteString(", struct_pack(" + strings.Join(hits, ", ") + ") AS pii_hits")
	}
	return b.String() + " FROM " + from
}

// rawMacro is the macro cl_pii_raw(r): a rejected row's raw record (r, the STRUCT of its
// text keyed by header) as it may be kept, by the plan — validate.sql applies it to rejected
// rows only.
func (p *piiPlan) rawMacro(off bool) string {
	if off {
		return "CREATE OR REPLACE TEMP MACRO cl_pii_raw(r) AS r"
	}
	r := func(i int) string { return "r." + sqlIdent(p.cols[i].key) }
	var parts []string
	for _, col := range p.cols {
		v := r(col.i)
		switch {
		case col.field == "case_id", col.how == pii.Keep:
		case col.how == pii.Drop && col.field == "":
			continue
		case col.how == pii.Hash && col.field == "":
			v = "cl_pii_hash(" + v + ")"
		default: // a §4.1 field or a searched column
			v = p.scrub(v, r)
		}
		parts = append(parts, sqlIdent(col.key)+" := "+v)
	}
	if len(parts) == 0 {
		return "CREATE OR REPLACE TEMP MACRO cl_pii_raw(r) AS r"
	}
	return "CREATE OR REPLACE TEMP MACRO cl_pii_raw(r) AS struct_pack(" + strings.Join(parts, ", ") + ")"
}

// createFieldsView maps the columns c0..cN of a staged table or of DuckDB's CSV reader
// (from) onto the §4.1 fields: temp view stg_fields_k with line (the table's line column, or
// NULL for the reader: its rows' order gives the line), one text column per field (NULL where
// the file has none), extra (the other columns as a JSON object after the personal-data
// rules, NULL when none is left), raw (the whole row as a STRUCT keyed by header, as read;
// validation keeps it for rejects only, through cl_pii_raw, which this also creates) and
// pii_hits (which searched columns had personal data masked in this row).
func createFieldsView(ctx context.Context, conn *sql.Conn, m *Mapping, k int, from string, hasLine bool, ps *piiState) error {
	p := ps.plan(m)
	ps.plans[k] = p
	// cl_case_id_like(case_id): whether validation flags the row's case id as looking like a
	// resident ID number (counted by count; asked only of the lengths ID numbers have).
	idLike := "CREATE OR REPLACE TEMP MACRO cl_case_id_like(s) AS (length(s) IN (15, 18) AND cl_pii_id_like(s))"
	if p == nil || ps.off {
		idLike = "CREATE OR REPLACE TEMP MACRO cl_case_id_like(s) AS false"
	}
	q := fmt.Sprintf("CREATE OR REPLACE TEMP VIEW stg_fields_%d AS %s; %s; %s", k, p.fieldsSQL(m, from, hasLine), p.rawMacro(ps.off), idLike)
	_, err := conn.ExecContext(ctx, q)
	return err
}

// columns says, at staging, how file k's columns are treated by name (hashed, dropped,
// kept); count adds the rest at the merge.
func (ps *piiState) columns(k int) *FilePII {
	p := ps.plans[k]
	if p == nil || ps.off {
		return nil
	}
	out := &FilePII{Columns: []PIIColumn{}}
	for _, col := range p.cols {
		if how := namedHow(col); how != "" {
			out.Columns = append(out.Columns, PIIColumn{Column: col.key, How: how, By: col.by})
		}
	}
	return out
}

// namedHow is how a column that is not a §4.1 field is treated as a whole, by its name or by
// pii.columns ("hashed", "dropped", "kept"); "" when it is not: a §4.1 field, or a column
// whose values are searched for personal data (count).
func namedHow(col planCol) string {
	if col.field != "" {
		return ""
	}
	switch col.how {
	case pii.Hash:
		return "hashed"
	case pii.Drop:
		return "dropped"
	case pii.Keep:
		return "kept"
	}
	return ""
}

// count completes out (columns' result for file k) from its validated rows: the rows of
// each searched column that had personal data masked, and the case ids that look like ID
// numbers. It runs in the merge, right after the rows were read into cases, and reads flags
// validation computed while each row was at hand (pii_hits, id_like): reading the case ids
// again here cost 0.07 s per million rows (the merge's memory cap had evicted their pages),
// at staging 0.1 s.
func (ps *piiState) count(ctx context.Context, q warehouse.Querier, k int, out *FilePII) error {
	p := ps.plans[k]
	if p == nil || ps.off || out == nil {
		return nil
	}
	sel := []string{"count(*) FILTER (WHERE id_like)", "coalesce(min(line) FILTER (WHERE id_like), 0)"}
	var searched []planCol
	for _, col := range p.cols {
		if !col.searched() {
			continue
		}
		searched = append(searched, col)
		sel = append(sel, fmt.Sprintf("count(*) FILTER (WHERE pii_hits.h%d)", col.i))
	}
	vals := make([]any, len(sel))
	counts := make([]int64, len(sel))
	for i := range vals {
		vals[i] = &counts[i]
	}
	if err := q.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM stg_v_%d", strings.Join(sel, ", "), k)).Scan(vals...); err != nil {
		return fmt.Errorf("personal data: %w", err)
	}
	out.CaseIDsLikeIDNumbers, out.IDLikeLine = counts[0], counts[1]
	for j, col := range searched {
		if n := counts[2+j]; n > 0 {
			out.Columns = append(out.Columns, PIIColumn{Column: col.key, How: "masked", By: "value", Rows: n})
		}
	}
	return nil
}

// keptWarnings and idLikeWarnings are what the office should hear of a file on every pull:
// columns kept in the clear (known at staging), and case ids that look like resident ID
// numbers (counted at the merge). They name columns and lines, never values.
func keptWarnings(fr *FileResult) []string {
	if kept := fr.PII.Count("kept"); len(kept) > 0 {
		return []string{fmt.Sprintf("%s: personal data kept in the clear in %s (pii.columns: keep): everyone who can query the warehouse, or reach it through caseload serve, can read it",
			fr.Path, strings.Join(kept, ", "))}
	}
	return nil
}

func idLikeWarnings(fr *FileResult) []string {
	if fr.PII != nil && fr.PII.CaseIDsLikeIDNumbers > 0 {
		n := fr.PII.CaseIDsLikeIDNumbers
		what := "1 case id looks"
		if n > 1 {
			what = fmt.Sprintf("%d case ids look", n)
		}
		return []string{fmt.Sprintf("%s: %s like a resident ID number (first on line %d): case ids are kept as they are, being the office's key; if they are applicants' ID numbers, have the export use the office's case numbers (办件编号) instead",
			fr.Path, what, fr.PII.IDLikeLine)}
	}
	return nil
}

// logPII logs what the personal-data rules did to a file (column names and counts only).
func logPII(log *slog.Logger, fr *FileResult) {
	if fr.PII == nil {
		return
	}
	for _, c := range fr.PII.Columns {
		if c.How == "masked" {
			log.Debug("personal data", "file", fr.Path, "column", c.Column, "how", c.How, "by", c.By, "rows", c.Rows)
		} else {
			log.Debug("personal data", "file", fr.Path, "column", c.Column, "how", c.How, "by", c.By)
		}
	}
}

// hashes reports whether any file of the pull had a column hashed.
func hashes(files []FileResult) bool {
	for i := range files {
		if len(files[i].PII.Count("hashed")) > 0 {
			return true
		}
	}
	return false
}
