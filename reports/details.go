package reports

import (
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/caseload/caseload/reports/figures"
)

// detailHeader are the columns of the row-level sheet. No column holds a personal
// identifier: the case reference is a truncated salted hash (sql/reports/details.sql).
var detailHeader = []text{
	{"办件编号（脱敏）", "Case ref (hashed)"}, {"事项编码", "Item code"}, {"事项名称", "Item"},
	{"受理日期", "Received"}, {"办结日期", "Completed"}, {"办理状态", "Status"}, {"办理渠道", "Channel"},
	{"申请人类型", "Applicant"}, {"侨居国代码", "Country code"}, {"侨居国", "Country"},
	{"跑动次数", "Trips"}, {"历史疑难件", "Backlog"},
}

var detailWidths = []float64{16, 10, 26, 12, 12, 12, 18, 12, 11, 16, 10, 11}

// details streams the row-level sheet(s). Each row is converted into a reused slice of cells
// and handed to the StreamWriter at once: nothing is held per row.
func (x *xlsxWriter) details(rows Details, maxRows int) error {
	base := tSheetDetails.in(x.l)
	const headRows = 3
	perSheet := maxRows - headRows
	if perSheet < 1 {
		return fmt.Errorf("details: a sheet of %d rows cannot hold any case", maxRows)
	}
	var (
		sw      *excelize.StreamWriter
		sheetNo int
		n       int // rows on the current sheet
		total   int
	)
	open := func() error {
		sheetNo++
		name := base
		if sheetNo > 1 {
			name = base + strconv.Itoa(sheetNo)
		}
		if err := x.setup(name); err != nil {
			return err
		}
		if err := x.f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("%s!$%d:$%d", quoteSheet(name), headRows, headRows), Scope: name,
		}); err != nil {
			return err
		}
		var err error
		if sw, err = x.f.NewStreamWriter(name); err != nil {
			return err
		}
		for i, w := range detailWidths {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return err
			}
		}
		top := cellName(1, headRows+1)
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headRows, TopLeftCell: top, ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: "bottomLeft"}}}); err != nil {
			return err
		}
		s := newSheet(name, len(detailHeader))
		x.titleRows(s, tSheetDetails, false)
		for i, r := range s.rows {
			h := s.heights[i+1]
			if h < 0 { // one line of the subtitle: the detail columns are wide enough
				h = lineHeight + 4
			}
			if err := sw.SetRow(cellName(1, i+1), r, excelize.RowOpts{Height: h}); err != nil {
				return err
			}
		}
		for _, mg := range s.merges {
			if err := sw.MergeCell(mg[0], mg[1]); err != nil {
				return err
			}
		}
		head := make([]any, len(detailHeader))
		for i, h := range detailHeader {
			head[i] = excelize.Cell{StyleID: x.st.header, Value: h.in(x.l)}
		}
		n = 0
		return sw.SetRow(cellName(1, headRows), head)
	}
	if err := open(); err != nil {
		return fmt.Errorf("details: %w", err)
	}
	yes, no := tYes.in(x.l), tNo.in(x.l)
	cells := make([]excelize.Cell, len(detailHeader))
	row := make([]any, len(detailHeader))
	styles := []int{x.st.text, x.st.text, x.st.text, x.st.date, x.st.date, x.st.text, x.st.text, x.st.text, x.st.text, x.st.text, x.st.val[figures.Count], x.st.text}
	for i := range cells {
		cells[i].StyleID = styles[i]
	}
	for d, err := range rows {
		if err != nil {
			return fmt.Errorf("details: %w", err)
		}
		if total%16384 == 0 {
			if err := x.ctx.Err(); err != nil {
				return err
			}
		}
		if n == perSheet {
			if err := sw.Flush(); err != nil {
				return fmt.Errorf("details: %w", err)
			}
			if err := open(); err != nil {
				return fmt.Errorf("details: %w", err)
			}
		}
		cells[0].Value = d.CaseRef
		cells[1].Value = d.ItemCode
		cells[2].Value = d.ItemName
		cells[3].Value = excelDate(d.ReceivedDate)
		if d.CompletedDate != nil {
			cells[4].Value = excelDate(*d.CompletedDate)
		} else {
			cells[4].Value = nil
		}
		cells[5].Value = pick(statusLabels, d.Status, x.l)
		cells[6].Value = pick(channelLabels, d.Channel, x.l)
		cells[7].Value = pick(applicantLabels, d.ApplicantType, x.l)
		cells[8].Value = d.Country
		if x.l == LangEN {
			cells[9].Value = d.CountryEN
		} else {
			cells[9].Value = d.CountryZH
		}
		if d.Trips != nil {
			cells[10].Value = *d.Trips
		} else {
			cells[10].Value = nil
		}
		if d.Backlog {
			cells[11].Value = yes
		} else {
			cells[11].Value = no
		}
		for i := range cells {
			row[i] = cells[i]
		}
		n++
		total++
		if err := sw.SetRow(cellName(1, headRows+n), row); err != nil {
			return fmt.Errorf("details: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("details: %w", err)
	}
	return nil
}
