//! The plugin page's "Install" panel (side column): for signed-in users a
//! plain GET form choosing the workspace (`~them` or a namespace of theirs)
//! that leads to `/plugins/{id}/install?workspace=…`, where the plan is shown
//! before anything happens, and links to where it is installed already;
//! signed out, "Sign in to install". A listing imported without a package
//! shows no panel: there is nothing to run.

use leptos::prelude::*;

use crate::api::runtime::{install_options, InstallChoices};
use crate::components::query::enc;
use crate::components::runtime_ui::{inst_href, ws_href};
use crate::error::UiError;

/// The panel's data, which the page creates where it starts, outside any
/// `Suspend` (see `reviews::ReviewsState` for why).
#[derive(Clone, Copy)]
pub struct InstallState {
    data: crate::resource::Res<Result<InstallChoices, UiError>>,
}

impl InstallState {
    /// For the plugin whose id `plugin` reads.
    pub fn new(plugin: impl Fn() -> String + Send + Sync + 'static) -> InstallState {
        InstallState {
            data: crate::resource::new(plugin, install_options),
        }
    }
}

/// The form for loaded options.
#[component]
fn InstallForm(plugin: String, o: InstallChoices) -> impl IntoView {
    if !o.signed_in {
        let next = enc(&format!("/plugins/{plugin}"));
        return view! {
            <p class="small">"Runs on this server, in a workspace of yours, after you see what it may do."</p>
            <a class="btn wide" href=format!("/signin?next={next}") data-testid="install-sign-in">"Sign in to install"</a>
        }
        .into_any();
    }
    let first = o.workspaces.first().cloned().unwrap_or_default();
    view! {
        {(!o.installed.is_empty()).then(|| view! {
            <p class="small" data-testid="installed-in">"Installed in "
                {o.installed.iter().enumerate().map(|(n, (ws, id))| view! {
                    {(n > 0).then_some(", ")}
                    <a href=inst_href(id)>{ws.clone()}</a>
                }).collect_view()}
                " (" <a href=ws_href(&first)>"your plugins"</a> ")."
            </p>
        })}
        <form method="get" action=format!("/plugins/{plugin}/install") class="install-form" data-testid="install-form">
            <div class="field">
                <label for="f-install-workspace">"Install into"</label>
                <select id="f-install-workspace" name="workspace" data-testid="install-workspace">
                    {o.workspaces.into_iter().map(|w| {
                        let label = if w.starts_with('~') {
                            format!("{w} (yours)")
                        } else {
                            format!("{w} (namespace)")
                        };
                        view! { <option value=w.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-primary wide" data-testid="install-button">"Install…"</button>
            <p class="hint">"Next you see what it and its dependencies may do; nothing is installed until you agree."</p>
        </form>
    }
    .into_any()
}

/// The panel.
#[component]
pub fn InstallPanel(plugin: String, state: InstallState) -> impl IntoView {
    let data = state.data;
    view! {
        <section class="panel side-panel" id="install" aria-labelledby="install-title">
            <h2 id="install-title">"Install"</h2>
            <Transition fallback=|| view! { <p class="muted small">"Loading…"</p> }>
                {move || {
                    let plugin = plugin.clone();
                    Suspend::new(async move {
                        match data.await {
                            Ok(o) => view! { <InstallForm plugin o/> }.into_any(),
                            Err(e) => view! { <p class="muted small">{e.detail}</p> }.into_any(),
                        }
                    })
                }}
            </Transition>
        </section>
    }
}
