-- 数据质量·无法识别的国家值：已接收办件中填写了国家但无法识别的原始值及其办件数（这些办件照常保留，
-- 国家记为空，不计入“涉及国家和地区”），办件数多的在前，最多列出 $1 个值（报告篇幅所限）。
-- Data quality · unrecognised country values: values written in the country field of accepted
-- cases that match no country, with their case counts (the cases are kept with an empty country
-- and do not count towards "countries"), most frequent first, at most $1 values (to keep the
-- report readable; the query asks for one more to tell whether the list was cut).
SELECT trim(country_raw) AS value,
       count(*) AS cases
FROM cases
WHERE country IS NULL
  AND nullif(trim(country_raw), '') IS NOT NULL
GROUP BY ALL
ORDER BY cases DESC, value
LIMIT $1 + 1;
