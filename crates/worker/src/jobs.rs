//! The job runner: claims due jobs from the queue (`trellis_db::jobs`) under a
//! lease, runs up to `concurrency` at once with the handler of their kind,
//! renews the leases of what it runs, and records each outcome (done, retry on
//! the schedule, failed after the last attempt). On stop it claims nothing
//! more, lets running jobs finish for a short while, and hands back those that
//! did not: they run again at once elsewhere, the interrupted attempt not
//! counted. A process that dies without handing back loses nothing either: its
//! leases run out and the jobs are claimed again. While it has nothing to do,
//! it polls with a read and claims (a write) only when that read finds a job
//! due, or when this process committed one (a wake-up).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use trellis_db::jobs::{self, ClaimedJob};

use trellis_db::{now_ms, Db};
use trellis_events::jobs::{backoff, Done, JobFailure, JobHandler, DEFAULT_SCHEDULE};

use crate::supervisor::{Stop, WorkerError};

/// How the runner behaves.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// This process's name in `claimed_by` (unique per process).
    pub claimer: String,
    /// Jobs run at once, at most.
    pub concurrency: usize,
    /// How long a claim holds without renewal.
    pub lease: Duration,
    /// Pause between polls when the queue had nothing due.
    pub poll: Duration,
    /// How long running jobs may go on after the stop signal.
    pub stop_grace: Duration,
}

/// Runs the queue until `stop` fires.
pub async fn run(
    db: Db,
    handlers: Arc<HashMap<&'static str, Arc<dyn JobHandler>>>,
    cfg: RunnerConfig,
    mut stop: Stop,
) -> Result<(), WorkerError> {
    let kinds: Vec<&'static str> = handlers.keys().copied().collect();
    // Each task runs its job and records the outcome itself; the loop only
    // claims, in batches once half the slots are free, and renews leases.
    let mut running: JoinSet<Result<(), WorkerError>> = JoinSet::new();
    let mut renew = tokio::time::interval(cfg.lease / 3);
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let refill_at = cfg.concurrency.div_ceil(2);
    let mut woken = trellis_events::jobs::woken();
    // The last claim found nothing and nothing runs: until a wake-up, poll with
    // a read, and claim (a write) only when it finds a job due.
    let mut idle = false;
    loop {
        if stop.is_stopped() {
            break;
        }
        let free = cfg.concurrency.saturating_sub(running.len());
        let mut claimed = 0;
        if free >= refill_at || running.is_empty() {
            // Seen before claiming: jobs committed from here on wake the wait below.
            let was_woken = woken.has_changed().unwrap_or(false);
            woken.borrow_and_update();
            let lease_until = now_ms() + cfg.lease.as_millis() as i64;
            // A failed claim (database busy or unreachable) is retried after a
            // poll; it never ends the runner, whose running jobs would be lost
            // until their leases ran out.
            let batch = match claim_if_due(
                &db,
                &cfg.claimer,
                &kinds,
                lease_until,
                free as i64,
                idle && !was_woken,
            )
            .await
            {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim jobs; trying again");
                    Vec::new()
                }
            };
            claimed = batch.len();
            idle = claimed == 0 && running.is_empty();
            for job in batch {
                let handler = handlers.get(job.kind.as_str()).cloned();
                let (db, cfg) = (db.clone(), cfg.clone());
                running.spawn(async move {
                    let outcome = match handler {
                        Some(h) => h.run(&job).await,
                        None => Err(JobFailure::retry(format!(
                            "no handler for job kind `{}` in this process",
                            job.kind
                        ))),
                    };
                    settle(&db, &cfg, job, outcome).await
                });
            }
        }
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                match done {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not record a job's outcome; its lease will run out and it runs again"),
                    Err(e) => tracing::error!(error = %e, "a job panicked; its lease will run out and it runs again"),
                }
            }
            _ = renew.tick() => {
                if !running.is_empty() {
                    let until = now_ms() + cfg.lease.as_millis() as i64;
                    let renewed = async { jobs::renew(&mut *db.write_conn().await?, &cfg.claimer, until).await };
                    if let Err(e) = renewed.await {
                        tracing::warn!(error = %e, "could not renew job leases; trying again at the next tick");
                    }
                }
            }
            _ = tokio::time::sleep(cfg.poll), if claimed == 0 => {}
            // Jobs due now were committed in this process (the webhook
            // dispatcher): claim them if there is room, also while the jobs
            // of a partial batch run (seen as changed only after the claim
            // above, so this does not spin).
            _ = woken.changed(), if running.len() + refill_at <= cfg.concurrency => {}
            _ = stop.stopped() => {}
        }
    }
    // Stopping: let running jobs finish for a while, then hand back the rest.
    let deadline = tokio::time::Instant::now() + cfg.stop_grace;
    while !running.is_empty() {
        match tokio::time::timeout_at(deadline, running.join_next()).await {
            Ok(Some(Ok(Ok(())))) => {}
            Ok(Some(Ok(Err(e)))) => {
                tracing::warn!(error = %e, "could not record a job's outcome during stop")
            }
            Ok(Some(Err(e))) => tracing::error!(error = %e, "a job panicked during stop"),
            Ok(None) => break,
            Err(_) => break,
        }
    }
    running.abort_all();
    let left = jobs::release_all(&mut *db.write_conn().await?, &cfg.claimer).await?;
    if left > 0 {
        tracing::info!(jobs = left, "handed unfinished jobs back to the queue");
    }
    Ok(())
}

/// Claims due jobs; when `look_first`, only after a read found one due.
async fn claim_if_due(
    db: &Db,
    claimer: &str,
    kinds: &[&'static str],
    lease_until: i64,
    limit: i64,
    look_first: bool,
) -> Result<Vec<ClaimedJob>, trellis_db::DbError> {
    if look_first && !jobs::any_claimable(&mut *db.conn().await?, kinds).await? {
        return Ok(Vec::new());
    }
    // Claims are writes: on SQLite they wait for their turn in memory.
    jobs::claim(
        &mut *db.write_conn().await?,
        claimer,
        kinds,
        lease_until,
        limit,
    )
    .await
}

/// Records how an attempt ended, trying a few times over a few seconds when the
/// database refuses (busy, or a connection lost): a job whose outcome is not
/// recorded runs again once its lease runs out.
async fn settle(
    db: &Db,
    cfg: &RunnerConfig,
    job: ClaimedJob,
    r: Result<Done, JobFailure>,
) -> Result<(), WorkerError> {
    if matches!(r, Ok(Done::Recorded)) {
        return Ok(());
    }
    let mut pause = Duration::from_millis(50);
    let mut tries = 0;
    loop {
        match settle_once(db, cfg, &job, &r).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 6 => {
                tracing::debug!(job = job.id, error = %e, "could not record a job's outcome yet");
                tokio::time::sleep(pause).await;
                pause *= 2;
                tries += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn settle_once(
    db: &Db,
    cfg: &RunnerConfig,
    job: &ClaimedJob,
    r: &Result<Done, JobFailure>,
) -> Result<(), WorkerError> {
    let mut c = db.write_conn().await?;
    let held = match r {
        Ok(Done::Complete) => jobs::complete(&mut c, job.id, &cfg.claimer).await?,
        Ok(Done::Recorded) => true,
        Err(JobFailure::Permanent(e)) => {
            tracing::warn!(
                job = job.id,
                kind = job.kind,
                error = e,
                "job failed for good"
            );
            jobs::fail(&mut c, job.id, &cfg.claimer, e).await?
        }
        Err(JobFailure::Postpone { after }) => {
            jobs::postpone(
                &mut c,
                job.id,
                &cfg.claimer,
                now_ms() + after.as_millis() as i64,
            )
            .await?
        }
        Err(JobFailure::Retry { error, after }) if job.attempts >= job.max_attempts => {
            tracing::warn!(
                job = job.id,
                kind = job.kind,
                error,
                "job failed its last attempt"
            );
            let _ = after;
            jobs::fail(&mut c, job.id, &cfg.claimer, error).await?
        }
        Err(JobFailure::Retry { error, after }) => {
            let pause = after.unwrap_or_else(|| backoff(&DEFAULT_SCHEDULE, job.attempts));
            tracing::info!(
                job = job.id,
                kind = job.kind,
                error,
                ?pause,
                "job will be retried"
            );
            jobs::retry(
                &mut c,
                job.id,
                &cfg.claimer,
                now_ms() + pause.as_millis() as i64,
                error,
            )
            .await?
        }
    };
    if !held {
        tracing::warn!(
            job = job.id,
            "the job's lease ran out before it finished; it was claimed again"
        );
    }
    Ok(())
}
