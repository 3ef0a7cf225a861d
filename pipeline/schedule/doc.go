// Package schedule is the calendar arithmetic of the job scheduler (SPEC §8): when a
// job's cron spec fires, in the office time zone, across daylight-saving and other
// clock changes, by the ISC (Vixie) cron rules.
//
// robfig/cron/v3 parses the spec (cron.ParseStandard: 5 fields, names such as JAN and
// MON, ranges, lists, steps, "?" as "*", and the descriptors below); the timing is this
// package's own, because robfig's SpecSchedule.Next skips a run whose time falls in a
// spring-forward gap and runs twice in a repeated fall-back hour.
//
//	s, err := schedule.Parse("0 6 1 * *", cfg.Location)
//	next := s.Next(now)                         // first run strictly after now
//	ticks, omitted := s.Between(last, now, 5)   // runs in (last, now]: the latest 5, and how many earlier
//
// # Specs
//
// Accepted: five fields (minute hour day-of-month month day-of-week) and the
// descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly,
// with leading and trailing spaces ignored. Refused with an error (never a panic, for
// any input): "@every D" (jobs run at calendar times, not at intervals from start-up),
// and a "TZ=zone " or "CRON_TZ=zone " prefix (any case): the office time zone,
// `timezone:` in caseload.yaml, applies to every schedule.
//
// Day of month and day of week combine as in robfig/cron and Vixie cron: when both are
// restricted, a day matches if EITHER matches ("0 9 1 * 1" runs on the 1st and on every
// Monday); when either is unrestricted, both must match. "Unrestricted" is robfig's
// reading, which is what the spec's users read in its documentation: the field is "*"
// or "?" (also inside a list, or with step 1: "*/1"); a stepped star such as "*/2" is a
// restriction (Vixie cron, which looks only at the first character, would call it
// unrestricted). For fixed-time specs in a zone without clock changes, Next agrees with
// robfig's SpecSchedule.Next (a test checks it).
//
// # Clock changes (ISC cron, man 8 cron)
//
// Schedules are evaluated on the office's wall clock. A spec is either a wildcard spec
// or a fixed-time spec, decided as ISC cron decides it: a WILDCARD spec has a minute or
// hour field (as written) starting with "*" or "?" — "* * * * *", "*/15 * * * *",
// "0 * * * *", "30 */2 * * *", "*/5 6 * * *" — or is @hourly. Every other spec is
// FIXED-TIME: "30 2 * * *", "0 6 1 * *", "0,30 9-17 * * 1-5", @daily, @midnight,
// @weekly, @monthly, @yearly, @annually.
//
//   - A fixed-time spec fires once for each wall-clock time it names. A wall-clock time
//     that occurs twice (a fall-back overlap) fires once, at its first occurrence. A
//     wall-clock time that does not exist (a spring-forward gap) fires at the end of
//     the gap, the first instant after it: a 02:30 job in America/New_York on
//     2024-03-10 runs at 03:00 EDT. Several times of one spec in the same gap fire
//     there once together (a spec never fires twice at one instant); a spec also naming
//     the gap's end (02:30 and 03:00) fires once at 03:00. This holds whatever the
//     size of the gap: a day that a zone skipped entirely (Pacific/Apia, 2011-12-30)
//     has its runs at 00:00 on the next day, so no monthly or daily report is lost.
//     (Vixie cron runs nothing for a clock change of 3 hours or more; we never drop a
//     named time.)
//   - A wildcard spec fires at every real instant whose wall-clock time matches, "based
//     on the new time immediately": an every-minute job runs every real minute, so the
//     repeated hour of a fall-back runs again (its minutes are real minutes), and minutes
//     that a gap skipped do not exist and are not caught up. "0 * * * *" runs every real
//     hour: 01:00 EST then 03:00 EDT in New York's spring gap; 01:00 EDT, 01:00 EST and
//     02:00 EST in the fall.
//
// Runs are whole wall-clock minutes (second 0) apart from a gap's end, which is
// whatever instant the zone's transition is at (a whole minute in every modern zone).
//
// # Never-firing specs and the time domain
//
// A spec whose days can never occur ("0 0 30 2 *", "0 0 31 4,6,9,11 *") is accepted
// by Parse — cron accepts it too — but Next returns the zero time.Time and Between
// finds nothing; [Schedule.Fires] tells them apart for validation. Every other spec
// fires at least every 8 years ("0 0 29 2 *" from 2096-02-29 next fires on
// 2104-02-29), so Next's answer is never further than that. Times are handled for
// the years 1 to 9999 (RFC 3339's range): an earlier time counts as the start of year
// 1, and Next returns the zero time when the next run would fall after 9999.
// Returned times are in the schedule's location.
//
// # Between
//
// Between lists the runs in (after, until], oldest first, keeping only the latest max
// of them, and reports how many earlier runs it left out, for catch-up after downtime.
// It counts runs per day with bit arithmetic instead of stepping through them, so a
// year of an every-minute job costs about as much as a few hundred calls of Next, and
// its memory is O(max).
package schedule
