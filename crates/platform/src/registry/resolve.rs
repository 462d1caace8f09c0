//! Resolution: builds a `trellis_registry::Index` from the database (every
//! version of every plugin reachable from the request through dependencies,
//! loaded a graph level per query) and asks PubGrub for an install plan. A failure is `resolution_failed` with the
//! readable `explanation`, the `derivation` tree and the `unknown` plugin ids. Catalogue
//! entries (imported, without a package) are left out of the index; asking for one is
//! refused with the field error code `no_package`.

use std::collections::{BTreeMap, BTreeSet};

use semver::{Version, VersionReq};
use serde_json::json;
use trellis_registry::{Index, IndexVersion, Request};
use trellis_types::{ErrorCode, PlanOut, PlannedOut, ResolveIn};

use trellis_db::{json_column, plugins};

use super::{plugins::permissions, HOST_API_VERSION};
use crate::{AppError, AppResult, AppState};

/// The most plugins one request may ask for.
pub const MAX_REQUESTED: usize = 100;

/// Loads every version of the requested plugins and of everything they may
/// depend on, one query per level of the dependency graph (not per plugin).
async fn load_index(state: &AppState, roots: impl Iterator<Item = String>) -> AppResult<Index> {
    let mut c = state.db.conn().await?;
    let mut index = Index::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut level: Vec<String> = roots.filter(|id| seen.insert(id.clone())).collect();
    while !level.is_empty() {
        let rows = plugins::versions_of(&mut c, &level).await?;
        let mut next = Vec::new();
        for r in rows {
            // Rows were validated at publish time: one that no longer parses is corrupt.
            let corrupt = |what: &str, e: String| {
                AppError::internal(format!(
                    "stored {what} of {} {} does not parse: {e}",
                    r.plugin_id, r.version
                ))
            };
            let version =
                Version::parse(&r.version).map_err(|e| corrupt("version", e.to_string()))?;
            let api =
                VersionReq::parse(&r.api_req).map_err(|e| corrupt("api range", e.to_string()))?;
            let deps: BTreeMap<String, String> =
                json_column("plugin_versions.dependencies", &r.dependencies)?;
            let mut parsed = Vec::with_capacity(deps.len());
            for (d, req) in deps {
                let req =
                    VersionReq::parse(&req).map_err(|e| corrupt("dependency", e.to_string()))?;
                if seen.insert(d.clone()) {
                    next.push(d.clone());
                }
                parsed.push((d, req));
            }
            index
                .plugins
                .entry(r.plugin_id.clone())
                .or_default()
                .push(IndexVersion {
                    version,
                    yanked: r.yanked,
                    api,
                    deps: parsed,
                    sha256: r.sha256,
                    size: u64::try_from(r.size).unwrap_or(0),
                    permissions: json_column("plugin_versions.permissions", &r.permissions)?,
                });
        }
        level = next;
    }
    Ok(index)
}

/// Computes an install plan for `input`.
pub async fn resolve(state: &AppState, input: &ResolveIn) -> AppResult<PlanOut> {
    if input.plugins.is_empty() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "plugins",
            "required",
            "Ask for at least one plugin.",
        ));
    }
    if input.plugins.len() > MAX_REQUESTED {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "plugins",
            "too_many",
            format!(
                "Ask for at most {MAX_REQUESTED} plugins at once ({} were asked for).",
                input.plugins.len()
            ),
        ));
    }
    let api_s = input
        .api_version
        .as_deref()
        .map(str::trim)
        .unwrap_or(HOST_API_VERSION);
    let host_api = Version::parse(api_s).map_err(|e| {
        AppError::field(
            ErrorCode::ValidationFailed,
            "api_version",
            "invalid_semver",
            format!("`{api_s}` is not a version: {e}."),
        )
    })?;
    for (i, w) in input.plugins.iter().enumerate() {
        if let Some(req) = w
            .req
            .as_deref()
            .filter(|r| !r.trim().is_empty() && r.trim() != "*")
        {
            VersionReq::parse(req.trim()).map_err(|e| {
                AppError::field(
                    ErrorCode::ValidationFailed,
                    &format!("plugins.{i}.req"),
                    "invalid_version_req",
                    format!("`{req}` is not a version requirement: {e}."),
                )
            })?;
        }
    }
    let index = load_index(state, input.plugins.iter().map(|w| w.id.clone())).await?;
    let wants: Vec<Request> = input
        .plugins
        .iter()
        .map(|w| Request {
            plugin: w.id.clone(),
            req: w.req.clone(),
        })
        .collect();
    let plan =
        tokio::task::spawn_blocking(move || trellis_registry::resolve(&index, &wants, &host_api))
            .await
            .map_err(AppError::internal)?;
    match plan {
        Ok(plan) => Ok(PlanOut {
            plan: plan
                .plugins
                .into_iter()
                .map(|p| {
                    let version = p.version.to_string();
                    Ok(PlannedOut {
                        download_url: state.links.download_url(&p.id, &version),
                        permissions: permissions(&p.permissions.to_string())?,
                        id: p.id,
                        version,
                        sha256: p.sha256,
                        size: i64::try_from(p.size).unwrap_or(i64::MAX),
                        requested_by: p.requested_by,
                    })
                })
                .collect::<AppResult<_>>()?,
        }),
        Err(conflict) => {
            // Catalogue entries (imported, without a package) are never in the index:
            // say so rather than calling them unknown.
            let mut c = state.db.conn().await?;
            let entries = trellis_db::catalogue::without_package(&mut c, &conflict.unknown).await?;
            let err = match entries.first() {
                Some((id, source)) => AppError::field(
                    ErrorCode::ResolutionFailed,
                    "plugins",
                    super::plugins::NO_PACKAGE,
                    format!(
                        "`{id}` is a catalogue entry imported from {source}; it has no package to install."
                    ),
                ),
                None => AppError::new(
                    ErrorCode::ResolutionFailed,
                    "No set of versions satisfies the request; `explanation` says why.",
                ),
            };
            Err(err.with_extra(json!({
            "explanation": conflict.text,
            "derivation": conflict.tree,
                "unknown": conflict.unknown,
            })))
        }
    }
}
