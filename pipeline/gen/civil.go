package gen

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	sqlfiles "github.com/caseload/caseload/sql"
)

// Days are civil dates counted from 1970-01-01 (day 0); "wall" seconds are local
// wall-clock seconds counted from 1970-01-01 00:00 local, i.e. day*86400 + second of day.
// Working in wall seconds keeps the hot loop free of time-zone look-ups.

const secondsPerDay = 86400

// daysFromCivil returns the day number of y-m-d (proleptic Gregorian; Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civilFromDays is the inverse of daysFromCivil.
func civilFromDays(z int64) (y, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dayOf returns the civil day number of t's calendar date in t's own location.
func dayOf(t time.Time) int64 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// weekday of a day number: 1970-01-01 was a Thursday.
func weekdayOf(day int64) time.Weekday {
	return time.Weekday((day%7 + 7 + 4) % 7)
}

// calendar knows working days (§4.4: Monday–Friday, minus official holidays, plus
// official make-up working days) and the UTC offset of each local day.
type calendar struct {
	loc       *time.Location
	overrides map[int64]bool // day -> is working day, from the embedded holiday list
	first     int64          // first day of the cached range
	work      []bool
	offset    []int32  // UTC offset (seconds) at local noon
	ymd       []uint32 // y<<9 | m<<5 | d
}

func loadHolidays() (map[int64]bool, error) {
	f, err := sqlfiles.FS.Open("data/cn-holidays.csv")
	if err != nil {
		return nil, fmt.Errorf("gen: holiday list: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	out := make(map[int64]bool, 700)
	header := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("gen: holiday list: %w", err)
		}
		if header {
			header = false
			continue
		}
		if len(rec) < 3 {
			continue
		}
		d, err := time.Parse("2006-01-02", strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("gen: holiday list: %w", err)
		}
		off := strings.EqualFold(strings.TrimSpace(rec[2]), "true")
		out[daysFromCivil(d.Year(), int(d.Month()), d.Day())] = !off
	}
	return out, nil
}

func newCalendar(loc *time.Location, first, last int64) (*calendar, error) {
	ov, err := loadHolidays()
	if err != nil {
		return nil, err
	}
	c := &calendar{loc: loc, overrides: ov, first: first}
	n := int(last - first + 1)
	c.work = make([]bool, n)
	c.offset = make([]int32, n)
	c.ymd = make([]uint32, n)
	for i := 0; i < n; i++ {
		day := first + int64(i)
		c.work[i] = c.computeWork(day)
		y, m, d := civilFromDays(day)
		if y >= 0 {
			c.ymd[i] = uint32(y)<<9 | uint32(m)<<5 | uint32(d)
		}
		_, off := time.Date(y, time.Month(m), d, 12, 0, 0, 0, loc).Zone()
		c.offset[i] = int32(off)
	}
	return c, nil
}

func (c *calendar) computeWork(day int64) bool {
	if w, ok := c.overrides[day]; ok {
		return w
	}
	wd := weekdayOf(day)
	return wd != time.Saturday && wd != time.Sunday
}

func (c *calendar) isWork(day int64) bool {
	if i := day - c.first; i >= 0 && i < int64(len(c.work)) {
		return c.work[i]
	}
	return c.computeWork(day)
}

func (c *calendar) off(day int64) int64 {
	if i := day - c.first; i >= 0 && i < int64(len(c.offset)) {
		return int64(c.offset[i])
	}
	y, m, d := civilFromDays(day)
	_, off := time.Date(y, time.Month(m), d, 12, 0, 0, 0, c.loc).Zone()
	return int64(off)
}

// civil is civilFromDays with a table for the cached range.
func (c *calendar) civil(day int64) (y, m, d int) {
	if i := day - c.first; i >= 0 && i < int64(len(c.ymd)) && c.ymd[i] != 0 {
		v := c.ymd[i]
		return int(v >> 9), int(v >> 5 & 15), int(v & 31)
	}
	return civilFromDays(day)
}

// addWorkdays returns the n-th working day after day (n >= 1), or day itself for n <= 0.
func (c *calendar) addWorkdays(day int64, n int) int64 {
	for n > 0 {
		day++
		if c.isWork(day) {
			n--
		}
	}
	return day
}

// toTime converts local wall seconds to an instant in the calendar's location.
func (c *calendar) toTime(wall int64) time.Time {
	day := floorDiv(wall, secondsPerDay)
	return time.Unix(wall-c.off(day), 0).In(c.loc)
}

// defaultLocation is Asia/Shanghai; where the system has no tz database it falls back to
// UTC+8 without DST, which is what Asia/Shanghai has been since 1991.
func defaultLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}
