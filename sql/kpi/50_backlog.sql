-- 历史积案 / historical backlog (cases flagged backlog, with backlog_since = the date the
-- problem first arose). All four figures are stocks as of the end of P.
--
-- "Over ten years": the completed local date is on or after backlog_since + 10 years, with
-- DuckDB date arithmetic (DATE + INTERVAL 10 YEAR). A case resolved exactly ten years after
-- backlog_since counts; one day short does not. A problem that arose on 29 February is ten
-- years old on 28 February ten years later (2012-02-29 + 10 years = 2022-02-28).

-- @kpi backlog_total 历史积案总数
-- name: Backlog cases
-- zh: 截至本期末已受理的历史疑难积案件数。
-- en: Backlog cases received by the end of P.
CREATE OR REPLACE TEMP MACRO kpi_is_backlog(backlog, received_date, d1) AS (
    backlog AND kpi_by_end(received_date, d1)
);

-- @kpi backlog_resolved 已化解积案数
-- name: Backlog resolved
-- zh: 历史积案中，截至本期末已办结（状态为“办结”）的件数。
-- en: Backlog cases with status completed and completed_at by the end of P.
CREATE OR REPLACE TEMP MACRO kpi_is_backlog_resolved(backlog, status, completed_date, d1) AS (
    backlog AND kpi_is_completed_by(status, completed_date, d1)
);

-- @kpi backlog_resolution_rate 积案化解率
-- name: Backlog resolution rate
-- zh: 已化解积案数占历史积案总数的比例。
-- en: backlog_resolved / backlog_total.

-- @kpi backlog_resolved_over_10y 化解十年以上积案数
-- name: Resolved, pending over 10 years
-- zh: 已化解的积案中，办结日期不早于积案起始日期满十年之日的件数（恰满十年计入，差一天不计入）。
-- en: Resolved backlog cases whose completed local date ≥ backlog_since + 10 years (exactly ten years counts, one day short does not).
CREATE OR REPLACE TEMP MACRO kpi_is_over_10y(backlog_since, completed_date) AS (
    completed_date >= (backlog_since + INTERVAL 10 YEAR)::DATE
);

-- kpi_backlog(ends): the backlog figures at each last day d1 of the LIST ends, for the office
-- (scope 'total'), per item ('item') and per year the problems arose ('since_year',
-- backlog_by_since_year of the report): one pass over the backlog cases for every d1.
CREATE OR REPLACE TEMP MACRO kpi_backlog(ends) AS TABLE
SELECT d1, CASE g WHEN 3 THEN 'total' WHEN 1 THEN 'item' ELSE 'since_year' END AS scope,
       item_code, since_year, backlog_total, backlog_resolved,
       kpi_ratio(backlog_resolved, backlog_total) AS backlog_resolution_rate,
       backlog_resolved_over_10y
FROM (
    SELECT e.d1, c.item_code, year(c.backlog_since) AS since_year, grouping(c.item_code, since_year) AS g,
           count(*) AS backlog_total,
           count(*) FILTER (WHERE kpi_is_backlog_resolved(c.backlog, c.status, c.completed_date, e.d1)) AS backlog_resolved,
           count(*) FILTER (WHERE kpi_is_backlog_resolved(c.backlog, c.status, c.completed_date, e.d1)
                              AND kpi_is_over_10y(c.backlog_since, c.completed_date))                 AS backlog_resolved_over_10y
    FROM cases c, (SELECT DISTINCT unnest(ends) AS d1) e
    WHERE kpi_is_backlog(c.backlog, c.received_date, e.d1)
    GROUP BY GROUPING SETS ((e.d1), (e.d1, c.item_code), (e.d1, since_year))
);
