package schedule

import (
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

// The benchmarks report the ratio of our time to a yardstick measured in the same run:
// robfig/cron's own SpecSchedule.Next, which the scheduler would otherwise call (and
// which gets clock changes wrong). Timings on a shared machine are only comparable
// within one run.
//
//	go test ./pipeline/schedule -run '^$' -bench .

func robfigSchedule(b *testing.B, spec string, loc *time.Location) *cron.SpecSchedule {
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		b.Fatal(err)
	}
	rs := parsed.(*cron.SpecSchedule)
	rs.Location = loc
	return rs
}

// BenchmarkBetweenYear: a year of an every-minute job (525,600 runs), counted with the
// latest 5 kept, as catch-up does after a year of downtime; the yardstick steps
// through the same year with robfig's Next. x_robfig = our time / robfig's time.
func BenchmarkBetweenYear(b *testing.B) {
	for _, zn := range []string{"Asia/Shanghai", "America/New_York"} {
		b.Run(zn, func(b *testing.B) {
			loc := zone(b, zn)
			s := mustParse(b, "* * * * *", loc)
			rs := robfigSchedule(b, "* * * * *", loc)
			from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, loc), time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			var ours, yard time.Duration
			for b.Loop() {
				t0 := time.Now()
				ticks, omitted := s.Between(from, to, 5)
				t1 := time.Now()
				n := 0
				for v := rs.Next(from); !v.After(to); v = rs.Next(v) {
					n++
				}
				t2 := time.Now()
				if len(ticks)+omitted != 525_600 || n != 525_600 {
					b.Fatalf("%d+%d runs, robfig %d", len(ticks), omitted, n)
				}
				ours += t1.Sub(t0)
				yard += t2.Sub(t1)
			}
			b.ReportMetric(ours.Seconds()/float64(b.N), "s/year")
			b.ReportMetric(yard.Seconds()/float64(b.N), "s/robfig-year")
			b.ReportMetric(ours.Seconds()/yard.Seconds(), "x_robfig")
		})
	}
}

// BenchmarkNext: one Next call, for a monthly and an every-minute job, against robfig's
// Next of the same spec. x_robfig = our time / robfig's time.
func BenchmarkNext(b *testing.B) {
	loc := zone(b, "America/New_York")
	for _, spec := range []string{"0 6 1 * *", "* * * * *"} {
		b.Run(spec, func(b *testing.B) {
			s := mustParse(b, spec, loc)
			rs := robfigSchedule(b, spec, loc)
			at := time.Date(2025, 1, 1, 0, 0, 0, 0, loc)
			const k = 100
			var ours, yard time.Duration
			for b.Loop() {
				t0 := time.Now()
				v := at
				for range k {
					v = s.Next(v)
				}
				t1 := time.Now()
				w := at
				for range k {
					w = rs.Next(w)
				}
				t2 := time.Now()
				if !v.Equal(w) {
					b.Fatalf("%s vs robfig %s", v, w)
				}
				ours += t1.Sub(t0)
				yard += t2.Sub(t1)
			}
			b.ReportMetric(ours.Seconds()/float64(b.N*k)*1e9, "ns/next")
			b.ReportMetric(yard.Seconds()/float64(b.N*k)*1e9, "ns/robfig-next")
			b.ReportMetric(ours.Seconds()/yard.Seconds(), "x_robfig")
		})
	}
}
