//! `/plugins/{id}/stats`: a plugin's download and install statistics, with
//! the range picker (`?range=90d|1y|all`, plain links; an unknown range reads
//! as 90 days): key figures, downloads and unique installs per day, week or
//! month, downloads per version, each chart drawn on the server with its table
//! (`components::stats_charts`). Works without JavaScript; `SsrMode::Async`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::stats::{plugin_stats_page, range_or_default, PluginStatsData};
use crate::components::stats_charts::{DownloadsCharts, StatsRangeLinks};
use crate::pages::not_found::{LoadFailed, NotFound};

/// The page for loaded data.
#[component]
fn StatsView(d: PluginStatsData) -> AnyView {
    let base = format!("/plugins/{}/stats", d.id);
    let range = d.stats.range;
    view! {
        <Title text=format!("Statistics — {} — Trellis", d.display_name)/>
        <header class="plugin-head">
            <p class="crumbs">
                <a href=format!("/namespaces/{}", d.namespace)>{d.namespace.clone()}</a>
                " / " <a href=format!("/plugins/{}", d.id) id="stats-plugin-link">{d.name.clone()}</a>
                " / statistics"
            </p>
            <h1 id="stats-title">{format!("{}: statistics", d.display_name)}</h1>
            <p class="lead">
                {format!("Downloads and unique installs, {} to {} (UTC). ", d.stats.from, d.stats.to)}
                "Counts reach this page within seconds; today's are partial."
            </p>
        </header>
        <section class="panel" id="plugin-stats">
            <StatsRangeLinks base current=range/>
            <DownloadsCharts stats=d.stats/>
            <p class="hint">
                "The same numbers as JSON: "
                <code>{format!("GET /api/v1/plugins/{}/stats?range={}", d.id, range.as_str())}</code>
                " (" <a href="/docs/api">"API reference"</a> ")."
            </p>
        </section>
    }
    .into_any()
}

/// The statistics page.
#[component]
pub fn PluginStatsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let key = move || {
        let range = query.with(|q| q.get("range"));
        (id(), range_or_default(range.as_deref()).as_str().to_owned())
    };
    let data = crate::resource::new(key, |(id, range)| plugin_stats_page(id, Some(range)));
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <StatsView d/> }.into_any(),
                    Err(e) if e.code == "not_found" => {
                        view! { <NotFound what=format!("The plugin {}", id())/> }.into_any()
                    }
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
