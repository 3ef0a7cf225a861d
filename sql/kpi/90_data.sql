-- 数据来源 / the data the figures were computed from (the `data` block of SPEC §7.1).
--
-- fingerprint: a hash of the accepted case data. Each row of `cases` is hashed over its §4.1
-- fields — case_id, item_code, received_at, completed_at (instants, independent of the
-- session timezone), status, channel, applicant_type, country, country_raw, district, trips,
-- backlog, backlog_since, updated_at — with DuckDB's hash(); the row hashes are combined
-- without regard to order (their count, 128-bit sum and XOR), and that triple is hashed
-- with SHA-256 (64 hex digits). So the fingerprint is the same for the same accepted cases
-- whatever the pull order, file names or line numbers (source_file, source_line, file_id and
-- extra columns are left out), and changes when any field of any case changes, a case is
-- added or a case is removed. It depends on DuckDB's hash(), which is fixed for a caseload
-- build: a new DuckDB version may give the same data a new fingerprint, never two
-- different data sets the same one (up to hash collisions). The tag 'caseload-cases-v1'
-- hashed in names this recipe; change it whenever the recipe changes.
CREATE OR REPLACE TEMP MACRO kpi_data() AS TABLE
SELECT (SELECT count(*) FROM cases)           AS cases,
       (SELECT count(*) FROM rejects)         AS rejects,
       (SELECT max(pulled_at) FROM ingest_files) AS last_pull,
       (SELECT sha256('caseload-cases-v1|' || count(*)::VARCHAR
                      || '|' || coalesce(sum(h::HUGEINT), 0)::VARCHAR
                      || '|' || coalesce(bit_xor(h), 0)::VARCHAR)
        FROM (SELECT hash(case_id, item_code, received_at, completed_at, status, channel,
                          applicant_type, country, country_raw, district, trips, backlog,
                          backlog_since, updated_at) AS h
              FROM cases))                    AS fingerprint;
