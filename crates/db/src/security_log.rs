//! Each user's security log: sign-ins and their failures, password changes,
//! token creation, revocation and use, session ends. Readable by that user.

use sqlx::{AnyConnection, Row};

use crate::{now, Result};

/// One entry.
#[derive(Debug, Clone)]
pub struct SecurityEventRow {
    pub id: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub detail: String,
    pub at: i64,
}

/// Appends an entry to a user's log.
pub async fn record(
    c: &mut AnyConnection,
    user_id: i64,
    kind: &str,
    ip: Option<&str>,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO security_events (user_id, kind, ip, detail, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(kind)
    .bind(ip)
    .bind(detail)
    .bind(now())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A user's entries, newest first, before id `before` (a cursor) when given.
pub async fn list(
    c: &mut AnyConnection,
    user_id: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<SecurityEventRow>> {
    let rows = sqlx::query(
        "SELECT id, kind, ip, detail, at FROM security_events WHERE user_id = $1 AND id < $2 \
         ORDER BY id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SecurityEventRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                ip: r.try_get("ip")?,
                detail: r.try_get("detail")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Drops entries older than `days` (housekeeping); returns how many.
pub async fn prune(c: &mut AnyConnection, days: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM security_events WHERE at < $1")
        .bind(now() - days * 86_400)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}
