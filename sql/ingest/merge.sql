-- 合并 / merge one validated file into the warehouse (SPEC §4.2).
--
-- Input: temp view stg (validate.sql's output for this file, with each row's line). Variables:
-- file_id, pull_id (BIGINT), source_file (VARCHAR).
-- Every row of stg ends in exactly one place:
--   rejects     — reason IS NOT NULL, with the whole raw row as JSON;
--   cases       — the latest version of its case_id;
--   superseded  — an older version of a case_id.
-- 版本顺序 / version order: by updated_at (a missing updated_at is older than any present
-- one), then by pull order (file_id grows with every file pulled, in command-line order or
-- name order for a glob), then by line. The last one wins. Rows already in `cases` compete
-- with the new rows; an existing row that loses moves to `superseded` ("replaced").
--
-- 终态被非终态取代 / a final status replaced by a non-final one: when this file's version of
-- a case wins over a version already in `cases` whose status is final (completed, rejected,
-- withdrawn) and its own status is not, and updated_at does not say it is newer (both
-- missing or not later), the case went "back" only because of pull order — typically an
-- older export pulled after a newer one (a glob is pulled in name order: 202403-更新.csv
-- sorts before 202403.csv). The merge still follows the rule; the last statement reports
-- these cases per earlier file (final_replaced), and `caseload pull` warns.

INSERT INTO rejects
SELECT getvariable('file_id'), getvariable('source_file'), line, reason, case_id, raw::JSON
FROM stg
WHERE reason IS NOT NULL;

-- Only case_ids that occur more than once compete (twice or more in this file, or already in
-- cases): finding them with a GROUP BY and ranking just those is cheaper than ranking every row.
-- 编号严格递增则文件内无重复 / a file whose case ids strictly increase, row after row, has no
-- case id twice: many exports are sorted by case id, and checking that (one streaming pass,
-- 0.025 s per million rows) spares the GROUP BY (0.07–0.13 s). lag() over an empty OVER ()
-- sees all the rows as one sequence (a streaming window runs single-threaded; a blocking one
-- has one partition), and whatever order they reach it in, a strictly increasing sequence has
-- no duplicates: an unexpected order can only send a file to the GROUP BY, never past it.
-- Rows already in cases are still looked for (the UNION below). TestIncreasingCaseIDs.
SET VARIABLE ids_increasing = (
    SELECT coalesce(bool_and(case_id > prev), true)
    FROM (SELECT case_id, lag(case_id) OVER () AS prev FROM stg WHERE reason IS NULL)
);
CREATE OR REPLACE TEMP TABLE contest AS
WITH new AS (
    SELECT case_id, updated_at, line, status FROM stg WHERE reason IS NULL
), duph AS MATERIALIZED (
    -- grouped by a hash of the case id: a smaller hash table than one keyed by the text (0.13 ->
    -- 0.11 s per million rows under the merge's memory cap); ids whose hashes merely collide
    -- only join the contest, where each is ranked alone and loses nothing
    SELECT hash(case_id) AS h FROM new WHERE NOT getvariable('ids_increasing') GROUP BY h HAVING count(*) > 1
), dup AS MATERIALIZED (  -- read twice below: computed once (it scans cases)
    SELECT case_id FROM new WHERE hash(case_id) IN (SELECT h FROM duph)
    UNION
    SELECT case_id FROM cases WHERE case_id IN (SELECT case_id FROM new)
), cand AS (
    SELECT case_id, updated_at, getvariable('file_id')::BIGINT AS file_id,
           getvariable('source_file')::VARCHAR AS source_file, line, status, true AS is_new
    FROM new
    WHERE case_id IN (SELECT case_id FROM dup)
    UNION ALL
    SELECT case_id, updated_at, file_id, source_file, source_line, status, false
    FROM cases
    WHERE case_id IN (SELECT case_id FROM dup)
)
SELECT *,
       row_number()  OVER w AS rn,
       first_value(file_id)    OVER w AS win_file,
       first_value(line)       OVER w AS win_line,
       first_value(status)     OVER w AS win_status,
       first_value(updated_at) OVER w AS win_updated_at
FROM cand
WINDOW w AS (PARTITION BY case_id ORDER BY updated_at DESC NULLS LAST, file_id DESC, line DESC);

INSERT INTO superseded
SELECT case_id, file_id, source_file, line, updated_at, win_file, win_line, getvariable('pull_id')
FROM contest WHERE rn > 1;

DELETE FROM cases
WHERE case_id IN (SELECT case_id FROM contest WHERE rn > 1 AND NOT is_new);

INSERT INTO cases
SELECT s.case_id, s.item_code, s.received_at, s.completed_at, s.status, s.channel, s.applicant_type,
       s.country, s.country_raw, s.district, s.trips, s.backlog, s.backlog_since, s.updated_at,
       cl_local_date(s.received_at), cl_local_date(s.completed_at),
       getvariable('file_id'), getvariable('source_file'), s.line, s.extra
FROM stg s
WHERE s.reason IS NULL
  -- anti-join on the few losing rows rather than a semi-join on the (many) winners
  AND s.line NOT IN (SELECT line FROM contest WHERE rn > 1 AND is_new);

-- 本文件的计数 / this file's counts (read by Go, written to ingest_files), and final_replaced:
-- a JSON array, one object per earlier file whose final statuses this file replaced with
-- non-final ones, {file, cases, case_id, from, to} (case_id/from/to: the first such case),
-- or NULL.
SELECT
    (SELECT count(*) FROM stg)                                          AS rows_read,
    (SELECT count(*) FROM stg WHERE reason IS NULL)
      - (SELECT count(*) FROM contest WHERE rn > 1 AND is_new)          AS accepted,
    (SELECT count(*) FROM contest WHERE rn > 1 AND is_new)              AS superseded,
    (SELECT count(*) FROM stg WHERE reason IS NOT NULL)                 AS rejected,
    (SELECT count(*) FROM contest WHERE rn > 1 AND NOT is_new)          AS replaced,
    (SELECT count(*) FROM stg WHERE reason IS NULL AND country_raw IS NOT NULL AND country IS NULL) AS unrecognised_country,
    (SELECT to_json(list({'file': source_file, 'cases': cases, 'case_id': case_id, 'from': status, 'to': win_status}
                         ORDER BY first_file))::VARCHAR
     FROM (SELECT source_file, count(*) AS cases, min(file_id) AS first_file, min(case_id) AS case_id,
                  arg_min(status, case_id) AS status, arg_min(win_status, case_id) AS win_status
           FROM contest
           WHERE rn > 1 AND NOT is_new AND win_file = getvariable('file_id')
             AND status IN ('completed', 'rejected', 'withdrawn')
             AND win_status NOT IN ('completed', 'rejected', 'withdrawn')
             AND NOT coalesce(win_updated_at > updated_at, false)
           GROUP BY source_file)) AS final_replaced;
