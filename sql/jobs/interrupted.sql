-- 中断的运行 / runs left `running` by a process that died (§8).
--
-- Run by a writer right after it took the writer lock: a run holds that lock from its start
-- to its end, so a `running` row seen by the lock holder belongs to a process that is gone
-- (SIGKILL, power cut). It becomes `interrupted`; the rows are returned so that the caller
-- can alert. Its pull, if it had not committed, left the warehouse as before (generations).
UPDATE job_runs
SET status      = 'interrupted',
    finished_at = now(),
    error       = coalesce(error || '; ', '') ||
                  'the process (PID ' || coalesce(pid::VARCHAR, '?') || ' on ' || coalesce(host, '?') ||
                  ') ended without finishing the run; last sign of life ' ||
                  coalesce(strftime(heartbeat, '%Y-%m-%d %H:%M:%S%z'), 'unknown')
WHERE status = 'running'
RETURNING run_id, job, coalesce(period, ''), attempt, error;
