//! Download statistics: per-version per-day counts and distinct installs.
//! Written only by the periodic flush of the in-memory counter, never on the
//! download request path.

use sqlx::Row;

use crate::{now, Db, Result};

/// One `(plugin id, version, day 'YYYY-MM-DD')` count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    pub plugin_id: String,
    pub version: String,
    pub day: String,
    pub downloads: i64,
}

impl Db {
    /// Adds counts and first installs in one transaction. Counts are added to what is
    /// stored; an install already recorded is left alone.
    pub async fn flush_downloads(
        &self,
        counts: &[DailyCount],
        installs: &[(String, i64)],
    ) -> Result<()> {
        if counts.is_empty() && installs.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        for c in counts {
            sqlx::query(
                "INSERT INTO version_downloads_daily (plugin_id, version, day, downloads) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (plugin_id, version, day) \
                 DO UPDATE SET downloads = version_downloads_daily.downloads + excluded.downloads",
            )
            .bind(&c.plugin_id)
            .bind(&c.version)
            .bind(&c.day)
            .bind(c.downloads)
            .execute(&mut *tx)
            .await?;
        }
        let t = now();
        for (plugin_id, user_id) in installs {
            sqlx::query(
                "INSERT INTO plugin_installs (plugin_id, user_id, first_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (plugin_id, user_id) DO NOTHING",
            )
            .bind(plugin_id)
            .bind(user_id)
            .bind(t)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every stored daily count of a plugin, by version then day.
    pub async fn plugin_daily_downloads(&self, plugin_id: &str) -> Result<Vec<DailyCount>> {
        let rows = sqlx::query(
            "SELECT plugin_id, version, day, downloads FROM version_downloads_daily WHERE plugin_id = $1 ORDER BY version, day",
        )
        .bind(plugin_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DailyCount {
                    plugin_id: r.try_get("plugin_id")?,
                    version: r.try_get("version")?,
                    day: r.try_get("day")?,
                    downloads: r.try_get("downloads")?,
                })
            })
            .collect()
    }

    /// Stored download totals of a plugin per version (summed in the database).
    pub async fn plugin_downloads_by_version(&self, plugin_id: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT version, CAST(SUM(downloads) AS BIGINT) AS n FROM version_downloads_daily \
             WHERE plugin_id = $1 GROUP BY version",
        )
        .bind(plugin_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("version")?, r.try_get("n")?)))
            .collect()
    }

    /// How many distinct users installed the plugin.
    pub async fn plugin_installs(&self, plugin_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM plugin_installs WHERE plugin_id = $1")
            .bind(plugin_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
