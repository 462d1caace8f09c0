//! One-click installs: the plan (from the registry's resolver, with what each
//! plugin asks for) and the install itself.
//!
//! A plan asks the resolver for the wanted plugin together with everything the
//! workspace has installed, held at its installed version (`=x.y.z`), so a plan
//! never moves what is installed; a conflict comes back as `resolution_failed`
//! with the resolver's explanation. Installing needs consent to the plan's
//! permissions. Every new package is then read from storage and verified
//! before anything is written ([`crate::verify`]: its SHA-256, its signature
//! where required, its API range, its exports, its module compiling). Only
//! then, in one transaction, are the installations written, enabled, with
//! their `plugin.installed` events. Every attempt is recorded with its outcome
//! (`install_attempts`).

use std::sync::Arc;

use serde_json::Value;
use trellis_db::installations::{AttemptRow, InstallationRow};
use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{
    ErrorCode, InstallIn, InstallPlanOut, InstallResultOut, PermissionsOut, PlanStepOut, ResolveIn,
    ResolveWant,
};

use crate::out::meta_of;
use crate::verify::verify;
use crate::workspace::{require_manage, Workspace};
use crate::Runtime;

/// Permissions in `new` that `old` does not grant.
pub fn added(new: &PermissionsOut, old: &PermissionsOut) -> PermissionsOut {
    let diff = |n: &[String], o: &[String]| -> Vec<String> {
        n.iter().filter(|x| !o.contains(x)).cloned().collect()
    };
    PermissionsOut {
        network: diff(&new.network, &old.network),
        host_functions: diff(&new.host_functions, &old.host_functions),
        secrets: diff(&new.secrets, &old.secrets),
    }
}

pub(crate) fn is_empty(p: &PermissionsOut) -> bool {
    p.network.is_empty() && p.host_functions.is_empty() && p.secrets.is_empty()
}

/// A new installation id.
pub(crate) fn new_id() -> String {
    format!("ins_{}", uuid::Uuid::new_v4().simple())
}

/// What the resolver is asked: `wants` plus every installation held at its
/// version, except those in `free` (plugins allowed to move).
pub(crate) async fn resolve_steps(
    rt: &Runtime,
    ws: &str,
    installed: &[InstallationRow],
    wants: Vec<ResolveWant>,
    free: &[String],
) -> AppResult<InstallPlanOut> {
    let mut asks = wants;
    for i in installed {
        // A development build is no registry version: nothing to hold it at.
        if i.dev || asks.iter().any(|w| w.id == i.plugin_id) || free.contains(&i.plugin_id) {
            continue;
        }
        asks.push(ResolveWant {
            id: i.plugin_id.clone(),
            req: Some(format!("={}", i.version)),
        });
    }
    let plan = trellis_platform::registry::resolve::resolve(
        &rt.state,
        &ResolveIn {
            plugins: asks,
            api_version: None,
        },
    )
    .await?;
    let ids: Vec<String> = plan.plan.iter().map(|p| p.id.clone()).collect();
    let mut c = rt.state.db.conn().await?;
    let names: std::collections::HashMap<String, String> =
        trellis_db::plugins::display_names(&mut c, &ids)
            .await?
            .into_iter()
            .collect();
    let mut steps = Vec::new();
    for p in plan.plan {
        let current = installed.iter().find(|i| i.plugin_id == p.id);
        let action = match current {
            None => "install",
            Some(i) if i.version == p.version => "keep",
            Some(_) => "update",
        };
        let v = trellis_db::plugins::version(&mut c, &p.id, &p.version)
            .await?
            .ok_or_else(|| AppError::not_found(format!("{} {}", p.id, p.version)))?;
        let manifest: Value = trellis_db::json_column("plugin_versions.manifest", &v.manifest)?;
        let meta = meta_of(&manifest);
        let granted = match current {
            Some(i) => trellis_db::json_column("installations.granted", &i.granted)?,
            None => PermissionsOut {
                network: vec![],
                host_functions: vec![],
                secrets: vec![],
            },
        };
        let requested_by = p.requested_by.clone();
        steps.push(PlanStepOut {
            display_name: names.get(&p.id).cloned().unwrap_or_else(|| p.id.clone()),
            new_permissions: added(&p.permissions, &granted),
            permissions: p.permissions,
            installed_version: current.map(|i| i.version.clone()),
            plugin: p.id,
            version: p.version,
            action: action.into(),
            size: p.size,
            sha256: p.sha256,
            subscribes: meta.subscribes,
            publishes: meta.publishes,
            requested_by,
        });
    }
    Ok(InstallPlanOut {
        workspace: ws.to_owned(),
        needs_consent: steps
            .iter()
            .any(|s| s.action != "keep" && !is_empty(&s.new_permissions)),
        download_size: steps
            .iter()
            .filter(|s| s.action != "keep")
            .map(|s| s.size)
            .sum(),
        steps,
    })
}

fn check_id(plugin: &str) -> AppResult<()> {
    if plugin.parse::<trellis_registry::PluginId>().is_err() {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "plugin",
            "invalid_id",
            "A plugin id is `namespace.name` in lower case.",
        ));
    }
    Ok(())
}

/// The plan for installing `input.plugin` into workspace `ws`.
pub async fn plan(
    rt: &Runtime,
    actor: &Actor,
    ws: &str,
    input: &InstallIn,
) -> AppResult<InstallPlanOut> {
    let w = Workspace::parse(ws)?;
    require_manage(&rt.state, actor, &w).await?;
    check_id(&input.plugin)?;
    let installed =
        trellis_db::installations::of_workspace(&mut *rt.state.db.conn().await?, &w.name()).await?;
    if let Some(i) = installed
        .iter()
        .find(|i| i.plugin_id == input.plugin && i.requested)
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{} {} is installed in {} already: update it instead.",
                i.plugin_id, i.version, i.workspace
            ),
        ));
    }
    if input.req.as_ref().is_some_and(|r| r.chars().count() > 100) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "req",
            "too_long",
            "A version requirement is at most 100 characters.",
        ));
    }
    let req = input
        .req
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty() && *r != "*")
        .map(str::to_owned);
    resolve_steps(
        rt,
        &w.name(),
        &installed,
        vec![ResolveWant {
            id: input.plugin.clone(),
            req,
        }],
        &[],
    )
    .await
}

/// Records an attempt in its own transaction (a failure's outcome must
/// survive the failure).
pub(crate) async fn record_attempt(
    rt: &Runtime,
    actor: &Actor,
    ws: &str,
    plugin: &str,
    version: Option<&str>,
    action: &str,
    outcome: Result<(), &AppError>,
) {
    let row = AttemptRow {
        workspace: ws.to_owned(),
        plugin_id: plugin.to_owned(),
        version: version.map(str::to_owned),
        action: action.to_owned(),
        outcome: if outcome.is_ok() {
            "succeeded"
        } else {
            "failed"
        }
        .into(),
        error_code: outcome.err().map(|e| {
            e.errors
                .first()
                .map(|f| f.code.clone())
                .unwrap_or_else(|| e.code.as_str().to_owned())
        }),
        // The resolver's explanation says more than the problem's detail.
        detail: outcome.err().map(|e| {
            let explained = e
                .extra
                .as_ref()
                .and_then(|x| x.get("explanation"))
                .and_then(|x| x.as_str());
            explained.unwrap_or(&e.detail).chars().take(500).collect()
        }),
        user_id: Some(actor.user.id),
        at: trellis_db::now_ms(),
    };
    let r = async {
        let mut c = rt.state.db.conn().await?;
        trellis_db::installations::record_attempt(&mut c, &row).await
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "could not record an install attempt");
    }
}

/// Installs `input.plugin` (and what it needs) into workspace `ws`, with
/// consent; everything or nothing.
pub async fn install(
    rt: &Arc<Runtime>,
    actor: &Actor,
    ws: &str,
    input: &InstallIn,
) -> AppResult<InstallResultOut> {
    let result = install_inner(rt, actor, ws, input).await;
    let version = result.as_ref().ok().and_then(|r| {
        r.plan
            .steps
            .iter()
            .find(|s| s.plugin == input.plugin)
            .map(|s| s.version.clone())
    });
    // Refusals before a plan (a workspace one may not manage, a bad id) are
    // not install attempts.
    let counts = match &result {
        Ok(_) => true,
        Err(e) => {
            let refused_early = matches!(
                e.code,
                ErrorCode::NotFound | ErrorCode::Forbidden | ErrorCode::InsufficientScope
            );
            let not_attempted = e.code == ErrorCode::ValidationFailed
                && e.errors
                    .iter()
                    .any(|f| ["consent", "plugin", "workspace", "req"].contains(&f.field.as_str()));
            !refused_early && !not_attempted
        }
    };
    if counts {
        record_attempt(
            rt,
            actor,
            ws,
            &input.plugin,
            version.as_deref(),
            "install",
            result.as_ref().map(|_| ()),
        )
        .await;
    }
    result
}

async fn install_inner(
    rt: &Arc<Runtime>,
    actor: &Actor,
    ws: &str,
    input: &InstallIn,
) -> AppResult<InstallResultOut> {
    let plan = plan(rt, actor, ws, input).await?;
    if !input.consent {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "consent",
            "required",
            "Review the plan and consent to the permissions it asks for (`consent: true`). Nothing was installed.",
        )
        .with_extra(serde_json::json!({ "plan": plan })));
    }
    for s in plan.steps.iter().filter(|s| s.action == "install") {
        verify(rt, s).await?;
    }
    let now = trellis_db::now_ms();
    let w = Workspace::parse(&plan.workspace)?;
    let ns = w.namespace().map(str::to_owned);
    let mut tx = rt.state.db.begin().await?;
    let mut changed = Vec::new();
    for s in &plan.steps {
        let requested = s.plugin == input.plugin;
        match s.action.as_str() {
            "install" => {
                let row = InstallationRow {
                    id: new_id(),
                    workspace: plan.workspace.clone(),
                    plugin_id: s.plugin.clone(),
                    version: s.version.clone(),
                    previous_version: None,
                    sha256: s.sha256.clone(),
                    requested,
                    pinned: false,
                    enabled: true,
                    disabled_reason: None,
                    granted: serde_json::to_string(&s.permissions).unwrap_or_default(),
                    config: default_config(rt, &s.sha256).await.to_string(),
                    secrets: None,
                    installed_by: Some(actor.user.id),
                    installed_at: now,
                    updated_at: now,
                    dev: false,
                    dev_manifest: None,
                };
                trellis_db::installations::insert(&mut tx, &row)
                    .await
                    .map_err(|e| match e {
                        trellis_db::DbError::Conflict => AppError::new(
                            ErrorCode::Conflict,
                            format!(
                                "{} was installed in {} meanwhile.",
                                s.plugin, plan.workspace
                            ),
                        ),
                        e => e.into(),
                    })?;
                trellis_db::plugins::mark_downloaded(&mut tx, &s.plugin).await?;
                trellis_platform::events::emit(
                    &mut tx,
                    &trellis_platform::events::actor(actor),
                    &trellis_events::catalogue::PluginInstalled {
                        installation: row.id.clone(),
                        workspace: plan.workspace.clone(),
                        plugin: s.plugin.clone(),
                        version: s.version.clone(),
                        requested,
                        namespace: ns.clone(),
                    },
                )
                .await?;
                changed.push(row.id);
            }
            _ if requested => {
                // Installed before as a dependency: now asked for.
                if let Some(i) =
                    trellis_db::installations::in_workspace(&mut tx, &plan.workspace, &s.plugin)
                        .await?
                {
                    trellis_db::installations::set_requested(&mut tx, &i.id, now).await?;
                    changed.push(i.id);
                }
            }
            _ => {}
        }
    }
    tx.commit().await?;
    let installations = crate::manage::by_ids(rt, &changed).await?;
    Ok(InstallResultOut {
        plan,
        installations,
    })
}

/// The schema's defaults of a package (an empty object when unreadable: the
/// install verified the package a moment ago).
pub(crate) async fn default_config(rt: &Arc<Runtime>, sha256: &str) -> Value {
    match crate::host::read_package(rt, sha256).await {
        Ok(pkg) => crate::configure::defaults(&crate::configure::schema_of(&pkg)),
        Err(_) => Value::Object(Default::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(net: &[&str], hf: &[&str]) -> PermissionsOut {
        PermissionsOut {
            network: net.iter().map(|s| s.to_string()).collect(),
            host_functions: hf.iter().map(|s| s.to_string()).collect(),
            secrets: vec![],
        }
    }

    #[test]
    fn added_permissions_are_what_the_old_grant_lacks() {
        let a = added(
            &p(&["a.com", "b.com"], &["log", "kv_get"]),
            &p(&["a.com"], &["log"]),
        );
        assert_eq!(a, p(&["b.com"], &["kv_get"]));
        assert!(is_empty(&added(
            &p(&["a.com"], &[]),
            &p(&["a.com"], &["log"])
        )));
    }
}
