//! The reads of one installation's pages (see `runtime` for the shapes):
//! the installation page, the consent pages of an update, a rollback and
//! "Update all", the uninstall confirmation, and the admins' view.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::runtime::{rt, InvokeResult};
use super::runtime::{
    AdminPluginsData, ConsentData, InstallationData, UninstallData, UpdateAllData,
};
use crate::error::UiError;
#[cfg(feature = "ssr")]
use trellis_types::{needed_by, unused_after};

/// An installation: overview, configuration, health, a page of its log
/// (`level`: the lowest level shown; `before`: older than that line) and,
/// after a call without JavaScript, its sealed result (`invoked`).
#[server]
pub async fn installation_page(
    id: String,
    level: Option<String>,
    before: Option<String>,
    invoked: Option<String>,
) -> Result<InstallationData, UiError> {
    use trellis_runtime::workspace::{access, Access, Workspace};
    let (rt, actor) = rt::acting().await?;
    // Health first: reading it writes what this process measured, so the
    // installation's status below agrees with it.
    let health = trellis_runtime::status::health(&rt, &actor, &id).await?;
    let inst = trellis_runtime::manage::get(&rt, &actor, &id).await?;
    let ws = Workspace::parse(&inst.workspace)?;
    let can_manage = access(&rt.state, &actor, &ws).await? == Access::Manage;
    let config = trellis_runtime::configure::get(&rt, &actor, &id).await?;
    let level = level
        .filter(|l| trellis_runtime::logs::LEVELS.contains(&l.as_str()))
        .unwrap_or_else(|| "debug".into());
    let before = before
        .and_then(|b| b.parse::<i64>().ok())
        .filter(|b| *b > 0);
    let log = trellis_runtime::logs::page(&rt, &actor, &id, Some(&level), before, 50).await?;
    let update = trellis_runtime::updates::available(&rt, &actor, &inst.workspace)
        .await?
        .into_iter()
        .find(|u| u.installation == inst.id);
    let invoked = invoked.and_then(|sealed| {
        let sealer =
            trellis_platform::seal::Sealer::new(&rt.state.session_key[..], rt::INVOKE_SEAL);
        let plain = sealer.open(&rt::invoke_context(&actor, &inst.id), &sealed)?;
        serde_json::from_slice::<InvokeResult>(&plain).ok()
    });
    Ok(InstallationData {
        inst,
        can_manage,
        config,
        health,
        log,
        level,
        before,
        update,
        meanings: rt::meanings(),
        invoked,
    })
}

/// What an update (`kind` `update`, to `version` or the newest) or a
/// rollback (`kind` `rollback`) of an installation would do.
#[server]
pub async fn consent_page(
    id: String,
    kind: String,
    version: Option<String>,
) -> Result<ConsentData, UiError> {
    let (rt, actor) = rt::acting().await?;
    let inst = trellis_runtime::manage::get(&rt, &actor, &id).await?;
    let version = version.filter(|v| !v.trim().is_empty());
    let target = if kind == "rollback" {
        Some(inst.previous_version.clone().ok_or_else(|| {
            trellis_platform::AppError::new(
                trellis_types::ErrorCode::Conflict,
                format!("{} has no earlier version to roll back to.", inst.plugin),
            )
        })?)
    } else {
        version.clone()
    };
    let plan = trellis_runtime::updates::plan(&rt, &actor, &id, target.as_deref()).await?;
    Ok(ConsentData {
        inst,
        kind: if kind == "rollback" {
            kind
        } else {
            "update".into()
        },
        version,
        plan,
        meanings: rt::meanings(),
    })
}

/// What "Update all" would do in a workspace.
#[server]
pub async fn update_all_page(workspace: String) -> Result<UpdateAllData, UiError> {
    let (rt, actor) = rt::acting().await?;
    let ws = trellis_runtime::manage::workspace(&rt, &actor, &workspace).await?;
    let updates = trellis_runtime::updates::available(&rt, &actor, &ws.workspace).await?;
    let mut plans = Vec::new();
    let mut pinned = Vec::new();
    for u in updates {
        if u.pinned {
            pinned.push(u);
            continue;
        }
        // Dependencies move with what needs them.
        let requested = ws
            .installations
            .iter()
            .any(|i| i.id == u.installation && i.requested);
        if !requested {
            continue;
        }
        let plan = trellis_runtime::updates::plan(&rt, &actor, &u.installation, None).await?;
        plans.push((u, plan));
    }
    Ok(UpdateAllData {
        workspace: ws.workspace,
        plans,
        pinned,
        meanings: rt::meanings(),
    })
}

/// What uninstalling an installation would do.
#[server]
pub async fn uninstall_page(id: String) -> Result<UninstallData, UiError> {
    let (rt, actor) = rt::acting().await?;
    let inst = trellis_runtime::manage::get(&rt, &actor, &id).await?;
    let ws = trellis_runtime::manage::workspace(&rt, &actor, &inst.workspace).await?;
    let needed_by = needed_by(&ws.installations, &inst.plugin);
    let unused = unused_after(&ws.installations, std::slice::from_ref(&inst.plugin));
    Ok(UninstallData {
        inst,
        needed_by,
        unused,
    })
}

/// Install attempts over 30 days and every installation's health (admins).
#[server]
pub async fn admin_plugins_page() -> Result<AdminPluginsData, UiError> {
    let (rt, actor) = rt::acting().await?;
    let stats = trellis_runtime::status::install_stats(&rt, &actor, 30).await?;
    let health = trellis_runtime::status::all_health(&rt, &actor).await?;
    Ok(AdminPluginsData { stats, health })
}
