package reports

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkWorkbook writes the workbook and the HTML report of a month (the model of the
// reference office; the size of a model does not depend on the number of cases).
func BenchmarkWorkbook(b *testing.B) {
	m := monthModel(b, LangZH)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteXLSX(ctx, io.Discard, m, XLSXOptions{}); err != nil {
			b.Fatal(err)
		}
		if err := WriteHTML(ctx, io.Discard, m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportParts times the parts of a month's report that do not depend on the number of
// cases, one by one: the model with its news brief (New), the chart fonts (the embedded CJK
// font and Go Regular, parsed at every report), the workbook, the HTML report and the JSON.
func BenchmarkReportParts(b *testing.B) {
	m := monthModel(b, LangZH)
	ctx := context.Background()
	in := Inputs{Lang: LangZH, Office: m.Office, Timezone: m.Timezone, GeneratedAt: m.GeneratedAt,
		Current: m.Current, LastYear: m.LastYear, Previous: m.Previous, Definitions: m.Definitions, Quality: m.Quality}
	parts := []struct {
		name string
		fn   func() error
	}{
		{"model-and-brief", func() error { _, err := New(in); return err }},
		{"chart-fonts", func() error { _, err := loadChartFonts(); return err }},
		{"xlsx", func() error { return WriteXLSX(ctx, io.Discard, m, XLSXOptions{}) }},
		{"html", func() error { return WriteHTML(ctx, io.Discard, m) }},
		{"json", func() error { return WriteJSON(io.Discard, m) }},
	}
	for _, p := range parts {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

const benchRows = 1_000_000

// BenchmarkRowLevelSheet streams a 1,000,000-row detail sheet through the report's workbook
// writer (WriteXLSX with Details) and,
// in the same run, the same cells through a bare excelize StreamWriter, and reports the
// ratio of the two times (target ≤ 1.3). Both save the file (to io.Discard).
func BenchmarkRowLevelSheet(b *testing.B) {
	rows := make([]DetailRow, benchRows)
	for i := range rows {
		rows[i] = detailRow(i)
	}
	src := func(yield func(DetailRow, error) bool) {
		for _, d := range rows {
			if !yield(d, nil) {
				return
			}
		}
	}
	m := monthModel(b, LangZH)
	var ours, bare time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if err := writeBare(rows); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := writeDetailsOnly(m, src); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		bare += t1.Sub(t0)
		ours += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(ours.Seconds()/n, "s/report-sheet")
	b.ReportMetric(bare.Seconds()/n, "s/bare-sheet")
	b.ReportMetric(ours.Seconds()/bare.Seconds(), "ratio")
}

// writeDetailsOnly is the report's workbook with the detail sheet (the seven small sheets
// take about 15 ms of it).
func writeDetailsOnly(m *Model, rows Details) error {
	return WriteXLSX(context.Background(), io.Discard, m, XLSXOptions{Details: rows})
}

// writeBare writes the same cells with a bare StreamWriter: same header, styles and values.
func writeBare(rows []DetailRow) error {
	f := excelize.NewFile()
	defer f.Close()
	text, _ := f.NewStyle(&excelize.Style{})
	date, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	num, _ := f.NewStyle(&excelize.Style{NumFmt: 3})
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	head := make([]any, len(detailHeader))
	for i, h := range detailHeader {
		head[i] = h.zh
	}
	if err := sw.SetRow("A3", head); err != nil {
		return err
	}
	for i, d := range rows {
		var comp, trips any
		if d.CompletedDate != nil {
			comp = excelDate(*d.CompletedDate)
		}
		if d.Trips != nil {
			trips = *d.Trips
		}
		backlog := "否"
		if d.Backlog {
			backlog = "是"
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+4)
		if err := sw.SetRow(cell, []any{
			excelize.Cell{StyleID: text, Value: d.CaseRef}, excelize.Cell{StyleID: text, Value: d.ItemCode},
			excelize.Cell{StyleID: text, Value: d.ItemName}, excelize.Cell{StyleID: date, Value: excelDate(d.ReceivedDate)},
			excelize.Cell{StyleID: date, Value: comp}, excelize.Cell{StyleID: text, Value: statusLabels[d.Status][0]},
			excelize.Cell{StyleID: text, Value: channelLabels[d.Channel][0]}, excelize.Cell{StyleID: text, Value: applicantLabels[d.ApplicantType][0]},
			excelize.Cell{StyleID: text, Value: d.Country}, excelize.Cell{StyleID: text, Value: d.CountryZH},
			excelize.Cell{StyleID: num, Value: trips}, excelize.Cell{StyleID: text, Value: backlog},
		}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(io.Discard)
	return err
}

func ptr[T any](v T) *T { return &v }
