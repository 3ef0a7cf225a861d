-- 校验与规范化 / validation and normalisation of one staged file (SPEC §4.1–§4.2).
--
-- Input: temp view stg_fields (line — NULL when the rows come straight from DuckDB's CSV
-- reader, whose order gives the line afterwards — the 13 §4.1 fields as raw text, NULL where
-- the file has no such column, extra: the other columns as JSON after the personal-data rules,
-- raw: the whole row as a STRUCT keyed by header, as read, pii_hits: which searched columns
-- had personal data masked); the lookups of sql/ingest/lookups.sql; the file's macro
-- cl_pii_raw (pipeline/ingest/pii.go, with the functions of pipeline/pii), which makes a raw
-- row what may be kept of it. Variables: pull_time.
-- Runs when the file is staged, before the pull's transaction (a temp table filled inside a
-- transaction is scanned far more slowly by the merge). Every expression is row by row, with
-- no join, so rows keep the order they are read in.
-- Output: table stg of the pull's scratch database caseload_stage (in memory, uncompressed,
-- spilled to the process's scratch directory under the memory limit), one row per source
-- row, in source order, with normalised values,
-- `raw` for rejected rows only (through cl_pii_raw: no personal data in the clear), pii_hits,
-- id_like (cl_case_id_like, made with stg_fields: the case id looks like a resident ID number;
-- counted by the merge) and `reason`:
-- NULL for a valid row, else the first failing check in this order (a stable code):
--
--   missing_case_id                    办件编号为空 / case_id empty
--   missing_item_code                  事项编码为空 / item_code empty
--   unknown_item_code                  事项编码不在事项目录中 / item_code not in the catalogue
--   missing_received_at                受理时间为空 / received_at empty
--   bad_received_at                    受理时间无法识别 / received_at not a recognised timestamp (or year outside 1900–2100)
--   missing_status                     办理状态为空 / status empty
--   bad_status                         办理状态无法识别 / status not a known value or label
--   bad_completed_at                   办结时间无法识别 / completed_at given but not a timestamp
--   final_status_without_completed_at  终态（办结、不予受理、撤回）但无办结时间 / final status, no completed_at
--   completed_before_received          办结早于受理 / completed_at before received_at
--   bad_channel                        办理渠道无法识别 / channel given but unknown
--   bad_applicant_type                 身份类别无法识别 / applicant_type given but unknown
--   bad_trips                          跑动次数不是非负整数 / trips not a whole number >= 0
--   bad_backlog                        是否积案无法识别 / backlog not true/false, 1/0, 是/否, Y/N
--   bad_backlog_since                  积案起始日期无法识别，或积案但无该日期 / not a date, or backlog without it
--   bad_updated_at                     更新时间无法识别 / updated_at given but not a timestamp
--   received_in_future                 受理时间晚于拉取时间一天以上 / received_at after pull time + 1 day
--
-- An unrecognised country is not a reject: the case keeps country_raw, country is NULL, and
-- data quality counts it as unrecognised_country. Empty optional fields take their defaults
-- (channel window, backlog false).
-- The §4.1 values and the reason are ENUMs here (item_code of valid rows too): see
-- sql/ingest/lookups.sql; the merge writes them as text.
CREATE OR REPLACE TEMP TYPE cl_reason AS ENUM ('missing_case_id', 'missing_item_code', 'unknown_item_code',
    'missing_received_at', 'bad_received_at', 'missing_status', 'bad_status', 'bad_completed_at',
    'final_status_without_completed_at', 'completed_before_received', 'bad_channel', 'bad_applicant_type',
    'bad_trips', 'bad_backlog', 'bad_backlog_since', 'bad_updated_at', 'received_in_future');
CREATE OR REPLACE TABLE caseload_stage.stg AS
WITH f AS (
    SELECT line,
           cl_text(case_id)        AS case_id,
           cl_text(item_code)      AS item_code,
           cl_text(received_at)    AS received_raw,
           cl_text(completed_at)   AS completed_raw,
           cl_text(status)         AS status_raw,
           cl_text(channel)        AS channel_raw,
           cl_text(applicant_type) AS applicant_raw,
           cl_text(country)        AS country_raw,
           cl_text(district)       AS district,
           cl_text(trips)          AS trips_raw,
           cl_text(backlog)        AS backlog_raw,
           cl_text(backlog_since)  AS backlog_since_raw,
           cl_text(updated_at)     AS updated_raw,
           extra,
           raw,
           pii_hits
    FROM stg_fields
), p AS (
    SELECT f.*,
           cl_ts(received_raw)  AS received_at,
           cl_ts(completed_raw) AS completed_at,
           cl_ts(updated_raw)   AS updated_at,
           cl_status(status_raw) AS status,
           coalesce(cl_channel(channel_raw), CASE WHEN channel_raw IS NULL THEN 'window'::case_channel END) AS channel,
           cl_applicant_type(applicant_raw) AS applicant_type,
           coalesce(cl_backlog(backlog_raw) = 'true', CASE WHEN backlog_raw IS NULL THEN false END) AS backlog,
           CASE WHEN regexp_matches(trips_raw, '^\+?\d{1,9}(\.0+)?$') THEN try_cast(trips_raw AS DOUBLE)::INTEGER END AS trips,
           cl_date(backlog_since_raw) AS backlog_since,
           cl_country(country_raw) AS country,
           try_cast(item_code AS cl_item_code) AS item_enum
    FROM f
), v AS (
    SELECT line, case_id, item_enum, received_at, completed_at, status, channel, applicant_type,
           country, country_raw, district, trips, backlog, backlog_since, updated_at, extra, raw, pii_hits,
           CASE
               WHEN case_id IS NULL                                  THEN 'missing_case_id'
               WHEN item_code IS NULL                                THEN 'missing_item_code'
               WHEN item_enum IS NULL                                THEN 'unknown_item_code'
               WHEN received_raw IS NULL                             THEN 'missing_received_at'
               WHEN received_at IS NULL OR NOT cl_year_ok(received_at) THEN 'bad_received_at'
               WHEN status_raw IS NULL                               THEN 'missing_status'
               WHEN status IS NULL                                   THEN 'bad_status'
               WHEN completed_raw IS NOT NULL AND (completed_at IS NULL OR NOT cl_year_ok(completed_at)) THEN 'bad_completed_at'
               WHEN status IN ('completed', 'rejected', 'withdrawn') AND completed_at IS NULL
                                                                     THEN 'final_status_without_completed_at'
               WHEN completed_at < received_at                       THEN 'completed_before_received'
               WHEN channel IS NULL                                  THEN 'bad_channel'
               WHEN applicant_raw IS NOT NULL AND applicant_type IS NULL THEN 'bad_applicant_type'
               WHEN trips_raw IS NOT NULL AND trips IS NULL          THEN 'bad_trips'
               WHEN backlog IS NULL                                  THEN 'bad_backlog'
               WHEN backlog_since_raw IS NOT NULL AND (backlog_since IS NULL OR NOT cl_year_ok(backlog_since)) THEN 'bad_backlog_since'
               WHEN backlog AND backlog_since IS NULL                THEN 'bad_backlog_since'
               WHEN updated_raw IS NOT NULL AND (updated_at IS NULL OR NOT cl_year_ok(updated_at)) THEN 'bad_updated_at'
               WHEN received_at > getvariable('pull_time') + INTERVAL 1 DAY THEN 'received_in_future'
           END AS reason
    FROM p
)
-- raw (a STRUCT over the row's text, no copy until here) is kept for rejected rows only, and
-- only what cl_pii_raw leaves of it (computed for those rows alone).
SELECT line, case_id, item_enum AS item_code, received_at, completed_at, status, channel, applicant_type,
       country, country_raw, district, trips, backlog, backlog_since, updated_at, extra, reason::cl_reason AS reason,
       CASE WHEN reason IS NOT NULL THEN to_json(cl_pii_raw(raw))::VARCHAR END AS raw,
       pii_hits, cl_case_id_like(case_id) AS id_like
FROM v;
