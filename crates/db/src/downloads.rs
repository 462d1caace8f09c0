//! Download statistics: per-version per-day counts and distinct installs.
//! Written only by the periodic flush of the in-memory counter, never on the
//! download request path.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};

use crate::{now, Result};

/// One `(plugin id, version, day 'YYYY-MM-DD')` count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    pub plugin_id: String,
    pub version: String,
    pub day: String,
    pub downloads: i64,
}

/// Adds counts and first installs (run it in a transaction). Counts are added to
/// what is stored; an install already recorded is left alone.
pub async fn add(
    c: &mut AnyConnection,
    counts: &[DailyCount],
    installs: &[(String, i64)],
) -> Result<()> {
    for d in counts {
        sqlx::query(
            "INSERT INTO version_downloads_daily (plugin_id, version, day, downloads) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (plugin_id, version, day) \
             DO UPDATE SET downloads = version_downloads_daily.downloads + excluded.downloads",
        )
        .bind(&d.plugin_id)
        .bind(&d.version)
        .bind(&d.day)
        .bind(d.downloads)
        .execute(&mut *c)
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
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Every stored daily count of a plugin, by version then day.
pub async fn daily(c: &mut AnyConnection, plugin_id: &str) -> Result<Vec<DailyCount>> {
    let rows = sqlx::query(
        "SELECT plugin_id, version, day, downloads FROM version_downloads_daily WHERE plugin_id = $1 ORDER BY version, day",
    )
    .bind(plugin_id)
    .fetch_all(&mut *c)
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

/// Stored download totals of a plugin per version (summed in the database), the
/// downloads an imported catalogue counted included.
pub async fn by_version(c: &mut AnyConnection, plugin_id: &str) -> Result<HashMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT version, CAST(SUM(n) AS BIGINT) AS n FROM ( \
         SELECT version, downloads AS n FROM version_downloads_daily WHERE plugin_id = $1 \
         UNION ALL SELECT version, imported_downloads AS n FROM plugin_versions \
         WHERE plugin_id = $1 AND imported_downloads > 0) t GROUP BY version",
    )
    .bind(plugin_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("version")?, r.try_get("n")?)))
        .collect()
}

/// Download totals (with the downloads imported catalogues counted) and distinct
/// installs of each of `plugin_ids`, in three queries: `id -> (downloads,
/// installs)`; plugins with neither are absent.
pub async fn totals(
    c: &mut AnyConnection,
    plugin_ids: &[String],
) -> Result<HashMap<String, (i64, i64)>> {
    let mut out: HashMap<String, (i64, i64)> = HashMap::new();
    if plugin_ids.is_empty() {
        return Ok(out);
    }
    let list = crate::placeholders(1, plugin_ids.len());
    let queries = [
        format!(
            "SELECT plugin_id, CAST(SUM(downloads) AS BIGINT) AS n FROM version_downloads_daily \
             WHERE plugin_id IN ({list}) GROUP BY plugin_id"
        ),
        format!(
            "SELECT plugin_id, COUNT(*) AS n FROM plugin_installs WHERE plugin_id IN ({list}) GROUP BY plugin_id"
        ),
        format!(
            "SELECT plugin_id, CAST(SUM(imported_downloads) AS BIGINT) AS n FROM plugin_versions \
             WHERE plugin_id IN ({list}) AND imported_downloads > 0 GROUP BY plugin_id"
        ),
    ];
    for (i, sql) in queries.into_iter().enumerate() {
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for id in plugin_ids {
            q = q.bind(id.as_str());
        }
        for r in q.fetch_all(&mut *c).await? {
            let e = out.entry(r.try_get("plugin_id")?).or_default();
            let n: i64 = r.try_get("n")?;
            match i {
                1 => e.1 = n,
                _ => e.0 += n,
            }
        }
    }
    Ok(out)
}

/// Downloads the catalogue a plugin was imported from counted (0 for others).
pub async fn imported(c: &mut AnyConnection, plugin_id: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(imported_downloads), 0) AS BIGINT) AS n FROM plugin_versions \
         WHERE plugin_id = $1",
    )
    .bind(plugin_id)
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get("n")?)
}

/// How many distinct users installed the plugin.
pub async fn installs(c: &mut AnyConnection, plugin_id: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM plugin_installs WHERE plugin_id = $1")
        .bind(plugin_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("n")?)
}

/// `(id, display name, total downloads)` of plugins with at least `min_downloads`
/// downloads: the names protected against typosquatting.
pub async fn popular(
    c: &mut AnyConnection,
    min_downloads: i64,
) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT p.id AS id, p.display_name AS display_name, CAST(SUM(d.downloads) AS BIGINT) AS total \
         FROM plugins p JOIN version_downloads_daily d ON d.plugin_id = p.id \
         GROUP BY p.id, p.display_name HAVING SUM(d.downloads) >= $1",
    )
    .bind(min_downloads)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("display_name")?,
                r.try_get("total")?,
            ))
        })
        .collect()
}
