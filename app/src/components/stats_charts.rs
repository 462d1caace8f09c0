//! A plugin's statistics as charts (the statistics page, and anywhere else
//! that embeds them, such as the publisher dashboard): key figures, downloads
//! and unique installs per bucket, and downloads per version (the top
//! versions stacked, the rest together), each a [`BarChart`] drawn on the
//! server with its table, then every version's totals in a table.
//!
//! [`DownloadsCharts`] draws a [`PluginStatsOut`] the page loaded with its
//! own data; [`StatsRangeLinks`] links
//! the three ranges (plain links: no script needed).

use leptos::prelude::*;
use trellis_types::{PluginStatsOut, StatsBucketSize, StatsPointOut, StatsRange};

use crate::components::chart::{short_day, BarChart, ChartIds, Layer};

/// A count with thousands grouped: `13,687`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// `2026-03` or `2026-03-01` as `Mar 2026`.
pub fn month_label(day: &str) -> String {
    let short = short_day(day);
    match (short.split_once(' '), day.get(..4)) {
        (Some((m, _)), Some(y)) if short != day => format!("{m} {y}"),
        _ => day.to_owned(),
    }
}

/// A bucket's short label under the axis: `Mar 5` (a day, or the Monday of a
/// week) or `Mar 2026`.
pub fn tick_label(size: StatsBucketSize, p: &StatsPointOut) -> String {
    match size {
        StatsBucketSize::Day | StatsBucketSize::Week => short_day(&p.start),
        StatsBucketSize::Month => month_label(&p.start),
    }
}

/// A bucket as the table and tooltips name it: `2026-03-05`, `2026-03-02 to
/// 2026-03-08`, `Mar 2026`.
pub fn bucket_label(size: StatsBucketSize, p: &StatsPointOut) -> String {
    match size {
        StatsBucketSize::Day => p.start.clone(),
        StatsBucketSize::Week => format!("{} to {}", p.start, p.end),
        StatsBucketSize::Month => month_label(&p.start),
    }
}

/// The heading of the table's bucket column.
fn bucket_heading(size: StatsBucketSize) -> &'static str {
    match size {
        StatsBucketSize::Day => "Day (UTC)",
        StatsBucketSize::Week => "Week, Monday to Sunday (UTC)",
        StatsBucketSize::Month => "Month (UTC)",
    }
}

/// `day`, `week` or `month`.
fn per(size: StatsBucketSize) -> &'static str {
    size.as_str()
}

/// `last 90 days`, `last year`, `all time`.
fn last(range: StatsRange) -> &'static str {
    match range {
        StatsRange::Days90 => "last 90 days",
        StatsRange::Year => "last year",
        StatsRange::All => "all time",
    }
}

/// The three ranges as links to `base?range=…`, the current one marked.
#[component]
pub fn StatsRangeLinks(base: String, current: StatsRange) -> impl IntoView {
    view! {
        <nav class="range-links" aria-label="Range">
            {StatsRange::EVERY.into_iter().map(|r| view! {
                <a href=format!("{base}?range={}", r.as_str())
                    aria-current=(r == current).then_some("page")
                    data-range=r.as_str()>{r.label()}</a>
            }).collect_view()}
        </nav>
    }
}

/// The key figures of the range and of all time.
fn figures(s: &PluginStatsOut) -> impl IntoView {
    let range = last(s.range);
    let (range_dl, range_ui) = if s.range == StatsRange::All {
        ("Downloads".to_owned(), "Unique installs".to_owned())
    } else {
        (
            format!("Downloads, {range}"),
            format!("Unique installs, {range}"),
        )
    };
    let all_time = (s.range != StatsRange::All).then(|| {
        view! {
            <div><dt>"Downloads, all time"</dt><dd data-figure="downloads">{grouped(s.downloads)}</dd></div>
            <div><dt>"Unique installs, all time"</dt><dd data-figure="unique-installs">{grouped(s.unique_installs)}</dd></div>
        }
    });
    view! {
        <dl class="stats-figures">
            <div><dt>{range_dl}</dt><dd data-figure="range-downloads">{grouped(s.range_downloads)}</dd></div>
            <div><dt>{range_ui}</dt><dd data-figure="range-unique-installs">{grouped(s.range_unique_installs)}</dd></div>
            {all_time}
        </dl>
    }
}

/// What a unique install is, and since when they are counted.
fn installs_note(s: &PluginStatsOut) -> impl IntoView {
    let since = match &s.unique_installs_since {
        Some(d) if *d > s.from => format!(
            " This instance counts them since {d}: earlier {}s show none.",
            per(s.bucket)
        ),
        Some(_) => String::new(),
        None => " Nothing has been counted yet.".to_owned(),
    };
    let imported = (s.imported_downloads > 0).then(|| {
        format!(
            " The all-time downloads include {} counted by the catalogue this plugin was imported from; the charts show only downloads from here.",
            grouped(s.imported_downloads)
        )
    });
    view! {
        <p class="hint stats-note">
            "A unique install is a download counted once per installer per day (UTC): a signed-in user \
             (in the browser or with an API token) once a day, anyone else once per address and browser, \
             matched by a key that changes daily and is never an address. Over a week or a month, the days' counts add up."
            {since}
            {imported}
        </p>
    }
}

/// Every version's downloads in the range and of all time.
fn version_table(s: &PluginStatsOut, id: String) -> impl IntoView {
    let head = if s.range == StatsRange::All {
        "Downloads counted here".to_owned()
    } else {
        format!("Downloads, {}", last(s.range))
    };
    view! {
        <div class="table-wrap">
            <table class="table" id=id>
                <caption class="table-caption">"Every version's downloads"</caption>
                <thead><tr>
                    <th scope="col">"Version"</th><th scope="col">{head}</th>
                    <th scope="col">"Downloads, all time"</th>
                </tr></thead>
                <tbody>
                    {s.versions.iter().map(|v| view! {
                        <tr data-version=v.version.clone()>
                            <th scope="row">{v.version.clone()}</th>
                            <td>{v.range_downloads}</td>
                            <td>{v.downloads}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A plugin's statistics for one range: key figures, the downloads chart, the
/// unique-installs chart, the per-version chart and the versions table.
/// `id_prefix` (default `stats`) starts every element id, so several can share
/// a page; `nested` makes the chart headings `h3` instead of `h2`.
#[component]
pub fn DownloadsCharts(
    stats: PluginStatsOut,
    #[prop(optional, into)] id_prefix: Option<String>,
    #[prop(optional)] nested: bool,
) -> impl IntoView {
    let s = stats;
    let p = id_prefix.unwrap_or_else(|| "stats".to_owned());
    let size = s.bucket;
    let buckets: Vec<String> = s.series.iter().map(|x| bucket_label(size, x)).collect();
    let ticks: Vec<String> = s.series.iter().map(|x| tick_label(size, x)).collect();
    let (from, to, unit) = (s.from.clone(), s.to.clone(), per(size));
    let busiest = |f: fn(&StatsPointOut) -> i64| s.series.iter().map(f).max().unwrap_or(0);
    let heading = move |id: String, text: String| {
        if nested {
            view! { <h3 id=id>{text}</h3> }.into_any()
        } else {
            view! { <h2 id=id>{text}</h2> }.into_any()
        }
    };

    let downloads = view! {
        <BarChart
            ids=ChartIds::prefixed(&format!("{p}-downloads"))
            title=format!("Downloads per {unit}")
            summary=format!(
                "{} downloads from {from} to {to}, by {unit}; the busiest {unit} had {}.",
                grouped(s.range_downloads), grouped(busiest(|x| x.downloads))
            )
            table_caption=format!("Downloads per {unit}, oldest first")
            bucket_heading=bucket_heading(size).to_owned()
            buckets=buckets.clone()
            ticks=ticks.clone()
            layers=vec![Layer {
                name: "Downloads".into(),
                class: "bar".into(),
                values: s.series.iter().map(|x| x.downloads).collect(),
            }]
        />
    };
    let installs = view! {
        <BarChart
            ids=ChartIds::prefixed(&format!("{p}-installs"))
            title=format!("Unique installs per {unit}")
            summary=format!(
                "{} unique installs from {from} to {to}, by {unit}; the busiest {unit} had {}.",
                grouped(s.range_unique_installs), grouped(busiest(|x| x.unique_installs))
            )
            table_caption=format!("Unique installs per {unit}, oldest first")
            bucket_heading=bucket_heading(size).to_owned()
            buckets=buckets.clone()
            ticks=ticks.clone()
            layers=vec![Layer {
                name: "Unique installs".into(),
                class: "bar bar-installs".into(),
                values: s.series.iter().map(|x| x.unique_installs).collect(),
            }]
        />
    };

    let mut layers: Vec<Layer> = s
        .top_versions
        .iter()
        .enumerate()
        .map(|(i, v)| Layer {
            name: v.version.clone(),
            class: format!("series-{i}"),
            values: v.downloads.clone(),
        })
        .collect();
    if s.other_versions.iter().any(|n| *n > 0) {
        layers.push(Layer {
            name: "Other versions".into(),
            class: "series-other".into(),
            values: s.other_versions.clone(),
        });
    }
    let shown = s.top_versions.len();
    let per_version = if layers.is_empty() {
        view! { <p class="muted" id=format!("{p}-versions-empty")>"No downloads in this range."</p> }
            .into_any()
    } else {
        let others = if layers.len() > shown {
            " and the other versions together"
        } else {
            ""
        };
        let top = s
            .top_versions
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <BarChart
                ids=ChartIds::prefixed(&format!("{p}-versions"))
                title=format!("Downloads per version per {unit}")
                summary=format!(
                    "Downloads per {unit} from {from} to {to} of the {shown} most downloaded version{} ({top}){others}, stacked.",
                    if shown == 1 { "" } else { "s" }
                )
                table_caption=format!("Downloads per version per {unit}, oldest first")
                bucket_heading=bucket_heading(size).to_owned()
                buckets
                ticks
                layers
            />
        }
        .into_any()
    };

    view! {
        <div class="stats" id=p.clone() data-range=s.range.as_str() data-bucket=size.as_str()>
            {figures(&s)}
            {installs_note(&s)}
            <section class="stats-block" aria-labelledby=format!("{p}-downloads-h")>
                {heading(format!("{p}-downloads-h"), format!("Downloads per {unit}"))}
                {downloads}
            </section>
            <section class="stats-block" aria-labelledby=format!("{p}-installs-h")>
                {heading(format!("{p}-installs-h"), format!("Unique installs per {unit}"))}
                {installs}
            </section>
            <section class="stats-block" aria-labelledby=format!("{p}-versions-h")>
                {heading(format!("{p}-versions-h"), "Downloads per version".to_owned())}
                {per_version}
                {(!s.versions.is_empty()).then(|| version_table(&s, format!("{p}-version-totals")))}
            </section>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(start: &str, end: &str) -> StatsPointOut {
        StatsPointOut {
            start: start.into(),
            end: end.into(),
            downloads: 0,
            unique_installs: 0,
        }
    }

    #[test]
    fn buckets_read_well() {
        let w = point("2026-03-02", "2026-03-08");
        assert_eq!(tick_label(StatsBucketSize::Week, &w), "Mar 2");
        assert_eq!(
            bucket_label(StatsBucketSize::Week, &w),
            "2026-03-02 to 2026-03-08"
        );
        let m = point("2026-03-01", "2026-03-31");
        assert_eq!(tick_label(StatsBucketSize::Month, &m), "Mar 2026");
        assert_eq!(bucket_label(StatsBucketSize::Month, &m), "Mar 2026");
        let d = point("2026-03-05", "2026-03-05");
        assert_eq!(bucket_label(StatsBucketSize::Day, &d), "2026-03-05");
        assert_eq!(month_label("nonsense"), "nonsense");
    }

    #[test]
    fn counts_group_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(13_687), "13,687");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-4_500), "-4,500");
    }
}
