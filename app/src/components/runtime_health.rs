//! Health as the runtime measures it (`trellis_runtime::status`): one
//! installation's panel (status, calls and errors in the recent window,
//! latency p50 / p95, fuel, the last error and when, failures in a row, and,
//! when the circuit breaker disabled it, why and an Enable button), and the
//! table of many installations (a workspace's, or every one for admins).

use leptos::prelude::*;
use trellis_types::HealthOut;

use crate::api::runtime_actions::SetInstallationEnabled;
use crate::components::runtime_ui::{inst_href, utc_ms, ws_href, StatusBadge};

/// The breaker's notice with its Enable button (or why it is off otherwise).
#[component]
fn Disabled(
    h: HealthOut,
    enable: ServerAction<SetInstallationEnabled>,
    can_manage: bool,
) -> impl IntoView {
    let breaker = h.disabled_reason.as_deref() == Some("breaker");
    let text = if breaker {
        "The circuit breaker disabled this plugin after too many failed calls in a row: it receives no events and cannot be called. Read its log below, then enable it to try again (its failure count starts over)."
    } else {
        "Disabled: it receives no events and cannot be called until it is enabled."
    };
    view! {
        <div class=if breaker { "banner banner-warn" } else { "banner banner-info" } role="note"
            data-testid=if breaker { "breaker-notice" } else { "disabled-notice" }>
            <p>{text}</p>
            {can_manage.then(|| view! {
                <ActionForm action=enable attr:class="inline">
                    <input type="hidden" name="id" value=h.installation.clone()/>
                    <input type="hidden" name="enabled" value="true"/>
                    <button type="submit" class="btn btn-primary btn-small" data-testid="health-enable">"Enable"</button>
                </ActionForm>
            })}
        </div>
    }
}

/// One installation's health.
#[component]
pub fn HealthPanel(
    h: HealthOut,
    enable: ServerAction<SetInstallationEnabled>,
    can_manage: bool,
) -> impl IntoView {
    let rate = if h.calls > 0 {
        format!("{:.0} %", 100.0 * h.errors as f64 / h.calls as f64)
    } else {
        "—".into()
    };
    view! {
        <section class="panel" id="health" aria-labelledby="health-title">
            <div class="runtime-head">
                <h2 id="health-title">"Health"</h2>
                <StatusBadge status=h.status.clone()/>
            </div>
            {(!h.enabled).then(|| view! { <Disabled h=h.clone() enable can_manage/> })}
            <dl class="stat-grid" data-testid="health-stats">
                <div><dt>"Calls"</dt><dd>{h.calls}</dd></div>
                <div><dt>"Errors"</dt><dd>{h.errors} <span class="muted small">{format!(" ({rate})")}</span></dd></div>
                <div><dt>"Latency p50"</dt><dd>{format!("{} ms", h.p50_ms)}</dd></div>
                <div><dt>"Latency p95"</dt><dd>{format!("{} ms", h.p95_ms)}</dd></div>
                <div><dt>"Fuel used"</dt><dd>{h.fuel}</dd></div>
                <div><dt>"Failures in a row"</dt><dd>{h.consecutive_failures}</dd></div>
            </dl>
            <p class="hint">"Over the recent calls the runtime keeps. "
                {h.updated_at.map(|t| format!("Measured {}.", utc_ms(t))).unwrap_or_else(|| "No call yet.".into())}
            </p>
            {h.last_error.clone().map(|e| view! {
                <div class="last-error" data-testid="last-error">
                    <h3>"Last error"</h3>
                    <p class="small muted">{h.last_error_at.map(utc_ms)}</p>
                    <pre class="error-text">{e}</pre>
                </div>
            })}
        </section>
    }
}

/// Many installations' health; `workspace` column when they are from several.
#[component]
pub fn HealthTable(rows: Vec<HealthOut>, #[prop(optional)] workspaces: bool) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid="health-empty">"No plugin is installed."</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="table health-table" data-testid="health-table">
                <thead><tr>
                    <th scope="col">"Plugin"</th>
                    {workspaces.then(|| view! { <th scope="col">"Workspace"</th> })}
                    <th scope="col">"Status"</th><th scope="col">"Calls"</th><th scope="col">"Errors"</th>
                    <th scope="col">"p50 / p95"</th><th scope="col">"Fuel"</th><th scope="col">"Last error"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|h| view! {
                        <tr data-testid="health-row" data-plugin=h.plugin.clone() data-status=h.status.clone()>
                            <th scope="row">
                                <a href=inst_href(&h.installation)>{h.plugin.clone()}</a>
                                " " <code class="small">{h.version.clone()}</code>
                            </th>
                            {workspaces.then(|| view! {
                                <td data-label="Workspace"><a href=ws_href(&h.workspace)>{h.workspace.clone()}</a></td>
                            })}
                            <td data-label="Status">
                                <StatusBadge status=h.status.clone()/>
                                {(h.disabled_reason.as_deref() == Some("breaker")).then(|| view! {
                                    <span class="small muted block">"by the circuit breaker"</span>
                                })}
                            </td>
                            <td data-label="Calls">{h.calls}</td>
                            <td data-label="Errors">{h.errors}
                                {(h.consecutive_failures > 0).then(|| view! {
                                    <span class="small muted">{format!(" ({} in a row)", h.consecutive_failures)}</span>
                                })}
                            </td>
                            <td data-label="p50 / p95" class="nowrap">{format!("{} / {} ms", h.p50_ms, h.p95_ms)}</td>
                            <td data-label="Fuel">{h.fuel}</td>
                            <td data-label="Last error" class="last-error-cell">
                                {match (h.last_error.clone(), h.last_error_at) {
                                    (Some(e), at) => view! {
                                        <span class="wrap-any">{e}</span>
                                        {at.map(|t| view! { <span class="small muted block">{utc_ms(t)}</span> })}
                                    }.into_any(),
                                    (None, _) => "—".into_any(),
                                }}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
