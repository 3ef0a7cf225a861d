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
