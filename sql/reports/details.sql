-- 办件明细（报告附表）：统计期内受理或办结的办件，每件一行，不含个人身份信息——办件编号以
-- sha256(数据指纹 || 办件编号) 的前 12 位代替（同一数据版本内稳定、不可直接还原），不输出
-- 原始行中的其他列；按受理时间排序。参数：$1 起始日期，$2 截止日期（含），$3 数据指纹。
-- Case details (report appendix): cases received or completed in the period, one row each,
-- without personal identifiers — the case id is replaced by the first 12 hex digits of
-- sha256(fingerprint || case_id) (stable within one data version, not directly reversible) and
-- no other raw column is output; ordered by received time. Parameters: $1 first day, $2 last
-- day (inclusive), $3 data fingerprint.
SELECT left(sha256($3 || c.case_id), 12)      AS case_ref,
       c.item_code,
       coalesce(i.name, c.item_code)          AS item_name,
       c.received_date,
       c.completed_date,
       c.status,
       c.channel,
       coalesce(c.applicant_type, '')         AS applicant_type,
       coalesce(c.country, '')                AS country,
       coalesce(k.name_zh, '')                AS country_zh,
       coalesce(k.name_en, '')                AS country_en,
       c.trips,
       c.backlog
FROM cases c
LEFT JOIN items i USING (item_code)
LEFT JOIN countries k ON k.alpha2 = c.country
WHERE c.received_date BETWEEN $1 AND $2
   OR c.completed_date BETWEEN $1 AND $2
ORDER BY c.received_at, case_ref;
