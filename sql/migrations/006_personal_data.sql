-- 006 personal data (issue 12).
ALTER TABLE ingest_files ADD COLUMN pii JSON;
