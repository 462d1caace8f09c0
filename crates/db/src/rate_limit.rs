//! Failed sign-in bookkeeping, in the database so limits hold across nodes.

use sqlx::Row;

use crate::{now, Db, Result};

impl Db {
    /// Records one failed attempt under `key` (e.g. `user:alice` or `ip:1.2.3.4`).
    pub async fn record_login_failure(&self, key: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)")
            .bind(key)
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Failures under `key` in the last `window_secs`, and the oldest of them.
    pub async fn login_failures_since(
        &self,
        key: &str,
        window_secs: i64,
    ) -> Result<(i64, Option<i64>)> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures \
             WHERE key = $1 AND failed_at > $2",
        )
        .bind(key)
        .bind(now() - window_secs)
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("n")?, row.try_get::<Option<i64>, _>("oldest")?))
    }

    /// Forgets failures under `key` (after a successful sign-in).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Drops failures older than `window_secs` (housekeeping).
    pub async fn prune_login_failures(&self, window_secs: i64) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(now() - window_secs)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
