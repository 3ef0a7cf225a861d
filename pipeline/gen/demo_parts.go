package gen

import (
	"cmp"
	"fmt"
	"slices"
)

// addBacklog adds the task force's 84 cases: 42 resolved between 2021-11 and
// 2022-10-31 (23 of them at least ten years after the problem arose), 42 still open.
func (d *demoData) addBacklog(newRec func(day, sec int64, item int) *rec, add func(*rec, int) *demoRow) error {
	g, rng := d.g, d.g.rng
	days := g.workdaysIn(ymd("2021-10-08"), ymd("2021-12-31"))
	itemIdx := []int{0, 2, 3} // QB01, QB03, QB04
	items := newAlias([]float64{20, 45, 35})
	recvDays := make([]int64, demoBacklogTotal)
	for i := range recvDays {
		recvDays[i] = days[rng.IntN(len(days))]
	}
	slices.Sort(recvDays)
	resolved := make([]bool, demoBacklogTotal)
	for _, i := range rng.Perm(demoBacklogTotal)[:demoBacklogResolved] {
		resolved[i] = true
	}
	sinceIn := func(from, to string) int64 {
		a, b := ymd(from), ymd(to)
		day := a + rng.Int64N(b-a+1)
		if _, m, dd := civilFromDays(day); m == 2 && dd == 29 {
			day-- // keep clear of the leap-day corner of "+10 years"
		}
		return day
	}
	lastResolve := ymd("2022-10-31")
	nOld, nYoung := 0, 0
	edgeExact, edgeShort := false, false
	for i, day := range recvDays {
		r := newRec(day, g.officeSec(), itemIdx[items.pick(rng)])
		r.c.Channel = g.channels[chWindow]
		setTrips(r, 1+rng.IntN(3))
		r.c.CompletedAt, r.c.UpdatedAt = nil, nil
		row := add(r, kindBacklog)
		row.pinned = true
		if !resolved[i] {
			g.setSince(r, sinceIn("2003-01-01", "2016-12-31"))
			r.c.Status = StatusInProgress
			follow := g.workdaysIn(ymd("2022-03-01"), ymd("2022-11-25"))
			g.setUpdated(r, follow[rng.IntN(len(follow))]*secondsPerDay+g.officeSec())
			continue
		}
		r.c.Status = StatusCompleted
		var compl int64
		switch {
		case !edgeExact && day < ymd("2021-12-01"):
			// resolved exactly ten years to the day after the problem arose: counts
			edgeExact = true
			g.setSince(r, ymd("2012-06-15"))
			compl = ymd("2022-06-15")*secondsPerDay + hms(10, 20, 0)
		case !edgeShort && day < ymd("2021-12-01"):
			// resolved one day short of ten years: does not count as over ten years
			edgeShort = true
			g.setSince(r, ymd("2012-06-16"))
			compl = ymd("2022-06-15")*secondsPerDay + hms(15, 40, 0)
		default:
			if nOld < demoBacklogOver10y-1 {
				nOld++
				g.setSince(r, sinceIn("2003-01-01", "2010-12-31"))
			} else {
				nYoung++
				g.setSince(r, sinceIn("2013-06-01", "2016-12-31"))
			}
			res := g.workdaysIn(max(day+10, ymd("2021-11-15")), lastResolve)
			compl = res[rng.IntN(len(res))]*secondsPerDay + g.officeSec()
		}
		g.setCompleted(r, compl)
		g.setUpdated(r, compl+600)
	}
	if !edgeExact || !edgeShort || nOld != demoBacklogOver10y-1 || nYoung != demoBacklogResolved-demoBacklogOver10y-1 {
		return fmt.Errorf("gen: demo backlog came out wrong (%v %v %d %d)", edgeExact, edgeShort, nOld, nYoung)
	}
	return nil
}

// addBadRows adds the deliberately bad rows: realistic data-quality findings that the
// pull must reject, each for exactly one reason.
func (d *demoData) addBadRows(newRec func(day, sec int64, item int) *rec, add func(*rec, int) *demoRow) {
	g := d.g
	type spec struct {
		date   string
		sec    int64
		item   int
		file   int
		reason string
		raw    map[string]string
		mod    func(r *rec)
	}
	specs := []spec{
		{"2017-08-15", hms(9, 41, 0), 0, fileGB, "missing_case_id", map[string]string{"case_id": ""}, nil},
		{"2018-03-02", hms(9, 15, 0), 4, fileGB, "bad_received_at", map[string]string{"received_at": "2018/2/30 9:15"}, nil}, // meant 3/2
		{"2018-05-22", hms(10, 3, 0), 0, fileGB, "unknown_item_code", nil, func(r *rec) { r.c.ItemCode = "QB09" }},
		{"2019-07-09", hms(15, 12, 0), 5, fileGB, "bad_status", map[string]string{"status": "已归档"}, nil},
		{"2020-06-12", hms(10, 0, 0), 3, fileXLSX, "completed_before_received", nil, func(r *rec) {
			g.setCompleted(r, r.recvWall-2*secondsPerDay-3600)
		}},
		{"2020-11-18", hms(11, 26, 37), 6, fileXLSX, "final_status_without_completed_at", nil, func(r *rec) {
			r.c.CompletedAt = nil
		}},
		{"2021-04-20", hms(16, 2, 11), 0, fileXLSX, "bad_channel", map[string]string{"channel": "wechat"}, nil},
		{"2021-08-24", hms(9, 58, 40), 4, fileXLSX, "bad_applicant_type", map[string]string{"applicant_type": "student"}, nil},
		{"2022-03-16", hms(14, 47, 5), 0, fileCSV22, "bad_trips", map[string]string{"trips": "-1"}, nil},
		{"2022-06-07", hms(10, 31, 52), 5, fileCSV22, "missing_item_code", map[string]string{"item_code": ""}, nil},
		{"2022-09-21", hms(15, 5, 9), 4, fileCSV22, "bad_backlog", map[string]string{"backlog": "unknown"}, nil},
		{"2022-11-08", hms(9, 36, 24), 6, fileUpdate, "bad_completed_at", map[string]string{"completed_at": "2022-11-31T10:00:00+08:00"}, nil},
	}
	for _, s := range specs {
		day := ymd(s.date)
		r := newRec(day, s.sec, s.item)
		// Otherwise a clean, completed case.
		r.c.Status = StatusCompleted
		r.c.Channel = g.channels[chWindow]
		setTrips(r, 1)
		if r.country < 0 {
			r.country = 0
		}
		compl := r.recvWall + 1800
		if r.form.minutePrecision() {
			compl -= compl % 60
		}
		g.setCompleted(r, compl)
		g.setUpdated(r, compl+120)
		if s.mod != nil {
			s.mod(r)
		}
		row := add(r, kindBad)
		row.file, row.bad, row.raw, row.pinned = s.file, s.reason, s.raw, true
	}
}

// addUpdates picks 52 cases of 2022 whose completion reached the office's export late
// (cases of the bundled service, completed on the provincial platform): 2022.csv holds
// an older version (in progress, or with fields missing), 2022-11-update.ndjson the
// newer one, with a later updated_at.
func (d *demoData) addUpdates() {
	g, rng := d.g, d.g.rng
	var cand, other []*demoRow
	from, to := ymd("2022-08-01"), ymd("2022-11-25")
	for _, row := range d.rows {
		r := row.r
		if row.kind != kindRegular || row.pinned || r.day < from || r.day > to || r.c.CompletedAt == nil {
			continue
		}
		if r.c.Channel == g.channels[chBundle] {
			cand = append(cand, row)
		} else {
			other = append(other, row)
		}
	}
	rng.Shuffle(len(cand), func(i, j int) { cand[i], cand[j] = cand[j], cand[i] })
	rng.Shuffle(len(other), func(i, j int) { other[i], other[j] = other[j], other[i] })
	pick := append(cand, other...)[:52]
	slices.SortFunc(pick, func(a, b *demoRow) int { return cmp.Compare(a.r.recvWall, b.r.recvWall) })
	syncAt := ymd("2022-12-01")*secondsPerDay + hms(1, 0, 0)
	for i, row := range pick {
		r := row.r
		row.pinned = true
		row.file = fileUpdate
		switch {
		case i%26 == 7: // the platform rejected it
			r.c.Status = StatusRejected
		case i%26 == 19: // withdrawn by the applicant
			r.c.Status = StatusWithdrawn
		default:
			r.c.Status = StatusCompleted
		}
		if r.c.Trips == nil {
			setTrips(r, 1)
		}
		old := r.clone()
		if i%13 == 5 {
			// a correction: already completed in the export, but without district and trips
			old.c.District = ""
			old.c.Trips = nil
			g.setUpdated(old, r.complWall+60)
		} else {
			old.c.Status = StatusInProgress
			old.c.CompletedAt = nil
			old.c.Trips = nil
			upd := r.recvWall + 1800 + rng.Int64N(3600)
			if upd > r.complWall {
				upd = r.recvWall + (r.complWall-r.recvWall)/2
			}
			g.setUpdated(old, upd)
		}
		g.setUpdated(r, syncAt+int64(i)*37)
		row.old = old
	}
}

// addUnrecognisedCountries gives five ordinary cases a country nobody can recognise.
// They are accepted (§4.2) and counted in data quality as unrecognised_country.
func (d *demoData) addUnrecognisedCountries() {
	rng := d.g.rng
	for _, u := range []struct {
		year int
		text string
	}{{2018, "火星"}, {2020, "Atlantis"}, {2021, "火星"}, {2022, "Atlantis"}, {2022, "亚特兰蒂斯"}} {
		var cand []*demoRow
		for _, row := range d.rows {
			if row.kind == kindRegular && !row.pinned && row.r.year == u.year && row.r.country >= 0 {
				cand = append(cand, row)
			}
		}
		row := cand[rng.IntN(len(cand))]
		row.pinned = true
		row.countryRaw = u.text
		row.r.country = -1
	}
}

// coverCountries makes sure each of the 155 pool countries occurs at least once among
// the accepted cases, by moving a few cases from the most frequent country.
func (d *demoData) coverCountries() {
	g, rng := d.g, d.g.rng
	count := make([]int, len(g.countries))
	for _, row := range d.rows {
		if row.bad == "" && row.r.country >= 0 {
			count[row.r.country]++
		}
	}
	var donors []*demoRow
	for _, row := range d.rows {
		if row.kind == kindRegular && !row.pinned && row.bad == "" && row.r.country == 0 {
			donors = append(donors, row)
		}
	}
	for c, n := range count {
		if n > 0 {
			continue
		}
		i := rng.IntN(len(donors))
		row := donors[i]
		donors = slices.Delete(donors, i, i+1)
		row.r.country = c
		row.pinned = true
	}
}

// completedBy counts accepted cases (latest versions) completed by the end of day.
func (d *demoData) completedBy(day int64) int {
	n := 0
	for _, row := range d.rows {
		r := row.r
		if row.bad == "" && r.c.Status == StatusCompleted && r.c.CompletedAt != nil &&
			floorDiv(r.complWall, secondsPerDay) <= day {
			n++
		}
	}
	return n
}

// calibrate flips the decision of a few ordinary cases (completed <-> rejected or
// withdrawn) so that completed_cumulative up to 2022-11-17 is exactly the target.
func (d *demoData) calibrate() error {
	rng := d.g.rng
	day := ymd("2022-11-17")
	diff := d.completedBy(day) - demoCompletedTarget
	var cand []*demoRow
	for _, row := range d.rows {
		r := row.r
		if row.kind != kindRegular || row.pinned || r.day >= ymd("2022-10-01") || r.c.CompletedAt == nil ||
			floorDiv(r.complWall, secondsPerDay) > day {
			continue
		}
		if (diff > 0 && r.c.Status == StatusCompleted) || (diff < 0 && r.c.Status != StatusCompleted) {
			cand = append(cand, row)
		}
	}
	need := diff
	if need < 0 {
		need = -need
	}
	if need > len(cand)/4 || need > 400 {
		return fmt.Errorf("gen: demo calibration is off by %d (tune regularPerYear)", diff)
	}
	for _, i := range rng.Perm(len(cand))[:need] {
		r := cand[i].r
		switch {
		case diff < 0:
			r.c.Status = StatusCompleted
		case rng.IntN(5) < 3:
			r.c.Status = StatusRejected
		default:
			r.c.Status = StatusWithdrawn
		}
	}
	if got := d.completedBy(day); got != demoCompletedTarget {
		return fmt.Errorf("gen: demo calibration: %d completed, want %d", got, demoCompletedTarget)
	}
	return nil
}
