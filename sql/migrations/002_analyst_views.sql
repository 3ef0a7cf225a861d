-- 002 analyst views (§9): the documented, stable names analysts query.
-- 分析视图：分析人员使用的、有文档的稳定名称。
--
-- `cases`, `items`, `calendar`, `countries`, `rejects` and `ingest_files` are tables with
-- the documented columns already; these views add readable joins.

-- 办件明细（含事项名称与国家名称）/ cases with item and country names.
CREATE VIEW cases_named AS
SELECT c.*, i.name AS item_name, k.name_zh AS country_name_zh, k.name_en AS country_name_en
FROM cases c
LEFT JOIN items i USING (item_code)
LEFT JOIN countries k ON k.alpha2 = c.country;

-- 拒收原因汇总 / rejects by file and reason.
CREATE VIEW reject_reasons AS
SELECT source_file, reason, count(*) AS rows
FROM rejects
GROUP BY ALL
ORDER BY source_file, rows DESC, reason;
