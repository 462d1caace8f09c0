//! Statistics beyond the raw download counts (`downloads`): the daily salts of
//! installer keys, the keys themselves (`install_keys`, deleted with their
//! salt), unique installs per plugin per day (`plugin_installs_daily`), and the
//! range reads the statistics service draws its series from. Days are UTC
//! `YYYY-MM-DD` text, so they compare and sort as text.

use std::collections::BTreeMap;

use sqlx::{AnyConnection, Row};

use crate::{now, Result};

/// Rows per multi-row statement (3 parameters each).
const CHUNK: usize = 300;

/// The salt of `day` (hex), if one was made.
pub async fn salt(c: &mut AnyConnection, day: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT salt FROM stats_salts WHERE day = $1")
        .bind(day)
        .fetch_optional(&mut *c)
        .await?;
    Ok(row.map(|r| r.try_get("salt")).transpose()?)
}

/// Stores `salt` as the salt of `day` unless another node stored one first (read
/// it back with [`salt`]: the first one stored is the day's salt).
pub async fn insert_salt(c: &mut AnyConnection, day: &str, salt: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO stats_salts (day, salt, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO NOTHING",
    )
    .bind(day)
    .bind(salt)
    .bind(now())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// One installer's key for a plugin on a day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstallKey {
    pub plugin_id: String,
    pub day: String,
    pub key: String,
}

/// Stores installer keys (run it in the flush's transaction): each key new to
/// its plugin and day adds one to that day's unique installs; a key already
/// stored adds nothing. Returns how many keys were new.
pub async fn add_install_keys(c: &mut AnyConnection, keys: &[InstallKey]) -> Result<u64> {
    let mut new: BTreeMap<(String, String), i64> = BTreeMap::new();
    for chunk in keys.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO install_keys (day, plugin_id, installer_key) VALUES {values} \
             ON CONFLICT (day, plugin_id, installer_key) DO NOTHING RETURNING day, plugin_id"
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for k in chunk {
            q = q
                .bind(k.day.as_str())
                .bind(k.plugin_id.as_str())
                .bind(k.key.as_str());
        }
        for r in q.fetch_all(&mut *c).await? {
            *new.entry((r.try_get("plugin_id")?, r.try_get("day")?))
                .or_default() += 1;
        }
    }
    let mut added = 0u64;
    for ((plugin_id, day), n) in new {
        sqlx::query(
            "INSERT INTO plugin_installs_daily (plugin_id, day, installs) VALUES ($1, $2, $3) \
             ON CONFLICT (plugin_id, day) \
             DO UPDATE SET installs = plugin_installs_daily.installs + excluded.installs",
        )
        .bind(&plugin_id)
        .bind(&day)
        .bind(n)
        .execute(&mut *c)
        .await?;
        added += n as u64;
    }
    Ok(added)
}

/// Deletes the salts and installer keys of days before `day`: `(salts, keys)`
/// removed. The unique-install counts stay.
pub async fn prune_before(c: &mut AnyConnection, day: &str) -> Result<(u64, u64)> {
    let keys = sqlx::query("DELETE FROM install_keys WHERE day < $1")
        .bind(day)
        .execute(&mut *c)
        .await?
        .rows_affected();
    let salts = sqlx::query("DELETE FROM stats_salts WHERE day < $1")
        .bind(day)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok((salts, keys))
}

/// A plugin's unique installs per day from `from` to `to` (inclusive), oldest
/// first; days without any are absent.
pub async fn daily_installs(
    c: &mut AnyConnection,
    plugin_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT day, installs AS n FROM plugin_installs_daily \
         WHERE plugin_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(plugin_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("day")?, r.try_get("n")?)))
        .collect()
}

/// A plugin's daily counts per version from `from` to `to` (inclusive):
/// `(version, day, downloads)`, by day then version.
pub async fn version_days(
    c: &mut AnyConnection,
    plugin_id: &str,
    from: &str,
    to: &str,
) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT version, day, downloads FROM version_downloads_daily \
         WHERE plugin_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, version",
    )
    .bind(plugin_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("version")?,
                r.try_get("day")?,
                r.try_get("downloads")?,
            ))
        })
        .collect()
}

/// A plugin's unique installs over every day counted.
pub async fn installs_total(c: &mut AnyConnection, plugin_id: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(installs), 0) AS BIGINT) AS n FROM plugin_installs_daily \
         WHERE plugin_id = $1",
    )
    .bind(plugin_id)
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get("n")?)
}

/// The first day a plugin has a stored download count, if any.
pub async fn first_download_day(c: &mut AnyConnection, plugin_id: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT MIN(day) AS d FROM version_downloads_daily WHERE plugin_id = $1")
        .bind(plugin_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("d")?)
}

/// The first day this instance counted unique installs of any plugin (they were
/// not counted before this feature), if any.
pub async fn installs_counted_since(c: &mut AnyConnection) -> Result<Option<String>> {
    let row = sqlx::query("SELECT MIN(day) AS d FROM plugin_installs_daily")
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("d")?)
}
