-- 分析视图 / analyst views over the KPI macros (SPEC §9).
--
-- The KPI rules are written once, in sql/kpi/*.sql, as TEMP macros (pipeline/kpi runs them on
-- every computation, so they also work on the read-only snapshot). A stored view cannot use
-- TEMP macros, so whenever the embedded KPI SQL changes, the writer (pipeline/warehouse,
-- refreshKPI) installs the same files as persistent macros ("TEMP" dropped) and then runs
-- this file. Nothing here is a copy of a rule: only the view's shape.
-- Analysts may call the macros too, e.g.
--   SELECT * FROM kpi_report(DATE '2022-10-01', DATE '2022-10-31',
--                            DATE '2021-10-01', DATE '2021-10-31', DATE '2022-09-01', DATE '2022-09-30');

-- 月度分事项指标 / kpi_monthly: one row per month × item for every month from the first
-- month a case was received to the last month a case was received or closed. Each row holds
-- what `caseload kpi --period YYYY-MM` reports for that item: received, completed, rejected,
-- pending_end, same_day_ratio, on_time_ratio, median_processing_hours,
-- received_same_period_last_year, received_yoy_growth, received_mom_growth (definitions in
-- sql/kpi/*.sql), plus active/instant on the month's last day. Each month is computed on
-- demand: filter by month ('2022-10') or first_day to compute only the months you need.
CREATE OR REPLACE VIEW kpi_monthly AS
SELECT *
FROM kpi_monthly_rows(
    (SELECT min(received_date) FROM cases),
    (SELECT max(greatest(received_date, coalesce(completed_date, received_date))) FROM cases));
