-- 007 label enums: cases.status, cases.channel and cases.applicant_type are stored as ENUMs
-- (SPEC §4.1 defines them as enums) instead of VARCHAR.
-- 办理状态、办理渠道、申请人类型以枚举类型存储（规范 §4.1 即为枚举）。
--
-- Why: writing these three text columns was the largest avoidable cost of a pull's insert
-- into cases (about 0.15–0.2 s per million rows of a 2.3 s pull: README "Benchmarks"), and an
-- ENUM takes one byte a value where the text took a dictionary per segment. The stored values
-- cannot be anything but the §4.1 values, now in the schema as well as in validation.
--
-- What analysts see: nothing changes in queries. An ENUM compares with text
-- (`status = 'completed'`; an unknown label such as `status = 'complted'` is false, not an
-- error, as with text), takes string functions (`upper(status)`, `LIKE`, `||`), unions with
-- text as text, and sorts alphabetically, because the members are declared in alphabetical
-- order, exactly as the text did. Flight SQL, `caseload sql --format arrow|parquet|xlsx|csv`
-- hand it on as text (utf8); only DESCRIBE and information_schema name the type.
--
-- The members are the `value`s of enum_labels for each field (001): a new §4.1 value needs a
-- migration that adds it here too (DuckDB cannot add a member to an ENUM in place: the
-- column is altered to a new type, as below).
CREATE TYPE case_status AS ENUM ('completed', 'in_progress', 'received', 'rejected', 'withdrawn');
CREATE TYPE case_channel AS ENUM ('bundle', 'mail', 'online', 'outreach', 'remote', 'window');
CREATE TYPE case_applicant_type AS ENUM ('other', 'overseas_chinese', 'relative', 'returned');

ALTER TABLE cases ALTER COLUMN status TYPE case_status USING status::case_status;
ALTER TABLE cases ALTER COLUMN channel TYPE case_channel USING channel::case_channel;
ALTER TABLE cases ALTER COLUMN applicant_type TYPE case_applicant_type USING applicant_type::case_applicant_type;
