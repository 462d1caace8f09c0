//! `/webhooks/analytics`: delivery analytics over every endpoint the user
//! sees, with the window picker (`?window=1h|24h|7d|30d`): key figures,
//! failures by reason and the volume, success-rate and latency charts (SVG
//! drawn on the server, a table behind each). Links only; `SsrMode::Async`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::accounts::SessionContext;
use crate::api::webhooks::webhook_stats;
use crate::components::webhook_charts::WebhookDashboard;
use crate::pages::account::SignInRequired;
use crate::pages::webhooks::{load_failed, WebhookTabs};

/// The analytics page.
#[component]
pub fn WebhookAnalyticsPage() -> impl IntoView {
    let session = SessionContext::get();
    let query = use_query_map();
    let stats = crate::resource::new(move || query.with(|q| q.get("window")), webhook_stats);
    view! {
        <Title text="Analytics — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(_)) => {}
                    _ => return view! { <SignInRequired/> }.into_any(),
                }
                match stats.await {
                    Ok(s) => view! {
                        <section class="panel">
                            <WebhookTabs current="/webhooks/analytics"/>
                            <h1>"Analytics"</h1>
                            <p class="muted">
                                "Deliveries to every endpoint you can see. Each endpoint's page has the same charts for it alone."
                            </p>
                            <WebhookDashboard s base="/webhooks/analytics".to_owned()/>
                        </section>
                    }.into_any(),
                    Err(e) => load_failed(e, "This page".into()),
                }
            })}
        </Transition>
    }
}
