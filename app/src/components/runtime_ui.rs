//! Pieces the plugin runtime's pages share: the status badge, permissions
//! with what each host function grants, the install / update plan table, the
//! workspace switcher (plain links), the `done=` notices, field errors by
//! name, times of the runtime's millisecond stamps, and what a page shows
//! when its data could not be loaded (signed out: to the sign-in page and
//! back; not allowed: 403; unknown: 404).

use crate::components::to_sign_in::ToSignIn;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::{InstallPlanOut, PermissionsOut, PlanStepOut};

use crate::api::runtime::Meaning;
use crate::components::form::LastError;
use crate::components::plugin_side::size;
use crate::components::query::enc;
use crate::components::time::date;
use crate::error::UiError;
use crate::pages::not_found::{LoadFailed, NotFound};

/// `YYYY-MM-DD HH:MM:SS UTC` of a stamp in milliseconds.
pub fn utc_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let s = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        date(secs),
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// A workspace's page.
pub fn ws_href(ws: &str) -> String {
    format!("/workspaces/{}", enc(ws))
}

/// An installation's page.
pub fn inst_href(id: &str) -> String {
    format!("/installations/{}", enc(id))
}

/// The badge of an installation's status.
#[component]
pub fn StatusBadge(status: String) -> impl IntoView {
    let (class, label) = match status.as_str() {
        "healthy" => ("status-ok", "healthy"),
        "degraded" => ("status-warn", "degraded"),
        "failing" => ("status-bad", "failing"),
        "disabled" => ("status-off", "disabled"),
        _ => ("status-idle", "unknown"),
    };
    let title = match label {
        "unknown" => "No call yet",
        "healthy" => "Calls succeed",
        "degraded" => "Some calls fail or are slow",
        "failing" => "Most recent calls fail",
        _ => "Not running",
    };
    view! {
        <span class=format!("status-badge {class}") title=title data-testid="status-badge" data-status=label>
            <span class="dot" aria-hidden="true"></span>
            {label}
        </span>
    }
}

fn meaning_of(meanings: &[Meaning], name: &str) -> Option<String> {
    meanings
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, m)| m.clone())
}

/// What a set of permissions allows, each host function with its meaning.
#[component]
pub fn PermissionList(
    perms: PermissionsOut,
    meanings: Vec<Meaning>,
    /// Before install: a secret is set afterwards.
    #[prop(optional)]
    planning: bool,
) -> impl IntoView {
    let none =
        perms.network.is_empty() && perms.host_functions.is_empty() && perms.secrets.is_empty();
    if none {
        return view! { <p class="muted small perm-none">"Nothing: no host function, no network, no secret."</p> }
            .into_any();
    }
    view! {
        <ul class="perm-list">
            {perms.host_functions.into_iter().map(|h| {
                let m = meaning_of(&meanings, &h);
                view! {
                    <li class="perm perm-fn" data-testid="perm-fn">
                        <code>{h}</code>
                        {m.map(|m| view! { <span class="perm-meaning">": " {m}</span> })}
                    </li>
                }
            }).collect_view()}
            {perms.network.into_iter().map(|h| view! {
                <li class="perm perm-net" data-testid="perm-net">"Network: HTTP requests to " <code>{h}</code></li>
            }).collect_view()}
            {perms.secrets.into_iter().map(|s| view! {
                <li class="perm perm-secret" data-testid="perm-secret">"Secret: reads " <code>{s}</code>
                    {planning.then_some(" (you set it in its settings after install)")}</li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn action_label(s: &PlanStepOut) -> String {
    match s.action.as_str() {
        "install" => "install".into(),
        "update" => format!(
            "update from {}",
            s.installed_version.clone().unwrap_or_default()
        ),
        _ => "already installed".into(),
    }
}

fn events_line(title: &'static str, list: Vec<String>) -> Option<impl IntoView> {
    (!list.is_empty()).then(|| {
        view! {
            <p class="small step-events"><span class="muted">{title}</span> " "
                {list.into_iter().map(|t| view! { <code>{t}</code> " " }).collect_view()}
            </p>
        }
    })
}

/// Who a step is for: "you asked for it", or the plugins of the plan that need it.
fn wanted_by(step: &PlanStepOut, moving: &[String]) -> String {
    let needs: Vec<&str> = step
        .requested_by
        .iter()
        .filter(|r| moving.contains(r))
        .map(String::as_str)
        .collect();
    let asked = step.action != "keep" && step.requested_by.iter().any(|r| !r.contains('.'));
    match (asked, needs.is_empty()) {
        (true, true) => "you asked for it".into(),
        (true, false) => format!("you asked for it; needed by {}", needs.join(", ")),
        (false, false) => format!("needed by {}", needs.join(", ")),
        (false, true) => String::new(),
    }
}

/// One step of a plan. With `only_new`, the permissions shown are those not
/// consented to before (an update's or rollback's).
#[component]
fn PlanStep(
    step: PlanStepOut,
    meanings: Vec<Meaning>,
    only_new: bool,
    why: String,
) -> impl IntoView {
    let keep = step.action == "keep";
    let perms = if only_new {
        step.new_permissions.clone()
    } else {
        step.permissions.clone()
    };
    let perm_title = if only_new {
        "Asks for, beyond what you allowed before"
    } else {
        "May use"
    };
    view! {
        <li class="plan-step" class:plan-keep=keep data-testid="plan-step" data-plugin=step.plugin.clone()
            data-action=step.action.clone()>
            <div class="plan-step-head">
                <a href=format!("/plugins/{}", step.plugin) class="plan-name">{step.display_name.clone()}</a>
                " " <code class="plan-version">{step.version.clone()}</code>
                <span class=format!("tag plan-action action-{}", step.action)>{action_label(&step)}</span>
                {(!keep).then(|| view! { <span class="muted small nowrap plan-size">{size(step.size)}</span> })}
            </div>
            <p class="small muted plan-id"><code>{step.plugin.clone()}</code>
                {(!why.is_empty()).then(|| view! { " · " {why.clone()} })}
            </p>
            {(!keep).then(|| view! {
                <div class="plan-perms">
                    <h4>{perm_title}</h4>
                    <PermissionList perms meanings=meanings.clone() planning=true/>
                </div>
                {events_line("Receives events:", step.subscribes.clone())}
                {events_line("Publishes events:", step.publishes.clone())}
            })}
        </li>
    }
}

/// A plan's steps (dependencies first) and its total download. Installed
/// plugins the plan leaves as they are show only when something in it
/// needs them; the others are counted.
#[component]
pub fn PlanList(
    plan: InstallPlanOut,
    meanings: Vec<Meaning>,
    #[prop(optional)] only_new: bool,
) -> impl IntoView {
    let total = plan.download_size;
    let moving: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.action != "keep")
        .map(|s| s.plugin.clone())
        .collect();
    let (shown, untouched): (Vec<_>, Vec<_>) = plan
        .steps
        .into_iter()
        .partition(|s| s.action != "keep" || s.requested_by.iter().any(|r| moving.contains(r)));
    let untouched = untouched.len();
    view! {
        <ol class="plan-list" data-testid="plan">
            {shown.into_iter().map(|step| {
                let why = wanted_by(&step, &moving);
                view! { <PlanStep step meanings=meanings.clone() only_new why/> }
            }).collect_view()}
        </ol>
        {(untouched > 0).then(|| view! {
            <p class="small muted">{format!(
                "{untouched} other installed plugin{} of this workspace stay{} as {}.",
                if untouched == 1 { "" } else { "s" },
                if untouched == 1 { "s" } else { "" },
                if untouched == 1 { "it is" } else { "they are" },
            )}</p>
        })}
        <p class="plan-total" data-testid="plan-total">"Total download: " <strong>{size(total)}</strong></p>
    }
}

/// Links to the viewer's workspaces; `path` is what follows the workspace
/// (`""` or `"/health"`).
#[component]
pub fn WorkspaceSwitcher(
    current: String,
    workspaces: Vec<String>,
    #[prop(optional)] path: &'static str,
) -> impl IntoView {
    (workspaces.len() > 1).then(|| {
        view! {
            <nav class="ws-switcher" aria-label="Workspaces" data-testid="ws-switcher">
                <span class="muted small">"Workspaces:"</span>
                {workspaces.into_iter().map(|w| {
                    let here = w == current;
                    view! {
                        <a href=format!("{}{path}", ws_href(&w)) class="ws-link" class:current=here
                            aria-current=here.then_some("page")>{w.clone()}</a>
                    }
                }).collect_view()}
            </nav>
        }
    })
}

/// The fixed sentence of a `done=` marker.
pub fn done_text(done: &str) -> Option<&'static str> {
    Some(match done {
        "installed" => "Installed and enabled. Configure it below if it needs settings.",
        "enabled" => "Enabled: it runs again.",
        "disabled" => "Disabled: it receives no events and cannot be called until enabled.",
        "pinned" => "Pinned: updates leave it at this version.",
        "unpinned" => "Unpinned: it can be updated again.",
        "updated" => "Updated. Calls from now on run the new version.",
        "rolled_back" => "Rolled back to the previous version.",
        "updated_all" => {
            "Every update that was available has been installed (pinned plugins excepted)."
        }
        "uninstalled" => "Uninstalled.",
        "configured" => "Configuration saved. It applies from the next call.",
        _ => return None,
    })
}

/// The success notice of the query's `done=`, unless it also carries an error.
#[component]
pub fn DoneNotice() -> impl IntoView {
    let q = use_query_map();
    move || {
        q.with(|q| {
            if q.get("__err").is_some() {
                return None;
            }
            let t = done_text(q.get("done")?.as_str())?;
            Some(view! { <div class="banner banner-ok" role="status" data-testid="runtime-notice">{t}</div> })
        })
    }
}

/// The first error among these actions' last results, whole (its field
/// errors included: the forms it belongs to are small).
#[component]
pub fn ActionErrors(errors: Vec<LastError>) -> impl IntoView {
    move || {
        errors.iter().find_map(|e| e.get()).map(|e| {
            let rid = e
                .request_id
                .clone()
                .filter(|_| matches!(e.code.as_str(), "internal" | "unavailable"))
                .map(|r| format!(" (request id {r})"))
                .unwrap_or_default();
            view! { <div class="banner banner-error" role="alert" data-testid="runtime-error">{e.detail.clone()}{rid}</div> }
        })
    }
}

/// The error of the last submission at field `name`.
#[component]
pub fn FieldMsg(name: String, error: LastError) -> impl IntoView {
    let msgs = move || {
        error
            .get()
            .map(|e| {
                e.fields
                    .iter()
                    .filter(|f| f.field == name)
                    .map(|f| f.detail.clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <div class="field-error" role="alert">
            {move || msgs().into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
        </div>
    }
}

/// A failed load, shown as the page.
pub fn runtime_failed(e: UiError, what: String) -> AnyView {
    match e.code.as_str() {
        "not_found" => view! { <NotFound what/> }.into_any(),
        "unauthenticated" => view! { <ToSignIn why="Plugins are installed into your workspaces: sign in to see them."/> }.into_any(),
        "forbidden" | "insufficient_scope" => {
            #[cfg(feature = "ssr")]
            if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::FORBIDDEN);
            }
            view! {
                <Title text="Not allowed — Trellis"/>
                <section class="panel narrow center" id="runtime-forbidden">
                    <h1>"Not allowed"</h1>
                    <p>{e.detail}</p>
                </section>
            }
            .into_any()
        }
        "conflict" => view! {
            <section class="panel narrow center" id="runtime-conflict">
                <h1>"Nothing to do"</h1>
                <p data-testid="runtime-conflict">{e.detail}</p>
            </section>
        }
        .into_any(),
        _ => view! { <LoadFailed error=e/> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_read_in_utc_to_the_second() {
        assert_eq!(utc_ms(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc_ms(1_709_251_199_999), "2024-02-29 23:59:59 UTC");
    }
}
