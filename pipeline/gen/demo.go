package gen

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The reference office's demo dataset (§1, §10 `caseload demo`): 2017-03-01 ..
// 2022-11-30, about 2,600–3,000 received cases a year, shaped so that over the
// accepted, latest-version cases:
//
//   - completed_cumulative for 2017-01-01..2022-11-17 is exactly demoCompletedTarget;
//   - received_yoy_growth of QB02 (“三侨生”身份认定) is about 0.34 for ytd:2022-10 and
//     for 2022-01-01..2022-11-17 (its acceptance window grew from two weeks to two months);
//   - the backlog task force (cases registered 2021-10..12) has 84 cases, 42 resolved by
//     2022-10-31 and none resolved after, 23 of them over ten years old (one exactly ten
//     years to the day, one a day short, which does not count);
//   - 155 distinct recognised countries of residence appear.
//
// The numbers below are the design; the tests recompute every figure independently.
const (
	demoSeed            = 20221117
	demoOffice          = "示范县侨办"
	demoCompletedTarget = 14998
	demoBacklogTotal    = 84
	demoBacklogResolved = 42
	demoBacklogOver10y  = 23 // includes the case resolved exactly ten years to the day
)

// Row kinds of the demo dataset.
const (
	kindRegular = iota
	kindQB02
	kindBacklog
	kindEdge
	kindBad
)

// Files of incoming/.
const (
	fileGB     = iota // 2017-2019.csv
	fileXLSX          // 2020-2021.xlsx
	fileCSV22         // 2022.csv
	fileUpdate        // 2022-11-update.ndjson
)

// demoRow is one case of the demo dataset, as its latest version.
type demoRow struct {
	r          *rec
	kind       int
	file       int
	pinned     bool              // shaped on purpose: calibration and country fixes leave it alone
	countryRaw string            // an unrecognisable country, written instead of r's country
	bad        string            // for a deliberately bad row: the reject reason it must get
	raw        map[string]string // for a bad row: field -> text written instead of the value
	old        *rec              // for an updated case: the superseded version written to 2022.csv
}

// demoData is the whole demo dataset, in received order.
type demoData struct {
	g    *generator
	rows []*demoRow
}

// clone copies r; the copy's pointers point into the copy.
func (r *rec) clone() *rec {
	c := *r
	if c.c.CompletedAt != nil {
		c.c.CompletedAt = &c.completed
	}
	if c.c.UpdatedAt != nil {
		c.c.UpdatedAt = &c.updated
	}
	if c.c.BacklogSince != nil {
		c.c.BacklogSince = &c.since
	}
	if c.c.Trips != nil {
		c.c.Trips = &c.trips
	}
	return &c
}

func (g *generator) setCompleted(r *rec, wall int64) {
	r.complWall = wall
	r.completed = g.cal.toTime(wall)
	r.c.CompletedAt = &r.completed
}

func (g *generator) setUpdated(r *rec, wall int64) {
	r.updWall = wall
	r.updated = g.cal.toTime(wall)
	r.c.UpdatedAt = &r.updated
}

func (g *generator) setSince(r *rec, day int64) {
	r.c.Backlog = true
	r.sinceDay = day
	y, m, d := civilFromDays(day)
	r.since = time.Date(y, time.Month(m), d, 0, 0, 0, 0, g.loc)
	r.c.BacklogSince = &r.since
}

func setTrips(r *rec, n int) {
	r.trips = n
	r.c.Trips = &r.trips
}

func ymd(s string) int64 {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic("gen: bad date literal " + s)
	}
	return daysFromCivil(t.Year(), int(t.Month()), t.Day())
}

func hms(h, m, s int) int64 { return int64(h*3600 + m*60 + s) }

// workdaysIn lists the working days in [from, to].
func (g *generator) workdaysIn(from, to int64) []int64 {
	var out []int64
	for d := from; d <= to; d++ {
		if g.cal.isWork(d) {
			out = append(out, d)
		}
	}
	return out
}

// buildDemo makes the demo dataset. It is deterministic: no maps are iterated and
// every random number comes from one PCG stream.
func buildDemo() (*demoData, error) {
	loc := defaultLocation()
	opt := Options{Seed: demoSeed, Loc: loc, From: time.Date(2017, 3, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2022, 11, 30, 0, 0, 0, 0, time.UTC)}
	g, err := newGenerator(opt)
	if err != nil {
		return nil, err
	}
	// The long tail of countries is thinner than the generic generator's, so that a
	// single year shows about a hundred countries and the whole period all 155.
	cw := make([]float64, len(g.countries))
	for i := range cw {
		cw[i] = 0.3
	}
	for i, f := range strings.Fields(countryTop) {
		_, ws, _ := strings.Cut(f, ":")
		cw[i], _ = strconv.ParseFloat(ws, 64)
	}
	g.countryPick = newAlias(cw)
	// A well-run office: every case older than a few weeks is decided.
	g.pCompleted, g.pRejected, g.pWithdrawn, g.pBacklog = 0.95, 0.03, 0.02, 0
	d := &demoData{g: g}
	rng := g.rng

	const qb02 = 1 // index of QB02 in Items()
	var regular []int
	var rw []float64
	for i, it := range g.items {
		if i != qb02 {
			regular = append(regular, i)
			rw = append(rw, it.weight)
		}
	}
	regPick := newAlias(rw)

	// Timestamp forms by file: the 2017–2019 export has minute precision.
	gbForms := newAlias([]float64{formSlashMin: 55, formCJKMin: 45})
	xlsxForms := newAlias([]float64{formDash: 1})
	csvForms := newAlias([]float64{formUTC: 35, formOffset: 65})
	formsFor := func(year int) alias {
		switch {
		case year <= 2019:
			return gbForms
		case year <= 2021:
			return xlsxForms
		}
		return csvForms
	}
	add := func(r *rec, kind int) *demoRow {
		y, _, _ := civilFromDays(r.day)
		row := &demoRow{r: r, kind: kind, file: fileCSV22}
		switch {
		case y <= 2019:
			row.file = fileGB
		case y <= 2021:
			row.file = fileXLSX
		}
		d.rows = append(d.rows, row)
		return row
	}
	newRec := func(day, sec int64, item int) *rec {
		y, _, _ := civilFromDays(day)
		g.formPick = formsFor(y)
		form := timeForm(g.formPick.pick(rng))
		if form.minutePrecision() {
			sec -= sec % 60
		}
		r := &rec{}
		g.fill(r, day, sec, item, form)
		return r
	}

	// 1. Regular cases (every item but QB02), spread over each year's days by weight.
	regularPerYear := []struct {
		year, n int
	}{{2017, 2080}, {2018, 2530}, {2019, 2650}, {2020, 2460}, {2021, 2560}, {2022, 2500}}
	secs := make([]int32, 0, 64)
	for _, py := range regularPerYear {
		from := max(daysFromCivil(py.year, 1, 1), g.first)
		to := min(daysFromCivil(py.year, 12, 31), g.last)
		var total, cum int64
		for day := from; day <= to; day++ {
			total += g.dayWeight(day)
		}
		prev := 0
		for day := from; day <= to; day++ {
			cum += g.dayWeight(day)
			target := int(int64(py.n) * cum / total)
			k := target - prev
			prev = target
			g.formPick = formsFor(py.year)
			secs = g.daySeconds(secs[:0], k)
			for _, s := range secs {
				r := &rec{}
				g.fill(r, day, int64(s>>3), regular[regPick.pick(rng)], timeForm(s&7))
				add(r, kindRegular)
			}
		}
	}

	// 2. QB02 “三侨生”身份认定: most applications come in the acceptance window, which was
	// 03-01..03-14 until 2021 and 03-01..04-30 in 2022. Counts per range are exact so
	// that the year-on-year growth is what §1 quotes.
	qb02Ranges := []struct {
		from, to string
		n        int
	}{
		{"2017-03-01", "2017-03-14", 110}, {"2017-03-15", "2017-12-31", 40},
		{"2018-01-01", "2018-02-28", 10}, {"2018-03-01", "2018-03-14", 115}, {"2018-03-15", "2018-12-31", 35},
		{"2019-01-01", "2019-02-28", 10}, {"2019-03-01", "2019-03-14", 122}, {"2019-03-15", "2019-12-31", 38},
		{"2020-01-01", "2020-02-29", 8}, {"2020-03-01", "2020-03-14", 118}, {"2020-03-15", "2020-12-31", 39},
		// 2021: 188 received 01-01..10-31 (with the edge case below), 191 by 11-17.
		{"2021-01-01", "2021-02-28", 12}, {"2021-03-01", "2021-03-14", 140}, {"2021-03-15", "2021-10-31", 35},
		{"2021-11-01", "2021-11-17", 3}, {"2021-11-18", "2021-12-31", 6},
		// 2022: 252 received 01-01..10-31 (with an edge case), 256 by 11-17: +34.0% both.
		{"2022-01-01", "2022-02-28", 10}, {"2022-03-01", "2022-04-30", 205}, {"2022-05-01", "2022-10-31", 36},
		{"2022-11-01", "2022-11-17", 3}, {"2022-11-18", "2022-11-30", 2},
	}
	for _, qr := range qb02Ranges {
		days := g.workdaysIn(ymd(qr.from), ymd(qr.to))
		for i := 0; i < qr.n; i++ {
			day := days[rng.IntN(len(days))]
			add(newRec(day, g.officeSec(), qb02), kindQB02)
		}
	}
	// Online applications around midnight: local dates differ from UTC dates.
	qbEdge := func(date string, sec int64, form timeForm) {
		r := newRec(ymd(date), sec, qb02)
		r.form = form
		add(r, kindQB02).pinned = true
	}
	qbEdge("2021-10-31", hms(23, 40, 0), formDash)   // in 2021's ytd:10 (xlsx wall clock)
	qbEdge("2022-10-31", hms(23, 50, 0), formOffset) // in ytd:2022-10
	qbEdge("2022-11-01", hms(0, 10, 0), formUTC)     // 2022-10-31T16:10:00Z: November, not ytd:2022-10

	// 3. completed_cumulative edges: completed at 23:59:59 on 2022-11-17 (counts for a
	// period ending that day) and one second after midnight (does not), written in UTC.
	for i, c := range []int64{hms(23, 59, 59), hms(24, 0, 1)} {
		day := ymd("2022-11-17")
		r := newRec(day, hms(21, 12+19*i, 0), 0)
		r.form = formUTC
		r.c.Status = StatusCompleted
		g.setCompleted(r, day*secondsPerDay+c)
		g.setUpdated(r, r.complWall+20)
		add(r, kindEdge).pinned = true
	}

	// 4. The historical-backlog task force: 84 difficult cases registered 2021-10..12.
	if err := d.addBacklog(newRec, add); err != nil {
		return nil, err
	}

	// 5. Deliberately bad rows (each must be rejected with exactly the reason noted).
	d.addBadRows(newRec, add)

	// Received order, then case ids QB<year>-<seq> per year.
	slices.SortStableFunc(d.rows, func(a, b *demoRow) int { return cmp.Compare(a.r.recvWall, b.r.recvWall) })
	year, seq := 0, 0
	buf := make([]byte, 0, 32)
	for _, row := range d.rows {
		y, _, _ := civilFromDays(row.r.day)
		if y != year {
			year, seq = y, 0
		}
		seq++
		row.r.year, row.r.seq = y, seq
		buf = appendCaseID(buf[:0], y, seq)
		row.r.c.CaseID = string(buf)
	}

	d.addUpdates()
	d.addUnrecognisedCountries()
	d.coverCountries()
	if err := d.calibrate(); err != nil {
		return nil, err
	}
	return d, nil
}

// newRand is a PCG generator for the demo's writers (country spellings, label variants).
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d)) }
