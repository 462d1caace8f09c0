//! Updates and rollbacks. The available updates are the newest published,
//! unyanked, non-pre-release versions whose API range fits this host. An
//! update is planned by the resolver with the rest of the workspace held at
//! its versions (dependencies installed for it may move); a plan that asks for
//! permissions beyond what was consented to needs consent again. A rollback
//! returns to the version before the last update (and a second rollback
//! undoes it). Pinned installations are left alone by "update all" and
//! refuse an update until unpinned. The running module is swapped on the
//! next call (hot reload); calls in flight finish on the old one.

use std::sync::Arc;

use serde_json::json;
use trellis_db::installations::InstallationRow;
use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{
    ConsentIn, ErrorCode, InstallPlanOut, InstallResultOut, PermissionsOut, ResolveWant, UpdateIn,
    UpdateOut,
};

use crate::configure::installation_for;
use crate::install::{added, record_attempt, resolve_steps};
use crate::manage::next_stamp;
use crate::verify::verify;
use crate::workspace::{require_manage, require_view, Workspace};
use crate::Runtime;

/// Available updates in a workspace.
pub async fn available(rt: &Runtime, actor: &Actor, ws: &str) -> AppResult<Vec<UpdateOut>> {
    let w = Workspace::parse(ws)?;
    require_view(&rt.state, actor, &w).await?;
    let mut c = rt.state.db.conn().await?;
    let rows = trellis_db::installations::of_workspace(&mut c, &w.name()).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.plugin_id.clone()).collect();
    let versions = trellis_db::plugins::versions_of(&mut c, &ids).await?;
    let api = semver::Version::parse(crate::API_VERSION).unwrap_or(semver::Version::new(1, 0, 0));
    let mut out = Vec::new();
    // A development build is replaced by uploading another, never updated.
    for r in rows.into_iter().filter(|r| !r.dev) {
        let Ok(current) = semver::Version::parse(&r.version) else {
            continue;
        };
        let newest = versions
            .iter()
            .filter(|v| v.plugin_id == r.plugin_id && !v.yanked && !v.prerelease)
            .filter(|v| semver::VersionReq::parse(&v.api_req).is_ok_and(|q| q.matches(&api)))
            .filter_map(|v| semver::Version::parse(&v.version).ok().map(|s| (s, v)))
            .max_by(|a, b| a.0.cmp(&b.0));
        let Some((latest, v)) = newest.filter(|(s, _)| *s > current) else {
            continue;
        };
        let perms: PermissionsOut =
            trellis_db::json_column("plugin_versions.permissions", &v.permissions)?;
        let granted: PermissionsOut = trellis_db::json_column("installations.granted", &r.granted)?;
        out.push(UpdateOut {
            installation: r.id.clone(),
            plugin: r.plugin_id.clone(),
            installed_version: r.version.clone(),
            latest_version: latest.to_string(),
            pinned: r.pinned,
            new_permissions: added(&perms, &granted),
        });
    }
    Ok(out)
}

/// The plan moving `row` to `req` (the newest when `None`).
async fn plan_for(
    rt: &Runtime,
    row: &InstallationRow,
    req: Option<String>,
) -> AppResult<InstallPlanOut> {
    let all =
        trellis_db::installations::of_workspace(&mut *rt.state.db.conn().await?, &row.workspace)
            .await?;
    // Dependencies (installed for others, not pinned) may move with it.
    let free: Vec<String> = all
        .iter()
        .filter(|i| !i.requested && !i.pinned)
        .map(|i| i.plugin_id.clone())
        .collect();
    resolve_steps(
        rt,
        &row.workspace,
        &all,
        vec![ResolveWant {
            id: row.plugin_id.clone(),
            req,
        }],
        &free,
    )
    .await
}

/// The plan an update would carry out.
pub async fn plan(
    rt: &Runtime,
    actor: &Actor,
    id: &str,
    version: Option<&str>,
) -> AppResult<InstallPlanOut> {
    let row = installation_for(rt, actor, id, true).await?;
    refuse_dev(&row)?;
    let req = exact(version)?;
    plan_for(rt, &row, req.or_else(|| Some(format!(">={}", row.version)))).await
}

/// A development build moves only by uploading another (`trellis dev`); to
/// return to registry versions, uninstall it and install from the registry.
fn refuse_dev(row: &InstallationRow) -> AppResult<()> {
    if row.dev {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{} is a development build: upload a new build with `trellis dev`, or uninstall it and install a published version.",
                row.plugin_id
            ),
        ));
    }
    Ok(())
}

fn exact(version: Option<&str>) -> AppResult<Option<String>> {
    if version.is_some_and(|v| v.chars().count() > 100) {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            "version",
            "too_long",
            "A version is at most 100 characters.",
        ));
    }
    match version.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => semver::Version::parse(v)
            .map(|v| Some(format!("={v}")))
            .map_err(|e| {
                AppError::field(
                    ErrorCode::ValidationFailed,
                    "version",
                    "invalid_semver",
                    format!("`{v}` is not a version: {e}."),
                )
            }),
    }
}

fn consent_needed(plan: &InstallPlanOut, what: &str) -> AppError {
    let asks: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action != "keep" && !crate::install::is_empty(&s.new_permissions))
        .map(|s| {
            let p = &s.new_permissions;
            let all: Vec<String> = p
                .host_functions
                .iter()
                .chain(&p.network)
                .chain(&p.secrets)
                .cloned()
                .collect();
            format!("{} {} asks for {}", s.plugin, s.version, all.join(", "))
        })
        .collect();
    AppError::field(
        ErrorCode::ValidationFailed,
        "consent",
        "required",
        format!("This {what} asks for more permissions ({}). Consent to them (`consent: true`); nothing was changed.", asks.join("; ")),
    )
    .with_extra(json!({ "plan": plan }))
}

/// Carries out a plan whose target is `row`: new dependencies installed, the
/// others moved, one transaction, `plugin.updated` for each move.
async fn apply(
    rt: &Arc<Runtime>,
    actor: &Actor,
    row: &InstallationRow,
    plan: &InstallPlanOut,
    rollback: bool,
) -> AppResult<Vec<String>> {
    for s in plan.steps.iter().filter(|s| s.action != "keep") {
        verify(rt, s).await?;
    }
    let ns = Workspace::parse(&row.workspace)?
        .namespace()
        .map(str::to_owned);
    let ev = trellis_platform::events::actor(actor);
    let now = trellis_db::now_ms();
    let mut tx = rt.state.db.begin().await?;
    let mut changed = Vec::new();
    for s in &plan.steps {
        let granted = serde_json::to_string(&s.permissions).unwrap_or_default();
        match s.action.as_str() {
            "update" => {
                let Some(cur) =
                    trellis_db::installations::in_workspace(&mut tx, &row.workspace, &s.plugin)
                        .await?
                else {
                    continue;
                };
                trellis_db::installations::set_version(
                    &mut tx,
                    &cur.id,
                    &s.version,
                    Some(&cur.version),
                    &s.sha256,
                    &granted,
                    next_stamp(cur.updated_at),
                )
                .await?;
                trellis_platform::events::emit(
                    &mut tx,
                    &ev,
                    &trellis_events::catalogue::PluginUpdated {
                        installation: cur.id.clone(),
                        workspace: cur.workspace.clone(),
                        plugin: cur.plugin_id.clone(),
                        from_version: cur.version.clone(),
                        to_version: s.version.clone(),
                        rollback: rollback && cur.id == row.id,
                        namespace: ns.clone(),
                    },
                )
                .await?;
                changed.push(cur.id);
            }
            "install" => {
                let new = InstallationRow {
                    id: crate::install::new_id(),
                    workspace: row.workspace.clone(),
                    plugin_id: s.plugin.clone(),
                    version: s.version.clone(),
                    previous_version: None,
                    sha256: s.sha256.clone(),
                    requested: false,
                    pinned: false,
                    enabled: true,
                    disabled_reason: None,
                    granted,
                    config: "{}".into(),
                    secrets: None,
                    installed_by: Some(actor.user.id),
                    installed_at: now,
                    updated_at: now,
                    dev: false,
                    dev_manifest: None,
                };
                trellis_db::installations::insert(&mut tx, &new).await?;
                trellis_db::plugins::mark_downloaded(&mut tx, &s.plugin).await?;
                trellis_platform::events::emit(
                    &mut tx,
                    &ev,
                    &trellis_events::catalogue::PluginInstalled {
                        installation: new.id.clone(),
                        workspace: new.workspace.clone(),
                        plugin: new.plugin_id.clone(),
                        version: new.version.clone(),
                        requested: false,
                        namespace: ns.clone(),
                    },
                )
                .await?;
                changed.push(new.id);
            }
            _ => {}
        }
    }
    tx.commit().await?;
    Ok(changed)
}

async fn run(
    rt: &Arc<Runtime>,
    actor: &Actor,
    row: &InstallationRow,
    plan: InstallPlanOut,
    consent: bool,
    rollback: bool,
) -> AppResult<InstallResultOut> {
    let what = if rollback { "rollback" } else { "update" };
    if plan.needs_consent && !consent {
        return Err(consent_needed(&plan, what));
    }
    let changed = apply(rt, actor, row, &plan, rollback).await?;
    Ok(InstallResultOut {
        installations: crate::manage::by_ids(rt, &changed).await?,
        plan,
    })
}

/// Updates an installation (to `input.version`, else the newest).
pub async fn update(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &UpdateIn,
) -> AppResult<InstallResultOut> {
    let row = installation_for(rt, actor, id, true).await?;
    refuse_dev(&row)?;
    let result = async {
        if row.pinned {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "{} is pinned at {}: unpin it to update it.",
                    row.plugin_id, row.version
                ),
            ));
        }
        let req = exact(input.version.as_deref())?;
        let plan = plan_for(rt, &row, req.clone()).await?;
        let target = plan.steps.iter().find(|s| s.plugin == row.plugin_id);
        if target.is_some_and(|t| t.action == "keep") {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "{} {} is already the newest version that fits.",
                    row.plugin_id, row.version
                ),
            ));
        }
        run(rt, actor, &row, plan, input.consent, false).await
    }
    .await;
    attempt(rt, actor, &row, "update", &result).await;
    result
}

/// Records an update or rollback attempt, unless it was only refused for
/// want of consent (nothing was attempted).
async fn attempt(
    rt: &Runtime,
    actor: &Actor,
    row: &InstallationRow,
    action: &str,
    result: &AppResult<InstallResultOut>,
) {
    if let Err(e) = result {
        if e.errors.iter().any(|f| f.field == "consent") || e.code == ErrorCode::Conflict {
            return;
        }
    }
    let version = result.as_ref().ok().and_then(|r| {
        r.plan
            .steps
            .iter()
            .find(|s| s.plugin == row.plugin_id)
            .map(|s| s.version.clone())
    });
    record_attempt(
        rt,
        actor,
        &row.workspace,
        &row.plugin_id,
        version.as_deref(),
        action,
        result.as_ref().map(|_| ()),
    )
    .await;
}

/// Updates every installation of a workspace that has an update and is not
/// pinned. With any of them asking for more permissions, nothing happens
/// without consent.
pub async fn update_all(
    rt: &Arc<Runtime>,
    actor: &Actor,
    ws: &str,
    input: &ConsentIn,
) -> AppResult<Vec<InstallResultOut>> {
    let w = Workspace::parse(ws)?;
    require_manage(&rt.state, actor, &w).await?;
    let mut todo = Vec::new();
    for u in available(rt, actor, ws)
        .await?
        .into_iter()
        .filter(|u| !u.pinned)
    {
        let row = installation_for(rt, actor, &u.installation, true).await?;
        if !row.requested {
            continue; // moves with what needs it
        }
        let plan = plan_for(rt, &row, None).await?;
        todo.push((row, plan));
    }
    if !input.consent {
        if let Some((_, plan)) = todo.iter().find(|(_, p)| p.needs_consent) {
            return Err(consent_needed(plan, "update"));
        }
    }
    let mut out = Vec::new();
    for (row, _) in todo {
        // Planned again: an earlier update may have moved a shared dependency.
        let result = async {
            let plan = plan_for(rt, &row, None).await?;
            run(rt, actor, &row, plan, input.consent, false).await
        }
        .await;
        attempt(rt, actor, &row, "update", &result).await;
        out.push(result?);
    }
    Ok(out)
}

/// Rolls an installation back to the version before its last update.
pub async fn rollback(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &ConsentIn,
) -> AppResult<InstallResultOut> {
    let row = installation_for(rt, actor, id, true).await?;
    refuse_dev(&row)?;
    let Some(prev) = row.previous_version.clone() else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("{} has no earlier version to roll back to.", row.plugin_id),
        ));
    };
    let result = async {
        let plan = plan_for(rt, &row, Some(format!("={prev}"))).await?;
        run(rt, actor, &row, plan, input.consent, true).await
    }
    .await;
    attempt(rt, actor, &row, "rollback", &result).await;
    result
}
