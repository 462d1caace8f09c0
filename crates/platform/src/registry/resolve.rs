//! `POST /resolve`: builds a `trellis_registry::Index` from the database (every
//! version of every plugin reachable from the request through dependencies) and
//! asks PubGrub for an install plan. A failure is `resolution_failed` with the
//! readable `explanation`, the `derivation` tree and the `unknown` plugin ids.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use semver::{Version, VersionReq};
use serde_json::json;
use trellis_registry::{Index, IndexVersion, Request};
use trellis_types::{ErrorCode, PlanOut, PlannedOut, ResolveIn};

use super::{download_url, plugins::permissions, HOST_API_VERSION};
use crate::{AppError, AppResult, AppState};

/// Loads every version of the requested plugins and of everything they may depend on.
async fn load_index(state: &AppState, roots: impl Iterator<Item = String>) -> AppResult<Index> {
    let mut index = Index::default();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = roots.collect();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id.clone()) {
            continue;
        }
        let rows = state.db.plugin_versions(&id).await?;
        if rows.is_empty() {
            continue;
        }
        let mut versions = Vec::with_capacity(rows.len());
        for r in rows {
            // Rows were validated at publish time; one that no longer parses is skipped.
            let (Ok(version), Ok(api)) =
                (Version::parse(&r.version), VersionReq::parse(&r.api_req))
            else {
                tracing::warn!(plugin = %id, version = %r.version, "stored version does not parse; skipped");
                continue;
            };
            let deps: BTreeMap<String, String> =
                serde_json::from_str(&r.dependencies).unwrap_or_default();
            let deps: Vec<(String, VersionReq)> = deps
                .into_iter()
                .filter_map(|(d, req)| Some((d, VersionReq::parse(&req).ok()?)))
                .collect();
            queue.extend(deps.iter().map(|(d, _)| d.clone()));
            versions.push(IndexVersion {
                version,
                yanked: r.yanked,
                api,
                deps,
                sha256: r.sha256,
                size: u64::try_from(r.size).unwrap_or(0),
                permissions: serde_json::from_str(&r.permissions)
                    .unwrap_or(serde_json::Value::Null),
            });
        }
        index.plugins.insert(id, versions);
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
                    PlannedOut {
                        download_url: download_url(state, &p.id, &version),
                        permissions: permissions(&p.permissions.to_string()),
                        id: p.id,
                        version,
                        sha256: p.sha256,
                        size: i64::try_from(p.size).unwrap_or(i64::MAX),
                        requested_by: p.requested_by,
                    }
                })
                .collect(),
        }),
        Err(conflict) => Err(AppError::new(
            ErrorCode::ResolutionFailed,
            "No set of versions satisfies the request; `explanation` says why.",
        )
        .with_extra(json!({
            "explanation": conflict.text,
            "derivation": conflict.tree,
            "unknown": conflict.unknown,
        }))),
    }
}
