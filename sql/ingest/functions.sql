-- 解析函数 / parsing macros used by validation (SPEC §4.1). Created as TEMP macros on the
-- pulling connection, so the warehouse always runs the rules of the binary that pulls.
--
-- cl_ts(text) → TIMESTAMPTZ, NULL when the text is not a recognised timestamp.
--   时间戳：带 Z 或时差（RFC 3339）的为绝对时刻；不带时差的为办公室时区的墙上时间。
--   A timestamp with `Z` or an offset (RFC 3339, `T` or space) is an instant; one without an
--   offset is wall-clock time in the office timezone (the session TimeZone). Accepted:
--   2022-10-31T23:59:59+08:00 · 2022-10-31T15:59:59Z · 2022-10-31 23:59:59[.fff] ·
--   2022-10-31 23:59 · 2022-10-31T23:59:59 · 2022/10/31 23:59:59 · 2022/1/2 8:05 ·
--   2022年10月31日 23:59[:59] · 2022年10月31日23时59分 · bare dates 2022-10-31, 2022/1/2,
--   2022年10月31日, 20221031 (00:00 local). Impossible dates (2022-02-30) are not timestamps.
-- How: cheap tests of the text's shape (LIKE, contains) pick exactly one strptime format per
-- value — trying a list of formats costs seconds per million values, so the common
-- machine form "YYYY-MM-DD HH:MM:SS" is tested first. Validation also rejects years
-- outside 1900–2100 (cl_year_ok): "22/10/31" typed with a two-digit year is not year 22.
CREATE OR REPLACE TEMP MACRO cl_ts_dash(n) AS (
    -- n: Y-M-D with an optional time after a space (T, and / in 2022/1/2, already replaced)
    CASE
        WHEN n LIKE '%:%:%.%' THEN try_strptime(n, '%Y-%m-%d %H:%M:%S.%f')
        WHEN n LIKE '%:%:%'   THEN try_strptime(n, '%Y-%m-%d %H:%M:%S')
        WHEN n LIKE '%:%'     THEN try_strptime(n, '%Y-%m-%d %H:%M')
        WHEN n LIKE '%-%'     THEN try_strptime(n, '%Y-%m-%d')
        WHEN length(n) = 8    THEN try_strptime(n, '%Y%m%d')
    END
);

CREATE OR REPLACE TEMP MACRO cl_ts_zh(n) AS (
    -- n: 2022年10月31日 [23:59[:59]] or 23时59分[59秒], spaces removed
    CASE
        WHEN n LIKE '%:%:%' THEN try_strptime(n, '%Y年%m月%d日%H:%M:%S')
        WHEN n LIKE '%:%'   THEN try_strptime(n, '%Y年%m月%d日%H:%M')
        WHEN n LIKE '%秒'   THEN try_strptime(n, '%Y年%m月%d日%H时%M分%S秒')
        WHEN n LIKE '%分'   THEN try_strptime(n, '%Y年%m月%d日%H时%M分')
        ELSE try_strptime(n, '%Y年%m月%d日')
    END
);

CREATE OR REPLACE TEMP MACRO cl_ts(s) AS (
    CASE
        WHEN s IS NULL THEN NULL
        WHEN s LIKE '____-__-__ __:__:__' THEN try_strptime(s, '%Y-%m-%d %H:%M:%S')::TIMESTAMPTZ
        WHEN contains(s, '年') THEN cl_ts_zh(replace(s, ' ', ''))::TIMESTAMPTZ
        WHEN contains(s, '/') THEN cl_ts_dash(replace(replace(s, '/', '-'), 'T', ' '))::TIMESTAMPTZ
        WHEN regexp_matches(s, '^\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*([Zz]|[+-](0\d|1[0-4])(:?[0-5]\d)?)$')
            THEN coalesce(try_cast(s AS TIMESTAMPTZ), try_cast(regexp_replace(upper(s), 'T(\d):', 'T0\1:') AS TIMESTAMPTZ))
        ELSE cl_ts_dash(replace(replace(s, 'T', ' '), 't', ' '))::TIMESTAMPTZ
    END
);

-- cl_year_ok(ts): the sanity bound above, applied by validation to the parsed value.
CREATE OR REPLACE TEMP MACRO cl_year_ok(t) AS (year(t) BETWEEN 1900 AND 2100);

-- cl_date(text) → DATE: a bare date in the forms above, or the local date of a timestamp.
--   日期：积案起始日期等，只取日期。
CREATE OR REPLACE TEMP MACRO cl_date(s) AS (cl_ts(s)::DATE);

-- cl_text(text) → trimmed text, NULL when empty.
CREATE OR REPLACE TEMP MACRO cl_text(s) AS (nullif(trim(s), ''));
