-- 公共规则 / rules shared by every KPI group (SPEC §5).
--
-- How the KPI SQL is organised (read this first):
-- * Every file in sql/kpi runs, in name order, on the connection that computes the figures
--   (pipeline/kpi.Compute). Each file only creates TEMP macros, so the KPIs work on the
--   read-only analyst snapshot and never write the warehouse; the rules that run are always
--   the ones of the binary. The writer also installs these files as persistent macros
--   (TEMP dropped) when they change, for the kpi_monthly view (sql/reference/kpi_views.sql).
-- * A period P is two DATEs d0 (first_day) and d1 (last_day), in the office timezone. Go passes
--   them as 'YYYY-MM-DD' text cast to DATE, never as instants.
-- * Periods come in sets. A report needs the figures of three periods (P, the same period last
--   year, the previous period), the received counts of the bases of their growth figures and
--   the 13 months of their trends. kpi_reports (80_report.sql) computes all of them from one
--   pass over `cases` per side — the cases received in a period, the cases closed in a period,
--   the stocks at the end of a period — never one run per period: every row it returns says
--   which period it belongs to (d0, d1). The files before it hold the rules; it holds the passes.
-- * "In P" compares the stored local dates (cases.received_date / completed_date, computed in
--   the office timezone when the row was pulled): a case received at 2022-10-31T16:30Z is
--   received on 2022-11-01 in Asia/Shanghai and belongs to November.
-- * Each figure has a header block read by pipeline/kpi.Definitions() (the reports'
--   definitions sheet); its format is fixed:
--       -- @kpi KEY 中文简称 [by_item]
--       -- name: English short name
--       -- zh: 中文口径（一两句）。
--       -- en: English definition (one or two sentences).
--   Continuation lines start with "--" followed by spaces; the block ends at a line that is
--   not a comment, an empty comment line, the next @kpi, or (once zh and en are both given)
--   any other comment line. "by_item" marks a figure that exists only per item (not a §5 key).
-- * Every figure is given for the whole office (item_code NULL) and per item.

-- kpi_ratio(n, d): n / d as DOUBLE; NULL when d is 0 or NULL (never NaN or ±Inf).
CREATE OR REPLACE TEMP MACRO kpi_ratio(n, d) AS (
    CASE WHEN d IS NULL OR d = 0 THEN NULL ELSE n::DOUBLE / d::DOUBLE END
);

-- kpi_growth(cur, base): (cur − base) / base; NULL when base is 0 or NULL.
CREATE OR REPLACE TEMP MACRO kpi_growth(cur, base) AS (
    CASE WHEN base IS NULL OR base = 0 THEN NULL ELSE (cur - base)::DOUBLE / base::DOUBLE END
);

-- kpi_in(d, d0, d1): the local date d lies in P = [d0, d1] ("in P").
CREATE OR REPLACE TEMP MACRO kpi_in(d, d0, d1) AS (d BETWEEN d0 AND d1);

-- kpi_by_end(d, d1): the local date d is on or before the last day of P ("by the end of P").
CREATE OR REPLACE TEMP MACRO kpi_by_end(d, d1) AS (d <= d1);

-- kpi_days(d0, d1): the days of [d0, d1], a LIST of DATE. The passes join `cases` to the days of
-- their periods on a local date and then apply the rule itself: DuckDB runs an equality join as
-- a hash join, whereas a join on BETWEEN (a range join) took 20–40 times longer.
CREATE OR REPLACE TEMP MACRO kpi_days(d0, d1) AS (
    list_transform(range(d0, d1 + 1, INTERVAL 1 DAY), t -> t::DATE)
);
