//! `/installations/{id}`: one installed plugin. Its overview (plugin,
//! version and the previous one, workspace, the permissions granted, the
//! events it receives and publishes, its dependencies) with the same actions
//! as the workspace page, the settings form (`components::runtime_config`),
//! health (`components::runtime_health`), the log with its level filter and
//! "Invoke" (`components::runtime_log`). Every form works without
//! JavaScript and comes back here with `done=`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::runtime::InstallationData;
use crate::api::runtime_actions::{InvokePlugin, SavePluginConfig};
use crate::api::runtime_installations::installation_page;
use crate::components::form::last_error;
use crate::components::runtime_config::ConfigPanel;
use crate::components::runtime_health::HealthPanel;
use crate::components::runtime_log::{InvokePanel, LogPanel};
use crate::components::runtime_ui::{
    runtime_failed, ws_href, ActionErrors, DoneNotice, PermissionList, StatusBadge,
};
use crate::components::time::date;
use crate::pages::runtime_workspace::{RowActions, WsActions};

fn list(items: Vec<String>, link: bool) -> AnyView {
    if items.is_empty() {
        return "—".into_any();
    }
    items
        .into_iter()
        .map(|i| {
            if link {
                view! { <a href=format!("/plugins/{i}")>{i.clone()}</a> " " }.into_any()
            } else {
                view! { <code>{i}</code> " " }.into_any()
            }
        })
        .collect_view()
        .into_any()
}

/// The overview.
#[component]
fn Overview(d: InstallationData, a: WsActions) -> impl IntoView {
    let i = d.inst.clone();
    let errors = vec![
        last_error(a.enable),
        last_error(a.pin),
        last_error(a.update),
        last_error(a.rollback),
    ];
    let here = crate::components::runtime_ui::inst_href(&i.id);
    view! {
        <section class="panel runtime-page">
            <p class="crumbs"><a href=ws_href(&i.workspace)>{i.workspace.clone()}</a> " / " {i.plugin.clone()}</p>
            <div class="runtime-head">
                <h1 data-testid="installation-title">{i.display_name.clone()}</h1>
                <StatusBadge status=i.status.clone()/>
            </div>
            <DoneNotice/>
            <ActionErrors errors/>
            <dl class="facts" data-testid="installation-facts">
                <dt>"Plugin"</dt><dd><a href=format!("/plugins/{}", i.plugin)>{i.plugin.clone()}</a></dd>
                <dt>"Version"</dt><dd><code data-testid="installed-version">{i.version.clone()}</code>
                    {i.pinned.then(|| view! { " " <span class="tag">"pinned"</span> })}
                    {i.dev.then(|| view! {
                        " " <span class="tag" data-testid="dev-build" title="Uploaded with `trellis dev`, not a published version">"development build"</span>
                    })}
                    {d.update.clone().filter(|u| !u.pinned).map(|u| view! {
                        " " <span class="small update-note">{format!("{} available", u.latest_version)}</span>
                    })}
                </dd>
                <dt>"Previous version"</dt><dd>{i.previous_version.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Workspace"</dt><dd><a href=ws_href(&i.workspace)>{i.workspace.clone()}</a></dd>
                <dt>"Installed"</dt><dd>{if i.requested { "asked for" } else { "as a dependency" }} ", " {date(i.installed_at / 1000)}</dd>
                <dt>"Receives events"</dt><dd>{list(i.subscribes.clone(), false)}</dd>
                <dt>"Publishes events"</dt><dd>{list(i.publishes.clone(), false)}</dd>
                <dt>"Depends on"</dt><dd>{list(i.dependencies.clone(), true)}</dd>
            </dl>
            <h2 class="h3">"Permissions you granted"</h2>
            <PermissionList perms=i.granted.clone() meanings=d.meanings.clone()/>
            {d.can_manage.then(|| view! { <RowActions i=i.clone() update=d.update.clone() a back=here.clone() on_page=true/> })}
        </section>
    }
}

/// The query's `draft_<field>` values (a refused settings form, without JavaScript).
fn drafts(q: &leptos_router::params::ParamsMap) -> Vec<(String, String)> {
    if q.get("__err").is_none() {
        return Vec::new();
    }
    q.clone()
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("draft_").map(|n| (n.to_owned(), v)))
        .collect()
}

/// The installation page.
#[component]
pub fn InstallationPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let a = WsActions::new();
    let config = ServerAction::<SavePluginConfig>::new();
    let invoke = ServerAction::<InvokePlugin>::new();
    // Only read for a refusal that came back in the URL: the settings form is
    // an island with its own action.
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(
        move || {
            (
                id(),
                query.with(|q| (q.get("level"), q.get("before"), q.get("invoked"))),
                a.versions() + invoke.version().get(),
            )
        },
        |(id, (level, before, invoked), _)| installation_page(id, level, before, invoked),
    );
    view! {
        <Title text="Installation — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return runtime_failed(e, format!("Installation {}", id())),
                };
                let drafts = query.with(drafts);
                let id = d.inst.id.clone();
                view! {
                    <Title text=format!("{} in {} — Trellis", d.inst.display_name, d.inst.workspace)/>
                    <Overview d=d.clone() a/>
                    <div class="runtime-grid">
                        <ConfigPanel id=id.clone() config=d.config.clone() can_manage=d.can_manage drafts
                            refused=last_error(config).get_untracked()/>
                        <HealthPanel h=d.health.clone() enable=a.enable can_manage=d.can_manage/>
                    </div>
                    {d.can_manage.then(|| view! {
                        <InvokePanel id=id.clone() action=invoke carried=d.invoked.clone() enabled=d.inst.enabled/>
                    })}
                    <LogPanel id log=d.log.clone() level=d.level.clone() before=d.before/>
                }
                .into_any()
            })}
        </Transition>
    }
}
