//! Idempotency keys of creating REST requests (table `idempotency_keys`).
//!
//! A key belongs to a scope (the calling user's id). [`claim`] takes it with one
//! atomic `INSERT … ON CONFLICT DO NOTHING` before the request runs, so two
//! requests with the same key can never both run; the loser gets the row that
//! is there. [`complete`] stores the answer to replay; [`release`] gives the key
//! back (a 5xx, or an answer that could not be kept) so a retry can run.
//! Rows older than the retention are expired: [`claim`] treats them as absent
//! and [`prune`] (housekeeping) deletes them. A claim still `in_progress` after
//! the stale limit is taken over too (its request was cut off before finishing).
//!
//! The body is stored as the caller hands it over: the server encrypts it first.

use sqlx::{AnyConnection, Row};

use crate::{now, Result};

/// A stored key, as [`claim`] finds it when another request holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRow {
    pub fingerprint: String,
    /// `true` once the answer is stored.
    pub done: bool,
    pub status: Option<i64>,
    /// The answer's kept headers, as the server serialised them.
    pub headers: Option<String>,
    /// The answer's body, as the server sealed it.
    pub body: Option<String>,
    pub created_at: i64,
}

/// What [`claim`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is ours now: run the request, then [`complete`] or [`release`].
    Claimed,
    /// Another request holds (or answered) the key.
    Taken(IdempotencyRow),
}

/// Claims `key` for `scope` with `fingerprint`. Rows created before `expired_before`
/// (and claims still in progress created before `stale_before`) count as absent.
pub async fn claim(
    c: &mut AnyConnection,
    scope: i64,
    key: &str,
    fingerprint: &str,
    expired_before: i64,
    stale_before: i64,
) -> Result<Claim> {
    // The row may vanish between the insert and the read (released by its request):
    // then the next round claims it.
    for _ in 0..3 {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 \
             AND (created_at < $3 OR (state = 'in_progress' AND created_at < $4))",
        )
        .bind(scope)
        .bind(key)
        .bind(expired_before)
        .bind(stale_before)
        .execute(&mut *c)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, state, created_at) \
             VALUES ($1, $2, $3, 'in_progress', $4) ON CONFLICT (scope, key) DO NOTHING",
        )
        .bind(scope)
        .bind(key)
        .bind(fingerprint)
        .bind(now())
        .execute(&mut *c)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Claim::Claimed);
        }
        if let Some(row) = get(c, scope, key).await? {
            return Ok(Claim::Taken(row));
        }
    }
    Err(sqlx::Error::Protocol("an idempotency key kept changing hands".into()).into())
}

/// The stored row of `key` for `scope`, if any.
pub async fn get(c: &mut AnyConnection, scope: i64, key: &str) -> Result<Option<IdempotencyRow>> {
    let row = sqlx::query(
        "SELECT fingerprint, state, status, headers, body, created_at \
         FROM idempotency_keys WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(IdempotencyRow {
        fingerprint: r.try_get("fingerprint")?,
        done: r.try_get::<String, _>("state")? == "done",
        status: crate::opt_i64(&r, "status")?,
        headers: r.try_get("headers")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
    }))
}

/// Stores the answer of the request holding `key`, which is then replayed.
pub async fn complete(
    c: &mut AnyConnection,
    scope: i64,
    key: &str,
    status: i64,
    headers: &str,
    body: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET state = 'done', status = $3, headers = $4, body = $5 \
         WHERE scope = $1 AND key = $2",
    )
    .bind(scope)
    .bind(key)
    .bind(status)
    .bind(headers)
    .bind(body)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Gives back a key still in progress, so that a retry can run.
pub async fn release(c: &mut AnyConnection, scope: i64, key: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'in_progress'",
    )
    .bind(scope)
    .bind(key)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Deletes keys created more than `older_than_secs` ago (housekeeping); returns how many.
pub async fn prune(c: &mut AnyConnection, older_than_secs: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(now() - older_than_secs)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}
