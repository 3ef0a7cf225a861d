-- 数据质量·拒收原因：各拒收原因代码（§4.2）的拒收行数，行数多的在前。覆盖整个仓库。
-- Data quality · rejects by reason: rejected rows per reason code (§4.2), most frequent first.
-- Covers the whole warehouse.
SELECT reason,
       count(*) AS rows
FROM rejects
GROUP BY reason
ORDER BY rows DESC, reason;
