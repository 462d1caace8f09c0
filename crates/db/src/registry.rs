//! Plugins and their published versions. A version row is immutable once
//! written, except for its `yanked` flag; `plugins.latest_version` is kept equal
//! to the highest non-yanked, non-pre-release version inside the same
//! transaction as every change that can move it.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{now, Db, DbError, Result};

/// A plugin row.
#[derive(Debug, Clone)]
pub struct PluginRow {
    pub id: String,
    pub namespace_id: i64,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub kind: String,
    /// JSON array of category slugs.
    pub categories: String,
    /// JSON array of keywords.
    pub keywords: String,
    pub license: String,
    pub repository: Option<String>,
    pub homepage: Option<String>,
    pub latest_version: Option<String>,
    pub deprecated_reason: Option<String>,
    pub deprecated_replacement: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const PLUGIN_COLS: &str = "id, namespace_id, name, display_name, description, kind, categories, keywords, \
    license, repository, homepage, latest_version, deprecated_reason, deprecated_replacement, created_at, updated_at";

fn plugin_from_row(r: &AnyRow) -> Result<PluginRow> {
    Ok(PluginRow {
        id: r.try_get("id")?,
        namespace_id: r.try_get("namespace_id")?,
        name: r.try_get("name")?,
        display_name: r.try_get("display_name")?,
        description: r.try_get("description")?,
        kind: r.try_get("kind")?,
        categories: r.try_get("categories")?,
        keywords: r.try_get("keywords")?,
        license: r.try_get("license")?,
        repository: r.try_get("repository")?,
        homepage: r.try_get("homepage")?,
        latest_version: r.try_get("latest_version")?,
        deprecated_reason: r.try_get("deprecated_reason")?,
        deprecated_replacement: r.try_get("deprecated_replacement")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// A published version row.
#[derive(Debug, Clone)]
pub struct VersionRow {
    pub plugin_id: String,
    pub version: String,
    /// The manifest as JSON.
    pub manifest: String,
    pub sha256: String,
    pub size: i64,
    pub readme_html: String,
    pub changelog: Option<String>,
    pub api_req: String,
    /// JSON object of the manifest's `[permissions]`.
    pub permissions: String,
    /// JSON object: plugin id -> requirement.
    pub dependencies: String,
    pub yanked: bool,
    pub prerelease: bool,
    pub published_at: i64,
    pub published_by: Option<i64>,
}

const VERSION_COLS: &str =
    "plugin_id, version, manifest, sha256, size, readme_html, changelog, api_req, \
    permissions, dependencies, yanked, prerelease, published_at, published_by";

fn version_from_row(r: &AnyRow) -> Result<VersionRow> {
    Ok(VersionRow {
        plugin_id: r.try_get("plugin_id")?,
        version: r.try_get("version")?,
        manifest: r.try_get("manifest")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        readme_html: r.try_get("readme_html")?,
        changelog: r.try_get("changelog")?,
        api_req: r.try_get("api_req")?,
        permissions: r.try_get("permissions")?,
        dependencies: r.try_get("dependencies")?,
        yanked: r.try_get::<i64, _>("yanked")? != 0,
        prerelease: r.try_get::<i64, _>("prerelease")? != 0,
        published_at: r.try_get("published_at")?,
        published_by: crate::opt_i64(r, "published_by")?,
    })
}

/// The plugin metadata written (or refreshed) by a publish.
#[derive(Debug, Clone)]
pub struct PluginMetaIn<'a> {
    pub id: &'a str,
    pub namespace_id: i64,
    pub name: &'a str,
    pub display_name: &'a str,
    pub description: &'a str,
    pub kind: &'a str,
    pub categories: &'a str,
    pub keywords: &'a str,
    pub license: &'a str,
    pub repository: Option<&'a str>,
    pub homepage: Option<&'a str>,
}

/// A version to insert.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub version: &'a str,
    /// `(major, minor, patch)`, for ordering in SQL.
    pub parts: (i64, i64, i64),
    pub prerelease: bool,
    pub manifest: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub readme_html: &'a str,
    pub changelog: Option<&'a str>,
    pub api_req: &'a str,
    pub permissions: &'a str,
    pub dependencies: &'a str,
    pub published_by: i64,
}

/// Sets `latest_version` to the highest non-yanked, non-pre-release version.
async fn refresh_latest(tx: &mut Transaction<'_, Any>, plugin_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE plugins SET latest_version = (SELECT v.version FROM plugin_versions v \
         WHERE v.plugin_id = $1 AND v.yanked = 0 AND v.prerelease = 0 \
         ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1), updated_at = $2 WHERE id = $1",
    )
    .bind(plugin_id)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Db {
    /// Records a published version: upserts the plugin row (its metadata follows the
    /// newest publish) and inserts the version, in one transaction.
    /// [`DbError::Conflict`] when that version exists already.
    pub async fn insert_version(&self, p: &PluginMetaIn<'_>, v: &NewVersion<'_>) -> Result<()> {
        let t = now();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO plugins (id, namespace_id, name, display_name, description, kind, categories, keywords, \
             license, repository, homepage, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
             ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, \
             kind = excluded.kind, categories = excluded.categories, keywords = excluded.keywords, \
             license = excluded.license, repository = excluded.repository, homepage = excluded.homepage, \
             updated_at = excluded.updated_at",
        )
        .bind(p.id)
        .bind(p.namespace_id)
        .bind(p.name)
        .bind(p.display_name)
        .bind(p.description)
        .bind(p.kind)
        .bind(p.categories)
        .bind(p.keywords)
        .bind(p.license)
        .bind(p.repository)
        .bind(p.homepage)
        .bind(t)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO plugin_versions (plugin_id, version, major, minor, patch, manifest, sha256, size, readme_html, \
             changelog, api_req, permissions, dependencies, yanked, prerelease, published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, $15, $16)",
        )
        .bind(p.id)
        .bind(v.version)
        .bind(v.parts.0)
        .bind(v.parts.1)
        .bind(v.parts.2)
        .bind(v.manifest)
        .bind(v.sha256)
        .bind(v.size)
        .bind(v.readme_html)
        .bind(v.changelog)
        .bind(v.api_req)
        .bind(v.permissions)
        .bind(v.dependencies)
        .bind(i64::from(v.prerelease))
        .bind(t)
        .bind(v.published_by)
        .execute(&mut *tx)
        .await
        .map_err(DbError::from_insert)?;
        refresh_latest(&mut tx, p.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A plugin by id.
    pub async fn plugin(&self, id: &str) -> Result<Option<PluginRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PLUGIN_COLS} FROM plugins WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(plugin_from_row).transpose()
    }

    /// Plugins whose id, display name or description contains `q` (case-insensitive),
    /// by id; all plugins when `q` is empty.
    pub async fn search_plugins(&self, q: &str, limit: i64, offset: i64) -> Result<Vec<PluginRow>> {
        let escaped = q
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PLUGIN_COLS} FROM plugins WHERE LOWER(id) LIKE $1 ESCAPE '\\' \
             OR LOWER(display_name) LIKE $1 ESCAPE '\\' OR LOWER(description) LIKE $1 ESCAPE '\\' \
             ORDER BY id LIMIT $2 OFFSET $3"
        )))
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(plugin_from_row).collect()
    }

    /// Every version of a plugin, highest first.
    pub async fn plugin_versions(&self, plugin_id: &str) -> Result<Vec<VersionRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM plugin_versions WHERE plugin_id = $1 \
             ORDER BY major DESC, minor DESC, patch DESC, prerelease ASC, published_at DESC"
        )))
        .bind(plugin_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// One version of a plugin.
    pub async fn plugin_version(
        &self,
        plugin_id: &str,
        version: &str,
    ) -> Result<Option<VersionRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLS} FROM plugin_versions WHERE plugin_id = $1 AND version = $2"
        )))
        .bind(plugin_id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// Yanks or un-yanks a version and refreshes the plugin's latest version;
    /// false when there is no such version.
    pub async fn set_yanked(&self, plugin_id: &str, version: &str, yanked: bool) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE plugin_versions SET yanked = $1 WHERE plugin_id = $2 AND version = $3",
        )
        .bind(i64::from(yanked))
        .bind(plugin_id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        refresh_latest(&mut tx, plugin_id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a plugin deprecated (`Some((reason, replacement))`) or not (`None`).
    pub async fn set_deprecation(
        &self,
        plugin_id: &str,
        deprecation: Option<(&str, Option<&str>)>,
    ) -> Result<bool> {
        let (reason, replacement) = match deprecation {
            Some((r, rep)) => (Some(r), rep),
            None => (None, None),
        };
        let done = sqlx::query(
            "UPDATE plugins SET deprecated_reason = $1, deprecated_replacement = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(reason)
        .bind(replacement)
        .bind(now())
        .bind(plugin_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes a plugin, its versions and its (empty) statistics in one transaction;
    /// returns the SHA-256 of every deleted version's artifact.
    pub async fn delete_plugin(&self, plugin_id: &str) -> Result<Vec<String>> {
        let mut tx = self.pool().begin().await?;
        let rows = sqlx::query("SELECT sha256 FROM plugin_versions WHERE plugin_id = $1")
            .bind(plugin_id)
            .fetch_all(&mut *tx)
            .await?;
        let shas = rows
            .iter()
            .map(|r| r.try_get::<String, _>("sha256"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for table in [
            "plugin_versions",
            "version_downloads_daily",
            "plugin_installs",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE plugin_id = $1"
            )))
            .bind(plugin_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM plugins WHERE id = $1")
            .bind(plugin_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(shas)
    }

    /// `(id, display name, total downloads)` of plugins with at least `min_downloads`
    /// downloads: the names protected against typosquatting.
    pub async fn popular_plugins(&self, min_downloads: i64) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT p.id AS id, p.display_name AS display_name, CAST(SUM(d.downloads) AS BIGINT) AS total \
             FROM plugins p JOIN version_downloads_daily d ON d.plugin_id = p.id \
             GROUP BY p.id, p.display_name HAVING SUM(d.downloads) >= $1",
        )
        .bind(min_downloads)
        .fetch_all(self.pool())
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
}
