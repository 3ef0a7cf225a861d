-- 办件量 / volume: how many cases came in, were completed, rejected, or are still open.
--
-- Status rules: only status `completed` counts as completed, only `rejected` as rejected;
-- `withdrawn` cases count in `received` and leave `pending_end` once their completed_at
-- (the date they were closed) is by the end of P. pending_end follows §5 literally: a case
-- is pending at the end of P when it was received by then and has no completed_at by then,
-- whatever its status (a case completed after P was still open at the end of P).

-- @kpi received 受理量
-- name: Received
-- zh: 本期内受理的办件数（任何状态）。
-- en: Cases with received_at in P (any status).
CREATE OR REPLACE TEMP MACRO kpi_is_received(received_date, d0, d1) AS (
    kpi_in(received_date, d0, d1)
);

-- @kpi completed 办结量
-- name: Completed
-- zh: 本期内办结（状态为“办结”且办结时间在本期内）的办件数。
-- en: Cases with status completed and completed_at in P.
CREATE OR REPLACE TEMP MACRO kpi_is_completed(status, completed_date, d0, d1) AS (
    status = 'completed' AND kpi_in(completed_date, d0, d1)
);

-- @kpi completed_cumulative 累计审批量
-- name: Completed, cumulative
-- zh: 截至本期末累计办结的办件数（状态为“办结”且办结时间不晚于本期最后一天）。
-- en: Cases with status completed and completed_at by the end of P ("累计审批").
CREATE OR REPLACE TEMP MACRO kpi_is_completed_by(status, completed_date, d1) AS (
    status = 'completed' AND kpi_by_end(completed_date, d1)
);

-- @kpi rejected 不予受理/不予许可量
-- name: Rejected
-- zh: 本期内不予受理或不予许可（状态为“不予受理”且办结时间在本期内）的办件数。
-- en: Cases with status rejected and completed_at in P.
CREATE OR REPLACE TEMP MACRO kpi_is_rejected(status, completed_date, d0, d1) AS (
    status = 'rejected' AND kpi_in(completed_date, d0, d1)
);

-- @kpi pending_end 期末在办量
-- name: Pending at end
-- zh: 截至本期末已受理但尚未办结的办件数（无办结时间，或办结时间晚于本期）。
-- en: Cases received by the end of P and not final then (no completed_at, or completed_at after P).
CREATE OR REPLACE TEMP MACRO kpi_is_pending_end(received_date, completed_date, d1) AS (
    kpi_by_end(received_date, d1) AND (completed_date IS NULL OR completed_date > d1)
);

-- Counted in 80_report.sql: received in the pass over the cases received in P, completed and
-- rejected in the pass over the cases closed in P, completed_cumulative and pending_end in the
-- pass over the cases received by the end of P (completed_at ≥ received_at is enforced on pull,
-- so a case completed by the end of P was received by then: that pass loses none). Every case
-- has exactly one item, so the office figures are the sums of the item figures.
