//! Reading plugins and versions, and the changes members may make after a
//! publish: yank/unyank a version, deprecate, and delete a plugin that was
//! never downloaded. Downloads stream from the object store and are counted in
//! memory only (see `downloads`).

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::ObjectStoreExt;
use trellis_db::registry::{PluginRow, VersionRow};
use trellis_db::users::UserRow;
use trellis_types::{
    CategoryOut, DailyDownloadsOut, DeprecationIn, DeprecationOut, DownloadsOut, ErrorCode,
    PermissionsOut, PluginOut, VersionOut,
};

use super::{artifact_path, download_url, namespace, require_member, require_owner};
use crate::{AppError, AppResult, AppState};

/// The plugin, or `not_found`.
pub async fn plugin_row(state: &AppState, id: &str) -> AppResult<PluginRow> {
    state
        .db
        .plugin(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Plugin `{id}`")))
}

async fn version_row(state: &AppState, id: &str, version: &str) -> AppResult<VersionRow> {
    state
        .db
        .plugin_version(id, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Version {version} of `{id}`")))
}

fn list(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Version permissions as stored (JSON text) in their API shape.
pub fn permissions(json: &str) -> PermissionsOut {
    serde_json::from_str(json).unwrap_or_default()
}

/// Per-version download totals from the flushed daily counts.
async fn downloads_by_version(state: &AppState, id: &str) -> AppResult<HashMap<String, i64>> {
    Ok(state
        .db
        .plugin_downloads_by_version(id)
        .await?
        .into_iter()
        .collect())
}

async fn plugin_out(state: &AppState, p: PluginRow, with_readme: bool) -> AppResult<PluginOut> {
    let downloads = downloads_by_version(state, &p.id).await?.values().sum();
    let installs = state.db.plugin_installs(&p.id).await?;
    let readme_html = match (&p.latest_version, with_readme) {
        (Some(v), true) => state
            .db
            .plugin_version(&p.id, v)
            .await?
            .map(|v| v.readme_html),
        _ => None,
    };
    let namespace =
        p.id.split_once('.')
            .map(|(ns, _)| ns.to_owned())
            .unwrap_or_default();
    let deprecated = p.deprecated_reason.map(|reason| DeprecationOut {
        reason,
        replacement: p.deprecated_replacement,
    });
    Ok(PluginOut {
        namespace,
        categories: list(&p.categories),
        keywords: list(&p.keywords),
        id: p.id,
        name: p.name,
        display_name: p.display_name,
        description: p.description,
        kind: p.kind,
        license: p.license,
        repository: p.repository,
        homepage: p.homepage,
        latest_version: p.latest_version,
        deprecated,
        downloads,
        installs,
        readme_html,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// A plugin's summary, with the README of its latest version.
pub async fn get_plugin(state: &AppState, id: &str) -> AppResult<PluginOut> {
    plugin_out(state, plugin_row(state, id).await?, true).await
}

/// Plugins matching `q` in id, display name or description.
pub async fn search(
    state: &AppState,
    q: &str,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<PluginOut>> {
    let rows = state
        .db
        .search_plugins(q.trim(), limit.clamp(1, 100), offset.max(0))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(plugin_out(state, r, false).await?);
    }
    Ok(out)
}

async fn version_out(
    state: &AppState,
    v: VersionRow,
    downloads: i64,
    full: bool,
) -> AppResult<VersionOut> {
    let published_by = match v.published_by {
        Some(uid) => state.db.user_by_id(uid).await?.map(|u| u.username),
        None => None,
    };
    let dependencies: BTreeMap<String, String> =
        serde_json::from_str(&v.dependencies).unwrap_or_default();
    Ok(VersionOut {
        download_url: download_url(state, &v.plugin_id, &v.version),
        permissions: permissions(&v.permissions),
        dependencies,
        downloads,
        published_by,
        readme_html: full.then_some(v.readme_html),
        changelog: if full { v.changelog } else { None },
        plugin_id: v.plugin_id,
        version: v.version,
        sha256: v.sha256,
        size: v.size,
        yanked: v.yanked,
        prerelease: v.prerelease,
        api: v.api_req,
        published_at: v.published_at,
    })
}

/// Every version of a plugin, highest first.
pub async fn list_versions(state: &AppState, id: &str) -> AppResult<Vec<VersionOut>> {
    plugin_row(state, id).await?;
    let by = downloads_by_version(state, id).await?;
    let mut out = Vec::new();
    for v in state.db.plugin_versions(id).await? {
        let n = by.get(&v.version).copied().unwrap_or(0);
        out.push(version_out(state, v, n, false).await?);
    }
    Ok(out)
}

/// One version, with its README and changelog.
pub async fn get_version(state: &AppState, id: &str, version: &str) -> AppResult<VersionOut> {
    let v = version_row(state, id, version).await?;
    let n = downloads_by_version(state, id)
        .await?
        .get(version)
        .copied()
        .unwrap_or(0);
    version_out(state, v, n, true).await
}

async fn require_plugin_member(state: &AppState, user: &UserRow, id: &str) -> AppResult<PluginRow> {
    let p = plugin_row(state, id).await?;
    let ns = state
        .db
        .namespace_by_name(id.split_once('.').map_or(id, |(ns, _)| ns))
        .await?;
    let ns =
        ns.ok_or_else(|| AppError::forbidden("You are not a member of this plugin's namespace."))?;
    require_member(state, &ns, user).await?;
    Ok(p)
}

/// Yanks (`true`) or un-yanks a version. A yanked version stays downloadable by its
/// exact version but is never chosen otherwise.
pub async fn set_yanked(
    state: &AppState,
    user: &UserRow,
    id: &str,
    version: &str,
    yanked: bool,
) -> AppResult<VersionOut> {
    require_plugin_member(state, user, id).await?;
    if !state.db.set_yanked(id, version, yanked).await? {
        return Err(AppError::not_found(format!("Version {version} of `{id}`")));
    }
    get_version(state, id, version).await
}

/// Marks the plugin deprecated, or (with `None`) no longer deprecated.
pub async fn set_deprecation(
    state: &AppState,
    user: &UserRow,
    id: &str,
    input: Option<&DeprecationIn>,
) -> AppResult<PluginOut> {
    require_plugin_member(state, user, id).await?;
    if let Some(d) = input {
        let reason = d.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                "reason",
                "invalid_length",
                "Give a reason of 1 to 500 characters.",
            ));
        }
        if let Some(r) = d.replacement.as_deref() {
            if r.parse::<trellis_registry::PluginId>().is_err() {
                return Err(AppError::field(
                    ErrorCode::ValidationFailed,
                    "replacement",
                    "invalid_id",
                    "The replacement must be a plugin id (namespace.name).",
                ));
            }
        }
        state
            .db
            .set_deprecation(id, Some((reason, d.replacement.as_deref())))
            .await?;
    } else {
        state.db.set_deprecation(id, None).await?;
    }
    get_plugin(state, id).await
}

/// Deletes a plugin and its artifacts, only while nobody has downloaded it: once
/// someone may depend on it, it can only be deprecated.
/// Only namespace owners may delete (maintainers may yank and deprecate).
pub async fn delete_plugin(state: &AppState, user: &UserRow, id: &str) -> AppResult<()> {
    plugin_row(state, id).await?;
    let ns = namespace(state, id.split_once('.').map_or(id, |(ns, _)| ns)).await?;
    require_owner(state, &ns, user).await?;
    let downloaded =
        !downloads_by_version(state, id).await?.is_empty() || state.downloads.has_pending(id);
    if downloaded {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("`{id}` has been downloaded, so it cannot be deleted. Deprecate it instead."),
        ));
    }
    state.artifacts.forget_plugin(id);
    for sha in state.db.delete_plugin(id).await? {
        match state.storage.store().delete(&artifact_path(&sha)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => {
                tracing::warn!(error = %e, sha, "could not delete the artifact of a deleted plugin")
            }
        }
    }
    Ok(())
}

/// A plugin's download statistics (flushed counts).
pub async fn downloads(state: &AppState, id: &str) -> AppResult<DownloadsOut> {
    plugin_row(state, id).await?;
    let days: Vec<DailyDownloadsOut> = state
        .db
        .plugin_daily_downloads(id)
        .await?
        .into_iter()
        .map(|d| DailyDownloadsOut {
            version: d.version,
            day: d.day,
            downloads: d.downloads,
        })
        .collect();
    Ok(DownloadsOut {
        plugin_id: id.to_owned(),
        total: days.iter().map(|d| d.downloads).sum(),
        installs: state.db.plugin_installs(id).await?,
        days,
    })
}

/// Every plugin category.
pub fn categories() -> Vec<CategoryOut> {
    trellis_registry::CATEGORIES
        .iter()
        .map(|(slug, name)| CategoryOut {
            slug: (*slug).into(),
            name: (*name).into(),
        })
        .collect()
}

/// What a download request gets.
pub enum Download {
    /// The client's `If-None-Match` matched: nothing to send.
    NotModified { sha256: String },
    /// The artifact.
    Artifact {
        sha256: String,
        size: u64,
        filename: String,
        body: ArtifactBody,
    },
}

/// An artifact's bytes: whole (small ones, kept in memory) or streamed from the store.
pub enum ArtifactBody {
    Whole(Bytes),
    Stream(BoxStream<'static, Result<Bytes, object_store::Error>>),
}

fn etag_matches(if_none_match: &str, sha256: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|t| t == "*" || t == sha256)
}

/// Opens a version's artifact for download (yanked versions too: they are asked for
/// by exact version) and counts the download in memory.
///
/// A repeated download of a small artifact is served from memory without a database
/// query or a file read (see [`super::artifacts`]); it is counted all the same.
pub async fn download(
    state: &AppState,
    id: &str,
    version: &str,
    if_none_match: Option<&str>,
    user_id: Option<i64>,
) -> AppResult<Download> {
    let sha256 = match state.artifacts.version(id, version) {
        Some(sha) => sha,
        None => version_row(state, id, version).await?.sha256,
    };
    if if_none_match.is_some_and(|h| etag_matches(h, &sha256)) {
        return Ok(Download::NotModified { sha256 });
    }
    let (size, body) = match state.artifacts.body(&sha256) {
        Some(bytes) => (bytes.len() as u64, ArtifactBody::Whole(bytes)),
        None => {
            let got = state
                .storage
                .store()
                .get(&artifact_path(&sha256))
                .await
                .map_err(|e| match e {
                    object_store::Error::NotFound { .. } => AppError::internal(e),
                    other => other.into(),
                })?;
            let size = got.meta.size;
            if size <= super::artifacts::MAX_BODY {
                let bytes = got.bytes().await?;
                state.artifacts.keep_body(&sha256, bytes.clone());
                (size, ArtifactBody::Whole(bytes))
            } else {
                (size, ArtifactBody::Stream(crate::storage::into_stream(got)))
            }
        }
    };
    state.artifacts.remember_version(id, version, &sha256);
    state.downloads.record(id, version, user_id);
    Ok(Download::Artifact {
        sha256,
        size,
        filename: format!("{id}-{version}.tar.gz"),
        body,
    })
}
