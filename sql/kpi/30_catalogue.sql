-- 事项目录 / the approval-item catalogue as of the last day of P (SPEC §4.3).
--
-- The catalogue is time-varying: an item is offered from active_from to active_to (both
-- inclusive, empty = open-ended) and is instant (即办件) from instant_since. Both are judged
-- on the period's last day: an item that became instant on that very day counts as instant;
-- an item retired during P (active_to before the last day) is not active, though its cases
-- still count in every case figure and it keeps its by_item row.

-- @kpi active_items 在办事项数
-- name: Active items
-- zh: 本期最后一天在目录中有效（已启用且未停用）的审批事项数。
-- en: Catalogue items active on the last day of P (active_from ≤ last_day ≤ active_to, empty ends open).
CREATE OR REPLACE TEMP MACRO kpi_item_active(active_from, active_to, d1) AS (
    coalesce(active_from <= d1, true) AND coalesce(active_to >= d1, true)
);

-- @kpi instant_items 即办事项数
-- name: Instant items
-- zh: 本期最后一天有效的事项中，即办起始日期不晚于该日的即办件事项数。
-- en: Active items with instant_since ≤ the last day of P.
CREATE OR REPLACE TEMP MACRO kpi_item_instant(instant_since, active_from, active_to, d1) AS (
    kpi_item_active(active_from, active_to, d1) AND coalesce(instant_since <= d1, false)
);

-- @kpi instant_items_ratio 即办率
-- name: Instant-item ratio
-- zh: 即办事项数占有效事项数的比例（“即办率”，如8项中7项即办为87.5%）。
-- en: instant_items / active_items ("即办率" as the article uses it: 7 of 8 = 0.875).
-- kpi_catalogue(ends): the catalogue figures on each last day d1 of the LIST ends, for the
-- office (item_code NULL) and per item (active_items/instant_items 1 or 0 for the item).
CREATE OR REPLACE TEMP MACRO kpi_catalogue(ends) AS TABLE
SELECT d1, item_code, active_items, instant_items,
       kpi_ratio(instant_items, active_items) AS instant_items_ratio
FROM (
    SELECT e.d1, i.item_code,
           count(*) FILTER (WHERE kpi_item_active(i.active_from, i.active_to, e.d1))                   AS active_items,
           count(*) FILTER (WHERE kpi_item_instant(i.instant_since, i.active_from, i.active_to, e.d1)) AS instant_items
    FROM (SELECT DISTINCT unnest(ends) AS d1) e, items i
    GROUP BY GROUPING SETS ((e.d1), (e.d1, i.item_code))
);
