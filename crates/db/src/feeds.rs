//! What the Atom feeds read (`/feeds/plugins.atom`, `/feeds/updates.atom`):
//! the plugins first published most recently and the versions published most
//! recently, across the registry, each list in one query. Only packaged
//! versions count (`plugin_versions.imported = 0`): catalogue entries imported
//! without a package (the demo seed, `trellis import`) were never published
//! here, and their dates are the import's, so a plugin that has nothing but
//! catalogue entries appears in neither list, and neither does a plugin
//! delisted by a moderator. One plugin's versions come from
//! [`crate::plugins::versions`].

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::Result;

/// A plugin with when its first packaged version was published.
#[derive(Debug, Clone)]
pub struct FeedPluginRow {
    pub id: String,
    /// The namespace's name.
    pub namespace: String,
    pub display_name: String,
    pub description: String,
    /// The first publish of a packaged version (unix seconds).
    pub first_published_at: i64,
}

/// A published version with what a feed entry shows of its plugin.
#[derive(Debug, Clone)]
pub struct FeedVersionRow {
    pub plugin_id: String,
    /// The namespace's name.
    pub namespace: String,
    pub display_name: String,
    pub description: String,
    pub version: String,
    pub prerelease: bool,
    pub published_at: i64,
    /// The publisher's user name (`None` once that user is gone).
    pub published_by: Option<String>,
}

/// The `limit` plugins whose first packaged version was published most
/// recently, newest first (ties by id, descending).
pub async fn newest_plugins(c: &mut AnyConnection, limit: i64) -> Result<Vec<FeedPluginRow>> {
    let rows = sqlx::query(
        "SELECT p.id AS id, n.name AS namespace, p.display_name AS display_name, \
         p.description AS description, MIN(v.published_at) AS first_published_at \
         FROM plugins p JOIN namespaces n ON n.id = p.namespace_id \
         JOIN plugin_versions v ON v.plugin_id = p.id AND v.imported = 0 \
         WHERE p.delisted_at IS NULL \
         GROUP BY p.id, n.name, p.display_name, p.description \
         ORDER BY first_published_at DESC, p.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(plugin_from_row).collect()
}

/// The `limit` packaged, non-yanked versions published most recently, newest
/// first (ties by plugin id, then highest version first).
pub async fn newest_versions(c: &mut AnyConnection, limit: i64) -> Result<Vec<FeedVersionRow>> {
    let rows = sqlx::query(
        "SELECT v.plugin_id AS plugin_id, n.name AS namespace, p.display_name AS display_name, \
         p.description AS description, v.version AS version, v.prerelease AS prerelease, \
         v.published_at AS published_at, u.username AS published_by \
         FROM plugin_versions v JOIN plugins p ON p.id = v.plugin_id \
         JOIN namespaces n ON n.id = p.namespace_id \
         LEFT JOIN users u ON u.id = v.published_by \
         WHERE v.imported = 0 AND v.yanked = 0 AND p.delisted_at IS NULL \
         ORDER BY v.published_at DESC, v.plugin_id ASC, v.major DESC, v.minor DESC, v.patch DESC, \
         v.prerelease ASC, v.version DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(version_from_row).collect()
}

fn plugin_from_row(r: &AnyRow) -> Result<FeedPluginRow> {
    Ok(FeedPluginRow {
        id: r.try_get("id")?,
        namespace: r.try_get("namespace")?,
        display_name: r.try_get("display_name")?,
        description: r.try_get("description")?,
        first_published_at: r.try_get("first_published_at")?,
    })
}

fn version_from_row(r: &AnyRow) -> Result<FeedVersionRow> {
    Ok(FeedVersionRow {
        plugin_id: r.try_get("plugin_id")?,
        namespace: r.try_get("namespace")?,
        display_name: r.try_get("display_name")?,
        description: r.try_get("description")?,
        version: r.try_get("version")?,
        prerelease: crate::flag(r, "prerelease")?,
        published_at: r.try_get("published_at")?,
        published_by: r.try_get("published_by")?,
    })
}
