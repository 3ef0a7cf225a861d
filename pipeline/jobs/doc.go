// Package jobs runs the jobs of caseload.yaml (SPEC §8): one run at a time by `caseload run`,
// and on their schedules by the Scheduler of `caseload schedule`. Every run is on record in
// job_runs.
//
// # A run
//
// An attempt takes the warehouse for writing (the writer lock, waiting for another caseload
// when the Env's Open says so), records its row `running` in a generation of its own, runs
// the job's steps under the job's timeout, and records how it ended (`succeeded`, `failed`,
// `timed_out`, `canceled`) in another generation before it releases the warehouse. The lock
// is held from the start row to the end row, and the lock file names the run
// ("caseload run monthly-report 2022-10 (run 17)") so that a busy message does too. Because
// every running run holds the lock, a `running` row seen by the lock holder belongs to a
// process that died: the warehouse marks it `interrupted` at open (sql/jobs/interrupted.sql)
// and the opener alerts. Readers (`caseload runs`) show such a row interrupted at once.
//
// Steps: pull (ingest.Pull, which commits its own generation), report (the report writers,
// given by the CLI), deliver (pipeline/deliver). A step's panic is recovered into a failed
// run with the panic's message. A data-quality gate failure lets the later steps run (the
// reports of the data as it is are wanted) and fails the run without retry.
//
// Retries: a failed attempt that is not Permanent (a quality gate, a usage error, a failed
// delivery — whose own retries already ran, and whose other targets were already sent) is
// retried `retries` times after retry_backoff, doubling, capped at an hour, ±20% jitter.
// Each attempt is a row; later ones have trigger retry and retry_of the first's id. A timed
// out attempt is not retried (it would most likely time out again).
//
// Alerts are state changes, never one per attempt: the job's state is its last final status
// among succeeded, failed, timed_out, interrupted and missed (earlier attempts of the same
// run left out). A bad end alerts when the state was good, unknown or a different bad one; a
// success alerts "recovered" when the state was bad. Alerts go to the alerts: deliveries and
// are recorded in deliveries with the run's id; Env.Alert is told too (tests).
//
// # The scheduler
//
// Timing comes from pipeline/schedule (ISC cron rules in the office timezone). The loop
// looks at the injected clock at least once a minute — a single long timer would drift
// after a suspend — and handles the ticks that came due since the last it handled:
//
//   - one tick on time (less than two minutes late) runs with trigger schedule, unless the
//     job's previous run is still going: then it is recorded skipped (a job never overlaps
//     itself);
//   - several ticks, or one much later than its time (the machine was asleep), and at
//     start-up the ticks since the job's last handled tick (job_state; never before the job
//     first appeared in caseload.yaml), follow the job's catchup policy: latest runs the most
//     recent (trigger catchup) and records the others missed; all runs the most recent
//     max_catchup, oldest first, and records the rest missed; none records them all missed.
//     The latest 100 missed ticks get a row each, earlier ones one summing row. A catch-up
//     tick whose period already has a succeeded run is recorded skipped, not run again.
//
// Runs of different jobs take the warehouse one at a time (Env.Writer: the writer lock is per
// open file description, so a second Open in the same process would be refused rather than
// queued). Missed and skipped rows are queued and written as soon as the warehouse is free;
// a run writes the queue first, so that its alert sees the job's state as it is.
//
// Shutdown: the scheduler starts nothing new, waits up to the grace (60 s, below systemd's
// TimeoutStopSec) for runs under way, then cancels them (recorded canceled: their generation
// is discarded, their report files were never half-written) and returns nil.
//
// Every run holds the warehouse only while it runs, so terminal commands work between runs.
package jobs
