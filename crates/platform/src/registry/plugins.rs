//! Reading plugins and versions, and the changes members may make after a
//! publish: yank/unyank a version, deprecate, and delete a plugin that no node
//! has ever served a download of. Downloads stream from the object store (or
//! from memory, see `artifacts`) and are counted in memory (see `downloads`);
//! the very first download of a plugin (on any node) marks it in the database,
//! the one write a download can cause.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::ObjectStoreExt;
use trellis_db::plugins::{self, PluginRow, VersionRow};
use trellis_db::{downloads as dl_db, json_column, AnyConnection};
use trellis_types::{
    DailyDownloadsOut, DeprecationIn, DeprecationOut, DownloadsOut, ErrorCode, PermissionsOut,
    PluginOut, Scope, VersionOut,
};

use super::{artifact_path, namespace, not_member, require_member, require_owner};
use trellis_events::catalogue as ev;

use crate::events;
use crate::{Actor, AppError, AppResult, AppState};

/// The plugin, or `not_found`.
pub async fn plugin_row(c: &mut AnyConnection, id: &str) -> AppResult<PluginRow> {
    plugins::by_id(c, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Plugin `{id}`")))
}

async fn version_row(c: &mut AnyConnection, id: &str, version: &str) -> AppResult<VersionRow> {
    plugins::version(c, id, version)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Version {version} of `{id}`")))
}

/// Version permissions as stored (JSON text) in their API shape.
pub fn permissions(json: &str) -> AppResult<PermissionsOut> {
    Ok(json_column("plugin_versions.permissions", json)?)
}

fn plugin_out(
    p: PluginRow,
    downloads: i64,
    installs: i64,
    readme_html: Option<String>,
) -> AppResult<PluginOut> {
    let deprecated = p.deprecated_reason.map(|reason| DeprecationOut {
        reason,
        replacement: p.deprecated_replacement,
    });
    Ok(PluginOut {
        categories: json_column("plugins.categories", &p.categories)?,
        keywords: json_column("plugins.keywords", &p.keywords)?,
        namespace: p.namespace,
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
        demo: p.demo,
        source: p.source,
        author: p.author,
    })
}

/// Plugins with their statistics, in a constant number of queries.
async fn plugins_out(c: &mut AnyConnection, rows: Vec<PluginRow>) -> AppResult<Vec<PluginOut>> {
    let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
    let totals = dl_db::totals(c, &ids).await?;
    rows.into_iter()
        .map(|p| {
            let (d, i) = totals.get(&p.id).copied().unwrap_or((0, 0));
            plugin_out(p, d, i, None)
        })
        .collect()
}

/// A plugin's summary, with the README of its latest version.
pub async fn get_plugin(state: &AppState, id: &str) -> AppResult<PluginOut> {
    let mut c = state.db.conn().await?;
    let p = plugin_row(&mut c, id).await?;
    let readme = match &p.latest_version {
        Some(v) => plugins::readme(&mut c, id, v).await?,
        None => None,
    };
    let (d, i) = dl_db::totals(&mut c, std::slice::from_ref(&p.id))
        .await?
        .remove(&p.id)
        .unwrap_or((0, 0));
    plugin_out(p, d, i, readme)
}

/// Plugins matching `q` in id, display name or description.
pub async fn search(
    state: &AppState,
    q: &str,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<PluginOut>> {
    let mut c = state.db.conn().await?;
    let rows = plugins::search(&mut c, q.trim(), limit.clamp(1, 100), offset.max(0)).await?;
    plugins_out(&mut c, rows).await
}

fn version_out(
    state: &AppState,
    v: VersionRow,
    downloads: i64,
    full: bool,
) -> AppResult<VersionOut> {
    let dependencies: BTreeMap<String, String> =
        json_column("plugin_versions.dependencies", &v.dependencies)?;
    Ok(VersionOut {
        download_url: state.links.download_url(&v.plugin_id, &v.version),
        permissions: permissions(&v.permissions)?,
        dependencies,
        downloads,
        published_by: v.published_by,
        readme_html: full.then_some(v.readme_html),
        changelog: if full { v.changelog } else { None },
        plugin_id: v.plugin_id,
        version: v.version,
        sha256: v.sha256,
        size: v.size,
        yanked: v.yanked,
        prerelease: v.prerelease,
        imported: v.imported,
        api: v.api_req,
        published_at: v.published_at,
    })
}

/// Every version of a plugin, highest first (three queries whatever the count).
pub async fn list_versions(state: &AppState, id: &str) -> AppResult<Vec<VersionOut>> {
    let mut c = state.db.conn().await?;
    plugin_row(&mut c, id).await?;
    let by = dl_db::by_version(&mut c, id).await?;
    plugins::versions(&mut c, id)
        .await?
        .into_iter()
        .map(|v| {
            let n = by.get(&v.version).copied().unwrap_or(0);
            version_out(state, v, n, false)
        })
        .collect()
}

/// One version, with its README and changelog.
pub async fn get_version(state: &AppState, id: &str, version: &str) -> AppResult<VersionOut> {
    let mut c = state.db.conn().await?;
    let v = version_row(&mut c, id, version).await?;
    let n = dl_db::by_version(&mut c, id)
        .await?
        .get(version)
        .copied()
        .unwrap_or(0);
    version_out(state, v, n, true)
}

/// The plugin, after checking the actor may publish in its namespace.
async fn require_plugin_member(
    c: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<PluginRow> {
    actor.require(Scope::Publish)?;
    let p = plugin_row(c, id).await?;
    let ns = trellis_db::namespaces::by_name(c, &p.namespace)
        .await?
        .ok_or_else(|| not_member(&p.namespace))?;
    require_member(c, &ns, &actor.user).await?;
    Ok(p)
}

/// Yanks (`true`) or un-yanks a version. A yanked version stays downloadable by its
/// exact version but is never chosen otherwise.
pub async fn set_yanked(
    state: &AppState,
    actor: &Actor,
    id: &str,
    version: &str,
    yanked: bool,
) -> AppResult<VersionOut> {
    let mut tx = state.db.begin().await?;
    let p = require_plugin_member(&mut tx, actor, id).await?;
    let changed = plugins::set_yanked(&mut tx, id, version, yanked)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Version {version} of `{id}`")))?;
    if changed {
        let who = events::actor(actor);
        let (plugin, namespace, version) = (p.id.clone(), p.namespace.clone(), version.to_owned());
        if yanked {
            let data = ev::PluginVersionYanked {
                plugin,
                namespace,
                version,
            };
            events::emit(&mut tx, &who, &data).await?;
        } else {
            let data = ev::PluginVersionUnyanked {
                plugin,
                namespace,
                version,
            };
            events::emit(&mut tx, &who, &data).await?;
        }
    }
    tx.commit().await?;
    get_version(state, id, version).await
}

/// Marks the plugin deprecated, or (with `None`) no longer deprecated.
pub async fn set_deprecation(
    state: &AppState,
    actor: &Actor,
    id: &str,
    input: Option<&DeprecationIn>,
) -> AppResult<PluginOut> {
    if let Some(d) = input {
        let reason = d.reason.trim();
        if reason.is_empty() || d.reason.chars().count() > 500 {
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
    }
    let mut tx = state.db.begin().await?;
    let p = require_plugin_member(&mut tx, actor, id).await?;
    let deprecation = input.map(|d| (d.reason.trim(), d.replacement.as_deref()));
    plugins::set_deprecation(&mut tx, id, deprecation).await?;
    let who = events::actor(actor);
    match deprecation {
        Some((reason, replacement)) => {
            let data = ev::PluginDeprecated {
                plugin: p.id.clone(),
                namespace: p.namespace.clone(),
                reason: reason.to_owned(),
                replacement: replacement.map(str::to_owned),
            };
            events::emit(&mut tx, &who, &data).await?;
        }
        None if p.deprecated_reason.is_some() => {
            let data = ev::PluginUndeprecated {
                plugin: p.id.clone(),
                namespace: p.namespace.clone(),
            };
            events::emit(&mut tx, &who, &data).await?;
        }
        None => {}
    }
    tx.commit().await?;
    get_plugin(state, id).await
}

/// Deletes a plugin and its artifacts, only while no node has served a download
/// of it: once someone may depend on it, it can only be deprecated. Only
/// namespace owners may delete (maintainers may yank and deprecate).
pub async fn delete_plugin(state: &AppState, actor: &Actor, id: &str) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let p = plugin_row(&mut tx, id).await?;
    let ns = namespace(&mut tx, &p.namespace).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    let Some(versions) = plugins::delete_if_never_downloaded(&mut tx, id).await? else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("`{id}` has been downloaded, so it cannot be deleted. Deprecate it instead."),
        ));
    };
    let data = ev::PluginDeleted {
        plugin: id.to_owned(),
        namespace: p.namespace.clone(),
        versions: versions.iter().map(|(v, _)| v.clone()).collect(),
    };
    let event = events::emit(&mut tx, &events::actor(actor), &data).await?;
    // The artifacts go once the deletion has committed, by a job of the queue
    // written in this same transaction: never lost, even if this process dies.
    // Catalogue entries have no artifact (their hash is empty).
    for (_, sha) in versions.iter().filter(|(_, sha)| !sha.is_empty()) {
        super::artifact_deletion::enqueue_delete(&mut tx, sha, Some(&event)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A plugin's download statistics (flushed counts).
pub async fn downloads(state: &AppState, id: &str) -> AppResult<DownloadsOut> {
    let mut c = state.db.conn().await?;
    plugin_row(&mut c, id).await?;
    let days: Vec<DailyDownloadsOut> = dl_db::daily(&mut c, id)
        .await?
        .into_iter()
        .map(|d| DailyDownloadsOut {
            version: d.version,
            day: d.day,
            downloads: d.downloads,
        })
        .collect();
    let imported = dl_db::imported(&mut c, id).await?;
    Ok(DownloadsOut {
        plugin_id: id.to_owned(),
        total: days.iter().map(|d| d.downloads).sum::<i64>() + imported,
        imported,
        installs: dl_db::installs(&mut c, id).await?,
        days,
    })
}

/// A version's artifact, opened for download.
pub struct Artifact {
    pub sha256: String,
    pub size: u64,
    pub filename: String,
    pub body: ArtifactBody,
}

/// An artifact's bytes: whole (small ones, kept in memory) or streamed from the store.
pub enum ArtifactBody {
    Whole(Bytes),
    Stream(BoxStream<'static, Result<Bytes, object_store::Error>>),
}

/// What [`download`] gives.
pub enum Download {
    /// The caller already holds this content (its `sha256`): nothing is sent or counted.
    Unchanged { sha256: String },
    /// The artifact, from memory or streamed from the store, and counted.
    Artifact(Artifact),
}

/// The refusal to download a catalogue entry: `not_found` with the field error
/// code [`NO_PACKAGE`] on `version`.
pub fn no_package(id: &str, version: &str, source: &str) -> AppError {
    AppError::field(
        ErrorCode::NotFound,
        "version",
        NO_PACKAGE,
        format!(
            "Version {version} of `{id}` is a catalogue entry imported from {source}; \
             it has no package to download."
        ),
    )
}

/// The stable code (in `errors[].code`) of a download or install refused because
/// the version is a catalogue entry without a package.
pub const NO_PACKAGE: &str = "no_package";

/// Opens a version's artifact for download (yanked versions too: they are asked
/// for by exact version) and counts the download in memory. `held` says whether
/// the caller already holds content with a given SHA-256 (an HTTP cache
/// validator, say); then nothing is opened or counted. `installer` is who
/// downloads, for the unique installs (see [`super::downloads`]).
///
/// The version's hash comes from the database until a read has seen its plugin
/// marked as downloaded, and from memory after that (see [`super::artifacts`]);
/// a small artifact's bytes come from memory after its first download.
pub async fn download(
    state: &AppState,
    id: &str,
    version: &str,
    installer: &super::downloads::Installer,
    held: impl FnOnce(&str) -> bool,
) -> AppResult<Download> {
    let (sha256, marked) = match state.artifacts.version(id, version) {
        Some(sha) => (sha, true),
        None => {
            let target = plugins::version_for_download(&mut *state.db.conn().await?, id, version)
                .await?
                .ok_or_else(|| AppError::not_found(format!("Version {version} of `{id}`")))?;
            if let Some(source) = target.imported_from {
                return Err(no_package(id, version, &source));
            }
            let (sha, marked) = (target.sha256, target.marked);
            if marked {
                // Seen marked: this plugin can never be deleted, on any node.
                state.artifacts.remember_version(id, version, &sha);
            }
            (sha, marked)
        }
    };
    if held(&sha256) {
        return Ok(Download::Unchanged { sha256 });
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
    // The one write a download can cause, once in a plugin's life: from now on
    // no node may delete it.
    if !marked {
        plugins::mark_downloaded(&mut *state.db.conn().await?, id).await?;
    }
    state
        .downloads
        .count(&state.db, id, version, installer)
        .await;
    Ok(Download::Artifact(Artifact {
        sha256,
        size,
        filename: format!("{id}-{version}.tar.gz"),
        body,
    }))
}
