// Package figures is the one place that decides how a figure is shown: in a table or a
// terminal, in a workbook cell, or in a sentence of the news brief (and of an e-mail or chat
// message). Every writer of caseload calls it — the news brief, the HTML report, the Excel
// workbook, `caseload kpi`, the demo's headline lines — so that a rule is fixed once and
// holds everywhere. It knows nothing of the database or of KPI keys: callers say what a
// number is (its Unit) and in which language it is written.
//
// # Tables and cells
//
//	Thousands(14998)              "14,998"
//	Percent(0.875)                "87.5%"   one decimal, half away from zero (四舍五入), never "-0.0%"
//	Fixed(1.19166, 1)             "1.2"
//	Value(Ratio, &v)              the figure as a table shows it; "—" for nil (see Unit)
//	Delta(ZH, Points, -1.6)       (Down, "-1.6个百分点"); a change that rounds to zero is (Flat, "持平")
//	Change(Growth, 0.3172)        (Up, "31.7"): the direction and size of a change as shown
//	Round(Growth, -0.0004)        0: a comparison as a cell stores it (its shown precision)
//	XLSXFormat(Points, ZH)        `+0.0"个百分点";-0.0"个百分点";0.0"个百分点"`
//
// Units: Count (cases, items, countries: "#,##0"), Ratio (a fraction shown as a
// percentage, "0.0%"), Growth ((current − base) / base, "+0.0%"), Points (a difference of
// two ratios in percentage points: a growth rate of a rate misreads), Hours ("#,##0.0"),
// Mean ("0.00"). A comparison cell stores the value rounded to what it shows (Round), so that
// Excel never shows "-0.0%" or "-0.0个百分点" for a change that rounds to nothing.
//
// # Sentences
//
// Words{Lang, Unit} writes figures into running text; Unit is the office's one count word
// for cases (caseload.yaml reports.unit, DefaultUnit 宗), used for every case count.
//
//	w := Words{Lang: ZH, Unit: "宗"}
//	w.Num(259604)                 "25.96万"   never rounded up (see below)
//	w.Cases(14998)                "14,998宗"  (English: "14,998 cases", "1 case")
//	w.Percent(0.875)              "87.5%"
//	w.Growth(YoY, 0.052)          "同比增长5.2%" · "同比下降5.0%" · "与上年同期持平"
//	w.Growth(MoM, -0.033)         "环比下降3.3%" · "环比持平"
//	w.Points(YoY, 6.04)           "同比提高6.0个百分点" · "同比下降1.6个百分点" · "与上年同期持平"
//	w.Verb(Up)                    "达" when the figure rose (or met a target), else "为": "即办率为33.3%"
//	w.About(134)                  "130余";  w.About(14998) "近1.5万";  w.About(40) "40"
//	w.AboutGrowth(0.194)          "近两成", true;  (0.340) "三成以上", true;  else ("16.3%", false)
//	w.Since(s)                    "2017年以来", "2017年3月以来" / "since 2017"
//
// Rules of words (SPEC §7.3: a figure never claims more than the data):
//
//   - Counts below 100,000 are written in full with separators (14,998), as the office's own
//     releases do. From 100,000 they are written in 万 with at most two decimals, from 1亿 in
//     亿, TRUNCATED, never rounded up, and without trailing zeros: 259,604 → "25.96万" (not
//     "26.0万"), 100,050 → "10万", 123,456,789 → "1.23亿". English writes full figures below
//     one million, then "1.25 million" (truncated the same way).
//   - Percentages have one decimal, rounded half away from zero from the unrounded fraction,
//     exactly as tables and workbook cells show them.
//   - A change is phrased by its rounded value: a growth that shows as 0.0% (0.0004, −0.0004)
//     is 持平; nil (base 0, no comparison) is left out by the caller, never "增长0%".
//   - Approximate claims (About, AboutGrowth: for headlines) round DOWN to a natural figure
//     ("130余", "三成以上") or say 近 ("近1.5万", "近两成") only when the true value is within
//     2% (counts) or 1.5 percentage points (growth) below the round figure; otherwise they
//     give the exact figure. "余"/"以上" need the value to exceed/reach the round figure.
//
// [NaturalPrevious] says whether a period has a natural preceding period, and so whether 环比
// may be written about it at all (a month, quarter or half-year; a one-month range; a day
// range of at most a week) — not for ytd: periods, years (同比 says it) or long ranges.
//
// The package has no state and is safe for concurrent use.
package figures
