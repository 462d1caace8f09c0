//! A package checked before it is installed, updated to or run as a
//! development build: its bytes read from storage against the registry's
//! SHA-256, its signature against the namespace's current keys when the
//! namespace requires signatures, its plugin-API range against this host,
//! `on_event` exported when it subscribes to events, and its module compiling
//! under its limits. Nothing is written; a failure is `package_invalid` with
//! a code naming the check.

use std::sync::Arc;

use trellis_platform::{AppError, AppResult};
use trellis_types::{ErrorCode, PlanStepOut};

use crate::Runtime;

/// Reads a stored package and checks its SHA-256 (`integrity` otherwise).
pub(crate) async fn read_stored(
    rt: &Runtime,
    sha256: &str,
    plugin: &str,
    version: &str,
) -> AppResult<trellis_registry::Package> {
    crate::host::read_package(rt, sha256).await.map_err(|e| {
        AppError::field(
            ErrorCode::PackageInvalid,
            "plugin",
            "integrity",
            format!(
                "{plugin} {version} cannot be installed: its package failed verification ({}).",
                e.message
            ),
        )
    })
}

/// Reads a step's package and checks it (hash, signature, API range,
/// exports, compiles). Nothing is written.
pub(crate) async fn verify(rt: &Arc<Runtime>, step: &PlanStepOut) -> AppResult<()> {
    let refuse = |code: &str, detail: String| {
        AppError::field(ErrorCode::PackageInvalid, "plugin", code, detail)
    };
    let pkg = read_stored(rt, &step.sha256, &step.plugin, &step.version).await?;
    let ns = step.plugin.split('.').next().unwrap_or_default();
    let mut c = rt.state.db.conn().await?;
    if let Some(ns) = trellis_db::namespaces::by_name(&mut c, ns).await? {
        if ns.require_signatures {
            let keys: Vec<String> = trellis_db::namespaces::keys(&mut c, ns.id)
                .await?
                .into_iter()
                .map(|k| k.public_key)
                .collect();
            if let Err(problems) = trellis_registry::verify_package_signature(&pkg, &keys, true) {
                return Err(refuse(
                    "signature",
                    format!(
                        "{} {} is not signed by a current key of {}: {}",
                        step.plugin,
                        step.version,
                        ns.name,
                        problems
                            .first()
                            .map(|p| p.detail.clone())
                            .unwrap_or_default()
                    ),
                ));
            }
        }
    }
    drop(c);
    check_runnable(rt, &pkg, &step.plugin, &step.version).await
}

/// The checks of a package that hold whoever made it: its plugin-API range
/// against this host, `on_event` exported when it subscribes to events, and
/// its module compiling under its limits (`package_invalid` otherwise).
pub(crate) async fn check_runnable(
    rt: &Arc<Runtime>,
    pkg: &trellis_registry::Package,
    plugin: &str,
    version: &str,
) -> AppResult<()> {
    let refuse = |code: &str, detail: String| {
        AppError::field(ErrorCode::PackageInvalid, "plugin", code, detail)
    };
    let api = semver::Version::parse(crate::API_VERSION).unwrap_or(semver::Version::new(1, 0, 0));
    if !pkg.manifest.plugin.api.matches(&api) {
        return Err(refuse(
            "api_version",
            format!(
                "{} {} needs plugin API {}, this host has {}.",
                plugin,
                version,
                pkg.manifest.plugin.api,
                crate::API_VERSION
            ),
        ));
    }
    let exports = &pkg.manifest.runtime.exports;
    if !pkg.manifest.events.subscribe.is_empty() && !exports.iter().any(|e| e == "on_event") {
        return Err(refuse(
            "missing_export",
            format!(
                "{} subscribes to events but does not export `on_event`.",
                plugin
            ),
        ));
    }
    // It must compile under its limits (cached for when it runs).
    rt.compile(pkg).await.map_err(|e| {
        refuse(
            "module",
            format!("{} {} cannot run here: {}", plugin, version, e.message),
        )
    })?;
    Ok(())
}
