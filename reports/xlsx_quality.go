package reports

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/reports/figures"
	"github.com/caseload/caseload/reports/textwidth"
)

// qualityCols is the width of the 数据质量 sheet: the files table's eight columns.
const qualityCols = 8

// quality writes the 数据质量 sheet: an overview, the files pulled, rejects by reason, the
// rejected rows themselves (at most MaxRejectRows, with the total), unrecognised country
// values. Values that would run into the next column (the fingerprint, a reason) span the
// columns they need, so that no text overlaps another cell.
func (x *xlsxWriter) quality() error {
	name := tSheetQuality.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, qualityCols)
	x.titleRows(s, tSheetQuality, false)
	s.freeze = 2
	d := x.m.Current.Data
	q := x.m.Quality
	block := func(t text) { s.add(excelize.Cell{StyleID: x.st.blockT, Value: t.in(x.l)}) }
	// a label and its value, the value spanning the rest of the table
	kv := func(k text, v excelize.Cell) {
		row := s.add(excelize.Cell{StyleID: x.st.header, Value: k.in(x.l)})
		s.rows[row-1] = append(s.rows[row-1], v)
		for c := 3; c <= qualityCols; c++ {
			s.rows[row-1] = append(s.rows[row-1], excelize.Cell{StyleID: v.StyleID})
		}
		s.span(row, 2, qualityCols)
	}
	loc, _ := time.LoadLocation(x.m.Timezone)
	local := func(t time.Time) time.Time {
		if loc != nil {
			return t.In(loc)
		}
		return t
	}
	left := x.st.text

	block(tOverview)
	kv(tFirstDay, x.dateCell(x.m.Period.First, x.st.kvDate))
	kv(tLastDay, x.dateCell(x.m.Period.Last, x.st.kvDate))
	kv(tGenerated, x.dateCell(x.m.GeneratedAt, x.st.kvDatetime))
	kv(tFingerprint, excelize.Cell{StyleID: left, Value: d.Fingerprint})
	kv(tAcceptedCases, excelize.Cell{StyleID: x.st.kvCount, Value: d.Cases})
	kv(tRejectRowsAll, excelize.Cell{StyleID: x.st.kvCount, Value: d.Rejects})
	if d.LastPull != nil {
		kv(tLastPull, x.dateCell(local(*d.LastPull), x.st.kvDatetime))
	}
	s.blank()

	block(tFiles)
	x.header(s, tFile, tPulledAt, tFormat, tRowsRead, tAccepted, tSuperseded, tRejectedRows, tUnrecognised)
	first := len(s.rows) + 1
	var sums [5]int64
	for _, f := range q.Files {
		s.add(x.txt(f.Path), x.dateCell(local(f.PulledAt), x.st.datetime), excelize.Cell{StyleID: left, Value: f.Format},
			x.num(f.RowsRead), x.num(f.Accepted), x.num(f.Superseded), x.num(f.Rejected), x.num(f.UnrecognisedCountry))
		for i, v := range []int64{f.RowsRead, f.Accepted, f.Superseded, f.Rejected, f.UnrecognisedCountry} {
			sums[i] += v
		}
	}
	if last := len(s.rows); last >= first {
		row := []any{excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText}, excelize.Cell{StyleID: x.st.totText}}
		for i, v := range sums {
			row = append(row, sumCell(4+i, first, last, v, x.st.tot[figures.Count]))
		}
		s.add(row...)
	} else {
		s.add(x.txt(tNone.in(x.l)))
	}
	s.blank()

	// rejects by reason: the reason in the report's language, its code beside it
	block(tRejectReasons)
	x.header(s, tReasonText, tReason, tRows)
	first = len(s.rows) + 1
	var rej int64
	for _, r := range q.RejectReasons {
		s.add(x.txt(pick(reasonLabels, r.Reason, x.l)), excelize.Cell{StyleID: x.st.code, Value: r.Reason}, x.num(r.Rows))
		rej += r.Rows
	}
	if last := len(s.rows); last >= first {
		s.add(excelize.Cell{StyleID: x.st.totText, Value: tTotal.in(x.l)}, excelize.Cell{StyleID: x.st.totText},
			sumCell(3, first, last, rej, x.st.tot[figures.Count]))
	} else {
		s.add(x.txt(tNone.in(x.l)))
	}
	s.blank()

	// the rejected rows themselves
	block(tRejectRowsList)
	if total := q.RejectedTotal(); q.RejectRowsTruncated {
		s.addWide(excelize.Cell{StyleID: x.st.note, Value: fmt.Sprintf(tRejectRowsCapped.in(x.l),
			figures.Thousands(total), figures.Thousands(int64(len(q.RejectRows))))}, 0)
	}
	h := x.header(s, tFile, tLine, tCaseID, tReasonText)
	s.rows[h-1] = append(s.rows[h-1], headerFill(x, qualityCols-4)...)
	s.span(h, 4, qualityCols)
	for _, r := range q.RejectRows {
		row := s.add(x.txt(r.File), excelize.Cell{StyleID: x.st.plain, Value: r.Line}, x.txt(r.CaseID))
		reason := pick(reasonLabels, r.Reason, x.l) + "（" + r.Reason + "）"
		if x.l == LangEN {
			reason = pick(reasonLabels, r.Reason, x.l) + " (" + r.Reason + ")"
		}
		s.rows[row-1] = append(s.rows[row-1], x.txt(reason))
		for c := 5; c <= qualityCols; c++ {
			s.rows[row-1] = append(s.rows[row-1], x.txt(""))
		}
		s.span(row, 4, qualityCols)
	}
	if len(q.RejectRows) == 0 {
		s.add(x.txt(tNone.in(x.l)))
	}
	s.blank()

	block(tCountryValues)
	x.header(s, tRawValue, tCases)
	for _, c := range q.UnrecognisedCountries {
		s.add(x.txt(c.Value), x.num(c.Cases))
	}
	if len(q.UnrecognisedCountries) == 0 {
		s.add(x.txt(tNone.in(x.l)))
	}
	if q.CountriesTruncated {
		s.addWide(excelize.Cell{StyleID: x.st.note, Value: tTruncatedCountry.in(x.l)}, 0)
	}
	// column widths: what each column holds across the blocks, and nothing narrower than the
	// datetime cells (16 characters)
	s.fixed[0] = math.Min(math.Max(colWidth(s.widths[0]), 16), 50)
	s.fixed[1] = math.Max(colWidth(s.widths[1]), 18)
	// the fingerprint and the reasons span columns B.. / D..: make sure the spans hold them
	need := float64(textwidth.String(d.Fingerprint)) + 4
	if have := s.spanTotal(1, qualityCols-1); have < need {
		s.fixed[qualityCols-1] = s.width(qualityCols-1) + need - have
	}
	return x.flush(s)
}

// headerFill is n empty header cells (the rest of a merged header).
func headerFill(x *xlsxWriter, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = excelize.Cell{StyleID: x.st.header}
	}
	return out
}

// spanTotal is the width of columns from..to (0-based, inclusive).
func (s *sheet) spanTotal(from, to int) float64 {
	w := 0.0
	for i := from; i <= to && i < s.cols; i++ {
		w += s.width(i)
	}
	return w
}

// definitions writes the 指标说明 sheet: each figure's name, unit and definition in the
// report's language, from the KPI SQL header comments.
func (x *xlsxWriter) definitions() error {
	name := tSheetDefs.in(x.l)
	if err := x.setup(name); err != nil {
		return err
	}
	s := newSheet(name, 3)
	x.titleRows(s, tSheetDefs, false)
	h := x.header(s, tName, tUnit, tDefinition)
	s.freeze, s.printRow = h, h
	for _, d := range x.m.Definitions {
		def := d.ZH
		if x.l == LangEN {
			def = d.EN
		}
		s.add(x.txt(x.m.KPIName(d.Key)), excelize.Cell{StyleID: x.st.text, Value: x.m.unitOf(d.Key)},
			excelize.Cell{StyleID: x.st.wrap, Value: def})
	}
	s.fixed[2] = 90
	return x.flush(s)
}

func (x *xlsxWriter) props() error {
	title := x.m.Office + " " + tReportTitle.in(x.l) + " " + x.periodLabel()
	created := x.m.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z")
	lang := "zh-CN"
	if x.l == LangEN {
		lang = "en"
	}
	if err := x.f.SetDocProps(&excelize.DocProperties{
		Title: strings.TrimSpace(title), Subject: tReportTitle.in(x.l) + " " + x.m.Period.Label, Creator: x.m.Office,
		LastModifiedBy: x.m.Office, Description: tFingerprint.in(x.l) + " " + x.m.Current.Data.Fingerprint,
		Keywords: x.m.Period.Label, Category: tReportTitle.in(x.l), Language: lang, Created: created, Modified: created,
	}); err != nil {
		return err
	}
	return x.f.SetAppProps(&excelize.AppProperties{Application: "caseload", Company: x.m.Office})
}
