-- 月度趋势 / the 13-month series of SPEC §7.1: the 13 calendar months ending with the month
-- of the period's last day, oldest first, with the cases received and completed in each
-- (the same rules as `received` and `completed`, counted in 80_report.sql). The last month is
-- counted up to the period's last day only (a period ending 2022-11-17 has a "2022-11" row for
-- 1–17 November, flagged partial), so the series never shows data from after the period.

-- kpi_series_months(d1): the 13 months of the series of a period ending on d1, oldest first: a
-- LIST of STRUCT(month VARCHAR 'YYYY-MM', first_day DATE, last_day DATE, partial BOOLEAN), where
-- last_day is the month's last day or d1, whichever is earlier.
CREATE OR REPLACE TEMP MACRO kpi_series_months(d1) AS (
    list_transform(range(12, -1, -1), k -> {
        'month':     strftime((date_trunc('month', d1) - to_months(k))::DATE, '%Y-%m'),
        'first_day': (date_trunc('month', d1) - to_months(k))::DATE,
        'last_day':  least(last_day((date_trunc('month', d1) - to_months(k))::DATE), d1),
        'partial':   last_day((date_trunc('month', d1) - to_months(k))::DATE) > d1
    })
);
