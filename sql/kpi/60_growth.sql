-- 增长 / growth of the cases received: 同比 (on the same period one year earlier) and 环比 (on
-- the preceding period of the same kind). Go passes the base periods, computed by
-- pipeline/period: SameLastYear (a month, quarter, half, year, month range or ytd: one year
-- earlier; a day range shifts both ends by one year, 29 February becoming 28 February) and
-- Previous (the previous month/quarter/half/year; for a month or day range the same number
-- of months or days immediately before; none for ytd:, so 环比 is null there).
-- Growth is a fraction (0.302 = +30.2%); null when the base is 0 or there is no base.

-- @kpi received_yoy_growth 受理量同比增长率
-- name: Received, year-on-year growth
-- zh: 本期受理量较上年同期受理量的增长率，即（本期−上年同期）÷上年同期；上年同期为0时为空。
-- en: (received − received in the same period one year earlier) / the latter (同比); null when that base is 0.
-- @kpi received_mom_growth 受理量环比增长率
-- name: Received, growth on previous period
-- zh: 本期受理量较上一个同类期间受理量的增长率（环比）；上期为0或不适用（年初至今）时为空。
-- en: (received − received in the preceding period of the same kind) / the latter (环比); null when that base is 0 or undefined (ytd:).
-- @kpi received_same_period_last_year 上年同期受理量 by_item
-- name: Received, same period last year
-- zh: 上年同期（同类期间提前一年）受理的办件数。
-- en: Cases received in the same period one year earlier.
CREATE OR REPLACE TEMP MACRO kpi_received_growth(d0, d1, y0, y1, p0, p1) AS TABLE
SELECT item_code, received, received_same_period_last_year, received_previous_period,
       kpi_growth(received, received_same_period_last_year) AS received_yoy_growth,
       kpi_growth(received, received_previous_period)       AS received_mom_growth
FROM (
    SELECT item_code,
           count(*) FILTER (WHERE kpi_is_received(received_date, d0, d1)) AS received,
           count(*) FILTER (WHERE kpi_is_received(received_date, y0, y1)) AS received_same_period_last_year,
           CASE WHEN p0 IS NOT NULL
                THEN count(*) FILTER (WHERE kpi_is_received(received_date, p0, p1)) END AS received_previous_period
    FROM cases
    WHERE received_date BETWEEN least(d0, y0, p0) AND d1
    GROUP BY GROUPING SETS ((), (item_code))
);
