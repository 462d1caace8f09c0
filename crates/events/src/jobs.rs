//! The job queue's contract: what a job handler is, how a job is enqueued in
//! the transaction that makes it necessary, and when a failed attempt runs
//! again. The queue itself is `trellis_db::jobs`; the runner (claiming, leases,
//! bounded concurrency, a clean stop) is in `trellis-worker`.

use std::time::Duration;

use async_trait::async_trait;
use trellis_db::jobs::{ClaimedJob, NewJob};
use trellis_db::{now_ms, AnyConnection};

use crate::EventError;

/// How an attempt ended, when it did not succeed.
#[derive(Debug)]
pub enum JobFailure {
    /// Worth trying again (after `after`, when the handler knows better than the
    /// schedule, e.g. from a Retry-After header).
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Never worth trying again.
    Permanent(String),
    /// Not attempted (a rate limit held it back): run it again after `after`
    /// without counting this claim as an attempt.
    Postpone { after: Duration },
}

impl JobFailure {
    pub fn retry(error: impl std::fmt::Display) -> Self {
        JobFailure::Retry {
            error: error.to_string(),
            after: None,
        }
    }
}

/// How a run that did its work ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// The runner marks the job done.
    Complete,
    /// The handler already recorded this run's outcome (done, a retry or a
    /// failure: `trellis_db::jobs::{complete, retry, fail}` with the job's
    /// `claimed_by`) in the transaction of its own effect, saving a write; the
    /// runner records nothing more.
    Recorded,
}

/// Runs jobs of one kind.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// The kind of job handled (`artifact.delete`, later `webhook.deliver`, …).
    fn kind(&self) -> &'static str;
    /// Does the job. It may run more than once (at least once delivery): a
    /// handler must be idempotent.
    async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure>;
}

/// Enqueues a job in the caller's transaction (the one that makes it
/// necessary). A job with the same kind and `dedupe` key is enqueued once.
pub async fn enqueue(
    c: &mut AnyConnection,
    kind: &str,
    dedupe: &str,
    event_id: Option<&str>,
    payload: &serde_json::Value,
    max_attempts: i64,
) -> Result<bool, EventError> {
    let payload = serde_json::to_string(payload)?;
    Ok(trellis_db::jobs::enqueue(
        c,
        &NewJob {
            kind,
            dedupe,
            event_id,
            payload: &payload,
            run_at: now_ms(),
            max_attempts,
        },
    )
    .await?)
}

/// The pause before attempt `attempt + 1`, after attempt `attempt` failed:
/// `schedule[attempt - 1]` (the last entry repeats), with up to 20 % jitter
/// either way so failures of many jobs do not retry in step.
pub fn backoff(schedule: &[Duration], attempt: i64) -> Duration {
    let base = schedule
        .get((attempt.max(1) - 1) as usize)
        .or(schedule.last())
        .copied()
        .unwrap_or(Duration::from_secs(5));
    let jitter = rand::random_range(0.8..1.2);
    base.mul_f64(jitter)
}

/// Wakes this process's job runners at once (after committing jobs that are
/// due now), instead of at their next poll. Every runner of the process wakes
/// (tests run several instances in one process).
pub fn wake() {
    WAKE.send_modify(|n| *n = n.wrapping_add(1));
}

/// What a job runner waits on between polls: mark it seen
/// (`borrow_and_update`) before claiming, then wait on `changed()`.
pub fn woken() -> tokio::sync::watch::Receiver<u64> {
    WAKE.subscribe()
}

/// What [`wake`] bumps.
static WAKE: std::sync::LazyLock<tokio::sync::watch::Sender<u64>> =
    std::sync::LazyLock::new(|| tokio::sync::watch::Sender::new(0));

/// The default schedule between attempts of a job.
pub const DEFAULT_SCHEDULE: [Duration; 6] = [
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
    Duration::from_secs(1800),
    Duration::from_secs(3600),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_follows_the_schedule_with_jitter() {
        for attempt in 1..=8 {
            let base = DEFAULT_SCHEDULE[((attempt - 1) as usize).min(5)];
            let d = backoff(&DEFAULT_SCHEDULE, attempt);
            assert!(
                d >= base.mul_f64(0.79) && d <= base.mul_f64(1.21),
                "{attempt}: {d:?}"
            );
        }
    }
}
