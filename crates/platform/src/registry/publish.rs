//! Publishing a package: the upload is read into memory while its size is
//! counted (refused past `registry.max_compressed_bytes`, so no more is ever
//! held), read once and checked by `trellis_registry` on a blocking thread,
//! stored under its SHA-256, then recorded in one transaction. Versions are
//! immutable: a second publish of the same version is `version_exists`.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use object_store::{ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use trellis_db::namespaces as ns_db;
use trellis_db::plugins::{self, NewVersion, PluginMetaIn};
use trellis_registry::{ExistingPlugin, Package, PackageProblem, PublishContext, ValidatedPackage};
use trellis_types::{ErrorCode, FieldError, PublishedOut, Scope};

use super::{artifact_path, not_member, require_member};
use trellis_events::catalogue as ev;

use crate::events;
use crate::{Actor, AppError, AppResult, AppState};

fn too_large(max: u64) -> AppError {
    AppError::new(
        ErrorCode::PayloadTooLarge,
        format!("The package is larger than the {max} bytes this registry accepts."),
    )
}

/// The `package_invalid` error listing every problem found.
pub fn package_invalid(problems: Vec<PackageProblem>) -> AppError {
    let detail = match problems.as_slice() {
        [one] => format!("The package was refused: {}", one.detail),
        many => format!(
            "The package was refused: {} problems; see `errors`.",
            many.len()
        ),
    };
    let mut e = AppError::new(ErrorCode::PackageInvalid, detail);
    e.errors = problems
        .into_iter()
        .map(|p| FieldError {
            field: p.field,
            code: p.code,
            detail: p.detail,
        })
        .collect();
    e
}

/// Reads an uploaded package: refused before reading anything when its
/// announced length (`declared_len`) is over `max` bytes, and as soon as
/// what arrived is, without holding more.
pub async fn receive_package<S, E>(
    declared_len: Option<u64>,
    mut body: S,
    max: u64,
) -> AppResult<Bytes>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    if declared_len.is_some_and(|n| n > max) {
        return Err(too_large(max));
    }
    let mut buf = bytes::BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            tracing::info!(error = %e, "upload stream failed");
            AppError::new(
                ErrorCode::BadRequest,
                "The upload was interrupted. Try again.",
            )
        })?;
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(too_large(max));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)
}

/// Publishes the `.tar.gz` in `body` as the actor. `declared_len` is the
/// upload's announced length, when it gave one (checked before reading anything).
pub async fn publish<S, E>(
    state: &AppState,
    actor: &Actor,
    declared_len: Option<u64>,
    body: S,
) -> AppResult<PublishedOut>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    actor.require(Scope::Publish)?;
    let user = &actor.user;
    let limits = state.config.registry.limits.clone();
    let max = limits.max_compressed_bytes;
    let bytes = receive_package(declared_len, body, max).await?;

    // Read the archive once: the manifest says who the package belongs to.
    let (b, l) = (bytes.clone(), limits.clone());
    let package: Package = blocking(move || trellis_registry::read_package(b.as_ref(), &l))
        .await?
        .map_err(package_invalid)?;
    let m = &package.manifest.plugin;
    let (id, version) = (m.id.to_string(), m.version.to_string());
    let mut c = state.db.conn().await?;
    let ns = ns_db::by_name(&mut c, &m.id.namespace)
        .await?
        .ok_or_else(|| not_member(&m.id.namespace))?;
    require_member(&mut c, &ns, user).await?;
    if plugins::version(&mut c, &id, &version).await?.is_some() {
        return Err(version_exists(&id, &version));
    }

    // Then every other check, with the namespace's keys and (for a new id) the
    // popular plugins it must not imitate.
    let keys: Vec<String> = ns_db::keys(&mut c, ns.id)
        .await?
        .into_iter()
        .map(|k| k.public_key)
        .collect();
    let min_downloads = state.config.registry.typosquat_min_downloads;
    let popular = if plugins::by_id(&mut c, &id).await?.is_none() {
        trellis_db::downloads::popular(&mut c, i64::try_from(min_downloads).unwrap_or(i64::MAX))
            .await?
    } else {
        Vec::new()
    };
    drop(c);
    let required = ns.require_signatures;
    let validated: ValidatedPackage = blocking(move || {
        let ctx = PublishContext {
            limits,
            trusted_keys: keys,
            signature_required: required,
            existing: popular
                .iter()
                .map(|(id, name, n)| ExistingPlugin {
                    id,
                    display_name: name,
                    downloads: u64::try_from(*n).unwrap_or(0),
                })
                .collect(),
            typosquat_min_downloads: min_downloads,
        };
        trellis_registry::check_package(package, &ctx)
    })
    .await?
    .map_err(package_invalid)?;

    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = bytes.len() as i64;
    let path = artifact_path(&sha256);
    let store = state.storage.store();
    if store.head(&path).await.is_err() {
        store.put(&path, PutPayload::from(bytes.clone())).await?;
    }
    record(state, actor, ns.id, &validated, &sha256, size).await?;
    // The pending deletion of a deleted plugin's identical package may have
    // removed these bytes before this version committed (see
    // `artifact_deletion`): store them again.
    if store.head(&path).await.is_err() {
        store.put(&path, PutPayload::from(bytes)).await?;
    }
    Ok(PublishedOut {
        download_url: state.links.download_url(&id, &version),
        id,
        version,
        sha256,
        size,
    })
}

fn version_exists(id: &str, version: &str) -> AppError {
    AppError::new(
        ErrorCode::VersionExists,
        format!("{id} {version} is published already. Versions never change: publish a new version instead."),
    )
}

async fn record(
    state: &AppState,
    actor: &Actor,
    namespace_id: i64,
    v: &ValidatedPackage,
    sha256: &str,
    size: i64,
) -> AppResult<()> {
    let mf = &v.package.manifest;
    let m = &mf.plugin;
    let (id, version) = (m.id.to_string(), m.version.to_string());
    let deps: BTreeMap<String, String> = mf
        .dependencies
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let (categories, keywords) = (json(&m.categories), json(&m.keywords));
    let (manifest, permissions, dependencies) = (json(mf), json(&mf.permissions), json(&deps));
    let api = m.api.to_string();
    let plugin = PluginMetaIn {
        id: &id,
        namespace_id,
        name: &m.id.name,
        display_name: &m.display_name,
        description: &m.description,
        kind: m.kind.as_str(),
        categories: &categories,
        keywords: &keywords,
        license: &m.license,
        repository: m.repository.as_deref(),
        homepage: m.homepage.as_deref(),
    };
    let new = NewVersion {
        version: &version,
        parts: (
            m.version.major as i64,
            m.version.minor as i64,
            m.version.patch as i64,
        ),
        prerelease: !m.version.pre.is_empty(),
        manifest: &manifest,
        sha256,
        size,
        readme_html: &v.readme_html,
        changelog: v.package.changelog.as_deref(),
        api_req: &api,
        permissions: &permissions,
        dependencies: &dependencies,
        published_by: actor.user.id,
    };
    let mut tx = state.db.begin().await?;
    plugins::lock_artifact(&mut tx, sha256).await?;
    let is_new = plugins::by_id(&mut tx, &id).await?.is_none();
    plugins::insert_version(&mut tx, &plugin, &new)
        .await
        .map_err(|e| match e {
            trellis_db::DbError::Conflict => version_exists(&id, &version),
            other => AppError::from(other),
        })?;
    let who = events::actor(actor);
    let namespace = m.id.namespace.to_string();
    if is_new {
        let data = ev::PluginPublished {
            plugin: id.clone(),
            namespace: namespace.clone(),
            display_name: m.display_name.clone(),
            description: m.description.clone(),
            kind: m.kind.as_str().to_owned(),
            version: version.clone(),
        };
        events::emit(&mut tx, &who, &data).await?;
    }
    let data = ev::PluginVersionPublished {
        plugin: id.clone(),
        namespace,
        version: version.clone(),
        sha256: sha256.to_owned(),
        size,
        signed: v.signed_by.is_some(),
    };
    events::emit(&mut tx, &who, &data).await?;
    tx.commit().await?;
    Ok(())
}

/// JSON text of a manifest part, for storage (these types always serialise).
fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
