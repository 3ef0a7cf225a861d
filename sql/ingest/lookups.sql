-- 查找表 / lookups used by validation (sql/ingest/validate.sql), built on the pulling
-- connection at the start of every pull from the reference tables enum_labels and
-- country_keys and from pull_items (the item codes of the catalogue this pull loads).
--
-- Each lookup is an ENUM cast (a hash lookup inside an expression) rather than a join. A join
-- may hand rows on in a different order, and validation of a CSV file must keep the file's
-- order: DuckDB's reader gives no row numbers, so each row's source line comes from its
-- position in the validated table (pipeline/ingest, TestLineNumbersLargeFile).
--
-- cl_status(s), cl_channel(s), cl_applicant_type(s), cl_backlog(s): the §4.1 value for a
--   value or label, matched case-insensitively; NULL when unknown. The labels are kept in
--   lower case, so a value written that way (most are, and Chinese labels have no case)
--   matches as it is, and only the others pay for lower(): 12 ms less per million values
--   and column.
--   枚举值：英文值或任一中文标签，不区分大小写；无法识别为 NULL。
-- cl_country(s): ISO 3166-1 alpha-2 for any spelling in country_keys (codes, English,
--   Chinese and Traditional names, aliases: sql/reference/countries.sql), ignoring case,
--   full-width/half-width forms and surrounding blanks; NULL when unrecognised.
--   国家或地区：代码、中英文（含繁体）名称或别名，不区分大小写与全角半角；无法识别为 NULL。
--   The keys are in country_key() form; most values match as they are, lower-cased, and only
--   the others pay for country_key() (COALESCE evaluates its second argument only for the rows
--   the first left NULL).
-- cl_item_code: the item codes of the catalogue as an ENUM; validation keeps a valid row's
--   code as this type (try_cast: NULL when the code is not in the catalogue). 事项编码是否在目录中。
--
-- The lookups return ENUM values: status, channel and applicant type as the types of those
-- columns of cases (case_status, case_channel, case_applicant_type: migration 007, whose
-- members must be enum_labels' values — a value missing there fails here, at every pull),
-- backlog and country as temp types (cl_backlog_value, cl_country_value; cases.country is
-- text). The validated rows of a file are held in memory until they are merged, and an ENUM
-- takes one byte there where a VARCHAR takes sixteen (about 75 MB less per million rows).
CREATE OR REPLACE TEMP TYPE cl_status_label AS ENUM (SELECT label FROM enum_labels WHERE field = 'status' ORDER BY label);
SET VARIABLE cl_status_values = (SELECT coalesce(list(value::case_status ORDER BY label), []::case_status[]) FROM enum_labels WHERE field = 'status');
CREATE OR REPLACE TEMP TYPE cl_channel_label AS ENUM (SELECT label FROM enum_labels WHERE field = 'channel' ORDER BY label);
SET VARIABLE cl_channel_values = (SELECT coalesce(list(value::case_channel ORDER BY label), []::case_channel[]) FROM enum_labels WHERE field = 'channel');
CREATE OR REPLACE TEMP TYPE cl_applicant_type_label AS ENUM (SELECT label FROM enum_labels WHERE field = 'applicant_type' ORDER BY label);
SET VARIABLE cl_applicant_type_values = (SELECT coalesce(list(value::case_applicant_type ORDER BY label), []::case_applicant_type[]) FROM enum_labels WHERE field = 'applicant_type');
CREATE OR REPLACE TEMP TYPE cl_backlog_label AS ENUM (SELECT label FROM enum_labels WHERE field = 'backlog' ORDER BY label);
CREATE OR REPLACE TEMP TYPE cl_backlog_value AS ENUM (SELECT DISTINCT value FROM enum_labels WHERE field = 'backlog' ORDER BY value);
SET VARIABLE cl_backlog_values = (SELECT coalesce(list(value::cl_backlog_value ORDER BY label), []::cl_backlog_value[]) FROM enum_labels WHERE field = 'backlog');
CREATE OR REPLACE TEMP TYPE cl_country_key AS ENUM (SELECT key FROM country_keys ORDER BY key);
CREATE OR REPLACE TEMP TYPE cl_country_value AS ENUM (SELECT alpha2 FROM countries ORDER BY alpha2);
SET VARIABLE cl_country_values = (SELECT coalesce(list(alpha2::cl_country_value ORDER BY key), []::cl_country_value[]) FROM country_keys);
CREATE OR REPLACE TEMP TYPE cl_item_code AS ENUM (SELECT item_code FROM pull_items ORDER BY item_code);

CREATE OR REPLACE TEMP MACRO cl_status(s) AS (
    getvariable('cl_status_values')[enum_code(coalesce(try_cast(s AS cl_status_label), try_cast(lower(s) AS cl_status_label))) + 1]
);
CREATE OR REPLACE TEMP MACRO cl_channel(s) AS (
    getvariable('cl_channel_values')[enum_code(coalesce(try_cast(s AS cl_channel_label), try_cast(lower(s) AS cl_channel_label))) + 1]
);
CREATE OR REPLACE TEMP MACRO cl_applicant_type(s) AS (
    getvariable('cl_applicant_type_values')[enum_code(coalesce(try_cast(s AS cl_applicant_type_label), try_cast(lower(s) AS cl_applicant_type_label))) + 1]
);
CREATE OR REPLACE TEMP MACRO cl_backlog(s) AS (
    getvariable('cl_backlog_values')[enum_code(coalesce(try_cast(s AS cl_backlog_label), try_cast(lower(s) AS cl_backlog_label))) + 1]
);
CREATE OR REPLACE TEMP MACRO cl_country(s) AS (
    coalesce(getvariable('cl_country_values')[enum_code(try_cast(lower(s) AS cl_country_key)) + 1],
             getvariable('cl_country_values')[enum_code(try_cast(country_key(s) AS cl_country_key)) + 1])
);
