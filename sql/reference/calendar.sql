-- 工作日历 / working-day calendar (SPEC §4.4)
-- 工作日：周一至周五，扣除国务院公布的法定节假日，加上周末调休上班日。
-- Working days are Monday–Friday, minus official public holidays, plus official make-up
-- working days on weekends (调休上班), as listed in `holidays`.
-- The calendar spans 2000-01-01 .. 2040-12-31. Official notices are embedded for 2007–2026;
-- outside the years the notices cover (and any override adds), only the weekend rule applies.
-- wd_index counts working days from the calendar's start through `date`, so the number of
-- working days d with date(a) < d <= date(b) is wd_index(b) - wd_index(a).
DELETE FROM calendar;
INSERT INTO calendar
SELECT d, is_working_day, is_weekend, holiday_name, is_holiday, is_makeup_day,
       sum(is_working_day::INTEGER) OVER (ORDER BY d ROWS UNBOUNDED PRECEDING)::INTEGER AS wd_index
FROM (
    SELECT g.d::DATE AS d,
           isodow(g.d) >= 6 AS is_weekend,
           h.name AS holiday_name,
           coalesce(h.is_off_day, false) AS is_holiday,
           coalesce(NOT h.is_off_day AND isodow(g.d) >= 6, false) AS is_makeup_day,
           CASE WHEN h.date IS NOT NULL THEN NOT h.is_off_day
                ELSE isodow(g.d) < 6 END AS is_working_day
    FROM generate_series(DATE '2000-01-01', DATE '2040-12-31', INTERVAL 1 DAY) g(d)
    LEFT JOIN holidays h ON h.date = g.d::DATE
);
