-- 办理时效 / timeliness of the cases completed in P.
--
-- Working days (SPEC §4.4) come from the warehouse `calendar` (Monday–Friday, minus official
-- holidays, plus official make-up working days such as Saturday 2023-10-07):
--   working_days(a, b) = number of working days d with date(a) < d ≤ date(b)
--                      = calendar.wd_index(date b) − calendar.wd_index(date a),
-- using the local received/completed dates. A case received on Friday and completed on the
-- following make-up Saturday took 1 working day. The calendar spans 2000-01-01..2040-12-31;
-- a case with a date outside it has no working-day count and is not counted as on time
-- (it still counts in the denominator). Likewise a case whose item is no longer in the
-- catalogue has no promised_days and is not on time.
-- Processing hours are exact elapsed hours between the two instants (not working hours).

-- @kpi same_day_ratio 当日办结率
-- name: Same-day ratio
-- zh: 本期办结的办件中，办结日期与受理日期为同一天（办公室时区）的比例。
-- en: Of the cases completed in P, the share whose local completed date equals the local received date.
CREATE OR REPLACE TEMP MACRO kpi_same_day(received_date, completed_date) AS (
    completed_date = received_date
);

-- @kpi on_time_ratio 按时办结率
-- name: On-time ratio
-- zh: 本期办结的办件中，受理至办结的工作日数（受理日之后至办结日，按法定节假日和调休计算）不超过该事项承诺时限的比例。
-- en: Of the cases completed in P, the share with working_days(received, completed) ≤ the item's promised_days, working days d counted with date(received) < d ≤ date(completed).
CREATE OR REPLACE TEMP MACRO kpi_on_time(wd_received, wd_completed, promised_days) AS (
    coalesce(wd_completed - wd_received <= promised_days, false)
);

-- @kpi median_processing_hours 办理时长中位数（小时）
-- name: Median processing time (hours)
-- zh: 本期办结的办件从受理到办结所用时间的中位数，单位小时（偶数个时取中间两个值的平均）。
-- en: Median of (completed_at − received_at) in hours over the cases completed in P (mean of the two middle values for an even count).
CREATE OR REPLACE TEMP MACRO kpi_processing_hours(received_at, completed_at) AS (
    (epoch_us(completed_at) - epoch_us(received_at)) / 3600000000.0
);

-- Counted in 80_report.sql, in the pass over the cases closed in P: of the cases completed in
-- P (kpi_is_completed), the same-day and on-time shares (kpi_ratio: null without a completed
-- case) and the median of kpi_processing_hours, for the office and per item.
