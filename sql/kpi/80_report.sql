-- 报告 / the figures of a set of periods, assembled from the rules of the files before. For each
-- period: one row for the office (scope 'total', the §5 `kpis`), one per item ('item',
-- `by_item`), one per channel of §4.1 ('channel', `by_channel`, zeros included), one per month
-- of its trend ('month', `monthly`) and one per year backlog problems arose ('since_year',
-- `backlog_by_since_year`). Items are every item of the catalogue plus any item_code that cases
-- still carry after it left the catalogue (named by its code), so by_item always adds up to the
-- office totals. Counts are 0, never null (countries_cumulative exists for the office only: null
-- per item); ratios and growth are null when their denominator is 0.
--
-- kpi_reports(ps, trend := true): ps is a LIST of STRUCT(d0, d1, y0, y1, p0, p1), all DATEs:
-- each period P = [d0, d1] to compute, with the same period last year [y0, y1] and the
-- preceding period [p0, p1] (NULL, NULL when there is none), as pipeline/period computes them.
-- Every row carries its period's position in ps (pos, from 1), d0 and d1. A report asks for its
-- period, the same period last year and the previous period in one call. With trend := false
-- there are no 'month' rows, and the passes count no month of a trend.
--
-- How: one pass over `cases` per side for all the periods, never one run per period.
-- * ranges: the periods (every figure: is_period), the bases of their growth figures and the
--   months of their trends (counts only).
-- * pieces: the timeline cut at every range's first day and at the day after its last. A piece
--   lies wholly inside or wholly outside each range, so its first day stands for all its days
--   when a rule (kpi_is_received, kpi_is_completed, kpi_is_rejected) decides whether its cases
--   are in a range.
-- * received: each case joined once to the piece of its received_date (a hash join on the day)
--   and counted by piece, item and channel (with the trips' sum and count and, in the periods,
--   the distinct countries); each range sums its pieces; the office, item and channel rows are
--   rolled up from those cells (avg_trips = the trips' sum over their count, countries = the
--   distinct countries of the cells).
-- * closed: the same on completed_date, by piece, item and status.
-- * timeliness: the cases completed in the periods, once; same-day and on-time are decided once
--   per item and pair of dates (with the item's promised_days and the calendar's working-day
--   index of both dates), the median over the cases' processing hours.
-- * stocks: the cases received by the end of each period (d1), once per period end.
-- * the backlog cases (50_backlog), each country's first case (40_reach) and the catalogue
--   (30_catalogue), each once for all the period ends.
-- Joins on the day run as hash joins; a join on BETWEEN d0 AND d1 (a range join) took 20–40
-- times longer. Figures for 1,000,000 and 10,000,000 cases: README, Benchmarks.
CREATE OR REPLACE TEMP MACRO kpi_reports(ps, trend := true) AS TABLE
WITH p AS (
    SELECT generate_subscripts(ps, 1) AS pos, unnest(ps, recursive := true)
), ends AS (
    SELECT list(DISTINCT d1) AS ends FROM p
), months AS (
    SELECT pos, d0 AS of_d0, d1 AS of_d1, unnest(kpi_series_months(d1), recursive := true) FROM p WHERE trend
), ranges AS (
    SELECT d0, d1, bool_or(is_period) AS is_period
    FROM (SELECT d0, d1, true AS is_period FROM p
          UNION ALL SELECT y0, y1, false FROM p WHERE y0 IS NOT NULL
          UNION ALL SELECT p0, p1, false FROM p WHERE p0 IS NOT NULL
          UNION ALL SELECT first_day, last_day, false FROM months)
    GROUP BY d0, d1
), bounds AS (
    SELECT d0 AS b FROM ranges UNION SELECT (d1 + 1)::DATE FROM ranges
), pieces AS (
    -- the timeline cut at every range's first day and at the day after its last: a piece lies
    -- wholly inside or wholly outside each range, so its first day stands for all its days when
    -- a rule decides whether a case of the piece is in a range
    SELECT c.lo, c.hi, bool_or(r.is_period) AS in_period
    FROM (SELECT b1.b AS lo, (min(b2.b) - 1)::DATE AS hi
          FROM bounds b1 JOIN bounds b2 ON b2.b > b1.b
          GROUP BY b1.b) c
    JOIN ranges r ON c.lo BETWEEN r.d0 AND r.d1
    GROUP BY c.lo, c.hi
), piece_days AS (
    SELECT unnest(kpi_days(lo, hi)) AS day, lo, in_period FROM pieces
), received_cells AS (
    -- one pass: each case received in a piece, once, counted by piece, item and channel
    SELECT d.lo, c.item_code, c.channel,
           count(*)       AS received,
           sum(c.trips)   AS trips_sum,
           count(c.trips) AS trips_n,
           list(DISTINCT c.country) FILTER (WHERE d.in_period AND c.country IS NOT NULL) AS countries
    FROM cases c
    JOIN piece_days d ON d.day = c.received_date
    GROUP BY d.lo, c.item_code, c.channel
), received AS (
    SELECT r.d0, r.d1, x.item_code, x.channel,
           sum(x.received)::BIGINT                                          AS received,
           len(list_distinct(flatten(list(x.countries))))                   AS countries,
           coalesce(sum(x.received) FILTER (WHERE kpi_is_bundle(x.channel)), 0)::BIGINT   AS bundle_n,
           coalesce(sum(x.received) FILTER (WHERE kpi_is_outreach(x.channel)), 0)::BIGINT AS outreach_cases,
           coalesce(sum(x.received) FILTER (WHERE kpi_is_remote(x.channel)), 0)::BIGINT   AS remote_cases,
           kpi_ratio(sum(x.trips_sum), sum(x.trips_n))                      AS avg_trips
    FROM ranges r
    JOIN received_cells x ON kpi_is_received(x.lo, r.d0, r.d1)
    GROUP BY GROUPING SETS ((r.d0, r.d1), (r.d0, r.d1, x.item_code), (r.d0, r.d1, x.channel))
), closed_cells AS (
    -- one pass: each case closed in a piece, once, counted by piece, item and status
    SELECT d.lo, c.item_code, c.status, count(*) AS n
    FROM cases c
    JOIN piece_days d ON d.day = c.completed_date
    GROUP BY d.lo, c.item_code, c.status
), closed_items AS (
    SELECT r.d0, r.d1, x.item_code,
           coalesce(sum(x.n) FILTER (WHERE kpi_is_completed(x.status, x.lo, r.d0, r.d1)), 0)::BIGINT AS completed,
           coalesce(sum(x.n) FILTER (WHERE kpi_is_rejected(x.status, x.lo, r.d0, r.d1)), 0)::BIGINT  AS rejected
    FROM ranges r
    JOIN closed_cells x ON kpi_in(x.lo, r.d0, r.d1)
    GROUP BY r.d0, r.d1, x.item_code
), closed AS (
    FROM closed_items
    UNION ALL
    SELECT d0, d1, NULL, sum(completed)::BIGINT, sum(rejected)::BIGINT FROM closed_items GROUP BY d0, d1
), period_days AS (
    SELECT unnest(kpi_days(d0, d1)) AS day, d0, d1 FROM ranges WHERE is_period
), completed_cases AS MATERIALIZED (
    -- one pass: the cases completed in each period, with their processing hours
    SELECT d.d0, d.d1, c.item_code, c.received_date, c.completed_date,
           kpi_processing_hours(c.received_at, c.completed_at) AS hours
    FROM cases c
    JOIN period_days d ON d.day = c.completed_date
    WHERE kpi_is_completed(c.status, c.completed_date, d.d0, d.d1)
), completed_pairs AS (
    -- same-day and on-time depend on the item and the two dates only: they are decided once per
    -- item and pair of dates, with the item's promised_days and the working-day index of both
    -- dates (joining the calendar to every case cost more than the rest of the pass)
    SELECT x.d0, x.d1, x.item_code, x.n,
           kpi_same_day(x.received_date, x.completed_date)                AS same_day,
           kpi_on_time(wr.wd_index, wc.wd_index, i.promised_days)         AS on_time
    FROM (SELECT d0, d1, item_code, received_date, completed_date, count(*) AS n
          FROM completed_cases GROUP BY ALL) x
    LEFT JOIN items i     ON i.item_code = x.item_code
    LEFT JOIN calendar wr ON wr.date = x.received_date
    LEFT JOIN calendar wc ON wc.date = x.completed_date
), timeliness AS (
    SELECT d0, d1, item_code,
           sum(n)::BIGINT                                       AS completed_n,
           coalesce(sum(n) FILTER (WHERE same_day), 0)::BIGINT  AS same_day_n,
           coalesce(sum(n) FILTER (WHERE on_time), 0)::BIGINT   AS on_time_n
    FROM completed_pairs
    GROUP BY GROUPING SETS ((d0, d1), (d0, d1, item_code))
), processing_hours AS (
    SELECT d0, d1, item_code, median(hours) AS median_processing_hours
    FROM completed_cases
    GROUP BY GROUPING SETS ((d0, d1), (d0, d1, item_code))
), stock_items AS (
    SELECT e.d1, c.item_code,
           count(*) FILTER (WHERE kpi_is_completed_by(c.status, c.completed_date, e.d1))       AS completed_cumulative,
           count(*) FILTER (WHERE kpi_is_pending_end(c.received_date, c.completed_date, e.d1)) AS pending_end
    FROM cases c, (SELECT unnest(ends) AS d1 FROM ends) e
    WHERE kpi_by_end(c.received_date, e.d1)
    GROUP BY e.d1, c.item_code
), stocks AS (
    FROM stock_items
    UNION ALL
    SELECT d1, NULL, sum(completed_cumulative)::BIGINT, sum(pending_end)::BIGINT FROM stock_items GROUP BY d1
), countries_cumulative AS (
    SELECT e.d1, count(*) FILTER (WHERE kpi_by_end(f.received_date, e.d1)) AS countries_cumulative
    FROM (SELECT unnest(ends) AS d1 FROM ends) e, kpi_country_first_cases() f
    GROUP BY e.d1
), catalogue AS (
    FROM kpi_catalogue((SELECT ends FROM ends))
), backlog AS (
    FROM kpi_backlog((SELECT ends FROM ends))
), keys AS (
    SELECT pos, NULL::VARCHAR AS item_code FROM p
    UNION SELECT p.pos, i.item_code FROM p, items i
    UNION SELECT p.pos, s.item_code FROM p JOIN stock_items s ON s.d1 = p.d1
), report AS (
    SELECT p.pos, p.d0, p.d1,
           CASE WHEN k.item_code IS NULL THEN 'total' ELSE 'item' END                      AS scope,
           k.item_code,
           CASE WHEN k.item_code IS NOT NULL THEN coalesce(i.name, k.item_code) END         AS item_name,
           CASE WHEN k.item_code IS NOT NULL THEN coalesce(cat.active_items = 1, false) END  AS active,
           CASE WHEN k.item_code IS NOT NULL THEN coalesce(cat.instant_items = 1, false) END AS instant,
           coalesce(r.received, 0)                    AS received,
           coalesce(cl.completed, 0)                  AS completed,
           coalesce(s.completed_cumulative, 0)        AS completed_cumulative,
           coalesce(cl.rejected, 0)                   AS rejected,
           coalesce(s.pending_end, 0)                 AS pending_end,
           coalesce(cat.active_items, 0)              AS active_items,
           coalesce(cat.instant_items, 0)             AS instant_items,
           cat.instant_items_ratio,
           kpi_ratio(t.same_day_n, t.completed_n)     AS same_day_ratio,
           kpi_ratio(t.on_time_n, t.completed_n)      AS on_time_ratio,
           h.median_processing_hours,
           coalesce(r.countries, 0)                   AS countries,
           CASE WHEN k.item_code IS NULL THEN coalesce(cc.countries_cumulative, 0) END AS countries_cumulative,
           coalesce(b.backlog_total, 0)               AS backlog_total,
           coalesce(b.backlog_resolved, 0)            AS backlog_resolved,
           b.backlog_resolution_rate,
           coalesce(b.backlog_resolved_over_10y, 0)   AS backlog_resolved_over_10y,
           kpi_ratio(r.bundle_n, r.received)          AS bundle_share,
           coalesce(r.outreach_cases, 0)              AS outreach_cases,
           coalesce(r.remote_cases, 0)                AS remote_cases,
           r.avg_trips,
           coalesce(kpi_base(p.y0, ry.received), 0)   AS received_same_period_last_year,
           kpi_growth(coalesce(r.received, 0), kpi_base(p.y0, ry.received)) AS received_yoy_growth,
           kpi_growth(coalesce(r.received, 0), kpi_base(p.p0, rp.received)) AS received_mom_growth
    FROM keys k
    JOIN p USING (pos)
    LEFT JOIN items i    ON i.item_code = k.item_code
    LEFT JOIN received r ON r.d0 = p.d0 AND r.d1 = p.d1 AND r.channel IS NULL AND r.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN received ry ON ry.d0 = p.y0 AND ry.d1 = p.y1 AND ry.channel IS NULL AND ry.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN received rp ON rp.d0 = p.p0 AND rp.d1 = p.p1 AND rp.channel IS NULL AND rp.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN closed cl  ON cl.d0 = p.d0 AND cl.d1 = p.d1 AND cl.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN timeliness t ON t.d0 = p.d0 AND t.d1 = p.d1 AND t.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN processing_hours h ON h.d0 = p.d0 AND h.d1 = p.d1 AND h.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN stocks s   ON s.d1 = p.d1 AND s.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN catalogue cat ON cat.d1 = p.d1 AND cat.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN backlog b  ON b.d1 = p.d1 AND b.scope <> 'since_year' AND b.item_code IS NOT DISTINCT FROM k.item_code
    LEFT JOIN countries_cumulative cc ON cc.d1 = p.d1
), channel_rows AS (
    SELECT p.pos, p.d0, p.d1, 'channel' AS scope, ch.ord, ch.channel, ch.name_zh,
           coalesce(r.received, 0)                        AS received,
           kpi_ratio(coalesce(r.received, 0), t.received) AS share
    FROM p
    CROSS JOIN kpi_channel_list() ch
    LEFT JOIN received r ON r.d0 = p.d0 AND r.d1 = p.d1 AND r.channel = ch.channel
    LEFT JOIN received t ON t.d0 = p.d0 AND t.d1 = p.d1 AND t.item_code IS NULL AND t.channel IS NULL
), month_rows AS (
    SELECT m.pos, m.of_d0 AS d0, m.of_d1 AS d1, 'month' AS scope, m.month, m.first_day, m.last_day, m.partial,
           coalesce(r.received, 0)   AS received,
           coalesce(cl.completed, 0) AS completed
    FROM months m
    LEFT JOIN received r ON r.d0 = m.first_day AND r.d1 = m.last_day AND r.item_code IS NULL AND r.channel IS NULL
    LEFT JOIN closed cl  ON cl.d0 = m.first_day AND cl.d1 = m.last_day AND cl.item_code IS NULL
), since_rows AS (
    SELECT p.pos, p.d0, p.d1, 'since_year' AS scope, b.since_year, b.backlog_total, b.backlog_resolved,
           b.backlog_resolution_rate, b.backlog_resolved_over_10y
    FROM p JOIN backlog b ON b.d1 = p.d1 AND b.scope = 'since_year'
)
FROM report
UNION ALL BY NAME FROM channel_rows
UNION ALL BY NAME FROM month_rows
UNION ALL BY NAME FROM since_rows
ORDER BY pos, scope, item_code NULLS FIRST, ord, first_day, since_year;

-- kpi_report(first, last, ly_first, ly_last, prev_first, prev_last): the office row and the item
-- rows of one period, as kpi_reports gives them, for analysts: SELECT * FROM kpi_report(DATE
-- '2022-10-01', DATE '2022-10-31', DATE '2021-10-01', DATE '2021-10-31', DATE '2022-09-01', DATE
-- '2022-09-30'). (The parameters are not called d0, d1, …: a macro's parameter names must not be
-- column names of the macros it calls.)
CREATE OR REPLACE TEMP MACRO kpi_report(first, last, ly_first, ly_last, prev_first, prev_last) AS TABLE
SELECT scope, item_code, item_name, active, instant, received, completed, completed_cumulative,
       rejected, pending_end, active_items, instant_items, instant_items_ratio, same_day_ratio,
       on_time_ratio, median_processing_hours, countries, countries_cumulative, backlog_total,
       backlog_resolved, backlog_resolution_rate, backlog_resolved_over_10y, bundle_share,
       outreach_cases, remote_cases, avg_trips, received_same_period_last_year,
       received_yoy_growth, received_mom_growth
FROM kpi_reports([{'d0': first::DATE, 'd1': last::DATE, 'y0': ly_first::DATE, 'y1': ly_last::DATE,
                    'p0': prev_first::DATE, 'p1': prev_last::DATE}], trend := false)
WHERE scope IN ('total', 'item')
ORDER BY item_code NULLS FIRST;

-- kpi_monthly_rows(from_day, to_day): one row per calendar month (from the month of from_day
-- to the month of to_day) × item, each month computed by kpi_reports exactly as `caseload kpi
-- --period YYYY-MM` computes it (same period last year = the same month a year earlier;
-- previous = the month before). The analyst view kpi_monthly (sql/reference/kpi_views.sql) is
-- this macro over every month that has data. Each month is one kpi_reports call (a LATERAL
-- join), so that a filter on month or first_day computes only the months asked for: about
-- 0.35 s of CPU per month per 1,000,000 cases. (All the months in one call take about 1.3 s
-- per 1,000,000 cases for 49 months, but then a filter no longer saves anything.)
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
FROM m, LATERAL kpi_reports([{'d0': m.first_day, 'd1': m.last_day, 'y0': m.ly_first, 'y1': m.ly_last,
                              'p0': m.pm_first, 'p1': m.pm_last}], trend := false) r
WHERE r.scope = 'item';
