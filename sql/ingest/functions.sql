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
CREATE OR REPLACE TEMP MACRO cl_ts(s) AS (
    CASE
        WHEN s IS NULL THEN NULL
        WHEN regexp_matches(s, '^\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?\s*([Zz]|[+-](0\d|1[0-4])(:?[0-5]\d)?)$')
            THEN try_cast(regexp_replace(upper(s), 'T(\d):', 'T0\1:') AS TIMESTAMPTZ)
        ELSE try_strptime(s, [
            '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S.%f',
            '%Y-%m-%dT%H:%M:%S', '%Y-%m-%dT%H:%M', '%Y-%m-%dT%H:%M:%S.%f',
            '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y/%m/%d %H:%M:%S.%f',
            '%Y年%m月%d日 %H:%M:%S', '%Y年%m月%d日 %H:%M', '%Y年%m月%d日%H:%M:%S', '%Y年%m月%d日%H:%M',
            '%Y年%m月%d日 %H时%M分%S秒', '%Y年%m月%d日 %H时%M分', '%Y年%m月%d日%H时%M分%S秒', '%Y年%m月%d日%H时%M分',
            '%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日', '%Y%m%d'
        ])::TIMESTAMPTZ
    END
);

-- cl_date(text) → DATE: a bare date in the forms above, or the local date of a timestamp.
--   日期：积案起始日期等，只取日期。
CREATE OR REPLACE TEMP MACRO cl_date(s) AS (
    coalesce(try_strptime(s, ['%Y-%m-%d', '%Y/%m/%d', '%Y年%m月%d日', '%Y%m%d'])::DATE, cl_ts(s)::DATE)
);

-- cl_text(text) → trimmed text, NULL when empty.
CREATE OR REPLACE TEMP MACRO cl_text(s) AS (nullif(trim(s), ''));
