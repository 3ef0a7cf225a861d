package schedule

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed cron spec evaluated in one time zone. It is immutable and safe
// for concurrent use.
type Schedule struct {
	spec     string
	loc      *time.Location
	wildcard bool
	fires    bool

	// Bit sets as robfig builds them, without its star bit: minute 0-59, hour 0-23,
	// dom 1-31, month 1-12, dow 0-6 (Sunday 0).
	minute, hour, dom, month, dow uint64
	domStar, dowStar              bool // the field is unrestricted (robfig's star bit)
	perHour                       int64
}

const starBit = 1 << 63 // robfig's marker for an unrestricted field

// Parse parses a 5-field cron spec or a descriptor (@yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly) with cron.ParseStandard's semantics, to be
// evaluated in loc. "@every D" and TZ=/CRON_TZ= prefixes are refused (see the package
// doc). It never panics.
func Parse(spec string, loc *time.Location) (s *Schedule, err error) {
	if loc == nil {
		return nil, errors.New("no time zone given for the schedule")
	}
	text := strings.TrimSpace(spec)
	if text == "" {
		return nil, errors.New("empty schedule")
	}
	if up := strings.ToUpper(text); strings.HasPrefix(up, "TZ=") || strings.HasPrefix(up, "CRON_TZ=") {
		prefix := text
		if i := strings.IndexFunc(text, unicode.IsSpace); i >= 0 {
			prefix = text[:i]
		}
		return nil, fmt.Errorf("a schedule cannot carry its own time zone (%s): the office time zone, timezone: in caseload.yaml (%s), applies to every schedule; remove the prefix", prefix, loc)
	}
	if strings.HasPrefix(text, "@every") {
		return nil, errors.New("@every is not supported: jobs run at calendar times (e.g. \"*/30 * * * *\" for every half hour, @daily, @monthly)")
	}
	defer func() { // robfig's parser has panicked on odd input before; never pass that on
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("unreadable schedule: %v", r)
		}
	}()
	parsed, err := cron.ParseStandard(text)
	if err != nil {
		return nil, err
	}
	sp, ok := parsed.(*cron.SpecSchedule)
	if !ok || sp.Second&^starBit != 1 {
		return nil, fmt.Errorf("unsupported schedule %q", text)
	}
	s = &Schedule{
		spec:    spec,
		loc:     loc,
		minute:  sp.Minute &^ starBit,
		hour:    sp.Hour &^ starBit,
		dom:     sp.Dom &^ starBit,
		month:   sp.Month &^ starBit,
		dow:     sp.Dow &^ starBit,
		domStar: sp.Dom&starBit != 0,
		dowStar: sp.Dow&starBit != 0,
	}
	for i, f := range []struct {
		name string
		bits uint64
	}{{"minute", s.minute}, {"hour", s.hour}, {"day-of-month", s.dom}, {"month", s.month}, {"day-of-week", s.dow}} {
		if f.bits == 0 { // robfig reads "," or ",," as a field naming nothing
			return nil, fmt.Errorf("field %d (%s) names no value: %q", i+1, f.name, text)
		}
	}
	s.perHour = int64(bits.OnesCount64(s.minute))
	if strings.HasPrefix(text, "@") {
		s.wildcard = text == "@hourly"
	} else {
		f := strings.Fields(text) // ParseStandard accepted it: exactly 5 fields
		s.wildcard = isStar(f[0]) || isStar(f[1])
	}
	s.fires = s.canFire()
	return s, nil
}

func isStar(field string) bool { return strings.HasPrefix(field, "*") || strings.HasPrefix(field, "?") }

// String returns the spec as it was given to Parse.
func (s *Schedule) String() string { return s.spec }

// Wildcard reports whether the spec is a wildcard spec (its minute or hour field starts
// with "*" or "?", or @hourly), which runs on the new wall-clock time through a clock
// change, rather than a fixed-time spec (see the package doc).
func (s *Schedule) Wildcard() bool { return s.wildcard }

// Location returns the time zone the schedule is evaluated in.
func (s *Schedule) Location() *time.Location { return s.loc }

// Fires reports whether the spec names any day that exists: false for "0 0 30 2 *".
// Next and Between of a spec that never fires find nothing.
func (s *Schedule) Fires() bool { return s.fires }

// canFire reports whether some real day matches: every day of every month (Feb 29
// included) falls on each weekday in some year, so it is enough to try them all.
func (s *Schedule) canFire() bool {
	for m := 1; m <= 12; m++ {
		if s.month&(1<<m) == 0 {
			continue
		}
		for d := 1; d <= maxDays[m]; d++ {
			for wd := range 7 {
				if s.dayMatchesWeekday(d, wd) {
					return true
				}
			}
		}
	}
	return false
}

var maxDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// The time domain, in Unix seconds: 0001-01-01T00:00:00Z to 10000-01-01T00:00:00Z.
const (
	domainStart int64 = -62135596800
	domainEnd   int64 = 253402300800
	// horizon bounds Next's search: the longest wait between two runs of a spec that
	// fires is 8 years (Feb 29 across 2100), plus a clock change.
	horizon int64 = 9 * 366 * 86400
)

// Next returns the first run time strictly after t, in the schedule's location, or the
// zero time if the spec never fires (or not before year 10000).
func (s *Schedule) Next(t time.Time) time.Time {
	if !s.fires {
		return time.Time{}
	}
	from := max(t.Unix(), domainStart) // runs are whole seconds: r > t ⇔ r > floor(t)
	if from >= domainEnd {
		return time.Time{}
	}
	limit := from + horizon
	var res int64
	found := false
	s.walk(from, func(p piece) bool {
		if p.start > limit {
			return false
		}
		if p.gap {
			if p.start > from {
				res, found = p.start, true
				return false
			}
			return true
		}
		lo := max(p.lo, floorMinute(from+p.off)+60)
		if w, ok := s.nextWall(lo, min(p.hi, limit+p.off)); ok {
			res, found = w-p.off, true
			return false
		}
		return true
	})
	if !found {
		return time.Time{}
	}
	return time.Unix(res, 0).In(s.loc)
}

// Between returns the run times in (after, until], oldest first, in the schedule's
// location. When there are more than limit of them it returns the latest limit and, as
// omitted, how many earlier ones it left out (limit <= 0 returns none and counts all).
// It does not step through the runs it leaves out: a year of an every-minute job is
// counted with per-day arithmetic.
func (s *Schedule) Between(after, until time.Time, limit int) (ticks []time.Time, omitted int) {
	from, to := after.Unix(), until.Unix() // r in (after, until] ⇔ from < r <= to
	from = max(from, domainStart)
	to = min(to, domainEnd-1)
	if !s.fires || to <= from {
		return nil, 0
	}
	type span struct {
		p     piece
		lo    int64 // walls [lo, hi) of a range piece, clipped to the interval
		hi    int64
		count int64
	}
	var spans []span
	var total int64
	s.walk(from, func(p piece) bool {
		if p.start > to {
			return false
		}
		if p.gap {
			if p.start > from {
				spans = append(spans, span{p: p, count: 1})
				total++
			}
			return true
		}
		lo := max(p.lo, floorMinute(from+p.off)+60)
		hi := min(p.hi, floorMinute(to+p.off)+60)
		if n := s.countWalls(lo, hi); n > 0 {
			spans = append(spans, span{p: p, lo: lo, hi: hi, count: n})
			total += n
		}
		return true
	})
	keep := total
	if limit <= 0 {
		keep = 0
	} else if keep > int64(limit) {
		keep = int64(limit)
	}
	skip := total - keep
	if keep > 0 {
		ticks = make([]time.Time, 0, keep)
	}
	for _, sp := range spans {
		if skip >= sp.count {
			skip -= sp.count
			continue
		}
		if sp.p.gap {
			ticks = append(ticks, time.Unix(sp.p.start, 0).In(s.loc))
			continue
		}
		w, ok := s.nthWall(sp.lo, sp.hi, skip)
		skip = 0
		for ; ok; w, ok = s.nextWall(w+60, sp.hi) {
			ticks = append(ticks, time.Unix(w-sp.p.off, 0).In(s.loc))
		}
	}
	return ticks, int(total - keep)
}

// piece is a stretch of runs within one zone segment (a span of constant UTC offset):
// either the single run at the segment's start that stands for wall times skipped by a
// gap (gap), or the wall-clock minutes [lo, hi) that match, each running at wall - off.
// Walls are Unix-style seconds of a clock without transitions ("naive local time").
type piece struct {
	start  int64 // the segment's first instant
	gap    bool
	lo, hi int64
	off    int64
}

// walk calls fn with the pieces of the segments from the one holding instant from
// onwards, in time order, until fn returns false or the domain ends.
func (s *Schedule) walk(from int64, fn func(piece) bool) {
	var hw int64 // the latest wall time the clock has shown before the segment
	hasHW := false
	for cur := from; cur < domainEnd; {
		start, end, off := s.zoneAt(cur)
		if cur > from {
			// cur is where the previous span ended; a span that seems to start earlier
			// (golang/go#81583, see zoneAt) goes on with the same offset from here
			start = max(start, cur)
		}
		if !hasHW && start > domainStart {
			_, po := time.Unix(start-1, 0).In(s.loc).Zone()
			hw, hasHW = start+int64(po), true
		}
		ws, we := start+off, end+off
		var pieces [2]piece
		n := 0
		switch {
		case s.wildcard || !hasHW:
			pieces[n] = piece{start: start, lo: ceilMinute(ws), hi: ceilMinute(we), off: off}
			n++
		case ws >= hw: // after a gap (or a change of zone name only): the skipped walls run at start
			if s.countWalls(ceilMinute(hw), floorMinute(ws)+60) > 0 {
				pieces[n] = piece{start: start, gap: true}
				n++
			}
			pieces[n] = piece{start: start, lo: floorMinute(ws) + 60, hi: ceilMinute(we), off: off}
			n++
		default: // after an overlap: walls before hw have run already
			pieces[n] = piece{start: start, lo: ceilMinute(hw), hi: ceilMinute(we), off: off}
			n++
		}
		for _, p := range pieces[:n] {
			if !fn(p) {
				return
			}
		}
		if !hasHW || we > hw {
			hw, hasHW = we, true
		}
		cur = end
	}
}

// zoneAt returns the span [start, end) of constant UTC offset (clamped to the domain)
// that holds instant cur, and the offset in seconds.
func (s *Schedule) zoneAt(cur int64) (start, end, off int64) {
	t := time.Unix(cur, 0).In(s.loc)
	_, o := t.Zone()
	st, en := t.ZoneBounds()
	start, end = domainStart, domainEnd
	if !st.IsZero() {
		start = max(start, st.Unix())
	}
	if !en.IsZero() {
		end = min(end, en.Unix())
	}
	if end <= cur {
		// Go's ZoneBounds ends a zone a day early on the last UTC day of a leap year
		// past a zone's transition table (golang/go#81583: the year is taken to have
		// 365 days); the span really ends where the next one starts.
		end = cur + 1
		for probe := cur + 3600; probe <= cur+2*86400; probe += 3600 {
			if st2, _ := time.Unix(probe, 0).In(s.loc).ZoneBounds(); st2.Unix() > cur {
				end = st2.Unix()
				break
			}
		}
	}
	return start, end, int64(o)
}

// nextWall returns the first matching wall minute in [w, hi); w is a whole minute.
func (s *Schedule) nextWall(w, hi int64) (int64, bool) {
	day := floorDiv(w, 86400)
	x := int((w - day*86400) / 60)
	for day*86400 < hi {
		y, m, d := civil(day)
		if s.month&(1<<m) == 0 {
			day, x = firstOfNextMonth(y, m), 0
			continue
		}
		if s.dayMatches(d, day) {
			if mod, ok := s.firstFrom(x); ok {
				if r := day*86400 + int64(mod)*60; r < hi {
					return r, true
				}
				return 0, false
			}
		}
		day, x = day+1, 0
	}
	return 0, false
}

// countWalls counts the matching wall minutes in [lo, hi) (whole minutes).
func (s *Schedule) countWalls(lo, hi int64) int64 {
	if hi <= lo {
		return 0
	}
	var n int64
	first, last := floorDiv(lo, 86400), floorDiv(hi-1, 86400)
	for day := first; day <= last; {
		y, m, d := civil(day)
		if s.month&(1<<m) == 0 {
			day = firstOfNextMonth(y, m)
			continue
		}
		if s.dayMatches(d, day) {
			n += s.countInDay(day, lo, hi)
		}
		day++
	}
	return n
}

// nthWall returns the k-th (from 0) matching wall minute in [lo, hi).
func (s *Schedule) nthWall(lo, hi, k int64) (int64, bool) {
	first, last := floorDiv(lo, 86400), floorDiv(hi-1, 86400)
	for day := first; day <= last; {
		y, m, d := civil(day)
		if s.month&(1<<m) == 0 {
			day = firstOfNextMonth(y, m)
			continue
		}
		if s.dayMatches(d, day) {
			if c := s.countInDay(day, lo, hi); k >= c {
				k -= c
			} else {
				w, ok := s.nextWall(max(lo, day*86400), hi)
				for ; ok && k > 0; k-- {
					w, ok = s.nextWall(w+60, hi)
				}
				return w, ok
			}
		}
		day++
	}
	return 0, false
}

// countInDay counts the matching minutes of a matching day that lie in [lo, hi).
func (s *Schedule) countInDay(day, lo, hi int64) int64 {
	a, b := int64(0), int64(1440)
	if base := day * 86400; lo > base {
		a = (lo - base) / 60
	}
	if base := day * 86400; hi < base+86400 {
		b = (hi - base) / 60
	}
	return s.below(b) - s.below(a)
}

// below counts the matching minutes of a day before minute x (0..1440) of it.
func (s *Schedule) below(x int64) int64 {
	h, m := x/60, x%60
	n := int64(bits.OnesCount64(s.hour&(1<<h-1))) * s.perHour
	if h < 24 && s.hour&(1<<h) != 0 {
		n += int64(bits.OnesCount64(s.minute & (1<<m - 1)))
	}
	return n
}

// firstFrom returns the first matching minute of a day at or after minute x (0..1439).
func (s *Schedule) firstFrom(x int) (int, bool) {
	h, m := x/60, x%60
	if s.hour&(1<<h) != 0 {
		if mm := s.minute >> m << m; mm != 0 {
			return h*60 + bits.TrailingZeros64(mm), true
		}
	}
	if hh := s.hour >> (h + 1) << (h + 1); hh != 0 {
		return bits.TrailingZeros64(hh)*60 + bits.TrailingZeros64(s.minute), true
	}
	return 0, false
}

// dayMatches applies the day-of-month / day-of-week rule (see the package doc) to day d
// of its month, which is day number day.
func (s *Schedule) dayMatches(d int, day int64) bool {
	return s.dayMatchesWeekday(d, weekday(day))
}

func (s *Schedule) dayMatchesWeekday(d, wd int) bool {
	domOK := s.dom&(1<<d) != 0
	dowOK := s.dow&(1<<wd) != 0
	if s.domStar || s.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// Civil-calendar arithmetic on day numbers (days since 1970-01-01, proleptic Gregorian),
// after Howard Hinnant's days_from_civil / civil_from_days.

func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	doy := int64((153*((m+9)%12)+2)/5 + d - 1)
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civil(z int64) (y int64, m, d int) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

func firstOfNextMonth(y int64, m int) int64 {
	if m == 12 {
		return daysFromCivil(y+1, 1, 1)
	}
	return daysFromCivil(y, m+1, 1)
}

// weekday of a day number: 0 Sunday … 6 Saturday (1970-01-01 was a Thursday).
func weekday(day int64) int { return int(day - floorDiv(day+4, 7)*7 + 4) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMinute(w int64) int64 { return floorDiv(w, 60) * 60 }
func ceilMinute(w int64) int64  { return -floorMinute(-w) }
