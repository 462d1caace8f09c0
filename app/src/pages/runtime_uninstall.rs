//! `/installations/{id}/uninstall`: what uninstalling would do, before it
//! happens. While another installed plugin needs it, it says which and offers
//! nothing (the service would refuse). Otherwise it names the dependencies
//! nothing would need any more and offers to remove them too (a box, ticked
//! by default), then "Uninstall" goes back to the workspace with `done=`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::runtime::UninstallData;
use crate::api::runtime_actions::UninstallPlugin;
use crate::api::runtime_installations::uninstall_page;
use crate::components::form::last_error;
use crate::components::runtime_ui::{inst_href, runtime_failed, ws_href, ActionErrors};

/// The page for loaded data.
#[component]
fn UninstallView(d: UninstallData, action: ServerAction<UninstallPlugin>) -> impl IntoView {
    let i = d.inst.clone();
    let title = format!("Uninstall {}", i.display_name);
    let errors = vec![last_error(action)];
    let body = if !d.needed_by.is_empty() {
        view! {
            <div class="banner banner-warn" role="note" data-testid="uninstall-needed">
                {format!("{} is needed by {}: uninstall {} first.", i.plugin, d.needed_by.join(", "),
                    if d.needed_by.len() == 1 { "it" } else { "them" })}
            </div>
            <p><a href=ws_href(&i.workspace) class="btn">"Back to the workspace"</a></p>
        }
        .into_any()
    } else {
        let unused = d.unused.clone();
        let (fid, flabel, cancel) = (i.id.clone(), title.clone(), inst_href(&i.id));
        view! {
            <p>{format!("{} {} is removed from {} with its settings, secrets, stored data and log. It stops receiving events at once.",
                i.plugin, i.version, i.workspace)}</p>
            <ActionForm action attr:class="consent-form" attr:data-testid="uninstall-form">
                <input type="hidden" name="id" value=fid/>
                {(!unused.is_empty()).then(|| view! {
                    <div class="field" data-testid="unused-deps">
                        <div class="field check">
                            <label>
                                <input type="checkbox" name="remove_unused" checked data-testid="remove-unused"/>
                                {format!(" Also remove what nothing else needs then: {}", unused.join(", "))}
                            </label>
                        </div>
                        <p class="hint">"These were installed as its dependencies; no other installed plugin uses them."</p>
                    </div>
                })}
                <button type="submit" class="btn btn-danger" data-testid="uninstall-submit">{flabel}</button>
                " " <a href=cancel class="btn btn-ghost">"Cancel"</a>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <Title text=format!("{title} — Trellis")/>
        <section class="panel runtime-page narrow-wide">
            <p class="crumbs"><a href=ws_href(&i.workspace)>{i.workspace.clone()}</a> " / "
                <a href=inst_href(&i.id)>{i.plugin.clone()}</a> " / Uninstall"</p>
            <h1>{title.clone()}</h1>
            <ActionErrors errors/>
            {body}
        </section>
    }
}

/// The uninstall page.
#[component]
pub fn UninstallPage() -> impl IntoView {
    let params = use_params_map();
    let action = ServerAction::<UninstallPlugin>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(id, uninstall_page);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <UninstallView d action/> }.into_any(),
                    Err(e) => runtime_failed(e, format!("Installation {}", id())),
                }
            })}
        </Transition>
    }
}
