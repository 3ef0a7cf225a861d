-- 001 warehouse: the accepted cases, the rows that were not accepted, the pull ledger and
-- the reference data (items, calendar, countries, enum labels).
-- 仓库基础结构：已接收办件、未接收行（拒收/被覆盖）、拉取台账，以及参考数据（事项、日历、国家、枚举标签）。
--
-- Decisions written down here:
-- * `cases` has no PRIMARY KEY: uniqueness of case_id is kept by the merge step
--   (sql/ingest/merge.sql) and checked by the tests. An ART index on millions of text keys
--   costs memory and insert time for no gain in a single-writer warehouse.
-- * received_date / completed_date are the local dates in the office timezone at pull time
--   (meta.timezone). If the configured timezone changes, they are recomputed on open.
-- * Every source row is accounted for in exactly one of: cases, superseded, rejects.

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

CREATE SEQUENCE file_id_seq START 1;

-- 拉取台账 / pull ledger: one row per file pulled (a file is identified by its sha256).
CREATE TABLE ingest_files (
    file_id     BIGINT PRIMARY KEY,
    pull_id     BIGINT NOT NULL,       -- files pulled by one command share a pull_id
    source      VARCHAR,               -- configured source name, NULL for files named on the command line
    path        VARCHAR NOT NULL,      -- as given / as matched, relative to the project directory when inside it
    sha256      VARCHAR NOT NULL,
    size_bytes  BIGINT NOT NULL,
    format      VARCHAR NOT NULL,      -- csv | xlsx | json | ndjson | parquet
    encoding    VARCHAR,               -- utf-8 | gb18030 | gbk (CSV only)
    pulled_at   TIMESTAMPTZ NOT NULL,
    rows_read   BIGINT NOT NULL,
    accepted    BIGINT NOT NULL,
    superseded  BIGINT NOT NULL,
    rejected    BIGINT NOT NULL,
    unrecognised_country BIGINT NOT NULL DEFAULT 0,
    CHECK (rows_read = accepted + superseded + rejected)
);

-- 办件 / cases: the latest accepted version of each case.
CREATE TABLE cases (
    case_id         VARCHAR NOT NULL,
    item_code       VARCHAR NOT NULL,
    received_at     TIMESTAMPTZ NOT NULL,
    completed_at    TIMESTAMPTZ,
    status          VARCHAR NOT NULL,   -- received | in_progress | completed | rejected | withdrawn
    channel         VARCHAR NOT NULL,   -- window | bundle | outreach | remote | online | mail
    applicant_type  VARCHAR,            -- overseas_chinese | returned | relative | other
    country         VARCHAR,            -- ISO 3166-1 alpha-2, NULL when empty or unrecognised
    country_raw     VARCHAR,            -- the value as written in the source
    district        VARCHAR,
    trips           INTEGER,
    backlog         BOOLEAN NOT NULL,
    backlog_since   DATE,
    updated_at      TIMESTAMPTZ,
    received_date   DATE NOT NULL,      -- local date of received_at in the office timezone
    completed_date  DATE,               -- local date of completed_at in the office timezone
    file_id         BIGINT NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_line     BIGINT NOT NULL,
    extra           JSON                -- columns of the source row that are not §4.1 fields
);

-- 被覆盖的旧版本 / superseded versions: rows that lost to a newer version of the same case.
CREATE TABLE superseded (
    case_id      VARCHAR NOT NULL,
    file_id      BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_line  BIGINT NOT NULL,
    updated_at   TIMESTAMPTZ,
    by_file_id   BIGINT NOT NULL,       -- the version that won (at the time it was superseded)
    by_line      BIGINT NOT NULL,
    at_pull      BIGINT NOT NULL
);

-- 拒收行 / rejects: rows that could not be accepted, with a stable reason code and the whole raw row.
CREATE TABLE rejects (
    file_id      BIGINT NOT NULL,
    source_file  VARCHAR NOT NULL,
    source_line  BIGINT NOT NULL,
    reason       VARCHAR NOT NULL,
    case_id      VARCHAR,
    raw          JSON NOT NULL
);

-- 事项目录 / item catalogue (§4.3), replaced from items.csv on every pull.
CREATE TABLE items (
    item_code       VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    instant_since   DATE,
    promised_days   INTEGER NOT NULL,
    statutory_days  INTEGER NOT NULL,
    active_from     DATE,
    active_to       DATE
);

-- 法定节假日与调休 / official holidays and make-up working days (§4.4): embedded + project overrides.
CREATE TABLE holidays (
    date        DATE PRIMARY KEY,
    name        VARCHAR NOT NULL,
    is_off_day  BOOLEAN NOT NULL,   -- true: a holiday (no work); false: a make-up working day (调休上班)
    source      VARCHAR NOT NULL    -- 'embedded' or the override file's path
);

-- 工作日历 / working-day calendar, rebuilt from holidays whenever they change.
-- wd_index = number of working days from the calendar's start up to and including `date`, so
-- working_days(a, b) = wd_index(b) − wd_index(a) counts working days d with a < d ≤ b.
CREATE TABLE calendar (
    date            DATE PRIMARY KEY,
    is_working_day  BOOLEAN NOT NULL,
    is_weekend      BOOLEAN NOT NULL,
    holiday_name    VARCHAR,
    is_holiday      BOOLEAN NOT NULL,   -- official day off
    is_makeup_day   BOOLEAN NOT NULL,   -- official make-up working day on a weekend
    wd_index        INTEGER NOT NULL
);

-- 国家和地区 / ISO 3166-1 countries with English and Chinese names.
CREATE TABLE countries (
    alpha2    VARCHAR PRIMARY KEY,
    alpha3    VARCHAR NOT NULL,
    numeric   VARCHAR NOT NULL,
    name_en   VARCHAR NOT NULL,
    name_zh   VARCHAR NOT NULL,
    alias_zh  VARCHAR
);

-- Every spelling that identifies a country (lower-cased, trimmed), built from `countries`.
CREATE TABLE country_keys (
    key     VARCHAR PRIMARY KEY,
    alpha2  VARCHAR NOT NULL
);

-- 枚举标签 / enum labels of §4.1: the English value or any listed Chinese label.
-- Matching is on lower(trim(value)).
CREATE TABLE enum_labels (
    field  VARCHAR NOT NULL,
    label  VARCHAR NOT NULL,
    value  VARCHAR NOT NULL,
    PRIMARY KEY (field, label)
);

INSERT INTO enum_labels VALUES
    ('status', 'received', 'received'), ('status', '受理', 'received'), ('status', '已受理', 'received'), ('status', '收件', 'received'),
    ('status', 'in_progress', 'in_progress'), ('status', '办理中', 'in_progress'), ('status', '在办', 'in_progress'), ('status', '审核中', 'in_progress'),
    ('status', 'completed', 'completed'), ('status', '办结', 'completed'), ('status', '已办结', 'completed'), ('status', '办毕', 'completed'), ('status', '准予', 'completed'),
    ('status', 'rejected', 'rejected'), ('status', '不予受理', 'rejected'), ('status', '不予许可', 'rejected'), ('status', '退件', 'rejected'),
    ('status', 'withdrawn', 'withdrawn'), ('status', '撤回', 'withdrawn'), ('status', '撤件', 'withdrawn'),
    ('channel', 'window', 'window'), ('channel', '窗口', 'window'),
    ('channel', 'bundle', 'bundle'), ('channel', '打包办', 'bundle'), ('channel', '联办', 'bundle'), ('channel', '一窗通办', 'bundle'),
    ('channel', 'outreach', 'outreach'), ('channel', '进园区', 'outreach'), ('channel', '进社区', 'outreach'), ('channel', '上门', 'outreach'), ('channel', '下乡', 'outreach'),
    ('channel', 'remote', 'remote'), ('channel', '拍照回传', 'remote'), ('channel', '远程核验', 'remote'),
    ('channel', 'online', 'online'), ('channel', '网办', 'online'), ('channel', '网上办理', 'online'),
    ('channel', 'mail', 'mail'), ('channel', '邮寄', 'mail'),
    ('applicant_type', 'overseas_chinese', 'overseas_chinese'), ('applicant_type', '华侨', 'overseas_chinese'),
    ('applicant_type', 'returned', 'returned'), ('applicant_type', '归侨', 'returned'),
    ('applicant_type', 'relative', 'relative'), ('applicant_type', '侨眷', 'relative'),
    ('applicant_type', 'other', 'other'), ('applicant_type', '其他', 'other'),
    ('backlog', 'true', 'true'), ('backlog', '1', 'true'), ('backlog', '是', 'true'), ('backlog', 'y', 'true'), ('backlog', 'yes', 'true'),
    ('backlog', 'false', 'false'), ('backlog', '0', 'false'), ('backlog', '否', 'false'), ('backlog', 'n', 'false'), ('backlog', 'no', 'false');
