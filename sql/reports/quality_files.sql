-- 数据质量·已拉取文件：台账中每个文件一行——路径、拉取时间、格式、读取行数、接收、被新版本覆盖、拒收、
-- 国家无法识别的行数，按拉取顺序。覆盖整个仓库（所有拉取），不限于统计期。
-- Data quality · files pulled: one row per file of the pull ledger — path, pull time, format,
-- rows read, accepted, superseded, rejected, rows whose country was not recognised — in pull
-- order. Covers the whole warehouse (every pull), not only the report period.
SELECT path,
       pulled_at,
       format,
       rows_read,
       accepted,
       superseded,
       rejected,
       unrecognised_country
FROM ingest_files
ORDER BY pull_id, file_id;
