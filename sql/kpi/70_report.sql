-- 报告汇总 / the figures of one period, assembled from the groups above: one row for the
-- office (scope 'total', the §5 `kpis`) and one per item (scope 'item', `by_item`), in
-- item_code order. Items are every item of the catalogue plus any item_code that cases
-- still carry after it left the catalogue (named by its code), so by_item always adds up
-- to the office totals. Counts are 0, never null (countries_cumulative exists for the
-- office only: null per item); ratios and growth are null when their denominator is 0.
--
-- Arguments: d0, d1 = P; y0, y1 = the same period last year; p0, p1 = the preceding period
-- (NULL, NULL when there is none).
CREATE OR REPLACE TEMP MACRO kpi_report(d0, d1, y0, y1, p0, p1) AS TABLE
WITH v AS (FROM kpi_volume(d0, d1)),
     t AS (FROM kpi_timeliness(d0, d1)),
     k AS (FROM kpi_catalogue(d1)),
     r AS (FROM kpi_reach(d0, d1)),
     b AS (FROM kpi_backlog(d1) WHERE scope <> 'since_year'),
     g AS (FROM kpi_received_growth(d0, d1, y0, y1, p0, p1)),
     keys AS (
         SELECT NULL::VARCHAR AS item_code
         UNION SELECT item_code FROM items
         UNION SELECT item_code FROM v WHERE item_code IS NOT NULL
     )
SELECT CASE WHEN keys.item_code IS NULL THEN 'total' ELSE 'item' END          AS scope,
       keys.item_code,
       CASE WHEN keys.item_code IS NOT NULL THEN coalesce(i.name, keys.item_code) END AS item_name,
       CASE WHEN keys.item_code IS NOT NULL THEN coalesce(k.active_items = 1, false) END  AS active,
       CASE WHEN keys.item_code IS NOT NULL THEN coalesce(k.instant_items = 1, false) END AS instant,
       coalesce(v.received, 0)                    AS received,
       coalesce(v.completed, 0)                   AS completed,
       coalesce(v.completed_cumulative, 0)        AS completed_cumulative,
       coalesce(v.rejected, 0)                    AS rejected,
       coalesce(v.pending_end, 0)                 AS pending_end,
       coalesce(k.active_items, 0)                AS active_items,
       coalesce(k.instant_items, 0)               AS instant_items,
       k.instant_items_ratio,
       t.same_day_ratio,
       t.on_time_ratio,
       t.median_processing_hours,
       coalesce(r.countries, 0)                   AS countries,
       CASE WHEN keys.item_code IS NULL THEN coalesce(r.countries_cumulative, 0) END AS countries_cumulative,
       coalesce(b.backlog_total, 0)               AS backlog_total,
       coalesce(b.backlog_resolved, 0)            AS backlog_resolved,
       b.backlog_resolution_rate,
       coalesce(b.backlog_resolved_over_10y, 0)   AS backlog_resolved_over_10y,
       r.bundle_share,
       coalesce(r.outreach_cases, 0)              AS outreach_cases,
       coalesce(r.remote_cases, 0)                AS remote_cases,
       r.avg_trips,
       coalesce(g.received_same_period_last_year, 0) AS received_same_period_last_year,
       g.received_yoy_growth,
       g.received_mom_growth
FROM keys
LEFT JOIN items i ON i.item_code = keys.item_code
LEFT JOIN v ON v.item_code IS NOT DISTINCT FROM keys.item_code
LEFT JOIN t ON t.item_code IS NOT DISTINCT FROM keys.item_code
LEFT JOIN k ON k.item_code IS NOT DISTINCT FROM keys.item_code
LEFT JOIN r ON r.item_code IS NOT DISTINCT FROM keys.item_code
LEFT JOIN b ON b.item_code IS NOT DISTINCT FROM keys.item_code
LEFT JOIN g ON g.item_code IS NOT DISTINCT FROM keys.item_code
ORDER BY keys.item_code NULLS FIRST;
