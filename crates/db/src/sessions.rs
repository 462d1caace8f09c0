//! Session records for tower-sessions, stored in the database so sessions
//! survive restarts and are shared by every node. Besides the opaque data, a
//! signed-in session records its user, address and browser, so people can list
//! their sessions and end any of them.

use sqlx::{AnyConnection, Row};

use crate::{now, opt_i64, DbError, Result};

/// What is stored of one session.
#[derive(Debug, Clone, Default)]
pub struct SessionRecord<'a> {
    pub id: &'a str,
    pub data: &'a str,
    pub expires_at: i64,
    pub user_id: Option<i64>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub signed_in_at: Option<i64>,
}

/// A signed-in session as listed to its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub signed_in_at: Option<i64>,
    pub expires_at: i64,
}

/// Inserts a session; [`DbError::Conflict`] if the id exists (the caller picks a new id).
pub async fn insert(c: &mut AnyConnection, s: &SessionRecord<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, data, expires_at, user_id, ip, user_agent, signed_in_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.id)
    .bind(s.data)
    .bind(s.expires_at)
    .bind(s.user_id)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.signed_in_at)
    .execute(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    Ok(())
}

/// Updates an existing session; false when it is gone (ended elsewhere), which
/// is never undone by re-inserting it.
pub async fn update(c: &mut AnyConnection, s: &SessionRecord<'_>) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET data = $2, expires_at = $3, user_id = $4, ip = $5, user_agent = $6, \
         signed_in_at = $7 WHERE id = $1",
    )
    .bind(s.id)
    .bind(s.data)
    .bind(s.expires_at)
    .bind(s.user_id)
    .bind(s.ip)
    .bind(s.user_agent)
    .bind(s.signed_in_at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Loads an unexpired session's data and expiry.
pub async fn load(c: &mut AnyConnection, id: &str) -> Result<Option<(String, i64)>> {
    let row =
        sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(now())
            .fetch_optional(&mut *c)
            .await?;
    Ok(match row {
        Some(r) => Some((r.try_get("data")?, r.try_get("expires_at")?)),
        None => None,
    })
}

/// Deletes a session.
pub async fn delete(c: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// A user's unexpired sessions, most recently active first.
pub async fn list_for_user(c: &mut AnyConnection, user_id: i64) -> Result<Vec<SessionRow>> {
    let rows = sqlx::query(
        "SELECT id, ip, user_agent, signed_in_at, expires_at FROM sessions \
         WHERE user_id = $1 AND expires_at > $2 ORDER BY expires_at DESC",
    )
    .bind(user_id)
    .bind(now())
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SessionRow {
                id: r.try_get("id")?,
                ip: r.try_get("ip")?,
                user_agent: r.try_get("user_agent")?,
                signed_in_at: opt_i64(r, "signed_in_at")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .collect()
}

/// Deletes one of a user's sessions; false when the user has no such session.
pub async fn delete_for_user(c: &mut AnyConnection, user_id: i64, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes every session of a user except `keep`; returns how many.
pub async fn delete_others(c: &mut AnyConnection, user_id: i64, keep: Option<&str>) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

/// Deletes expired sessions; returns how many.
pub async fn delete_expired(c: &mut AnyConnection) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now())
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}
