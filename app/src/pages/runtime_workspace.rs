//! `/workspaces/{ws}` (`~alice`, a user's, or a namespace's): what is
//! installed there. Each installation with its plugin (linking to the plugin
//! page), version, status badge, whether it was asked for or came as a
//! dependency (and whether anything still needs it), pinned, enabled; and its
//! actions as small POST forms coming back here with `done=`: enable /
//! disable, pin / unpin, update when one is available, roll back when there
//! is a previous version, uninstall (a confirmation page), and "Update all".
//! An update that asks for more permissions goes to its consent page. A
//! switcher leads to the viewer's other workspaces.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use trellis_types::{InstallationOut, UpdateOut};

use crate::api::runtime::{workspace_page, WorkspaceData};
use crate::api::runtime_actions::{
    RollbackInstallation, SetInstallationEnabled, SetInstallationPinned, UpdateAllPlugins,
    UpdateInstallation,
};
use crate::components::form::last_error;
use crate::components::runtime_ui::{
    inst_href, runtime_failed, ws_href, ActionErrors, DoneNotice, StatusBadge, WorkspaceSwitcher,
};

/// The forms this page posts.
#[derive(Clone, Copy)]
pub struct WsActions {
    pub enable: ServerAction<SetInstallationEnabled>,
    pub pin: ServerAction<SetInstallationPinned>,
    pub update: ServerAction<UpdateInstallation>,
    pub rollback: ServerAction<RollbackInstallation>,
    pub update_all: ServerAction<UpdateAllPlugins>,
}

impl Default for WsActions {
    fn default() -> Self {
        WsActions::new()
    }
}

impl WsActions {
    pub fn new() -> WsActions {
        WsActions {
            enable: ServerAction::new(),
            pin: ServerAction::new(),
            update: ServerAction::new(),
            rollback: ServerAction::new(),
            update_all: ServerAction::new(),
        }
    }

    pub fn versions(&self) -> usize {
        self.enable.version().get()
            + self.pin.version().get()
            + self.update.version().get()
            + self.rollback.version().get()
            + self.update_all.version().get()
    }
}

/// A one-button form posting `id` and `back` with one more hidden field.
macro_rules! button_form {
    ($action:expr, $id:expr, $back:expr, $name:literal, $value:expr, $label:expr, $class:literal, $testid:literal) => {{
        let (fid, fback, fvalue, flabel) = ($id, $back, $value, $label);
        view! {
            <ActionForm action=$action attr:class="inline">
                <input type="hidden" name="id" value=fid/>
                <input type="hidden" name="back" value=fback/>
                <input type="hidden" name=$name value=fvalue/>
                <button type="submit" class=$class data-testid=$testid>{flabel}</button>
            </ActionForm>
        }
    }};
}

/// The actions of one installation (`on_page`: on its own page, which it
/// then does not link to).
#[component]
pub fn RowActions(
    i: InstallationOut,
    update: Option<UpdateOut>,
    a: WsActions,
    back: String,
    #[prop(optional)] on_page: bool,
) -> impl IntoView {
    let id = i.id.clone();
    let enable = if i.enabled {
        button_form!(
            a.enable,
            id.clone(),
            back.clone(),
            "enabled",
            "false",
            "Disable",
            "btn btn-small",
            "disable"
        )
    } else {
        button_form!(
            a.enable,
            id.clone(),
            back.clone(),
            "enabled",
            "true",
            "Enable",
            "btn btn-small btn-primary",
            "enable"
        )
    };
    let pin = if i.pinned {
        button_form!(
            a.pin,
            id.clone(),
            back.clone(),
            "pinned",
            "false",
            "Unpin",
            "btn btn-small",
            "unpin"
        )
    } else {
        button_form!(
            a.pin,
            id.clone(),
            back.clone(),
            "pinned",
            "true",
            "Pin",
            "btn btn-small",
            "pin"
        )
    };
    let upd = update.filter(|u| !u.pinned).map(|u| {
        let (id, back) = (&id, &back);
        let label = format!("Update to {}", u.latest_version);
        button_form!(
            a.update,
            id.clone(),
            back.clone(),
            "version",
            u.latest_version.clone(),
            label,
            "btn btn-small btn-primary",
            "update"
        )
    });
    let roll = i.previous_version.clone().map(|p| {
        let label = format!("Roll back to {p}");
        let (fid, fback) = (id.clone(), back.clone());
        view! {
            <ActionForm action=a.rollback attr:class="inline">
                <input type="hidden" name="id" value=fid/>
                <input type="hidden" name="back" value=fback/>
                <button type="submit" class="btn btn-small" data-testid="rollback">{label}</button>
            </ActionForm>
        }
    });
    view! {
        <div class="row-actions">
            {(!on_page).then(|| view! {
                <a href=inst_href(&id) class="btn btn-small" data-testid="open-installation">"Settings · log"</a>
            })}
            {upd}
            {roll}
            {enable}
            {pin}
            <a href=format!("{}/uninstall", inst_href(&id)) class="btn btn-small btn-ghost danger-link" data-testid="uninstall">"Uninstall…"</a>
        </div>
    }
}

/// One installation.
#[component]
fn InstallationRow(
    i: InstallationOut,
    update: Option<UpdateOut>,
    unused: bool,
    can_manage: bool,
    a: WsActions,
    back: String,
) -> impl IntoView {
    let origin = if i.requested {
        view! { <span class="tag tag-muted">"asked for"</span> }.into_any()
    } else if unused {
        view! { <span class="tag tag-warn" title="Installed for a plugin that is gone; nothing needs it now">"unused dependency"</span> }.into_any()
    } else {
        view! { <span class="tag tag-muted" title="Installed because another plugin needs it">"dependency"</span> }.into_any()
    };
    let avail = update.as_ref().map(|u| {
        let more = !(u.new_permissions.network.is_empty()
            && u.new_permissions.host_functions.is_empty()
            && u.new_permissions.secrets.is_empty());
        view! {
            <span class="small update-note" data-testid="update-available">
                {format!("{} available", u.latest_version)}
                {more.then_some(" (asks for more permissions)")}
            </span>
        }
    });
    let row = i.clone();
    let why_off = match (i.enabled, i.disabled_reason.as_deref()) {
        (false, Some("breaker")) => Some("disabled by the circuit breaker after repeated failures"),
        (false, _) => Some("disabled"),
        _ => None,
    };
    view! {
        <tr class="ws-row" data-plugin=i.plugin.clone() data-testid="ws-row">
            <th scope="row">
                <a href=format!("/plugins/{}", i.plugin) class="ws-plugin">{i.display_name.clone()}</a>
                <span class="small muted block"><code>{i.plugin.clone()}</code></span>
                {origin}
            </th>
            <td data-label="Version">
                <code>{i.version.clone()}</code>
                {i.pinned.then(|| view! { " " <span class="tag" data-testid="pinned">"pinned"</span> })}
                " " {avail}
            </td>
            <td data-label="Status">
                <StatusBadge status=i.status.clone()/>
                {why_off.map(|w| view! { <span class="small muted block">{w}</span> })}
            </td>
            {can_manage.then(move || view! {
                <td class="ws-actions"><RowActions i=row update a back/></td>
            })}
        </tr>
    }
}

/// "Update all", when there is something to update.
#[component]
fn UpdateAll(ws: String, updates: Vec<UpdateOut>, a: WsActions) -> impl IntoView {
    let open: Vec<&UpdateOut> = updates.iter().filter(|u| !u.pinned).collect();
    if open.is_empty() {
        return ().into_any();
    }
    let n = open.len();
    let (form_ws, href) = (ws.clone(), format!("{}/updates", ws_href(&ws)));
    view! {
        <div class="update-all" data-testid="update-all-box">
            <p>{format!("{n} update{} available.", if n == 1 { "" } else { "s" })}</p>
            <ActionForm action=a.update_all attr:class="inline">
                <input type="hidden" name="workspace" value=form_ws/>
                <button type="submit" class="btn btn-primary btn-small" data-testid="update-all">"Update all"</button>
            </ActionForm>
            <a href=href class="small">"What would change?"</a>
        </div>
    }
    .into_any()
}

/// The page for loaded data.
#[component]
fn WorkspaceView(d: WorkspaceData, a: WsActions) -> impl IntoView {
    let ws = d.ws.workspace.clone();
    let back = ws_href(&ws);
    let can = d.ws.can_manage;
    let errors = vec![
        last_error(a.enable),
        last_error(a.pin),
        last_error(a.update),
        last_error(a.rollback),
        last_error(a.update_all),
    ];
    let title = if d.ws.kind == "user" {
        format!("Plugins of {ws}")
    } else {
        format!("Plugins of namespace {ws}")
    };
    let rows = d.ws.installations.clone();
    let updates = d.updates.clone();
    let unused = d.unused.clone();
    view! {
        <Title text=format!("{title} — Trellis")/>
        <section class="panel runtime-page">
            <p class="crumbs">{match (d.ws.kind.as_str(), can) {
                ("user", true) => "Your workspace",
                ("user", false) => "A user's workspace",
                _ => "A namespace's workspace",
            }}</p>
            <div class="runtime-head">
                <h1 data-testid="ws-title">{title}</h1>
                <a href=format!("{back}/health") class="btn btn-small" data-testid="ws-health-link">"Health"</a>
            </div>
            <WorkspaceSwitcher current=ws.clone() workspaces=d.workspaces/>
            <DoneNotice/>
            <ActionErrors errors/>
            {(!can).then(|| view! {
                <div class="banner banner-info" role="note">"You can look at this workspace as an admin; only its owners can change it."</div>
            })}
            {can.then(|| view! { <UpdateAll ws=ws.clone() updates=d.updates.clone() a/> })}
            {if rows.is_empty() {
                view! {
                    <p class="muted" data-testid="ws-empty">"Nothing is installed here yet. "
                        <a href="/search">"Find a plugin"</a> " and choose Install on its page."</p>
                }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table ws-table" data-testid="ws-table">
                            <thead><tr>
                                <th scope="col">"Plugin"</th><th scope="col">"Version"</th><th scope="col">"Status"</th>
                                {can.then(|| view! { <th scope="col">"Actions"</th> })}
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|i| {
                                    let u = updates.iter().find(|u| u.installation == i.id).cloned();
                                    let is_unused = unused.contains(&i.plugin);
                                    view! { <InstallationRow i update=u unused=is_unused can_manage=can a back=back.clone()/> }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The workspace page.
#[component]
pub fn WorkspacePage() -> impl IntoView {
    let params = use_params_map();
    let a = WsActions::new();
    let ws = move || params.with(|p| p.get("ws").unwrap_or_default());
    let data = crate::resource::new(move || (ws(), a.versions()), |(ws, _)| workspace_page(ws));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <WorkspaceView d a/> }.into_any(),
                    Err(e) => runtime_failed(e, format!("Workspace {}", ws())),
                }
            })}
        </Transition>
    }
}
