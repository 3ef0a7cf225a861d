-- 国家识别键 / the spellings that identify a country (SPEC §4.1 `country`):
-- ISO 3166-1 alpha-2, alpha-3 and numeric codes, the English name, the Chinese name and the
-- common Chinese short names (alias_zh, separated by | or 、). Matching is on lower(trim(value)).
-- An English name is also matched without its ", …" qualifier ("Korea, Republic of" → "korea")
-- only when that short form is unambiguous.
DELETE FROM country_keys;
INSERT INTO country_keys
SELECT key, any_value(alpha2) FROM (
    SELECT lower(alpha2) AS key, alpha2, 1 AS pri FROM countries
    UNION ALL SELECT lower(alpha3), alpha2, 1 FROM countries
    UNION ALL SELECT numeric, alpha2, 1 FROM countries
    UNION ALL SELECT lower(name_en), alpha2, 2 FROM countries
    UNION ALL SELECT lower(name_zh), alpha2, 2 FROM countries
    UNION ALL SELECT trim(a), alpha2, 3 FROM countries, unnest(regexp_split_to_array(coalesce(alias_zh, ''), '[|、;；]')) t(a) WHERE trim(a) <> ''
    UNION ALL
    SELECT key, any_value(alpha2), 4 FROM (SELECT lower(trim(split_part(name_en, ',', 1))) AS key, alpha2 FROM countries WHERE name_en LIKE '%,%')
    GROUP BY key HAVING count(*) = 1
)
GROUP BY key
HAVING count(DISTINCT alpha2) = 1;
