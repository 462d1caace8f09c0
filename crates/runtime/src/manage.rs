//! What happens to installations after install: listing a workspace,
//! enabling, disabling and pinning, and uninstalling (refused while another
//! installed plugin needs it; dependencies nothing needs any more are offered
//! for removal, or removed with it when asked).

use std::collections::BTreeSet;
use std::sync::Arc;

use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{
    ErrorCode, InstallationOut, InstallationPatchIn, UninstallIn, UninstalledOut, WorkspaceOut,
};

use crate::configure::installation_for;
use crate::out::outs;
use crate::workspace::{access, require_view, Access, Workspace};
use crate::Runtime;

/// A stamp for `updated_at` that always moves forward (a changed row is what
/// makes every process load an installation again).
pub(crate) fn next_stamp(prev: i64) -> i64 {
    trellis_db::now_ms().max(prev + 1)
}

/// These installations as shown, in the order given (missing ones skipped).
pub async fn by_ids(rt: &Runtime, ids: &[String]) -> AppResult<Vec<InstallationOut>> {
    let mut c = rt.state.db.conn().await?;
    let mut rows = Vec::new();
    for id in ids {
        if let Some(r) = trellis_db::installations::by_id(&mut c, id).await? {
            rows.push(r);
        }
    }
    outs(&mut c, rows).await
}

/// A workspace and its installations.
pub async fn workspace(rt: &Runtime, actor: &Actor, ws: &str) -> AppResult<WorkspaceOut> {
    let w = Workspace::parse(ws)?;
    let can = require_view(&rt.state, actor, &w).await?;
    // Statuses come from the health rows: this process's news first.
    crate::health::flush(rt).await?;
    let mut c = rt.state.db.conn().await?;
    let rows = trellis_db::installations::of_workspace(&mut c, &w.name()).await?;
    Ok(WorkspaceOut {
        workspace: w.name(),
        kind: w.kind().into(),
        can_manage: can == Access::Manage,
        installations: outs(&mut c, rows).await?,
    })
}

/// The workspaces an actor manages: their own, then their namespaces'.
pub async fn workspaces_of(rt: &Runtime, actor: &Actor) -> AppResult<Vec<String>> {
    let mut out = vec![Workspace::of_user(&actor.user.username).name()];
    let mut c = rt.state.db.conn().await?;
    for (_, ns, _) in trellis_db::namespaces::memberships(&mut c, &[actor.user.id]).await? {
        out.push(ns);
    }
    Ok(out)
}

/// One installation.
pub async fn get(rt: &Runtime, actor: &Actor, id: &str) -> AppResult<InstallationOut> {
    let row = installation_for(rt, actor, id, false).await?;
    crate::health::flush(rt).await?;
    let mut c = rt.state.db.conn().await?;
    outs(&mut c, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::not_found(format!("Installation `{id}`")))
}

/// Enables, disables or pins an installation.
pub async fn patch(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &InstallationPatchIn,
) -> AppResult<InstallationOut> {
    let row = installation_for(rt, actor, id, true).await?;
    let ns = Workspace::parse(&row.workspace)?
        .namespace()
        .map(str::to_owned);
    let ev = trellis_platform::events::actor(actor);
    let mut tx = rt.state.db.begin().await?;
    let mut stamp = row.updated_at;
    if let Some(enabled) = input.enabled.filter(|e| *e != row.enabled) {
        stamp = next_stamp(stamp);
        let reason = (!enabled).then_some("user");
        trellis_db::installations::set_enabled(&mut tx, &row.id, enabled, reason, stamp).await?;
        if enabled {
            trellis_platform::events::emit(
                &mut tx,
                &ev,
                &trellis_events::catalogue::PluginEnabled {
                    installation: row.id.clone(),
                    workspace: row.workspace.clone(),
                    plugin: row.plugin_id.clone(),
                    namespace: ns.clone(),
                },
            )
            .await?;
        } else {
            trellis_platform::events::emit(
                &mut tx,
                &ev,
                &trellis_events::catalogue::PluginDisabled {
                    installation: row.id.clone(),
                    workspace: row.workspace.clone(),
                    plugin: row.plugin_id.clone(),
                    reason: "user".into(),
                    namespace: ns.clone(),
                },
            )
            .await?;
        }
    }
    if let Some(pinned) = input.pinned.filter(|p| *p != row.pinned) {
        stamp = next_stamp(stamp);
        trellis_db::installations::set_pinned(&mut tx, &row.id, pinned, stamp).await?;
    }
    tx.commit().await?;
    if input.enabled == Some(false) {
        rt.host.unload(&row.id);
    }
    if input.enabled == Some(true) {
        // A fresh start: the breaker's count begins again.
        rt.health.reset(&row.id);
    }
    get(rt, actor, id).await
}

/// Uninstalls a plugin (refused while another installed plugin needs it),
/// and with `remove_unused_dependencies` the dependencies nothing needs now.
pub async fn uninstall(
    rt: &Arc<Runtime>,
    actor: &Actor,
    id: &str,
    input: &UninstallIn,
) -> AppResult<UninstalledOut> {
    let row = installation_for(rt, actor, id, true).await?;
    let mut c = rt.state.db.conn().await?;
    let all = trellis_db::installations::of_workspace(&mut c, &row.workspace).await?;
    let shown = outs(&mut c, all.clone()).await?;
    drop(c);
    let needed_by = trellis_types::needed_by(&shown, &row.plugin_id);
    if !needed_by.is_empty() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{} is needed by {}: uninstall {} first. Nothing was removed.",
                row.plugin_id,
                needed_by.join(", "),
                if needed_by.len() == 1 { "it" } else { "them" }
            ),
        )
        .with_extra(serde_json::json!({ "required_by": needed_by })));
    }
    let mut removed: BTreeSet<String> = BTreeSet::from([row.plugin_id.clone()]);
    let unused_now = trellis_types::unused_after(&shown, std::slice::from_ref(&row.plugin_id));
    if input.remove_unused_dependencies {
        removed.extend(unused_now.iter().cloned());
    }
    let ns = Workspace::parse(&row.workspace)?
        .namespace()
        .map(str::to_owned);
    let ev = trellis_platform::events::actor(actor);
    let mut tx = rt.state.db.begin().await?;
    let mut gone = Vec::new();
    for i in all.iter().filter(|i| removed.contains(&i.plugin_id)) {
        if trellis_db::installations::delete(&mut tx, &i.id).await? {
            let event = trellis_platform::events::emit(
                &mut tx,
                &ev,
                &trellis_events::catalogue::PluginUninstalled {
                    installation: i.id.clone(),
                    workspace: i.workspace.clone(),
                    plugin: i.plugin_id.clone(),
                    version: i.version.clone(),
                    namespace: ns.clone(),
                },
            )
            .await?;
            crate::dev::release_package(&mut tx, i, &event).await?;
            gone.push(i.id.clone());
        }
    }
    tx.commit().await?;
    for g in &gone {
        rt.host.unload(g);
        rt.health.reset(g);
    }
    Ok(UninstalledOut {
        removed: removed.iter().cloned().collect(),
        unused_dependencies: if input.remove_unused_dependencies {
            Vec::new()
        } else {
            unused_now
        },
    })
}

/// Whether an actor may look at every workspace (admins).
pub async fn is_admin_view(rt: &Runtime, actor: &Actor, ws: &Workspace) -> AppResult<bool> {
    Ok(access(&rt.state, actor, ws).await? == Access::View)
}
