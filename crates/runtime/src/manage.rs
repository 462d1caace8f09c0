//! What happens to installations after install: listing a workspace,
//! enabling, disabling and pinning, and uninstalling (refused while another
//! installed plugin needs it; dependencies nothing needs any more are offered
//! for removal, or removed with it when asked).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use trellis_db::installations::InstallationRow;
use trellis_platform::{Actor, AppError, AppResult};
use trellis_types::{
    ErrorCode, InstallationOut, InstallationPatchIn, UninstallIn, UninstalledOut, WorkspaceOut,
};

use crate::configure::installation_for;
use crate::out::{metas, outs};
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

/// Dependencies nothing in `keep` needs, transitively: installed as
/// dependencies (not asked for) and not needed by anything that stays.
fn unused(
    all: &[InstallationRow],
    removed: &BTreeSet<String>,
    deps: &HashMap<String, Vec<String>>,
) -> Vec<String> {
    let mut gone = removed.clone();
    loop {
        let needed: BTreeSet<&String> = all
            .iter()
            .filter(|i| !gone.contains(&i.plugin_id))
            .flat_map(|i| deps.get(&i.plugin_id).into_iter().flatten())
            .collect();
        let more: Vec<String> = all
            .iter()
            .filter(|i| {
                !i.requested && !gone.contains(&i.plugin_id) && !needed.contains(&i.plugin_id)
            })
            .map(|i| i.plugin_id.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        gone.extend(more);
    }
    gone.difference(removed).cloned().collect()
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
    let ids: Vec<String> = all.iter().map(|i| i.plugin_id.clone()).collect();
    let metas = metas(&mut c, &ids).await?;
    drop(c);
    let deps: HashMap<String, Vec<String>> = all
        .iter()
        .map(|i| {
            let m = metas
                .get(&(i.plugin_id.clone(), i.version.clone()))
                .map(|m| m.dependencies.clone())
                .unwrap_or_default();
            (i.plugin_id.clone(), m)
        })
        .collect();
    let needed_by: Vec<String> = all
        .iter()
        .filter(|i| i.id != row.id && deps[&i.plugin_id].contains(&row.plugin_id))
        .map(|i| i.plugin_id.clone())
        .collect();
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
    let unused_now = unused(&all, &removed, &deps);
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
            trellis_platform::events::emit(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(plugin: &str, requested: bool) -> InstallationRow {
        InstallationRow {
            id: format!("ins_{plugin}"),
            workspace: "~a".into(),
            plugin_id: plugin.into(),
            version: "1.0.0".into(),
            previous_version: None,
            sha256: String::new(),
            requested,
            pinned: false,
            enabled: true,
            disabled_reason: None,
            granted: "{}".into(),
            config: "{}".into(),
            secrets: None,
            installed_by: None,
            installed_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn unused_dependencies_are_found_transitively() {
        let all = vec![
            inst("a.app", true),
            inst("a.mid", false),
            inst("a.leaf", false),
            inst("a.other", true),
        ];
        let mut deps = HashMap::new();
        deps.insert("a.app".to_string(), vec!["a.mid".to_string()]);
        deps.insert("a.mid".to_string(), vec!["a.leaf".to_string()]);
        deps.insert("a.leaf".to_string(), vec![]);
        deps.insert("a.other".to_string(), vec![]);
        let removed = BTreeSet::from(["a.app".to_string()]);
        assert_eq!(
            unused(&all, &removed, &deps),
            vec!["a.leaf".to_string(), "a.mid".to_string()]
        );
        deps.insert("a.other".to_string(), vec!["a.leaf".to_string()]);
        assert_eq!(unused(&all, &removed, &deps), vec!["a.mid".to_string()]);
    }
}
