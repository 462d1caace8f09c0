//! Installations of plugins in workspaces (`~<username>` or `<namespace>`),
//! and the record of every install, update and rollback attempt.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{flag, opt_i64, placeholders, Result};

/// One plugin at one version in one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct InstallationRow {
    pub id: String,
    pub workspace: String,
    pub plugin_id: String,
    pub version: String,
    /// The version before the last update or rollback, for a rollback.
    pub previous_version: Option<String>,
    /// SHA-256 of the installed package.
    pub sha256: String,
    /// Asked for by someone (false: installed as a dependency).
    pub requested: bool,
    pub pinned: bool,
    pub enabled: bool,
    /// Why it is disabled: `user`, or `breaker` (too many failures).
    pub disabled_reason: Option<String>,
    /// JSON: the permissions the installer consented to.
    pub granted: String,
    /// JSON object: the configuration, secrets left out.
    pub config: String,
    /// The sealed JSON object of secret values.
    pub secrets: Option<String>,
    pub installed_by: Option<i64>,
    pub installed_at: i64,
    pub updated_at: i64,
    /// A development build uploaded by `trellis dev`, not a registry version.
    pub dev: bool,
    /// A development build's manifest (JSON), `None` for registry installs.
    pub dev_manifest: Option<String>,
}

const COLS: &str = "id, workspace, plugin_id, version, previous_version, sha256, requested, \
    pinned, enabled, disabled_reason, granted, config, secrets, installed_by, installed_at, \
    updated_at, dev, dev_manifest";

fn row(r: &AnyRow) -> Result<InstallationRow> {
    Ok(InstallationRow {
        id: r.try_get("id")?,
        workspace: r.try_get("workspace")?,
        plugin_id: r.try_get("plugin_id")?,
        version: r.try_get("version")?,
        previous_version: r.try_get("previous_version")?,
        sha256: r.try_get("sha256")?,
        requested: flag(r, "requested")?,
        pinned: flag(r, "pinned")?,
        enabled: flag(r, "enabled")?,
        disabled_reason: r.try_get("disabled_reason")?,
        granted: r.try_get("granted")?,
        config: r.try_get("config")?,
        secrets: r.try_get("secrets")?,
        installed_by: opt_i64(r, "installed_by")?,
        installed_at: r.try_get("installed_at")?,
        updated_at: r.try_get("updated_at")?,
        dev: flag(r, "dev")?,
        dev_manifest: r.try_get("dev_manifest")?,
    })
}

/// Records a new installation. A second one of the same plugin in the same
/// workspace is a unique violation (`DbError::Conflict`).
pub async fn insert(c: &mut AnyConnection, i: &InstallationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO installations (id, workspace, plugin_id, version, previous_version, sha256, \
         requested, pinned, enabled, disabled_reason, granted, config, secrets, installed_by, \
         installed_at, updated_at, dev, dev_manifest) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .bind(&i.id)
    .bind(&i.workspace)
    .bind(&i.plugin_id)
    .bind(&i.version)
    .bind(&i.previous_version)
    .bind(&i.sha256)
    .bind(i.requested as i64)
    .bind(i.pinned as i64)
    .bind(i.enabled as i64)
    .bind(&i.disabled_reason)
    .bind(&i.granted)
    .bind(&i.config)
    .bind(&i.secrets)
    .bind(i.installed_by)
    .bind(i.installed_at)
    .bind(i.updated_at)
    .bind(i.dev as i64)
    .bind(&i.dev_manifest)
    .execute(&mut *c)
    .await
    .map_err(crate::DbError::from_insert)?;
    Ok(())
}

/// One installation by id.
pub async fn by_id(c: &mut AnyConnection, id: &str) -> Result<Option<InstallationRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(row).transpose()
}

/// A workspace's installation of a plugin.
pub async fn in_workspace(
    c: &mut AnyConnection,
    workspace: &str,
    plugin_id: &str,
) -> Result<Option<InstallationRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations WHERE workspace = $1 AND plugin_id = $2"
    )))
    .bind(workspace)
    .bind(plugin_id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(row).transpose()
}

/// Every installation of a workspace, by plugin id.
pub async fn of_workspace(c: &mut AnyConnection, workspace: &str) -> Result<Vec<InstallationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations WHERE workspace = $1 ORDER BY plugin_id"
    )))
    .bind(workspace)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(row).collect()
}

/// Every installation of these workspaces, by workspace and plugin id.
pub async fn of_workspaces(
    c: &mut AnyConnection,
    workspaces: &[String],
) -> Result<Vec<InstallationRow>> {
    if workspaces.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations WHERE workspace IN ({}) ORDER BY workspace, plugin_id",
        placeholders(1, workspaces.len())
    )));
    for w in workspaces {
        q = q.bind(w.clone());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(row).collect()
}

/// Every enabled installation (for event dispatch), by id.
pub async fn enabled(c: &mut AnyConnection) -> Result<Vec<InstallationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations WHERE enabled = 1 ORDER BY id"
    )))
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(row).collect()
}

/// Every installation, by workspace and plugin (the admins' health page),
/// at most `limit`.
pub async fn all(c: &mut AnyConnection, limit: i64) -> Result<Vec<InstallationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM installations ORDER BY workspace, plugin_id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(row).collect()
}

/// Moves an installation to another version (update or rollback), keeping
/// the one it leaves as `previous_version`, with the permissions consented to.
pub async fn set_version(
    c: &mut AnyConnection,
    id: &str,
    version: &str,
    previous: Option<&str>,
    sha256: &str,
    granted: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE installations SET version = $2, previous_version = $3, sha256 = $4, granted = $5, \
         updated_at = $6 WHERE id = $1",
    )
    .bind(id)
    .bind(version)
    .bind(previous)
    .bind(sha256)
    .bind(granted)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces an installation's package with a development build (`trellis
/// dev`): the version and package it leaves become `previous_version`, the
/// granted permissions are the build's, and it is enabled again.
pub async fn set_dev_build(
    c: &mut AnyConnection,
    id: &str,
    build: &DevBuild<'_>,
    previous: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE installations SET version = $2, previous_version = $3, sha256 = $4, granted = $5, \
         dev = 1, dev_manifest = $6, enabled = 1, disabled_reason = NULL, updated_at = $7 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(build.version)
    .bind(previous)
    .bind(build.sha256)
    .bind(build.granted)
    .bind(build.manifest)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a development build changes in its installation.
#[derive(Debug, Clone, Copy)]
pub struct DevBuild<'a> {
    pub version: &'a str,
    pub sha256: &'a str,
    /// JSON: the permissions granted (the build's manifest's).
    pub granted: &'a str,
    /// JSON: the build's manifest.
    pub manifest: &'a str,
}

/// Enables or disables an installation (`reason` when disabling).
pub async fn set_enabled(
    c: &mut AnyConnection,
    id: &str,
    enabled: bool,
    reason: Option<&str>,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE installations SET enabled = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(enabled as i64)
    .bind(reason)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Pins or unpins an installation's version.
pub async fn set_pinned(c: &mut AnyConnection, id: &str, pinned: bool, at: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE installations SET pinned = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(pinned as i64)
        .bind(at)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks an installation as asked for (installing what was a dependency).
pub async fn set_requested(c: &mut AnyConnection, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE installations SET requested = 1, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Replaces an installation's configuration and sealed secrets.
pub async fn set_config(
    c: &mut AnyConnection,
    id: &str,
    config: &str,
    secrets: Option<&str>,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE installations SET config = $2, secrets = $3, updated_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(config)
    .bind(secrets)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes an installation (its store, log and health go with it).
pub async fn delete(c: &mut AnyConnection, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM installations WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// One install, update or rollback attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    pub workspace: String,
    pub plugin_id: String,
    pub version: Option<String>,
    /// `install`, `update`, `rollback`.
    pub action: String,
    /// `succeeded` or `failed`.
    pub outcome: String,
    pub error_code: Option<String>,
    pub detail: Option<String>,
    pub user_id: Option<i64>,
    pub at: i64,
}

/// Records an attempt.
pub async fn record_attempt(c: &mut AnyConnection, a: &AttemptRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO install_attempts (workspace, plugin_id, version, action, outcome, \
         error_code, detail, user_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&a.workspace)
    .bind(&a.plugin_id)
    .bind(&a.version)
    .bind(&a.action)
    .bind(&a.outcome)
    .bind(&a.error_code)
    .bind(&a.detail)
    .bind(a.user_id)
    .bind(a.at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Attempts since `since` (unix ms): `(total, succeeded)`.
pub async fn attempt_totals(c: &mut AnyConnection, since: i64) -> Result<(i64, i64)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END), 0) AS ok \
         FROM install_attempts WHERE at >= $1",
    )
    .bind(since)
    .fetch_one(&mut *c)
    .await?;
    Ok((r.try_get("n")?, r.try_get("ok")?))
}

/// The newest failed attempts since `since`, newest first.
pub async fn recent_failures(
    c: &mut AnyConnection,
    since: i64,
    limit: i64,
) -> Result<Vec<AttemptRow>> {
    let rows = sqlx::query(
        "SELECT workspace, plugin_id, version, action, outcome, error_code, detail, user_id, at \
         FROM install_attempts WHERE at >= $1 AND outcome = 'failed' ORDER BY id DESC LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AttemptRow {
                workspace: r.try_get("workspace")?,
                plugin_id: r.try_get("plugin_id")?,
                version: r.try_get("version")?,
                action: r.try_get("action")?,
                outcome: r.try_get("outcome")?,
                error_code: r.try_get("error_code")?,
                detail: r.try_get("detail")?,
                user_id: opt_i64(r, "user_id")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Deletes attempts older than `before` (unix ms).
pub async fn prune_attempts(c: &mut AnyConnection, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM install_attempts WHERE at < $1")
        .bind(before)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}
