//! `/webhooks`: the webhook console's start page. The endpoints the user sees
//! (admins every one, publishers those of their namespaces) with their health
//! at a glance, a "New endpoint" link, and the last 24 hours' delivery figures
//! over all of them with a link to the analytics. Links and plain forms only,
//! rendered in `SsrMode::Async`, so it works without JavaScript.
//!
//! Also what the console's other pages share: the sub-navigation and how a
//! failed load is shown.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::{EndpointOut, WebhookStatsOut};

use crate::api::accounts::SessionContext;
use crate::api::webhooks::{webhooks_overview, OverviewData};
use crate::components::query::enc;
use crate::components::webhook_ui::{at, health, ms, pct, HealthDot};
use crate::error::UiError;
use crate::pages::account::SignInRequired;
use crate::pages::not_found::{LoadFailed, NotFound};

/// The console's sub-navigation; `current` is the link of this page.
#[component]
pub fn WebhookTabs(current: &'static str) -> impl IntoView {
    let links = [
        ("/webhooks", "Endpoints"),
        ("/webhooks/messages", "Message log"),
        ("/webhooks/analytics", "Analytics"),
        ("/webhooks/event-types", "Event types"),
    ];
    view! {
        <nav class="webhook-tabs" aria-label="Webhooks">
            {links.into_iter().map(|(href, label)| view! {
                <a href=href aria-current=(href == current).then_some("page")>{label}</a>
            }).collect_view()}
        </nav>
    }
}

/// A failed load, shown as the page: 404, 403, sign in, or the generic panel.
pub fn load_failed(e: UiError, what: String) -> AnyView {
    match e.code.as_str() {
        "not_found" => view! { <NotFound what/> }.into_any(),
        "unauthenticated" => view! { <SignInRequired/> }.into_any(),
        "forbidden" | "insufficient_scope" => {
            #[cfg(feature = "ssr")]
            if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
                opts.set_status(http::StatusCode::FORBIDDEN);
            }
            view! {
                <section class="panel narrow center" id="webhooks-forbidden">
                    <h1>"Not allowed"</h1>
                    <p>{e.detail}</p>
                </section>
            }
            .into_any()
        }
        _ => view! { <LoadFailed error=e/> }.into_any(),
    }
}

/// One endpoint of the list.
#[component]
fn EndpointRow(e: EndpointOut) -> impl IntoView {
    let (dot, label) = health(&e);
    let href = format!("/webhooks/{}", enc(&e.id));
    let h = e.health.clone();
    view! {
        <tr class="endpoint-row" data-endpoint-id=e.id.clone()>
            <td><HealthDot class=dot label/></td>
            <td class="endpoint-url">
                <a href=href>{e.url.clone()}</a>
                {(!e.description.is_empty()).then(|| view! { <p class="hint">{e.description.clone()}</p> })}
            </td>
            <td>{e.namespace.clone().unwrap_or_else(|| "instance-wide".into())}</td>
            <td>{pct(h.success_rate_24h)}</td>
            <td>{h.attempts_24h}</td>
            <td>{h.pending}</td>
            <td class="nowrap">
                {h.last_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}
                <span class="hint">" " {at(h.last_attempt_at)}</span>
            </td>
        </tr>
    }
}

/// The figures of the last 24 hours over every endpoint.
#[component]
fn DaySummary(s: WebhookStatsOut) -> impl IntoView {
    view! {
        <section class="panel" id="webhook-summary">
            <h2>"Last 24 hours"</h2>
            <dl class="facts" data-testid="overview-stats">
                <dt>"Success rate"</dt><dd>{pct(s.success_rate)} " of " {s.attempts} " attempts"</dd>
                <dt>"Latency"</dt>
                <dd>"p50 " {ms(s.latency_ms.p50)} " · p95 " {ms(s.latency_ms.p95)} " · p99 " {ms(s.latency_ms.p99)}</dd>
                <dt>"Messages"</dt>
                <dd>{s.messages} " (" {s.delivered} " delivered, " {s.failed} " failed)"</dd>
            </dl>
            <p><a href="/webhooks/analytics" id="analytics-link">"Charts and more windows →"</a></p>
        </section>
    }
}

/// The list with its paging link.
#[component]
fn EndpointList(d: OverviewData) -> impl IntoView {
    let more = d
        .next_cursor
        .map(|c| format!("/webhooks?cursor={}", enc(&c)));
    view! {
        <section class="panel">
            <h2>"Endpoints"</h2>
            {if d.endpoints.is_empty() {
                view! {
                    <p class="muted" id="no-endpoints">
                        "No endpoint yet. An endpoint is a URL that receives the events you choose, signed so that it can check they come from here."
                    </p>
                }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" id="endpoint-table" data-testid="endpoint-table">
                            <thead><tr>
                                <th>"Health"</th><th>"URL"</th><th>"Namespace"</th><th>"Success 24 h"</th>
                                <th>"Attempts 24 h"</th><th>"Pending"</th><th>"Last status"</th>
                            </tr></thead>
                            <tbody>
                                {d.endpoints.into_iter().map(|e| view! { <EndpointRow e/> }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {more.map(|href| view! {
                <p class="table-actions"><a href=href class="btn" id="more-endpoints">"More endpoints →"</a></p>
            })}
        </section>
    }
}

/// The webhooks start page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let session = SessionContext::get();
    let query = use_query_map();
    let data = crate::resource::new(move || query.with(|q| q.get("cursor")), webhooks_overview);
    let deleted = move || query.with(|q| q.get("done").as_deref() == Some("deleted"));
    view! {
        <Title text="Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => match data.await {
                        Ok(d) => view! {
                            <section class="panel">
                                <WebhookTabs current="/webhooks"/>
                                <div class="page-head-row">
                                    <h1>"Webhooks"</h1>
                                    <a href="/webhooks/new" class="btn btn-primary" id="new-endpoint"
                                        data-testid="new-endpoint">"New endpoint"</a>
                                </div>
                                <p class="muted">
                                    "Endpoints receive the events of this instance as signed HTTP POSTs, retried when they fail."
                                </p>
                                {deleted().then(|| view! {
                                    <div class="banner banner-ok" role="status" id="endpoint-deleted">"The endpoint was deleted."</div>
                                })}
                            </section>
                            <DaySummary s=d.stats.clone()/>
                            <EndpointList d/>
                        }.into_any(),
                        Err(e) => load_failed(e, "This page".into()),
                    },
                    _ => view! { <SignInRequired/> }.into_any(),
                }
            })}
        </Transition>
    }
}
