-- 004 deliveries (§11): every attempt to deliver a message is a row.
-- 投递记录：每一次投递尝试一行。
--
-- One send of one message (a period's reports, an alert, a recovery notice, a test) to one
-- delivery of caseload.yaml is a `send_id`; its attempts are numbered from 1. An attempt's
-- status is `succeeded`, `retrying` (it failed for a transient reason and another attempt
-- followed) or `failed` (the send's final failure). `run_id` is the job run that sent it
-- (NULL for `caseload deliver` from a terminal). `target` describes where it went without
-- secrets (an SMTP server and the recipients, a folder, "wecom via $CASELOAD_WECOM_URL");
-- `error` is redacted: no password, webhook key or signature is ever stored.
-- Numbered 004: 003 is the job scheduler's job_runs.

CREATE SEQUENCE delivery_send_seq START 1;

CREATE TABLE deliveries (
    send_id     BIGINT      NOT NULL,  -- one message to one delivery
    run_id      BIGINT,                -- job_runs.run_id; NULL for a manual send
    delivery    VARCHAR     NOT NULL,  -- the name in caseload.yaml
    kind        VARCHAR     NOT NULL,  -- email | folder | wecom | dingtalk | webhook
    message     VARCHAR     NOT NULL,  -- report | alert | recovered | test
    period      VARCHAR,               -- period label, e.g. 2022-10
    attempt     INTEGER     NOT NULL,  -- 1, 2, …
    status      VARCHAR     NOT NULL,  -- succeeded | retrying | failed
    error       VARCHAR,               -- redacted; NULL when succeeded
    bytes       BIGINT      NOT NULL,  -- bytes sent (message size, bytes copied, request bodies)
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    target      VARCHAR     NOT NULL,  -- where, without secrets
    notes       VARCHAR,               -- what was left out (attachment over the limit …), '; '-joined
    PRIMARY KEY (send_id, attempt)
);

-- 投递结果：每次发送一行（最后一次尝试的状态）/ one row per send: its outcome.
CREATE VIEW delivery_results AS
SELECT send_id,
       any_value(run_id)                          AS run_id,
       any_value(delivery)                        AS delivery,
       any_value(kind)                            AS kind,
       any_value(message)                         AS message,
       any_value(period)                          AS period,
       arg_max(status, attempt)                   AS status,
       count(*)                                   AS attempts,
       arg_max_null(error, attempt)               AS error,
       sum(bytes)                                 AS bytes,
       min(started_at)                            AS started_at,
       max(finished_at)                           AS finished_at,
       any_value(target)                          AS target,
       arg_max_null(notes, attempt)               AS notes
FROM deliveries
GROUP BY send_id
ORDER BY started_at DESC, send_id DESC;
