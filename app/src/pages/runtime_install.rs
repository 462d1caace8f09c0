//! `/plugins/{id}/install?workspace=…`: the install plan of a plugin in one of
//! the viewer's workspaces, before anything happens: each plugin and version
//! the resolver picked (dependencies first), whether it is new or installed
//! already, its size, the host functions it may call with what each grants,
//! the hosts it may reach, the secrets it reads, the events it receives and
//! publishes, and who needs it; the total download. Installing takes the
//! consent box ("I allow these plugins these permissions") and goes to the
//! new installation's page. A plan the resolver cannot make shows its
//! explanation; a plugin installed there already links to its installation.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::runtime::{install_page, InstallPageData, PlanView};
use crate::api::runtime_actions::InstallPlugin;
use crate::components::form::{last_error, LastError};
use crate::components::query::enc;
use crate::components::runtime_ui::{inst_href, runtime_failed, ws_href, FieldMsg, PlanList};

/// Links to the plan in each of the viewer's workspaces.
#[component]
fn WorkspaceChoice(plugin: String, current: String, workspaces: Vec<String>) -> impl IntoView {
    (workspaces.len() > 1).then(|| {
        view! {
            <nav class="ws-switcher" aria-label="Workspace" data-testid="ws-switcher">
                <span class="muted small">"Install into:"</span>
                {workspaces.into_iter().map(|w| {
                    let here = w == current;
                    view! {
                        <a href=format!("/plugins/{plugin}/install?workspace={}", enc(&w)) class="ws-link"
                            class:current=here aria-current=here.then_some("page")>{w.clone()}</a>
                    }
                }).collect_view()}
            </nav>
        }
    })
}

/// The consent form.
#[component]
fn ConsentForm(
    plugin: String,
    workspace: String,
    action: ServerAction<InstallPlugin>,
    error: LastError,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="consent-form" attr:data-testid="install-consent-form">
            <input type="hidden" name="plugin" value=plugin/>
            <input type="hidden" name="workspace" value=workspace.clone()/>
            <div class="field check consent-box">
                <label>
                    <input type="checkbox" name="consent" required data-testid="install-consent"/>
                    " I allow these plugins these permissions."
                </label>
                <FieldMsg name="consent".to_owned() error/>
            </div>
            <button type="submit" class="btn btn-primary" data-testid="install-submit">
                {format!("Install into {workspace}")}
            </button>
            <p class="hint">"Every package is checked (SHA-256, and the signature where its namespace requires one) before anything is installed; if one fails, nothing is."</p>
        </ActionForm>
    }
}

/// The page for loaded data.
#[component]
fn InstallView(d: InstallPageData, action: ServerAction<InstallPlugin>) -> impl IntoView {
    let error = last_error(action);
    let plugin = d.plugin.clone();
    let name = match &d.view {
        PlanView::Ready(plan) => plan
            .steps
            .iter()
            .find(|s| s.plugin == plugin)
            .map(|s| s.display_name.clone())
            .unwrap_or_else(|| plugin.clone()),
        _ => plugin.clone(),
    };
    let body = match d.view {
        PlanView::Ready(plan) => view! {
            <p>"Installing " <strong>{name.clone()}</strong> " into " <a href=ws_href(&d.workspace)>{d.workspace.clone()}</a>
                " does this. Read what each plugin may do: it runs with these permissions until you remove it."</p>
            <PlanList plan meanings=d.meanings/>
            {move || error.get().filter(|e| e.field("consent").is_none()).map(|e| view! {
                <div class="banner banner-error" role="alert" data-testid="runtime-error">{e.detail}</div>
            })}
            <ConsentForm plugin=plugin.clone() workspace=d.workspace.clone() action error/>
        }
        .into_any(),
        PlanView::Installed {
            installation,
            version,
        } => view! {
            <div class="banner banner-info" role="status" data-testid="already-installed">
                {format!("{plugin} {version} is installed in {} already. ", d.workspace)}
                <a href=inst_href(&installation)>"Open the installation"</a>
                " to configure or update it."
            </div>
        }
        .into_any(),
        PlanView::Refused {
            code,
            detail,
            explanation,
        } => view! {
            <div class="banner banner-error" role="alert" data-testid="plan-refused" data-code=code>
                <p>{detail}</p>
                {explanation.map(|x| view! {
                    <p>"Why:"</p>
                    <pre class="explanation" data-testid="plan-explanation">{x}</pre>
                })}
                <p>"Nothing was installed."</p>
            </div>
        }
        .into_any(),
    };
    view! {
        <Title text=format!("Install {name} — Trellis")/>
        <section class="panel runtime-page">
            <p class="crumbs"><a href=format!("/plugins/{plugin}")>{plugin.clone()}</a> " / Install"</p>
            <h1>{format!("Install {name}")}</h1>
            <WorkspaceChoice plugin=plugin.clone() current=d.workspace.clone() workspaces=d.workspaces/>
            {body}
        </section>
    }
}

/// The install page.
#[component]
pub fn InstallPlanPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let action = ServerAction::<InstallPlugin>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(
        move || (id(), query.with(|q| q.get("workspace"))),
        |(id, ws)| install_page(id, ws),
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <InstallView d action/> }.into_any(),
                    Err(e) => runtime_failed(e, format!("The plugin {} or that workspace", id())),
                }
            })}
        </Transition>
    }
}
