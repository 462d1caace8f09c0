//! Development builds (`trellis dev`): a developer uploads a package built in
//! their own directory straight into a workspace they manage, without
//! publishing it. The package is checked as a publish checks it (archive,
//! manifest, module exports, secret scan; no signature, no typosquat check:
//! nobody else installs it) and as an install verifies it (read back from
//! storage with its hash, API range, `on_event` when it subscribes, compiles),
//! stored content-addressed where artifacts live, and becomes the ONE
//! installation of that plugin in the workspace, marked `dev`: created the
//! first time (`plugin.installed`), replaced on every later upload
//! (`plugin.updated`; its `updated_at` moves, so every process hot-reloads it).
//! The package a build replaces (or an uninstall leaves) is deleted from
//! storage by an `artifact.delete` job written in the same transaction, unless
//! something still uses the same bytes.
//!
//! The granted permissions are the manifest's: the developer installs their
//! own code, so consent is implicit. The developer must belong to the
//! plugin's namespace (as to publish it), and its dependencies must be
//! installed in the workspace already. `plugins.dev_installs = false` turns
//! the whole thing off (`403`, field code `dev_installs_disabled`).

use std::sync::Arc;

use bytes::Bytes;
use object_store::{ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use trellis_db::installations::{DevBuild, InstallationRow};
use trellis_platform::{Actor, AppError, AppResult};
use trellis_registry::{Package, PublishContext};
use trellis_types::{ErrorCode, InstallationOut, PermissionsOut};

use crate::install::{default_config, new_id};
use crate::manage::next_stamp;
use crate::verify::{check_runnable, read_stored};
use crate::workspace::{require_manage, Workspace};
use crate::Runtime;

/// Lets the package of development build `left` go once the transaction that
/// replaced or removed it commits: an `artifact.delete` job, which keeps it
/// while a version or another installation still uses the same bytes. A
/// registry package is left alone (its version keeps it).
pub(crate) async fn release_package(
    tx: &mut trellis_db::AnyConnection,
    left: &InstallationRow,
    event: &str,
) -> AppResult<()> {
    if left.dev {
        trellis_platform::registry::artifact_deletion::enqueue_delete(
            tx,
            &left.sha256,
            Some(event),
        )
        .await?;
    }
    Ok(())
}

/// What an upload did.
#[derive(Debug, Clone)]
pub struct DevInstalled {
    pub installation: InstallationOut,
    /// The installation was created (else replaced).
    pub created: bool,
}

/// The refusal when `plugins.dev_installs` is off.
pub fn refused_here() -> AppError {
    AppError::field(
        ErrorCode::Forbidden,
        "plugins.dev_installs",
        "dev_installs_disabled",
        "This instance does not take development builds (`plugins.dev_installs = false`). Publish the plugin and install it instead.",
    )
}

/// Checks the upload as a publish would (without signature and typosquat
/// checks), off the async threads.
async fn read_upload(rt: &Runtime, bytes: Bytes) -> AppResult<Package> {
    let limits = rt.state.config.registry.limits.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let ctx = PublishContext {
            limits,
            ..PublishContext::default()
        };
        trellis_registry::validate_package(bytes.as_ref(), &ctx)
    })
    .await
    .map_err(AppError::internal)?;
    checked
        .map(|v| v.package)
        .map_err(trellis_platform::registry::publish::package_invalid)
}

/// The dependencies the manifest names that the workspace lacks (or holds at
/// a version the manifest's requirement refuses).
fn missing_dependencies(pkg: &Package, installed: &[InstallationRow]) -> Vec<String> {
    let mut missing = Vec::new();
    for (id, req) in &pkg.manifest.dependencies {
        let id = id.to_string();
        let fits = installed.iter().any(|i| {
            i.plugin_id == id && semver::Version::parse(&i.version).is_ok_and(|v| req.matches(&v))
        });
        if !fits {
            missing.push(format!("{id} {req}"));
        }
    }
    missing
}

/// Uploads a development build of `plugin` into workspace `ws`.
pub async fn upload(
    rt: &Arc<Runtime>,
    actor: &Actor,
    ws: &str,
    plugin: &str,
    bytes: Bytes,
) -> AppResult<DevInstalled> {
    if !rt.state.config.plugins.dev_installs {
        return Err(refused_here());
    }
    let w = Workspace::parse(ws)?;
    require_manage(&rt.state, actor, &w).await?;
    if plugin.parse::<trellis_registry::PluginId>().is_err() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "plugin",
            "invalid_id",
            "A plugin id is `namespace.name` in lower case.",
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let pkg = read_upload(rt, bytes.clone()).await?;
    let (id, version) = (
        pkg.manifest.plugin.id.to_string(),
        pkg.manifest.plugin.version.to_string(),
    );
    if id != plugin {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "plugin",
            "id_mismatch",
            format!("The package is {id}, not {plugin}: upload it to …/dev-installations/{id}."),
        ));
    }
    let workspace = w.name();
    let mut c = rt.state.db.conn().await?;
    let ns = trellis_db::namespaces::by_name(&mut c, &pkg.manifest.plugin.id.namespace)
        .await?
        .ok_or_else(|| trellis_platform::registry::not_member(&pkg.manifest.plugin.id.namespace))?;
    trellis_platform::registry::require_member(&mut c, &ns, &actor.user).await?;
    let installed = trellis_db::installations::of_workspace(&mut c, &workspace).await?;
    drop(c);
    let missing = missing_dependencies(&pkg, &installed);
    if !missing.is_empty() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{id} needs {} installed in {workspace} first: install {} from the registry (or upload {} with `trellis dev`). Nothing was installed.",
                missing.join(", "),
                if missing.len() == 1 { "it" } else { "them" },
                if missing.len() == 1 { "a build of it" } else { "builds of them" },
            ),
        )
        .with_extra(serde_json::json!({ "missing_dependencies": missing })));
    }

    // Stored where artifacts live, then read back and verified as an install
    // verifies a registry package.
    let path = trellis_platform::registry::artifact_path(&sha256);
    let store = rt.state.storage.store();
    if store.head(&path).await.is_err() {
        store.put(&path, PutPayload::from(bytes.clone())).await?;
    }
    let stored = read_stored(rt, &sha256, &id, &version).await?;
    check_runnable(rt, &stored, &id, &version).await?;

    let granted: PermissionsOut = serde_json::to_value(&stored.manifest.permissions)
        .and_then(serde_json::from_value)
        .map_err(AppError::internal)?;
    let granted = serde_json::to_string(&granted).map_err(AppError::internal)?;
    let manifest = serde_json::to_string(&stored.manifest).map_err(AppError::internal)?;
    let build = DevBuild {
        version: &version,
        sha256: &sha256,
        granted: &granted,
        manifest: &manifest,
    };
    let ns_of_ws = w.namespace().map(str::to_owned);
    let ev = trellis_platform::events::actor(actor);
    let mut tx = rt.state.db.begin().await?;
    trellis_db::plugins::lock_artifact(&mut tx, &sha256).await?;
    let current = trellis_db::installations::in_workspace(&mut tx, &workspace, &id).await?;
    let (inst_id, created) = match current {
        Some(cur) => {
            trellis_db::installations::set_dev_build(
                &mut tx,
                &cur.id,
                &build,
                &cur.version,
                next_stamp(cur.updated_at),
            )
            .await?;
            let event = trellis_platform::events::emit(
                &mut tx,
                &ev,
                &trellis_events::catalogue::PluginUpdated {
                    installation: cur.id.clone(),
                    workspace: workspace.clone(),
                    plugin: id.clone(),
                    from_version: cur.version.clone(),
                    to_version: version.clone(),
                    rollback: false,
                    namespace: ns_of_ws.clone(),
                },
            )
            .await?;
            if cur.sha256 != sha256 {
                release_package(&mut tx, &cur, &event).await?;
            }
            if !cur.enabled {
                trellis_platform::events::emit(
                    &mut tx,
                    &ev,
                    &trellis_events::catalogue::PluginEnabled {
                        installation: cur.id.clone(),
                        workspace: workspace.clone(),
                        plugin: id.clone(),
                        namespace: ns_of_ws.clone(),
                    },
                )
                .await?;
            }
            (cur.id, false)
        }
        None => {
            let now = trellis_db::now_ms();
            let row = InstallationRow {
                id: new_id(),
                workspace: workspace.clone(),
                plugin_id: id.clone(),
                version: version.clone(),
                previous_version: None,
                sha256: sha256.clone(),
                requested: true,
                pinned: false,
                enabled: true,
                disabled_reason: None,
                granted: granted.clone(),
                config: default_config(rt, &sha256).await.to_string(),
                secrets: None,
                installed_by: Some(actor.user.id),
                installed_at: now,
                updated_at: now,
                dev: true,
                dev_manifest: Some(manifest.clone()),
            };
            trellis_db::installations::insert(&mut tx, &row)
                .await
                .map_err(|e| match e {
                    trellis_db::DbError::Conflict => AppError::new(
                        ErrorCode::Conflict,
                        format!("{id} was installed in {workspace} meanwhile: upload again."),
                    ),
                    e => e.into(),
                })?;
            trellis_platform::events::emit(
                &mut tx,
                &ev,
                &trellis_events::catalogue::PluginInstalled {
                    installation: row.id.clone(),
                    workspace: workspace.clone(),
                    plugin: id.clone(),
                    version: version.clone(),
                    requested: true,
                    namespace: ns_of_ws.clone(),
                },
            )
            .await?;
            (row.id, true)
        }
    };
    tx.commit().await?;
    // A pending deletion of these bytes (an earlier build's) may have removed
    // them before this commit (see `artifact_deletion`): store them again.
    if store.head(&path).await.is_err() {
        store.put(&path, PutPayload::from(bytes)).await?;
    }
    // A new build starts with a clean slate: the breaker's count begins again.
    rt.health.reset(&inst_id);
    let installation = crate::manage::by_ids(rt, std::slice::from_ref(&inst_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("Installation `{inst_id}`")))?;
    Ok(DevInstalled {
        installation,
        created,
    })
}
