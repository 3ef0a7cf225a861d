package gen

import (
	"bufio"
	"io"
	"strconv"
	"time"
)

// Item is one approval item of the catalogue (§4.3). Dates are calendar dates, held as
// midnight UTC; the zero time means "empty" (not instant / open-ended).
type Item struct {
	Code          string
	Name          string
	InstantSince  time.Time // from this date the item is an instant item (即办件); zero = not instant
	PromisedDays  int       // 承诺时限, working days; 0 = same day
	StatutoryDays int       // 法定时限, working days
	ActiveFrom    time.Time
	ActiveTo      time.Time // zero = open-ended

	weight float64 // share of received cases (generator only)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Items returns the reference office's catalogue of 8 approval items. Three items are
// instant from the office's opening (2017-03-01), five by 2019, and exactly seven of
// eight from 2021-07-01 on ("即办率 87.5%"); 华侨回国定居审批 is the one item that is
// not instant (20 working days promised). A fresh slice is returned on every call.
func Items() []Item {
	open := date(2017, 3, 1)
	return []Item{
		{Code: "QB01", Name: "华侨身份证明", InstantSince: open, PromisedDays: 0, StatutoryDays: 20, ActiveFrom: open, weight: 0.28},
		{Code: "QB02", Name: "“三侨生”身份认定", InstantSince: date(2018, 7, 1), PromisedDays: 0, StatutoryDays: 20, ActiveFrom: open, weight: 0.07},
		{Code: "QB03", Name: "华侨回国定居审批", PromisedDays: 20, StatutoryDays: 60, ActiveFrom: open, weight: 0.05},
		{Code: "QB04", Name: "华侨回国落户审核", InstantSince: date(2020, 6, 1), PromisedDays: 0, StatutoryDays: 20, ActiveFrom: open, weight: 0.09},
		{Code: "QB05", Name: "归侨侨眷身份确认", InstantSince: open, PromisedDays: 0, StatutoryDays: 20, ActiveFrom: open, weight: 0.22},
		{Code: "QB06", Name: "华侨子女回国就读证明", InstantSince: open, PromisedDays: 0, StatutoryDays: 15, ActiveFrom: open, weight: 0.12},
		{Code: "QB07", Name: "归侨侨眷出境证明", InstantSince: date(2019, 1, 1), PromisedDays: 0, StatutoryDays: 15, ActiveFrom: open, weight: 0.11},
		{Code: "QB08", Name: "华侨捐赠公益项目确认", InstantSince: date(2021, 7, 1), PromisedDays: 0, StatutoryDays: 30, ActiveFrom: open, weight: 0.06},
	}
}

// itemsHeader is the §4.3 header.
const itemsHeader = "item_code,name,instant_since,promised_days,statutory_days,active_from,active_to"

// WriteItemsCSV writes the catalogue in the §4.3 form (UTF-8, LF, header first). Names
// that contain a comma, a quote or a line break are quoted as CSV requires.
func WriteItemsCSV(w io.Writer, items []Item) error {
	bw := bufio.NewWriter(w)
	b := make([]byte, 0, 256)
	b = append(b, itemsHeader...)
	b = append(b, '\n')
	for _, it := range items {
		b = appendCSVField(b, it.Code)
		b = append(b, ',')
		b = appendCSVField(b, it.Name)
		b = append(b, ',')
		b = appendDate(b, it.InstantSince)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.PromisedDays), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(it.StatutoryDays), 10)
		b = append(b, ',')
		b = appendDate(b, it.ActiveFrom)
		b = append(b, ',')
		b = appendDate(b, it.ActiveTo)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
		b = b[:0]
	}
	if _, err := bw.Write(b); err != nil {
		return err
	}
	return bw.Flush()
}

// appendDate writes a calendar date as 2006-01-02; the zero time writes nothing.
func appendDate(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	y, m, d := t.Date()
	return appendYMD(b, y, int(m), d, '-')
}

// dayOrNone is the civil day of a catalogue date, or a very large day for the zero time.
func dayOrNone(t time.Time) int64 {
	if t.IsZero() {
		return 1 << 40
	}
	return dayOf(t)
}
