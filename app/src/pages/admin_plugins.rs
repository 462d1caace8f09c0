//! `/admin/plugins` (admins): the plugin runtime across the instance. Install
//! attempts over the last 30 days and their success rate against the 95 %
//! target people hold installs to, the recent failures with why, and every
//! installation's health, failing ones first. Non-admins get 403, signed-out
//! visitors the sign-in prompt.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::InstallStatsOut;

use crate::api::accounts::SessionContext;
use crate::api::runtime_installations::admin_plugins_page;
use crate::components::runtime_health::HealthTable;
use crate::components::runtime_ui::{utc_ms, ws_href};
use crate::pages::account::SignInRequired;
use crate::pages::admin_events::AdminOnly;
use crate::pages::admin_moderation::AdminTabs;

/// Attempts, the rate against the target, recent failures.
#[component]
fn InstallStats(s: InstallStatsOut) -> impl IntoView {
    let pct = |r: f64| format!("{:.1} %", r * 100.0);
    let meets = s.success_rate >= s.target;
    let failed = s.attempts - s.succeeded;
    view! {
        <section class="panel" id="install-stats" aria-labelledby="install-stats-title">
            <h2 id="install-stats-title">{format!("Installs, last {} days", s.days)}</h2>
            <dl class="stat-grid" data-testid="install-stats">
                <div><dt>"Attempts"</dt><dd data-testid="attempts">{s.attempts}</dd></div>
                <div><dt>"Succeeded"</dt><dd>{s.succeeded}</dd></div>
                <div><dt>"Failed"</dt><dd>{failed}</dd></div>
                <div><dt>"Success rate"</dt>
                    <dd data-testid="success-rate" class=if meets { "rate-ok" } else { "rate-bad" }>
                        {if s.attempts == 0 { "—".to_owned() } else { pct(s.success_rate) }}
                    </dd>
                </div>
            </dl>
            // Drawn as SVG: its sizes are attributes (the page's CSP allows no inline style).
            <svg class="rate-bar" viewBox="0 0 1000 12" preserveAspectRatio="none" role="img"
                aria-label=format!("Success rate {} against a target of {}", pct(s.success_rate), pct(s.target))>
                <rect class="rate-track" x="0" y="2" width="1000" height="8" rx="4"/>
                <rect class=if meets { "rate-fill" } else { "rate-fill rate-fill-bad" } x="0" y="2"
                    width=format!("{:.0}", s.success_rate.clamp(0.0, 1.0) * 1000.0) height="8" rx="4"/>
                <rect class="rate-target" x=format!("{:.0}", s.target * 1000.0 - 2.0) y="0" width="4" height="12"/>
            </svg>
            <p class="hint" data-testid="rate-verdict">{
                if s.attempts == 0 {
                    format!("No install, update or rollback was attempted. The target is {}.", pct(s.target))
                } else if meets {
                    format!("At or above the {} target.", pct(s.target))
                } else {
                    format!("Below the {} target: the failures below say why.", pct(s.target))
                }
            }</p>
            <h3>"Recent failures"</h3>
            {if s.recent_failures.is_empty() {
                view! { <p class="muted" data-testid="no-failures">"None."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table failures-table" data-testid="failures-table">
                            <thead><tr>
                                <th scope="col">"Plugin"</th><th scope="col">"When"</th><th scope="col">"Workspace"</th>
                                <th scope="col">"Action"</th><th scope="col">"Why"</th>
                            </tr></thead>
                            <tbody>
                                {s.recent_failures.into_iter().map(|f| view! {
                                    <tr data-testid="failure-row">
                                        <th scope="row">{f.plugin.clone()}
                                            {f.version.clone().map(|v| view! { " " <code class="small">{v}</code> })}
                                        </th>
                                        <td class="nowrap" data-label="When">{utc_ms(f.at)}</td>
                                        <td data-label="Workspace" class="nowrap"><a href=ws_href(&f.workspace)>{f.workspace.clone()}</a></td>
                                        <td data-label="Action">{f.action.clone()}</td>
                                        <td data-label="Why" class="wrap-any">
                                            {f.error_code.clone().map(|c| view! { <code>{c}</code> " " })}
                                            {f.detail.clone().unwrap_or_default()}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

/// The admin plugins page.
#[component]
pub fn AdminPluginsPage() -> impl IntoView {
    let session = SessionContext::get();
    let data = crate::resource::new(|| (), |_| admin_plugins_page());
    view! {
        <Title text="Plugins — Admin — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(u)) if u.is_admin => match data.await {
                        Ok(d) => view! {
                            <section class="panel">
                                <p class="crumbs">"Admin / Plugins"</p>
                                <h1>"Plugins at work"</h1>
                                <AdminTabs current="/admin/plugins"/>
                            </section>
                            <InstallStats s=d.stats/>
                            <section class="panel" id="all-health" aria-labelledby="all-health-title">
                                <h2 id="all-health-title">"Every installation, failing first"</h2>
                                <HealthTable rows=d.health workspaces=true/>
                            </section>
                        }
                        .into_any(),
                        Err(e) if matches!(e.code.as_str(), "forbidden" | "insufficient_scope") => {
                            view! { <AdminOnly/> }.into_any()
                        }
                        Err(e) => view! { <div class="banner banner-error" role="alert">{e.detail}</div> }.into_any(),
                    },
                    Ok(Some(_)) => view! { <AdminOnly/> }.into_any(),
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Transition>
    }
}
