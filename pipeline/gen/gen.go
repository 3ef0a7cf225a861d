// Package gen makes deterministic synthetic approval-case records: for tests,
// benchmarks (`caseload gen`) and the demo project (`caseload demo`).
//
// Everything is derived from the options' seed with math/rand/v2's PCG source; the
// package keeps no mutable state, so the same options always give the same bytes.
//
// Generate streams cases in received order without holding them in memory, so
// ten million cases cost no more memory than ten. WriteFile writes them as CSV,
// NDJSON, Parquet or XLSX. WriteDemoData writes the reference office's demo dataset, whose
// figures are the ones quoted in §1 of the spec (the demo project around it is
// pipeline/demo).
package gen

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Options control Generate and WriteFile.
type Options struct {
	Cases int    // number of cases to generate
	Seed  uint64 // same seed, same cases
	// From and To are the first and last day cases are received on (their calendar
	// dates as written; the time of day is ignored). Default 2017-03-01 .. 2022-11-30.
	From, To time.Time
	Loc      *time.Location // office time zone; default Asia/Shanghai
	// PII adds the columns of PIIHeader (synthetic personal data) after the §4.1 fields, in
	// .csv and .parquet files; the other columns are the same as without them.
	PII bool
}

// Case is one approval case (§4.1). Enum fields hold the English values; Country holds
// the value as an office would have typed it (ISO alpha-2 or alpha-3, a Chinese or
// English name, or a common alias such as 印尼). Times are in Options.Loc.
type Case struct {
	CaseID, ItemCode string
	ReceivedAt       time.Time
	CompletedAt      *time.Time
	Status           string // received | in_progress | completed | rejected | withdrawn
	Channel          string // window | bundle | outreach | remote | online | mail
	ApplicantType    string // overseas_chinese | returned | relative | other
	Country          string
	District         string
	Trips            *int
	Backlog          bool
	BacklogSince     *time.Time // local midnight of the date the problem arose
	UpdatedAt        *time.Time
}

// Enum values (§4.1).
const (
	StatusReceived   = "received"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusRejected   = "rejected"
	StatusWithdrawn  = "withdrawn"
)

const (
	chWindow = iota
	chBundle
	chOutreach
	chRemote
	chOnline
	chMail
	numChannels
)

// Office hours: 08:30–12:00 and 14:30–17:30.
const (
	amStart = 8*3600 + 1800
	amLen   = 3*3600 + 1800
	pmStart = 14*3600 + 1800
	pmLen   = 3 * 3600
	pmEnd   = pmStart + pmLen
)

func (o Options) normalize() (Options, error) {
	if o.Cases < 0 {
		return o, errors.New("gen: the number of cases must not be negative")
	}
	if o.Loc == nil {
		o.Loc = defaultLocation()
	}
	if o.From.IsZero() {
		o.From = time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.To.IsZero() {
		o.To = time.Date(2022, 11, 30, 0, 0, 0, 0, time.UTC)
	}
	if dayOf(o.To) < dayOf(o.From) {
		return o, fmt.Errorf("gen: --to %s is before --from %s", o.To.Format("2006-01-02"), o.From.Format("2006-01-02"))
	}
	return o, nil
}

// rec is the generator's working record: the public Case plus local wall-clock seconds
// and the storage the Case's pointers point into. One rec is reused for every case.
type rec struct {
	c         Case
	year, seq int
	day       int64 // received day
	recvWall  int64
	complWall int64 // valid when c.CompletedAt != nil
	updWall   int64 // valid when c.UpdatedAt != nil
	sinceDay  int64 // valid when c.BacklogSince != nil
	item      int
	country   int // index into the country pool, -1 = none
	form      timeForm

	completed, updated, since time.Time
	trips                     int
}

// generator holds everything derived from the options; it is not safe for concurrent use.
type generator struct {
	loc *time.Location
	rng *rand.Rand
	cal *calendar

	items       []Item
	instantDay  []int64
	itemPick    alias
	countries   []country
	countryPick alias
	districts   []string
	distPick    alias
	chPick      alias
	appPick     alias
	formPick    alias

	channels   [numChannels]string
	applicants [4]string

	first, last int64 // received days
	asOf        int64 // wall seconds: the extract was taken at local midnight after the last day
	bundleFrom  int64 // day 打包办 started
	remoteFrom  int64 // day 拍照回传 started
	covidFrom   int64
	covidTo     int64

	pCompleted, pRejected, pWithdrawn float64 // of decided cases; the rest stay in progress
	pBacklog                          float64
	spelling                          int

	pii  bool   // write the personal-data columns (Options.PII)
	seed uint64 // Options.Seed, for them
}

func newGenerator(opt Options) (*generator, error) {
	g := &generator{
		loc:        opt.Loc,
		rng:        rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)),
		items:      Items(),
		first:      dayOf(opt.From),
		last:       dayOf(opt.To),
		bundleFrom: daysFromCivil(2019, 6, 1),
		remoteFrom: daysFromCivil(2020, 2, 3),
		covidFrom:  daysFromCivil(2020, 2, 1),
		covidTo:    daysFromCivil(2020, 3, 15),
		pCompleted: 0.88, pRejected: 0.03, pWithdrawn: 0.02,
		pBacklog:   0.0015,
		spelling:   spellMixed,
		pii:        opt.PII,
		seed:       opt.Seed,
		channels:   [numChannels]string{"window", "bundle", "outreach", "remote", "online", "mail"},
		applicants: [4]string{"overseas_chinese", "relative", "returned", "other"},
		districts: []string{"玉屏街道", "龙山街道", "龙江街道", "宏路街道", "石竹街道", "音西街道", "阳下街道",
			"海口镇", "城头镇", "南岭镇", "龙田镇", "江镜镇", "港头镇", "高山镇", "沙埔镇", "三山镇",
			"东瀚镇", "渔溪镇", "上迳镇", "新厝镇", "江阴镇", "东张镇", "镜洋镇", "一都镇"},
	}
	g.asOf = (g.last + 1) * secondsPerDay
	var err error
	if g.cal, err = newCalendar(opt.Loc, g.first-1, g.last+400); err != nil {
		return nil, err
	}
	w := make([]float64, len(g.items))
	for i, it := range g.items {
		w[i] = it.weight
		g.instantDay = append(g.instantDay, dayOrNone(it.InstantSince))
	}
	g.itemPick = newAlias(w)
	var cw []float64
	if g.countries, cw, err = loadCountries(); err != nil {
		return nil, err
	}
	g.countryPick = newAlias(cw)
	dw := make([]float64, len(g.districts))
	for i := range dw {
		dw[i] = 1
		if i < 7 { // the town-centre 街道 are the busiest
			dw[i] = 2.5
		}
	}
	g.distPick = newAlias(dw)
	g.chPick = newAlias([]float64{chWindow: 56, chBundle: 21, chOutreach: 7, chRemote: 7, chOnline: 5, chMail: 4})
	g.appPick = newAlias([]float64{42, 36, 12, 10})
	g.formPick = newAlias([]float64{formDash: 35, formSlashMin: 15, formUTC: 15, formOffset: 20, formCJKMin: 15})
	return g, nil
}

// dayWeight is the relative number of cases received on day d.
func (g *generator) dayWeight(d int64) int64 {
	if !g.cal.isWork(d) {
		return 3 // outreach days and online applications
	}
	if d >= g.covidFrom && d <= g.covidTo {
		return 30
	}
	return 100
}

// officeSec is a second of day within office hours.
func (g *generator) officeSec() int64 {
	u := g.rng.Int64N(amLen + pmLen)
	if u < amLen {
		return amStart + u
	}
	return pmStart + u - amLen
}

// daySeconds appends k sorted entries for the cases received on a day, each packed as
// second-of-day<<3 | timestamp form. Rows written in a minute-precision form are
// received on a whole minute, and the sort comes after that truncation, so cases stay
// in received order.
func (g *generator) daySeconds(secs []int32, k int) []int32 {
	for i := 0; i < k; i++ {
		var s int64
		if g.rng.IntN(100) < 7 {
			s = g.rng.Int64N(secondsPerDay)
		} else {
			s = g.officeSec()
		}
		f := timeForm(g.formPick.pick(g.rng))
		if f.minutePrecision() {
			s -= s % 60
		}
		secs = append(secs, int32(s<<3|int64(f)))
	}
	slices.Sort(secs)
	return secs
}

func inOffice(sec int64) bool { return sec >= amStart && sec < pmEnd }

// fill makes r a fresh case received on day at second sec for item, written in form.
func (g *generator) fill(r *rec, day, sec int64, item int, form timeForm) {
	rng := g.rng
	*r = rec{c: Case{}, day: day, item: item, country: -1, form: form}
	it := &g.items[item]
	r.c.ItemCode = it.Code

	var ch int
	switch {
	case !inOffice(sec):
		ch = chOnline
	case !g.cal.isWork(day):
		ch = chOutreach
		if rng.IntN(10) < 3 {
			ch = chOnline
		}
	default:
		ch = g.chPick.pick(rng)
		if (ch == chBundle && day < g.bundleFrom) || (ch == chRemote && day < g.remoteFrom) {
			ch = chWindow
		}
	}
	r.c.Channel = g.channels[ch]
	r.c.ApplicantType = g.applicants[g.appPick.pick(rng)]
	if rng.IntN(100) >= 3 {
		r.country = g.countryPick.pick(rng)
		r.c.Country = g.countries[r.country].spell(rng, g.spelling)
	}
	if rng.IntN(100) >= 2 {
		r.c.District = g.districts[g.distPick.pick(rng)]
	}
	if rng.IntN(100) >= 8 {
		u := rng.IntN(100)
		switch ch {
		case chWindow:
			r.trips = 1
			if u >= 93 {
				r.trips = 3
			} else if u >= 75 {
				r.trips = 2
			}
		case chBundle:
			r.trips = 1
			if u >= 90 {
				r.trips = 2
			}
		default:
			r.trips = 0
			if u >= 90 {
				r.trips = 1
			}
		}
		r.c.Trips = &r.trips
	}

	recv := day*secondsPerDay + sec
	status := StatusInProgress
	u := rng.Float64()
	switch {
	case u < g.pCompleted:
		status = StatusCompleted
	case u < g.pCompleted+g.pRejected:
		status = StatusRejected
	case u < g.pCompleted+g.pRejected+g.pWithdrawn:
		status = StatusWithdrawn
	}
	compl := g.completion(recv, day, sec, item, ch, status)
	if rng.Float64() < g.pBacklog {
		r.c.Backlog = true
		r.sinceDay = day - 5*365 - rng.Int64N(13*365)
		status = StatusInProgress
		if rng.IntN(2) == 0 {
			status = StatusCompleted
			compl = g.cal.addWorkdays(day, 20+rng.IntN(200))*secondsPerDay + g.officeSec()
		}
	}
	if status != StatusInProgress && compl >= g.asOf {
		status = StatusInProgress
	}
	if status == StatusInProgress && g.asOf-recv < 2*secondsPerDay && rng.IntN(2) == 0 {
		status = StatusReceived
	}
	r.c.Status = status
	final := status == StatusCompleted || status == StatusRejected || status == StatusWithdrawn

	upd := int64(-1)
	if rng.IntN(100) >= 6 {
		if final {
			upd = compl + 30 + rng.Int64N(900)
			if upd >= g.asOf {
				upd = compl
			}
		} else {
			upd = recv + 60 + rng.Int64N(3600)
			if upd >= g.asOf {
				upd = recv
			}
		}
	}
	if r.form.minutePrecision() {
		recv -= recv % 60
		compl -= compl % 60
		if upd >= 0 {
			upd -= upd % 60
		}
	}
	r.recvWall = recv
	r.c.ReceivedAt = g.cal.toTime(recv)
	if final {
		r.complWall = compl
		r.completed = g.cal.toTime(compl)
		r.c.CompletedAt = &r.completed
	}
	if upd >= 0 {
		r.updWall = upd
		r.updated = g.cal.toTime(upd)
		r.c.UpdatedAt = &r.updated
	}
	if r.c.Backlog {
		y, m, d := civilFromDays(r.sinceDay)
		r.since = time.Date(y, time.Month(m), d, 0, 0, 0, 0, g.loc)
		r.c.BacklogSince = &r.since
	}
}

// completion is when a case received at recv would be decided, in wall seconds.
func (g *generator) completion(recv, day, sec int64, item, ch int, status string) int64 {
	rng := g.rng
	switch status {
	case StatusRejected:
		if inOffice(sec) && sec < pmEnd-3600 && rng.IntN(10) < 7 {
			return recv + 600 + rng.Int64N(3000)
		}
		return g.cal.addWorkdays(day, 1+rng.IntN(3))*secondsPerDay + g.officeSec()
	case StatusWithdrawn:
		return g.cal.addWorkdays(day, 1+rng.IntN(5))*secondsPerDay + g.officeSec()
	}
	if day >= g.instantDay[item] && ch != chMail {
		if inOffice(sec) && sec < pmEnd-1800 && rng.IntN(100) < 93 {
			return recv + 300 + rng.Int64N(5400)
		}
		return g.cal.addWorkdays(day, 1+rng.IntN(2))*secondsPerDay + g.officeSec()
	}
	p := g.items[item].PromisedDays
	if p == 0 {
		p = 5 // before an item became instant it took about a week
	}
	var n int
	if rng.IntN(100) < 88 {
		n = 1 + rng.IntN(p)
	} else {
		n = p + 1 + rng.IntN(10)
	}
	if ch == chMail {
		n += 2
	}
	return g.cal.addWorkdays(day, n)*secondsPerDay + g.officeSec()
}

// run streams opt.Cases cases, in received order, spread over the days by weight.
func (g *generator) run(n int, emit func(*rec) error) error {
	var total int64
	for d := g.first; d <= g.last; d++ {
		total += g.dayWeight(d)
	}
	var cum int64
	prev := 0
	secs := make([]int32, 0, 1024)
	year, seq := 0, 0
	r := &rec{}
	for d := g.first; d <= g.last; d++ {
		cum += g.dayWeight(d)
		target := int(int64(n) * cum / total)
		k := target - prev
		prev = target
		if k == 0 {
			continue
		}
		if y, _, _ := civilFromDays(d); y != year {
			year, seq = y, 0
		}
		secs = g.daySeconds(secs[:0], k)
		for _, s := range secs {
			g.fill(r, d, int64(s>>3), g.itemPick.pick(g.rng), timeForm(s&7))
			seq++
			r.year, r.seq = year, seq
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// Generate streams opt.Cases synthetic cases, in received order, to emit. The *Case
// passed to emit (and what its pointers point to) is reused for the next case: copy
// it to keep it. An error from emit stops the generation and is returned.
func Generate(opt Options, emit func(*Case) error) error {
	opt, err := opt.normalize()
	if err != nil {
		return err
	}
	g, err := newGenerator(opt)
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 32)
	return g.run(opt.Cases, func(r *rec) error {
		buf = appendCaseID(buf[:0], r.year, r.seq)
		r.c.CaseID = string(buf)
		return emit(&r.c)
	})
}

// alias is Walker's alias method: O(1) weighted picks from one 64-bit random number.
type alias struct {
	prob  []uint32
	alias []int32
}

func newAlias(w []float64) alias {
	n := len(w)
	var sum float64
	for _, x := range w {
		sum += x
	}
	p := make([]float64, n)
	for i, x := range w {
		p[i] = x * float64(n) / sum
	}
	a := alias{prob: make([]uint32, n), alias: make([]int32, n)}
	var small, large []int
	for i := n - 1; i >= 0; i-- {
		if p[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s := small[len(small)-1]
		small = small[:len(small)-1]
		l := large[len(large)-1]
		large = large[:len(large)-1]
		a.prob[s] = uint32(p[s] * (1 << 32))
		a.alias[s] = int32(l)
		p[l] -= 1 - p[s]
		if p[l] < 1 {
			small = append(small, l)
		} else {
			large = append(large, l)
		}
	}
	for _, i := range append(small, large...) {
		a.prob[i] = 1<<32 - 1
		a.alias[i] = int32(i)
	}
	return a
}

func (a *alias) pick(r *rand.Rand) int {
	u := r.Uint64()
	i := int((u >> 32) * uint64(len(a.prob)) >> 32)
	if uint32(u) < a.prob[i] {
		return i
	}
	return int(a.alias[i])
}
