//! Plugins and their published versions. A version row is immutable once
//! written, except for its `yanked` flag; `plugins.latest_version` is kept equal
//! to the highest non-yanked, non-pre-release version by every change that can
//! move it, on the caller's connection (run them in a transaction).
//! `plugins.first_download_at` is set by the first download any node serves,
//! so "never downloaded" holds across nodes.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{now, opt_i64, DbError, Result};

/// A plugin row.
#[derive(Debug, Clone)]
pub struct PluginRow {
    pub id: String,
    pub namespace_id: i64,
    /// The namespace's name (joined).
    pub namespace: String,
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
    /// The catalogue it was imported from; `None` for plugins published here.
    pub source: Option<String>,
    /// Its id in that catalogue.
    pub external_id: Option<String>,
    /// Demo content (seeded by a fresh instance), shown as such.
    pub demo: bool,
    /// The author the catalogue names.
    pub author: Option<String>,
}

const PLUGIN_SELECT: &str = "SELECT p.id AS id, p.namespace_id AS namespace_id, n.name AS namespace, \
    p.name AS name, p.display_name AS display_name, p.description AS description, p.kind AS kind, \
    p.categories AS categories, p.keywords AS keywords, p.license AS license, p.repository AS repository, \
    p.homepage AS homepage, p.latest_version AS latest_version, p.deprecated_reason AS deprecated_reason, \
    p.deprecated_replacement AS deprecated_replacement, p.created_at AS created_at, p.updated_at AS updated_at, \
    p.source AS source, p.external_id AS external_id, p.demo AS demo, p.author AS author \
    FROM plugins p JOIN namespaces n ON n.id = p.namespace_id";

fn plugin_from_row(r: &AnyRow) -> Result<PluginRow> {
    Ok(PluginRow {
        id: r.try_get("id")?,
        namespace_id: r.try_get("namespace_id")?,
        namespace: r.try_get("namespace")?,
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
        source: r.try_get("source")?,
        external_id: r.try_get("external_id")?,
        demo: crate::flag(r, "demo")?,
        author: r.try_get("author")?,
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
    /// The publisher's user name (joined; `None` once that user is gone).
    pub published_by: Option<String>,
    /// A catalogue entry without a package (sha256 empty, size 0).
    pub imported: bool,
    /// Downloads the catalogue counted before the import.
    pub imported_downloads: i64,
}

const VERSION_SELECT: &str = "SELECT v.plugin_id AS plugin_id, v.version AS version, v.manifest AS manifest, \
    v.sha256 AS sha256, v.size AS size, v.readme_html AS readme_html, v.changelog AS changelog, \
    v.api_req AS api_req, v.permissions AS permissions, v.dependencies AS dependencies, v.yanked AS yanked, \
    v.prerelease AS prerelease, v.published_at AS published_at, u.username AS published_by, \
    v.imported AS imported, v.imported_downloads AS imported_downloads \
    FROM plugin_versions v LEFT JOIN users u ON u.id = v.published_by";

const VERSION_ORDER: &str =
    "v.major DESC, v.minor DESC, v.patch DESC, v.prerelease ASC, v.published_at DESC";

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
        yanked: crate::flag(r, "yanked")?,
        prerelease: crate::flag(r, "prerelease")?,
        published_at: r.try_get("published_at")?,
        published_by: r.try_get("published_by")?,
        imported: crate::flag(r, "imported")?,
        imported_downloads: r.try_get("imported_downloads")?,
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
async fn refresh_latest(c: &mut AnyConnection, plugin_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE plugins SET latest_version = (SELECT v.version FROM plugin_versions v \
         WHERE v.plugin_id = $1 AND v.yanked = 0 AND v.prerelease = 0 \
         ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1), updated_at = $2 WHERE id = $1",
    )
    .bind(plugin_id)
    .bind(now())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a published version: upserts the plugin row (its metadata follows the
/// newest publish), inserts the version and refreshes the latest version. Run it
/// in a transaction. [`DbError::Conflict`] when that version exists already.
pub async fn insert_version(
    c: &mut AnyConnection,
    p: &PluginMetaIn<'_>,
    v: &NewVersion<'_>,
) -> Result<()> {
    let t = now();
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
    .execute(&mut *c)
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
    .execute(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    refresh_latest(c, p.id).await
}

/// A plugin by id.
pub async fn by_id(c: &mut AnyConnection, id: &str) -> Result<Option<PluginRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PLUGIN_SELECT} WHERE p.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(plugin_from_row).transpose()
}

/// Listed plugins (not delisted by a moderator) whose id, display name or
/// description contains `q` (case-insensitive), by id; all of them when `q` is empty.
pub async fn search(
    c: &mut AnyConnection,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<PluginRow>> {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{PLUGIN_SELECT} WHERE p.delisted_at IS NULL AND (LOWER(p.id) LIKE $1 ESCAPE '\\' \
         OR LOWER(p.display_name) LIKE $1 ESCAPE '\\' OR LOWER(p.description) LIKE $1 ESCAPE '\\') \
         ORDER BY p.id LIMIT $2 OFFSET $3"
    )))
    .bind(pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(plugin_from_row).collect()
}

/// Every version of a plugin, highest first.
pub async fn versions(c: &mut AnyConnection, plugin_id: &str) -> Result<Vec<VersionRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.plugin_id = $1 ORDER BY {VERSION_ORDER}"
    )))
    .bind(plugin_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(version_from_row).collect()
}

/// Every packaged version (catalogue entries left out) of each of `plugin_ids`, in
/// one query: by plugin id, highest first.
pub async fn versions_of(c: &mut AnyConnection, plugin_ids: &[String]) -> Result<Vec<VersionRow>> {
    if plugin_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{VERSION_SELECT} WHERE v.imported = 0 AND v.plugin_id IN ({}) ORDER BY v.plugin_id, {VERSION_ORDER}",
        crate::placeholders(1, plugin_ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql));
    for id in plugin_ids {
        q = q.bind(id.as_str());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(version_from_row).collect()
}

/// One version of a plugin.
pub async fn version(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: &str,
) -> Result<Option<VersionRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.plugin_id = $1 AND v.version = $2"
    )))
    .bind(plugin_id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(version_from_row).transpose()
}

/// The README of one version (without loading the rest of the row).
pub async fn readme(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT readme_html FROM plugin_versions WHERE plugin_id = $1 AND version = $2",
    )
    .bind(plugin_id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("readme_html")?),
        None => None,
    })
}

/// Yanks or un-yanks a version and refreshes the plugin's latest version (run it
/// in a transaction). `None` when there is no such version, `Some(false)` when it
/// was in that state already (nothing changed).
pub async fn set_yanked(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: &str,
    yanked: bool,
) -> Result<Option<bool>> {
    let Some(row) =
        sqlx::query("SELECT yanked FROM plugin_versions WHERE plugin_id = $1 AND version = $2")
            .bind(plugin_id)
            .bind(version)
            .fetch_optional(&mut *c)
            .await?
    else {
        return Ok(None);
    };
    if crate::flag(&row, "yanked")? == yanked {
        return Ok(Some(false));
    }
    sqlx::query("UPDATE plugin_versions SET yanked = $1 WHERE plugin_id = $2 AND version = $3")
        .bind(i64::from(yanked))
        .bind(plugin_id)
        .bind(version)
        .execute(&mut *c)
        .await?;
    refresh_latest(c, plugin_id).await?;
    Ok(Some(true))
}

/// Marks a plugin deprecated (`Some((reason, replacement))`) or not (`None`).
pub async fn set_deprecation(
    c: &mut AnyConnection,
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
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What serving a download needs.
#[derive(Debug, Clone)]
pub struct DownloadTarget {
    /// The artifact's SHA-256 (empty for a catalogue entry).
    pub sha256: String,
    /// Whether the plugin has been marked as downloaded already.
    pub marked: bool,
    /// `Some(source)` when the version is a catalogue entry imported from `source`:
    /// it has no package.
    pub imported_from: Option<String>,
}

/// What serving a download of a version needs.
pub async fn version_for_download(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: &str,
) -> Result<Option<DownloadTarget>> {
    let row = sqlx::query(
        "SELECT v.sha256 AS sha256, p.first_download_at AS first_download_at, v.imported AS imported, \
         p.source AS source FROM plugin_versions v \
         JOIN plugins p ON p.id = v.plugin_id WHERE v.plugin_id = $1 AND v.version = $2",
    )
    .bind(plugin_id)
    .bind(version)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let imported_from = if crate::flag(&r, "imported")? {
        let source: Option<String> = r.try_get("source")?;
        Some(source.unwrap_or_else(|| "an outside catalogue".into()))
    } else {
        None
    };
    Ok(Some(DownloadTarget {
        sha256: r.try_get("sha256")?,
        marked: opt_i64(&r, "first_download_at")?.is_some(),
        imported_from,
    }))
}

/// Records that the plugin has been downloaded (the first time only).
pub async fn mark_downloaded(c: &mut AnyConnection, plugin_id: &str) -> Result<()> {
    sqlx::query(
        "UPDATE plugins SET first_download_at = $1 WHERE id = $2 AND first_download_at IS NULL",
    )
    .bind(now())
    .bind(plugin_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Takes the lock of the stored package `sha256` until the end of the
/// transaction `c` (begun with [`crate::Db::begin`]). Whatever adds a use of a
/// package and whatever deletes an unused one take it, so a deletion that found
/// it unused finishes before a new use commits: the new use then stores the
/// package again. PostgreSQL: an advisory lock on the hash; SQLite: nothing
/// more, as its write transactions already run one at a time.
pub async fn lock_artifact(c: &mut AnyConnection, sha256: &str) -> Result<()> {
    if c.backend_name() == "PostgreSQL" {
        // The function returns `void`, which the Any driver cannot decode.
        sqlx::query(
            "SELECT 1 AS one FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
        )
        .bind(format!("artifact:{sha256}"))
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Whether a stored package `sha256` is still used: the artifact of a version,
/// or the package of an installation (a development build has no version).
pub async fn artifact_in_use(c: &mut AnyConnection, sha256: &str) -> Result<bool> {
    Ok(sqlx::query(
        "SELECT 1 AS one FROM plugin_versions WHERE sha256 = $1 \
         UNION ALL SELECT 1 AS one FROM installations WHERE sha256 = $1 LIMIT 1",
    )
    .bind(sha256)
    .fetch_optional(&mut *c)
    .await?
    .is_some())
}

/// Deletes a plugin, its versions and its statistics, but only if no node has
/// ever served a download of it; run it in a transaction. Returns every deleted
/// version with the SHA-256 of its artifact (empty for a catalogue entry, which
/// has none), oldest first, or `None` (nothing deleted) when the plugin has been
/// downloaded.
pub async fn delete_if_never_downloaded(
    c: &mut AnyConnection,
    plugin_id: &str,
) -> Result<Option<Vec<(String, String)>>> {
    let rows = sqlx::query(
        "SELECT version, sha256 FROM plugin_versions WHERE plugin_id = $1 \
         ORDER BY major, minor, patch, version",
    )
    .bind(plugin_id)
    .fetch_all(&mut *c)
    .await?;
    let shas = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("version")?,
                r.try_get::<String, _>("sha256")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    // The conditional delete takes the plugin's row lock: a download that marks it
    // afterwards finds nothing to mark; one that marked it before makes this a no-op.
    // Versions go with the row (ON DELETE CASCADE).
    let done = sqlx::query("DELETE FROM plugins WHERE id = $1 AND first_download_at IS NULL")
        .bind(plugin_id)
        .execute(&mut *c)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(None);
    }
    for table in [
        "plugin_versions",
        "version_downloads_daily",
        "plugin_installs",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE plugin_id = $1"
        )))
        .bind(plugin_id)
        .execute(&mut *c)
        .await?;
    }
    Ok(Some(shas))
}

/// Display names of these plugins: `(id, display_name)`.
pub async fn display_names(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, display_name FROM plugins WHERE id IN ({})",
        crate::placeholders(1, ids.len())
    )));
    for id in ids {
        q = q.bind(id.clone());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?)))
        .collect()
}
