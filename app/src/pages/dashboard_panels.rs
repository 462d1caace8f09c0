//! Two panels of a plugin's dashboard page that show what others did: the
//! downloads and unique installs of the last 90 days (the public statistics
//! page's charts, each with its table), and the open reports against the
//! plugin and its reviews (reasons and counts, never who reported).

use leptos::prelude::*;
use trellis_types::{PluginStatsOut, ReportedOut};

use crate::components::query::enc;
use crate::components::stats_charts::DownloadsCharts;
use crate::pages::admin_moderation::reasons_text;

/// Downloads and unique installs over the last 90 days, with a link to the
/// public statistics page for longer ranges.
#[component]
pub fn StatsPanel(id: String, stats: PluginStatsOut) -> impl IntoView {
    let href = format!("/plugins/{}/stats", enc(&id));
    view! {
        <section class="panel" id="dash-stats" aria-labelledby="dash-stats-title">
            <h2 id="dash-stats-title">"Downloads and unique installs"</h2>
            <DownloadsCharts stats id_prefix="dash-stats" nested=true/>
            <p class="muted"><a href=href>"Every range, on the public statistics page"</a></p>
        </section>
    }
}

/// The open reports against the plugin and its reviews. The moderators decide
/// on them; the publisher sees what was reported and why.
#[component]
pub fn ReportsPanel(plugin: String, reports: Vec<ReportedOut>) -> impl IntoView {
    let public = format!("/plugins/{}", enc(&plugin));
    let body = if reports.is_empty() {
        view! { <p class="muted" data-testid="dash-no-reports">"No open reports against this plugin or its reviews."</p> }
            .into_any()
    } else {
        let items = reports
            .into_iter()
            .map(|r| {
                let what = match &r.review {
                    Some(rv) => view! {
                        <a href=format!("{public}#review-{}", rv.id)>{format!("Review “{}”", rv.title)}</a>
                        {format!(" by {} ({}★)", rv.author, rv.stars)}
                        {rv.hidden.as_ref().map(|_| view! { <em>" (hidden by a moderator)"</em> })}
                    }
                    .into_any(),
                    None => view! { <strong>"The plugin itself"</strong> }.into_any(),
                };
                let n = r.reports;
                let count = format!(
                    "{n} open report{}: {}",
                    if n == 1 { "" } else { "s" },
                    reasons_text(&r)
                );
                view! {
                    <li data-testid="dash-report" data-kind=r.kind.clone()>
                        <p>{what}</p>
                        <p class="muted">{count}</p>
                        {r.latest_text.map(|t| view! { <blockquote class="report-text">{t}</blockquote> })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="dash-reports">{items}</ul> }.into_any()
    };
    view! {
        <section class="panel" id="dash-reports" aria-labelledby="dash-reports-title">
            <h2 id="dash-reports-title">"Reports"</h2>
            <p class="muted">"What users reported to the moderators, and why. The moderators decide; reporters stay anonymous."</p>
            {body}
        </section>
    }
}
