//! Session records for tower-sessions, stored in the database so sessions
//! survive restarts and are shared by every node.

use sqlx::Row;

use crate::{now, Db, DbError, Result};

impl Db {
    /// Inserts a session; [`DbError::Conflict`] if the id exists (the caller picks a new id).
    pub async fn insert_session(&self, id: &str, data: &str, expires_at: i64) -> Result<()> {
        sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(data)
            .bind(expires_at)
            .execute(self.pool())
            .await
            .map_err(DbError::from_insert)?;
        Ok(())
    }

    /// Inserts or replaces a session.
    pub async fn upsert_session(&self, id: &str, data: &str, expires_at: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(data)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Loads an unexpired session's data and expiry.
    pub async fn load_session(&self, id: &str) -> Result<Option<(String, i64)>> {
        let row =
            sqlx::query("SELECT data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(now())
                .fetch_optional(self.pool())
                .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("data")?, r.try_get("expires_at")?)),
            None => None,
        })
    }

    /// Deletes a session.
    pub async fn delete_session(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Deletes expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
