// Package schedule: PLACEHOLDER while the real package is written on branch cron (replaced
// at merge). robfig-based Next without the ISC DST rules.
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed job schedule.
type Schedule struct {
	spec string
	s    cron.Schedule
	loc  *time.Location
}

// Parse parses a 5-field spec or descriptor, evaluated in loc.
func Parse(spec string, loc *time.Location) (*Schedule, error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, fmt.Errorf("TZ= prefixes are not accepted")
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	return &Schedule{spec: spec, s: s, loc: loc}, nil
}

// Next is the first run time strictly after t.
func (s *Schedule) Next(t time.Time) time.Time { return s.s.Next(t.In(s.loc)) }

// Between lists run times in (after, until], the latest max, and how many were left out.
func (s *Schedule) Between(after, until time.Time, max int) ([]time.Time, int) {
	var all []time.Time
	for t := s.Next(after); !t.IsZero() && !t.After(until); t = s.Next(t) {
		all = append(all, t)
	}
	if len(all) > max {
		return all[len(all)-max:], len(all) - max
	}
	return all, 0
}

func (s *Schedule) String() string { return s.spec }
