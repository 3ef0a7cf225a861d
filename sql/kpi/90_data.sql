-- 数据来源 / the data the figures were computed from (the `data` block of SPEC §7.1).
--
-- fingerprint: a hash of the accepted case data. Each row of `cases` is hashed over its §4.1
-- fields — case_id, item_code, received_at, completed_at (instants, independent of the
-- session timezone), status, channel, applicant_type, country, country_raw, district, trips,
-- backlog, backlog_since, updated_at — with DuckDB's 64-bit hash(); the row hashes are
-- combined without regard to order by XOR (rows are distinct: case_id is unique), and the
-- row count and that XOR are hashed with SHA-256 (64 hex digits). So the fingerprint is the
-- same for the same accepted cases whatever the pull order, file names or line numbers
-- (source_file, source_line, file_id and extra columns are left out), and changes when any
-- field of any case changes, a case is added or a case is removed (up to a 2^-64 chance).
-- It depends on DuckDB's hash(), which is fixed for a caseload build: a new DuckDB version
-- may give the same data a new fingerprint, never two different data sets the same one.
-- The tag 'caseload-cases-v1' hashed in names this recipe; change it when the recipe
-- changes. status, channel and applicant_type are hashed as text: they are ENUMs in cases
-- since migration 007, and DuckDB hashes an ENUM by its code, so without the cast the same
-- cases would have had a new fingerprint after the upgrade. Cost: one pass over every column
-- of `cases` (about 0.4 s for 10 million cases on 2 cores), the largest single part of
-- computing a month's figures.
CREATE OR REPLACE TEMP MACRO kpi_data() AS TABLE
WITH rows AS (
    SELECT count(*) AS n,
           coalesce(bit_xor(hash(case_id, item_code, received_at, completed_at, status::VARCHAR, channel::VARCHAR,
                                 applicant_type::VARCHAR, country, country_raw, district, trips, backlog,
                                 backlog_since, updated_at)), 0) AS x
    FROM cases
)
SELECT rows.n                                              AS cases,
       (SELECT count(*) FROM rejects)                      AS rejects,
       (SELECT max(pulled_at) FROM ingest_files)           AS last_pull,
       sha256('caseload-cases-v1|' || rows.n::VARCHAR || '|' || rows.x::VARCHAR) AS fingerprint
FROM rows;
