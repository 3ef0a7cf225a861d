-- 国家识别键 / the spellings that identify a country (SPEC §4.1 `country`), built from the
-- `countries` table (sql/data/countries.csv) whenever the embedded data or this file changes.
--
-- country_key(s): the form in which a country value is matched. 匹配时忽略大小写、全角/半角和首尾空白：
--   full-width ASCII (ＵＳＡ, （）, ＆) and the ideographic space become their half-width forms,
--   the no-break space a space, typographic apostrophes (’ ‘) the ASCII one; runs of blanks
--   become one space; the result is trimmed and lower-cased. "ＵＳＡ", " usa ", "Usa" and
--   "USA" all give "usa"; "刚果（金）" and "刚果(金)" both give "刚果(金)". A persistent macro,
--   so that analysts can match the same way: SELECT * FROM country_keys WHERE key = country_key('ＵＫ').
--
-- country_keys(key, alpha2) holds, in country_key form:
--   explicit spellings — alpha2, alpha3, numeric code, name_en, name_zh (mainland usage),
--     name_zh_hant (Traditional, CLDR) and every `|`-separated entry of aliases (earlier
--     names, English short forms such as UK/Russia/Vietnam, 澳洲, 香港, 台湾, …);
--   derived spellings — the English name without its ", …" qualifier ("Korea, Republic of"
--     → "korea") and every spelling without accents ("cote d'ivoire", "sao tome & principe").
-- A key that is an explicit spelling of a country is never taken by a derived one
-- ("Congo" is CG by name_en; CD's derived "congo" yields to it). A key that still names two
-- countries (derived "virgin islands": VG and VI) is left out, so it stays unrecognised rather
-- than guessed. The embedded table has no explicit key shared by two countries
-- (pipeline/ingest TestCountrySpellings checks it).
CREATE OR REPLACE MACRO country_key(s) AS lower(trim(regexp_replace(
    translate(s,
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　 ’‘',
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~  '''''),
    '\s+', ' ', 'g')));

DELETE FROM country_keys;
INSERT INTO country_keys
WITH explicit AS (
    SELECT alpha2 AS spelling, alpha2 FROM countries
    UNION ALL SELECT alpha3, alpha2 FROM countries
    UNION ALL SELECT numeric, alpha2 FROM countries
    UNION ALL SELECT name_en, alpha2 FROM countries
    UNION ALL SELECT name_zh, alpha2 FROM countries
    UNION ALL SELECT name_zh_hant, alpha2 FROM countries
    UNION ALL SELECT a, alpha2 FROM countries, unnest(string_split(coalesce(aliases, ''), '|')) t(a)
), derived AS (
    SELECT split_part(name_en, ',', 1) AS spelling, alpha2 FROM countries WHERE name_en LIKE '%,%'
    UNION ALL SELECT strip_accents(spelling), alpha2 FROM explicit
), spellings AS (
    SELECT country_key(spelling) AS key, alpha2, 1 AS pri FROM explicit
    UNION ALL SELECT country_key(spelling), alpha2, 2 FROM derived
), best AS (
    SELECT key, alpha2, pri, min(pri) OVER (PARTITION BY key) AS best_pri
    FROM spellings
    WHERE key IS NOT NULL AND key <> ''
)
SELECT key, any_value(alpha2)
FROM best
WHERE pri = best_pri
GROUP BY key
HAVING count(DISTINCT alpha2) = 1;
