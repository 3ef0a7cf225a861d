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
--
-- Counted in 80_report.sql: the received counts of the base periods come from the same pass
-- over the cases received as the period's own (kpi_is_received on each base's days), for the
-- office and per item; growth is kpi_growth(received, base).

-- kpi_base(base_d0, received): the received count of a base period beginning on base_d0 — 0 when
-- no case was received in it, NULL when there is no such period (no preceding period for ytd:,
-- so 环比 is null there).
CREATE OR REPLACE TEMP MACRO kpi_base(base_d0, received) AS (
    CASE WHEN base_d0 IS NOT NULL THEN coalesce(received, 0) END
);
