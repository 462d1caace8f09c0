//! Consent again: `/installations/{id}/update` (`?version=`),
//! `/installations/{id}/rollback` and `/workspaces/{ws}/updates` ("Update
//! all"). The update and rollback buttons elsewhere go here when the service
//! refuses them for want of consent (the plan asks for permissions not
//! granted before); each page shows the plan with only what is new, and a
//! consent box. Nothing changes until it is ticked and sent.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::runtime::{ConsentData, UpdateAllData};
use crate::api::runtime_actions::{RollbackInstallation, UpdateAllPlugins, UpdateInstallation};
use crate::api::runtime_installations::{consent_page, update_all_page};
use crate::components::form::{last_error, LastError};
use crate::components::runtime_ui::{inst_href, runtime_failed, ws_href, FieldMsg, PlanList};

/// The consent box (required when the plan asks for anything new).
#[component]
fn ConsentBox(needed: bool, error: LastError) -> impl IntoView {
    needed.then(|| {
        view! {
            <div class="field check consent-box">
                <label>
                    <input type="checkbox" name="consent" required data-testid="consent"/>
                    " I allow these plugins these new permissions."
                </label>
                <FieldMsg name="consent".to_owned() error/>
            </div>
        }
    })
}

/// The update or rollback page for loaded data.
#[component]
fn ConsentView(
    d: ConsentData,
    update: ServerAction<UpdateInstallation>,
    rollback: ServerAction<RollbackInstallation>,
) -> impl IntoView {
    let i = d.inst.clone();
    let rolling = d.kind == "rollback";
    let target = d
        .plan
        .steps
        .iter()
        .find(|s| s.plugin == i.plugin)
        .map(|s| s.version.clone())
        .unwrap_or_default();
    let title = if rolling {
        format!("Roll back {} to {target}", i.display_name)
    } else {
        format!("Update {} to {target}", i.display_name)
    };
    let needed = d.plan.needs_consent;
    let lead = if needed {
        format!(
            "This {} asks for permissions you have not granted yet. They are listed below; nothing changes until you agree.",
            if rolling { "rollback" } else { "update" }
        )
    } else {
        "It asks for nothing you have not granted already.".to_owned()
    };
    let error = if rolling {
        last_error(rollback)
    } else {
        last_error(update)
    };
    let (fid, flabel, cancel) = (i.id.clone(), title.clone(), inst_href(&i.id));
    let form = if rolling {
        view! {
            <ActionForm action=rollback attr:class="consent-form" attr:data-testid="consent-form">
                <input type="hidden" name="id" value=fid/>
                <ConsentBox needed error/>
                <button type="submit" class="btn btn-primary" data-testid="consent-submit">{flabel}</button>
                " " <a href=cancel class="btn btn-ghost">"Cancel"</a>
            </ActionForm>
        }
        .into_any()
    } else {
        let version = target.clone();
        view! {
            <ActionForm action=update attr:class="consent-form" attr:data-testid="consent-form">
                <input type="hidden" name="id" value=fid/>
                <input type="hidden" name="version" value=version/>
                <ConsentBox needed error/>
                <button type="submit" class="btn btn-primary" data-testid="consent-submit">{flabel}</button>
                " " <a href=cancel class="btn btn-ghost">"Cancel"</a>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <Title text=format!("{title} — Trellis")/>
        <section class="panel runtime-page">
            <p class="crumbs"><a href=ws_href(&i.workspace)>{i.workspace.clone()}</a> " / "
                <a href=inst_href(&i.id)>{i.plugin.clone()}</a> " / " {if rolling { "Roll back" } else { "Update" }}</p>
            <h1>{title.clone()}</h1>
            <p class="lead-small" data-testid="consent-lead">{lead}</p>
            {move || error.get().filter(|e| e.field("consent").is_none()).map(|e| view! {
                <div class="banner banner-error" role="alert" data-testid="runtime-error">{e.detail}</div>
            })}
            <PlanList plan=d.plan.clone() meanings=d.meanings.clone() only_new=true/>
            {form}
        </section>
    }
}

/// `/installations/{id}/update` and `/installations/{id}/rollback`.
#[component]
fn ConsentPage(kind: &'static str) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let update = ServerAction::<UpdateInstallation>::new();
    let rollback = ServerAction::<RollbackInstallation>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(
        move || (id(), query.with(|q| q.get("version"))),
        move |(id, version)| consent_page(id, kind.to_owned(), version),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <ConsentView d update rollback/> }.into_any(),
                    Err(e) => runtime_failed(e, format!("Installation {}", id())),
                }
            })}
        </Transition>
    }
}

/// The update consent page.
#[component]
pub fn UpdateConsentPage() -> impl IntoView {
    view! { <ConsentPage kind="update"/> }
}

/// The rollback consent page.
#[component]
pub fn RollbackConsentPage() -> impl IntoView {
    view! { <ConsentPage kind="rollback"/> }
}

/// "Update all" for loaded data.
#[component]
fn UpdateAllView(d: UpdateAllData, action: ServerAction<UpdateAllPlugins>) -> impl IntoView {
    let error = last_error(action);
    let needed = d.plans.iter().any(|(_, p)| p.needs_consent);
    let ws = d.workspace.clone();
    let empty = d.plans.is_empty();
    let (form_ws, cancel) = (ws.clone(), ws_href(&ws));
    view! {
        <Title text=format!("Update all in {ws} — Trellis")/>
        <section class="panel runtime-page">
            <p class="crumbs"><a href=ws_href(&ws)>{ws.clone()}</a> " / Update all"</p>
            <h1>{format!("Update all in {ws}")}</h1>
            {move || error.get().filter(|e| e.field("consent").is_none()).map(|e| view! {
                <div class="banner banner-error" role="alert" data-testid="runtime-error">{e.detail}</div>
            })}
            {if empty {
                view! { <p class="muted" data-testid="nothing-to-update">"Nothing to update: every plugin here is at its newest version, or pinned."</p> }.into_any()
            } else {
                view! {
                    <p class="lead-small">{if needed {
                        "Some of these updates ask for permissions you have not granted yet: what is new is listed with each."
                    } else {
                        "None of these updates asks for anything you have not granted already."
                    }}</p>
                    {d.plans.into_iter().map(|(u, plan)| view! {
                        <h2 class="h3">{format!("{}: {} → {}", u.plugin, u.installed_version, u.latest_version)}</h2>
                        <PlanList plan meanings=d.meanings.clone() only_new=true/>
                    }).collect_view()}
                    <ActionForm action attr:class="consent-form" attr:data-testid="consent-form">
                        <input type="hidden" name="workspace" value=form_ws/>
                        <ConsentBox needed error/>
                        <button type="submit" class="btn btn-primary" data-testid="consent-submit">"Update all"</button>
                        " " <a href=cancel class="btn btn-ghost">"Cancel"</a>
                    </ActionForm>
                }.into_any()
            }}
            {(!d.pinned.is_empty()).then(|| view! {
                <p class="small muted">"Left alone (pinned): "
                    {d.pinned.iter().map(|u| format!("{} {}", u.plugin, u.installed_version)).collect::<Vec<_>>().join(", ")}
                </p>
            })}
        </section>
    }
}

/// `/workspaces/{ws}/updates`.
#[component]
pub fn UpdateAllPage() -> impl IntoView {
    let params = use_params_map();
    let action = ServerAction::<UpdateAllPlugins>::new();
    let ws = move || params.with(|p| p.get("ws").unwrap_or_default());
    let data = crate::resource::new(ws, update_all_page);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <UpdateAllView d action/> }.into_any(),
                    Err(e) => runtime_failed(e, format!("Workspace {}", ws())),
                }
            })}
        </Transition>
    }
}
