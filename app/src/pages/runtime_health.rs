//! `/workspaces/{ws}/health`: the health of every installation of a
//! workspace in one table (status, calls, errors, latency, fuel, the last
//! error), each linking to its installation's page for its log.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::runtime::workspace_health_page;
use crate::components::runtime_health::HealthTable;
use crate::components::runtime_ui::{runtime_failed, ws_href, WorkspaceSwitcher};

/// The workspace health page.
#[component]
pub fn WorkspaceHealthPage() -> impl IntoView {
    let params = use_params_map();
    let ws = move || params.with(|p| p.get("ws").unwrap_or_default());
    let data = crate::resource::new(ws, workspace_health_page);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let failing = d
                            .rows
                            .iter()
                            .filter(|h| matches!(h.status.as_str(), "failing" | "degraded"))
                            .count();
                        let off = d.rows.iter().filter(|h| !h.enabled).count();
                        view! {
                            <Title text=format!("Health of {} — Trellis", d.workspace)/>
                            <section class="panel runtime-page">
                                <p class="crumbs"><a href=ws_href(&d.workspace)>{d.workspace.clone()}</a> " / Health"</p>
                                <h1>{format!("Health of {}", d.workspace)}</h1>
                                <WorkspaceSwitcher current=d.workspace.clone() workspaces=d.workspaces path="/health"/>
                                <p class="muted" data-testid="health-summary">{match (d.rows.len(), failing, off) {
                                    (0, _, _) => "Nothing is installed here.".to_owned(),
                                    (n, 0, 0) => format!("{n} installed; none is failing or disabled."),
                                    (n, f, o) => format!("{n} installed: {f} failing or degraded, {o} disabled."),
                                }}</p>
                                <HealthTable rows=d.rows/>
                            </section>
                        }
                        .into_any()
                    }
                    Err(e) => runtime_failed(e, format!("Workspace {}", ws())),
                }
            })}
        </Transition>
    }
}
