//! The job queue (`jobs`): work done once per event and target, claimed under a
//! lease so that work held by a process that died is claimed again.
//!
//! [`claim`] is one statement: on PostgreSQL it takes due rows with
//! `FOR UPDATE SKIP LOCKED`, so several processes share the queue and never
//! claim the same job; SQLite has one writer at a time, so the same statement
//! without the locking clause is already exclusive. This is the one place
//! where the SQL differs by engine (chosen by the connection's backend name).
//! Every state change after a claim names the claimer, so a process whose lease
//! ran out and whose job was claimed again cannot finish it a second time.

use sqlx::{AnyConnection, Row};

use crate::{now_ms, DbError, Result};

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    /// Unique per kind: a second enqueue with the same key is ignored.
    pub dedupe: &'a str,
    /// The event it was made for, which the log keeps while the job is pending.
    pub event_id: Option<&'a str>,
    pub payload: &'a str,
    /// Unix milliseconds.
    pub run_at: i64,
    pub max_attempts: i64,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub dedupe: String,
    pub event_id: Option<String>,
    pub payload: String,
    /// This attempt included.
    pub attempts: i64,
    pub max_attempts: i64,
    /// The process that claimed it (what [`complete`], [`retry`] and [`fail`] take).
    pub claimed_by: String,
}

/// Enqueues a job (in the caller's transaction); returns whether it was new.
pub async fn enqueue(c: &mut AnyConnection, j: &NewJob<'_>) -> Result<bool> {
    Ok(enqueue_many(c, std::slice::from_ref(j)).await? == 1)
}

/// [`enqueue`] for many jobs, in statements of up to 200 rows; returns how
/// many were new.
pub async fn enqueue_many(c: &mut AnyConnection, all: &[NewJob<'_>]) -> Result<u64> {
    let mut fresh = 0;
    let now = now_ms();
    for chunk in all.chunks(200) {
        let sql = format!(
            "INSERT INTO jobs (kind, dedupe, event_id, payload, run_at, max_attempts, created_at) \
             VALUES {} ON CONFLICT (kind, dedupe) DO NOTHING",
            crate::value_rows(chunk.len(), 7)
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for j in chunk {
            q = q
                .bind(j.kind)
                .bind(j.dedupe)
                .bind(j.event_id)
                .bind(j.payload)
                .bind(j.run_at)
                .bind(j.max_attempts)
                .bind(now);
        }
        fresh += q.execute(&mut *c).await?.rows_affected();
    }
    Ok(fresh)
}

/// Whether [`claim`] would find a job of `kinds` now: a read, so that a runner
/// with nothing to do polls without taking the write lock (SQLite) or row locks
/// (PostgreSQL). Uses the same two indexes as the claim.
pub async fn any_claimable(c: &mut AnyConnection, kinds: &[&str]) -> Result<bool> {
    if kinds.is_empty() {
        return Ok(false);
    }
    let kinds_sql = crate::placeholders(2, kinds.len());
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= $1 AND kind IN ({kinds_sql}) \
         UNION ALL \
         SELECT 1 FROM jobs WHERE state = 'running' AND lease_until < $1 AND kind IN ({kinds_sql}) \
         LIMIT 1"
    )))
    .bind(now_ms());
    for k in kinds {
        q = q.bind(*k);
    }
    Ok(q.fetch_optional(&mut *c).await?.is_some())
}

/// Claims up to `limit` due jobs of `kinds` (queued and due, or running with an
/// expired lease) for `claimer`, leased until `lease_until` (unix ms). A process
/// claims only the kinds it can run, so during a rolling upgrade an older
/// process never takes a kind only newer ones know. Each of the two kinds of
/// due job is found through its own index (`jobs_due`, `jobs_lease`), so a
/// claim costs the same with ten or ten million finished jobs in the table.
pub async fn claim(
    c: &mut AnyConnection,
    claimer: &str,
    kinds: &[&str],
    lease_until: i64,
    limit: i64,
) -> Result<Vec<ClaimedJob>> {
    if kinds.is_empty() || limit <= 0 {
        return Ok(Vec::new());
    }
    let mut jobs = claim_where(
        c,
        "state = 'queued' AND run_at <= $3",
        "run_at, id",
        claimer,
        kinds,
        lease_until,
        limit,
    )
    .await?;
    let left = limit - jobs.len() as i64;
    if left > 0 {
        jobs.extend(
            claim_where(
                c,
                "state = 'running' AND lease_until < $3",
                "lease_until, id",
                claimer,
                kinds,
                lease_until,
                left,
            )
            .await?,
        );
    }
    jobs.sort_by_key(|j| j.id);
    Ok(jobs)
}

async fn claim_where(
    c: &mut AnyConnection,
    due: &str,
    order: &str,
    claimer: &str,
    kinds: &[&str],
    lease_until: i64,
    limit: i64,
) -> Result<Vec<ClaimedJob>> {
    let lock = if c.backend_name() == "PostgreSQL" {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let kinds_sql = crate::placeholders(5, kinds.len());
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET state = 'running', claimed_by = $1, lease_until = $2, \
         attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM jobs WHERE {due} AND kind IN ({kinds_sql}) \
           ORDER BY {order} LIMIT $4{lock}) \
         RETURNING id, kind, dedupe, event_id, payload, attempts, max_attempts"
    )))
    .bind(claimer)
    .bind(lease_until)
    .bind(now_ms())
    .bind(limit);
    for k in kinds {
        q = q.bind(*k);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| {
            Ok(ClaimedJob {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                dedupe: r.try_get("dedupe")?,
                event_id: r.try_get("event_id")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
                claimed_by: claimer.to_owned(),
            })
        })
        .collect()
}

/// Marks a job done; false when `claimer` no longer holds it.
pub async fn complete(c: &mut AnyConnection, id: i64, claimer: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'done', finished_at = $1, lease_until = NULL, last_error = NULL \
         WHERE id = $2 AND claimed_by = $3 AND state = 'running'",
    )
    .bind(now_ms())
    .bind(id)
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks many jobs of one claimer done in one statement; returns how many it
/// still held (fewer than `ids.len()` when a lease ran out and another claim
/// took one).
pub async fn complete_many(c: &mut AnyConnection, ids: &[i64], claimer: &str) -> Result<u64> {
    let mut held = 0;
    for chunk in ids.chunks(500) {
        let mut q = sqlx::query(crate::dynamic(c, format!(
            "UPDATE jobs SET state = 'done', finished_at = $1, lease_until = NULL, last_error = NULL \
             WHERE claimed_by = $2 AND state = 'running' AND id IN ({})",
            crate::placeholders(3, chunk.len())
        )))
        .bind(now_ms())
        .bind(claimer);
        for id in chunk {
            q = q.bind(*id);
        }
        held += q.execute(&mut *c).await?.rows_affected();
    }
    Ok(held)
}

/// Puts a failed attempt back in the queue to run at `run_at` (unix ms).
pub async fn retry(
    c: &mut AnyConnection,
    id: i64,
    claimer: &str,
    run_at: i64,
    error: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, lease_until = NULL \
         WHERE id = $3 AND claimed_by = $4 AND state = 'running'",
    )
    .bind(run_at)
    .bind(error)
    .bind(id)
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a job back in the queue to run at `run_at` without counting the
/// attempt that was claimed (it did not happen: e.g. a rate limit held it back).
pub async fn postpone(c: &mut AnyConnection, id: i64, claimer: &str, run_at: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = $1, lease_until = NULL, \
         attempts = attempts - 1 WHERE id = $2 AND claimed_by = $3 AND state = 'running'",
    )
    .bind(run_at)
    .bind(id)
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Queues the job of `kind` and `dedupe` again to run at `run_at` with a fresh
/// count of attempts, if it is queued or finished (a running one is left
/// alone); false when there is no such job (never made, or pruned).
pub async fn requeue(c: &mut AnyConnection, kind: &str, dedupe: &str, run_at: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = $1, attempts = 0, claimed_by = NULL, \
         lease_until = NULL, finished_at = NULL WHERE kind = $2 AND dedupe = $3 \
         AND state IN ('queued', 'done', 'failed')",
    )
    .bind(run_at)
    .bind(kind)
    .bind(dedupe)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a job of `kind` and `dedupe` is running now.
pub async fn is_running(c: &mut AnyConnection, kind: &str, dedupe: &str) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM jobs WHERE kind = $1 AND dedupe = $2 AND state = 'running'",
    )
    .bind(kind)
    .bind(dedupe)
    .fetch_optional(&mut *c)
    .await?;
    Ok(row.is_some())
}

/// Gives up on a job after its last attempt.
pub async fn fail(c: &mut AnyConnection, id: i64, claimer: &str, error: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, lease_until = NULL \
         WHERE id = $3 AND claimed_by = $4 AND state = 'running'",
    )
    .bind(now_ms())
    .bind(error)
    .bind(id)
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands a job back unfinished (a clean stop): it runs again at once, and the
/// interrupted attempt does not count.
pub async fn release(c: &mut AnyConnection, id: i64, claimer: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', claimed_by = NULL, lease_until = NULL, \
         attempts = attempts - 1 WHERE id = $1 AND claimed_by = $2 AND state = 'running'",
    )
    .bind(id)
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands back every job `claimer` is running (a clean stop); returns how many.
pub async fn release_all(c: &mut AnyConnection, claimer: &str) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'queued', claimed_by = NULL, lease_until = NULL, \
         attempts = attempts - 1 WHERE claimed_by = $1 AND state = 'running'",
    )
    .bind(claimer)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected())
}

/// Extends the lease of every job `claimer` is running; returns how many.
pub async fn renew(c: &mut AnyConnection, claimer: &str, lease_until: i64) -> Result<u64> {
    let done =
        sqlx::query("UPDATE jobs SET lease_until = $1 WHERE claimed_by = $2 AND state = 'running'")
            .bind(lease_until)
            .bind(claimer)
            .execute(&mut *c)
            .await?;
    Ok(done.rows_affected())
}

/// The queue at a glance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub queued: i64,
    /// Queued and due now.
    pub due: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
    /// When the oldest job still waiting was due (unix ms).
    pub oldest_due_at: Option<i64>,
}

/// Whether any job of `kind` is still to run (queued or running), for waiting
/// until a queue has drained: it stops at the first such job found through the
/// state indexes, where [`stats`] counts every row of the table (after a burst
/// it still steps over the dead index entries of the jobs already claimed).
pub async fn any_unfinished(c: &mut AnyConnection, kind: &str) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM jobs WHERE state IN ('queued', 'running') AND kind = $1 LIMIT 1",
    )
    .bind(kind)
    .fetch_optional(&mut *c)
    .await?
    .is_some())
}

/// Counts jobs by state.
pub async fn stats(c: &mut AnyConnection) -> Result<QueueStats> {
    let now = now_ms();
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
        .fetch_all(&mut *c)
        .await?;
    let mut s = QueueStats::default();
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("state")?.as_str() {
            "queued" => s.queued = n,
            "running" => s.running = n,
            "done" => s.done = n,
            "failed" => s.failed = n,
            other => {
                return Err(DbError::Corrupt {
                    column: "jobs.state".into(),
                    reason: format!("unknown state {other:?}"),
                })
            }
        }
    }
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(run_at) AS oldest FROM jobs WHERE state = 'queued' AND run_at <= $1",
    )
    .bind(now)
    .fetch_one(&mut *c)
    .await?;
    s.due = row.try_get("n")?;
    s.oldest_due_at = crate::opt_i64(&row, "oldest")?;
    Ok(s)
}

/// A job as listed for the admin page.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub dedupe: String,
    pub event_id: Option<String>,
    pub state: String,
    pub run_at: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// The most recent jobs in `state` (every state when `None`), newest first.
pub async fn recent(c: &mut AnyConnection, state: Option<&str>, limit: i64) -> Result<Vec<JobRow>> {
    let filter = if state.is_some() {
        "WHERE state = $2"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, kind, dedupe, event_id, state, run_at, attempts, max_attempts, claimed_by, \
         last_error, created_at, finished_at FROM jobs {filter} ORDER BY id DESC LIMIT $1"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
    if let Some(s) = state {
        q = q.bind(s);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| {
            Ok(JobRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                dedupe: r.try_get("dedupe")?,
                event_id: r.try_get("event_id")?,
                state: r.try_get("state")?,
                run_at: r.try_get("run_at")?,
                attempts: r.try_get("attempts")?,
                max_attempts: r.try_get("max_attempts")?,
                claimed_by: r.try_get("claimed_by")?,
                last_error: r.try_get("last_error")?,
                created_at: r.try_get("created_at")?,
                finished_at: crate::opt_i64(r, "finished_at")?,
            })
        })
        .collect()
}

/// Deletes finished jobs (done or failed) that finished before `before_ms`.
pub async fn prune(c: &mut AnyConnection, before_ms: i64) -> Result<u64> {
    let done =
        sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1")
            .bind(before_ms)
            .execute(&mut *c)
            .await?;
    Ok(done.rows_affected())
}
