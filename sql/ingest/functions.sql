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
--   Fractional seconds of any length (`23:59:59.1234567` from SQL Server's datetime2, nine
--   digits from a Parquet TIMESTAMP_NS column read as text) are kept to the microsecond:
--   digits after the sixth are dropped (truncated, never rounded — as DuckDB's own casts do,
--   so 23:59:59.9999999 stays on its day). 秒的小数部分保留到微秒（截断，不四舍五入）。
-- How: cheap tests of the text's shape (LIKE, contains) pick exactly one strptime format per
-- value — trying a list of formats costs seconds per million values, so the common
-- machine form "YYYY-MM-DD HH:MM:SS" is tested first. A normalised text (slashes to dashes,
-- spaces removed) is bound once with list_transform([…], lambda n: …)[1]: a macro argument
-- used in several branches of a CASE is otherwise computed again for every use. Wall-clock
-- times become instants through cl_instant. Validation also rejects years outside 1900–2100
-- (cl_year_ok): "22/10/31" typed with a two-digit year is not year 22.
--   解析方式：按文本形状选定唯一的格式；墙上时间经 cl_instant 转为时刻。
-- cl_frac6(text): the text with a fraction of seconds cut to its first six digits (%f takes
-- at most six). Only values that have a fraction go through it.
CREATE OR REPLACE TEMP MACRO cl_frac6(n) AS (regexp_replace(n, '(\.\d{6})\d+', '\1'));

CREATE OR REPLACE TEMP MACRO cl_ts_dash(n) AS (
    -- n: Y-M-D with an optional time after a space (T, and / in 2022/1/2, already replaced)
    CASE
        WHEN n LIKE '%:%:%.%' THEN try_strptime(cl_frac6(n), '%Y-%m-%d %H:%M:%S.%f')
        WHEN n LIKE '%:%:%'   THEN try_strptime(n, '%Y-%m-%d %H:%M:%S')
        WHEN n LIKE '%:%'     THEN try_strptime(n, '%Y-%m-%d %H:%M')
        WHEN n LIKE '%-%'     THEN try_strptime(n, '%Y-%m-%d')
        WHEN length(n) = 8    THEN try_strptime(n, '%Y%m%d')
    END
);

CREATE OR REPLACE TEMP MACRO cl_ts_zh(n) AS (
    -- n: 2022年10月31日 [23:59[:59[.fff]]] or 23时59分[59[.fff]秒], spaces removed
    CASE
        WHEN n LIKE '%:%:%.%' THEN try_strptime(cl_frac6(n), '%Y年%m月%d日%H:%M:%S.%f')
        WHEN n LIKE '%分%.%秒' THEN try_strptime(cl_frac6(n), '%Y年%m月%d日%H时%M分%S.%f秒')
        WHEN n LIKE '%:%:%' THEN try_strptime(n, '%Y年%m月%d日%H:%M:%S')
        WHEN n LIKE '%:%'   THEN try_strptime(n, '%Y年%m月%d日%H:%M')
        WHEN n LIKE '%秒'   THEN try_strptime(n, '%Y年%m月%d日%H时%M分%S秒')
        WHEN n LIKE '%分'   THEN try_strptime(n, '%Y年%m月%d日%H时%M分')
        ELSE try_strptime(n, '%Y年%m月%d日')
    END
);

-- cl_instant(wall TIMESTAMP) → TIMESTAMPTZ: a wall-clock time in the office timezone as an
--   instant (what wall::TIMESTAMPTZ gives in the session). 办公室时区的墙上时间转为时刻。
--   Inside tz_fixed_from_local ≤ wall < tz_fixed_to_local — the span in which the office's UTC
--   offset is constant, a day in from each end so that no wall time there is ambiguous (see
--   cl_local_date) — it is epoch arithmetic; elsewhere, or with the variables unset, ICU
--   (0.1 s per million values). The argument is bound once (list_transform).
CREATE OR REPLACE TEMP MACRO cl_instant(x) AS (
    list_transform([x], lambda w:
        CASE
            WHEN w >= getvariable('tz_fixed_from_local') AND w < getvariable('tz_fixed_to_local')
                THEN make_timestamptz(epoch_us(w) - getvariable('tz_fixed_offset_us'))
            ELSE w::TIMESTAMPTZ
        END)[1]
);

CREATE OR REPLACE TEMP MACRO cl_ts(s) AS (
    CASE
        WHEN s IS NULL THEN NULL
        WHEN s LIKE '____-__-__ __:__:__' THEN cl_instant(try_strptime(s, '%Y-%m-%d %H:%M:%S'))
        WHEN contains(s, '年') THEN cl_instant(list_transform([replace(s, ' ', '')], lambda n: cl_ts_zh(n))[1])
        WHEN contains(s, '/') THEN cl_instant(list_transform([replace(replace(s, '/', '-'), 'T', ' ')], lambda n: cl_ts_dash(n))[1])
        WHEN regexp_matches(s, '^\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-](0\d|1[0-4])(:?[0-5]\d)?)$')
            THEN coalesce(try_cast(s AS TIMESTAMPTZ), try_cast(regexp_replace(upper(s), 'T(\d):', 'T0\1:') AS TIMESTAMPTZ))
        ELSE cl_instant(list_transform([replace(replace(s, 'T', ' '), 't', ' ')], lambda n: cl_ts_dash(n))[1])
    END
);

-- cl_year_ok(ts): the sanity bound above, applied by validation to the parsed value.
-- Compared with the bounds as constants (local midnight of 1900-01-01 and 2101-01-01; the
-- literals take t's type) rather than with year(t): year() of a TIMESTAMPTZ goes through
-- ICU's calendar for every value, about 0.2 s per million.
CREATE OR REPLACE TEMP MACRO cl_year_ok(t) AS (t >= '1900-01-01' AND t < '2101-01-01');

-- cl_date(text) → DATE: a bare date in the forms above, or the local date of a timestamp.
--   日期：积案起始日期等，只取日期。
CREATE OR REPLACE TEMP MACRO cl_date(s) AS (cl_ts(s)::DATE);

-- cl_local_date(t TIMESTAMPTZ) → the local date of an instant in the office timezone
--   (what t::DATE gives in the session). 办公室时区的本地日期。
--   Where the office's UTC offset is constant — the span tz_fixed_from ≤ t < tz_fixed_to
--   around the pull, offset tz_fixed_offset_us, set by the pull from the zone database and
--   checked against ICU — it is plain arithmetic on the epoch; elsewhere, and whenever the
--   variables are not set, it is t::DATE, which goes through ICU (0.1 s per million values).
CREATE OR REPLACE TEMP MACRO cl_local_date(t) AS (
    CASE
        WHEN t >= getvariable('tz_fixed_from') AND t < getvariable('tz_fixed_to')
            THEN DATE '1970-01-01' + ((epoch_us(t) + getvariable('tz_fixed_offset_us')) // 86400000000)::INTEGER
        ELSE t::DATE
    END
);

-- cl_text(text) → text without leading or trailing blanks, NULL when that leaves nothing.
--   去掉首尾空白：半角空格、制表符、全角空格（U+3000）、不换行空格（U+00A0）；为空则为 NULL。
--   Blanks: space, tab, ideographic space U+3000, no-break space U+00A0. Cheap prefix and
--   suffix tests decide whether a value needs trimming at all; trim() copies every value it
--   touches, which cost 0.35 s per million rows when applied to every field.
CREATE OR REPLACE TEMP MACRO cl_text(s) AS (
    CASE
        WHEN s = '' THEN NULL
        WHEN s < '!' OR suffix(s, ' ') OR suffix(s, chr(9))
             OR prefix(s, chr(12288)) OR suffix(s, chr(12288)) OR prefix(s, chr(160)) OR suffix(s, chr(160))
            THEN nullif(trim(s, ' ' || chr(9) || chr(12288) || chr(160)), '')
        ELSE s
    END
);
