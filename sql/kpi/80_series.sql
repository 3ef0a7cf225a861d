-- 月度趋势 / the 13-month series of SPEC §7.1: the 13 calendar months ending with the month
-- of the period's last day, oldest first, with the cases received and completed in each
-- (the same rules as `received` and `completed`). The last month is counted up to the
-- period's last day only (a period ending 2022-11-17 has a "2022-11" row for 1–17 November,
-- flagged partial), so the series never shows data from after the period.
CREATE OR REPLACE TEMP MACRO kpi_series(d1) AS TABLE
WITH m AS (
    SELECT range::DATE AS first_day
    FROM range(date_trunc('month', d1) - INTERVAL 12 MONTH, date_trunc('month', d1) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
), rc AS (
    SELECT date_trunc('month', received_date)::DATE AS first_day, count(*) AS received
    FROM cases
    WHERE kpi_is_received(received_date, (date_trunc('month', d1) - INTERVAL 12 MONTH)::DATE, d1)
    GROUP BY ALL
), cc AS (
    SELECT date_trunc('month', completed_date)::DATE AS first_day, count(*) AS completed
    FROM cases
    WHERE kpi_is_completed(status, completed_date, (date_trunc('month', d1) - INTERVAL 12 MONTH)::DATE, d1)
    GROUP BY ALL
)
SELECT strftime(m.first_day, '%Y-%m') AS month, m.first_day,
       least(last_day(m.first_day), d1) AS last_day,
       last_day(m.first_day) > d1       AS partial,
       coalesce(rc.received, 0)         AS received,
       coalesce(cc.completed, 0)        AS completed
FROM m
LEFT JOIN rc USING (first_day)
LEFT JOIN cc USING (first_day)
ORDER BY m.first_day;

-- kpi_monthly_rows(from_day, to_day): one row per calendar month (from the month of
-- from_day to the month of to_day) × item, each month computed by kpi_report exactly as
-- `caseload kpi --period YYYY-MM` computes it (same period last year = the same month a
-- year earlier). The analyst view kpi_monthly (sql/reference/kpi_views.sql) is this macro over every month
-- that has data; filter it by month or first_day to compute only the months you need.
CREATE OR REPLACE TEMP MACRO kpi_monthly_rows(from_day, to_day) AS TABLE
WITH m AS (
    SELECT range::DATE AS first_day, last_day(range::DATE) AS last_day,
           (range - INTERVAL 1 YEAR)::DATE AS ly_first, last_day((range - INTERVAL 1 YEAR)::DATE) AS ly_last,
           (range - INTERVAL 1 MONTH)::DATE AS pm_first, (range - INTERVAL 1 DAY)::DATE AS pm_last
    FROM range(date_trunc('month', from_day), date_trunc('month', to_day) + INTERVAL 1 MONTH, INTERVAL 1 MONTH)
)
SELECT strftime(m.first_day, '%Y-%m') AS month, m.first_day, m.last_day,
       r.item_code, r.item_name, r.active, r.instant,
       r.received, r.completed, r.rejected, r.pending_end,
       r.same_day_ratio, r.on_time_ratio, r.median_processing_hours,
       r.received_same_period_last_year, r.received_yoy_growth, r.received_mom_growth
FROM m, LATERAL kpi_report(m.first_day, m.last_day, m.ly_first, m.ly_last, m.pm_first, m.pm_last) r
WHERE r.scope = 'item';
