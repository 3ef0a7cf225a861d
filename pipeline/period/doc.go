// Package period implements the calendar periods of SPEC §6: the value of
// `--period` and of a job's period rule, resolved to a set of whole local days
// [First, Last] (SPEC §5).
//
// # Dates
//
// A date is a time.Time at 00:00 UTC carrying only a calendar date, no time zone.
// Make one with [Date] or [DateOf] (the calendar date of a timestamp in its own
// location: convert a timestamp to the office time zone with t.In(loc) first),
// format it with [FormatDate].
//
// # Absolute forms ([Parse])
//
//	2022-10                  month        2022-10-01 .. 2022-10-31
//	2022-Q3                  quarter      2022-07-01 .. 2022-09-30  (q is case-insensitive)
//	2022-H1                  half         2022-01-01 .. 2022-06-30  (h is case-insensitive)
//	2022                     year         2022-01-01 .. 2022-12-31
//	2022-10-31               day          2022-10-31 .. 2022-10-31
//	2022-01..2022-10         month range  whole months, inclusive; one month (2022-10..2022-10) is allowed
//	2022-01-01..2022-10-31   day range    inclusive; one day (2022-10-31..2022-10-31) is allowed
//	ytd:2022-10              year to date 2022-01-01 .. 2022-10-31
//	2022-10-31               one day      the day range 2022-10-31..2022-10-31 (its label)
//
// Months and days are always two digits, years four digits in 1900..2999.
// Leading/trailing spaces, and spaces around ".." and after "ytd:", are ignored.
// Reversed ranges, impossible dates (2022-02-30) and mixed ranges
// (2022-01..2022-10-31) are rejected. Every rejection is a *[ParseError], which
// also matches [ErrBadPeriod] with errors.Is: a usage error (CLI exit code 2).
// Its message quotes the input and lists every accepted form.
//
// Every Period has a canonical Label (the forms above, with upper-case Q/H and
// lower-case ytd), and Parse(p.Label) == p. A day (2022-10-31) and the one-day range
// 2022-10-31..2022-10-31 cover the same day and compare the same way (same day last
// year, the day before), but keep the form they were written in: kind "day" or
// "day_range", and their labels, which also name report files.
//
// # Relative rules ([Resolve])
//
// Jobs may also use relative rules, resolved against the local date of "now" in
// the office time zone (a job running at 2022-11-01 00:30 +08:00 = 2022-10-31
// 16:30 UTC resolves previous-month to 2022-10 in Asia/Shanghai):
//
//	previous-month    the month before today's month
//	previous-quarter  the quarter before today's quarter
//	previous-half     the half-year before today's half
//	previous-year     the year before today's year
//	year-to-date      1 January .. today, as a day range ("2022-01-01..2022-11-24");
//	                  when today is the last day of its month it is the ytd form
//	                  ("ytd:2022-10" on 31 October), so that comparisons use whole months
//	month-to-date     the 1st of today's month .. today, always a day range
//	                  ("2022-11-01..2022-11-24"; on the 1st a one-day range)
//
// "Today" is included: a run on 24 November reports a partial 24 November.
//
// # Comparison bases
//
// [Period.SameLastYear] (同比 base) is the same kind of period one year earlier.
// Months, quarters, halves, years, month ranges and ytd shift by one year, so
// month 2024-02 becomes the whole month 2023-02. A day, and each end of a day
// range, shifts by one year, and 29 February becomes 28 February (SPEC §6):
// 2024-02-29 becomes 2023-02-28, 2024-02-01..2024-02-29 becomes
// 2023-02-01..2023-02-28, 2024-02-29..2024-03-10 becomes 2023-02-28..2023-03-10.
//
// [Period.Previous] (环比 base) is the preceding period of the same kind: the
// day before (2024-03-01 → 2024-02-29), the previous month, quarter, half or year; for a month range of n months the n
// whole months immediately before (2022-01..2022-03 → 2021-10..2021-12); for a
// day range of n days the n days immediately before (2022-03-01..2022-03-10 →
// 2022-02-19..2022-02-28). Year-to-date periods have no previous period:
// ytd:2022-10 and ytd:2022-09 overlap, so 环比 is undefined and Previous
// reports false (callers show no 环比 figure). Previous also reports false when the
// result would fall before 1900.
//
// # Labels
//
// [Period.ZhLabel] follows the style of Chinese official statistics (国家统计局
// releases: "1—10月", with an em dash, months without leading zeros):
//
//	2022-10                  2022年10月
//	2022-Q3                  2022年第三季度
//	2022-H1 / 2022-H2        2022年上半年 / 2022年下半年
//	2022                     2022年
//	2022-10-31               2022年10月31日
//	2022-01..2022-10         2022年1—10月      (one month: 2022年10月;
//	2021-11..2022-10         2021年11月—2022年10月)
//	2022-01-01..2022-10-31   2022年1月1日至10月31日
//	2022-10-01..2022-10-15   2022年10月1日至15日
//	2021-11-01..2022-10-31   2021年11月1日至2022年10月31日
//	2022-10-31..2022-10-31   2022年10月31日
//	ytd:2022-10              2022年1—10月      (ytd:2022-01: 2022年1月)
//
// The ytd label is the same as the month range's, as in 统计公报 ("1—10月，全市…");
// a report that wants to stress accumulation adds 累计 itself ("2022年1—10月累计").
//
// [Period.EnLabel]:
//
//	October 2022, 2022 Q3, 2022 H1, 2022, 31 Oct 2022, Jan–Oct 2022 (Nov 2021 – Oct 2022),
//	1 Jan – 31 Oct 2022 (1–15 Oct 2022; 31 Oct 2022; 1 Nov 2021 – 31 Oct 2022),
//	Jan–Oct 2022 (year to date)
//
// The package has no mutable package-level state and is safe for concurrent use.
package period
