-- 003 jobs and the scheduler (§8): the run ledger.
-- 任务运行记录：每次运行在开始和结束时各写一次。
--
-- job_runs: one row per run attempt, written when it starts (status running) and when it
-- ends; also one row per tick that was not run (missed, skipped). A run left `running` by a
-- process that died is marked `interrupted` the next time a writer opens the warehouse (the
-- writer lock proves its process is gone). Times are instants (TIMESTAMPTZ); `caseload runs`
-- shows them in the office timezone.
CREATE SEQUENCE run_id_seq START 1;

CREATE TABLE job_runs (
    run_id           BIGINT PRIMARY KEY,
    job              VARCHAR NOT NULL,
    period           VARCHAR,            -- the period's label, e.g. 2022-10
    period_first     DATE,
    period_last      DATE,
    trigger          VARCHAR NOT NULL,   -- schedule | catchup | manual | backfill | retry
    attempt          INTEGER NOT NULL,   -- 1 for the first attempt, 2… for retries
    retry_of         BIGINT,             -- the first attempt's run_id (retries only)
    scheduled_for    TIMESTAMPTZ,        -- the tick it runs for (schedule, catchup, missed, skipped)
    started_at       TIMESTAMPTZ,
    finished_at      TIMESTAMPTZ,
    status           VARCHAR NOT NULL,   -- running | succeeded | failed | timed_out | interrupted | canceled | skipped | missed
    rows_read        BIGINT,
    accepted         BIGINT,
    rejected         BIGINT,
    outputs          VARCHAR[],          -- files the run wrote
    deliveries       JSON,               -- what the deliver step sent (§11)
    error            VARCHAR,
    warnings         VARCHAR[],          -- what went wrong without failing the run (a source glob matching nothing…)
    pid              INTEGER,
    host             VARCHAR,
    heartbeat        TIMESTAMPTZ,        -- last time the run was known alive
    caseload_version VARCHAR,
    fingerprint      VARCHAR             -- of the accepted case data its reports used
);

-- When each job first appeared in caseload.yaml and the last tick the scheduler handled:
-- catch-up never goes back before either.
CREATE TABLE job_state (
    job        VARCHAR PRIMARY KEY,
    first_seen TIMESTAMPTZ NOT NULL,
    last_tick  TIMESTAMPTZ
);

-- 各任务最近状态 / each job's latest run and latest success.
CREATE VIEW job_status AS
SELECT job,
       arg_max(status, run_id)      AS last_status,
       arg_max(period, run_id)      AS last_period,
       max(finished_at)             AS last_finished_at,
       max(finished_at) FILTER (WHERE status = 'succeeded') AS last_success_at,
       count(*) FILTER (WHERE status = 'succeeded')         AS succeeded,
       count(*) FILTER (WHERE status IN ('failed', 'timed_out', 'interrupted')) AS failed,
       count(*) FILTER (WHERE status = 'missed')            AS missed
FROM job_runs
GROUP BY job;
