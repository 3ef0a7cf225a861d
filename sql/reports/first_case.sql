-- 首件日期：仓库中最早一件已接收办件的受理日期（办公地时区），NULL 表示尚无办件。报告据此写出“累计”
-- 数字的起点（“2017年以来”），除非 caseload.yaml 的 reports.since 另有规定。
-- First case: the local received date of the earliest accepted case, NULL when there is none.
-- Reports quote 累计 (cumulative) figures from its year ("since 2017") unless caseload.yaml sets
-- reports.since.
SELECT min(received_date) AS first_day
FROM cases;
