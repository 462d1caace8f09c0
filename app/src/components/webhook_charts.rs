//! The webhook analytics dashboard: key figures, failures by reason, and three
//! charts of the window's buckets (volume: attempts and successes; success
//! rate; latency: average and maximum), each an SVG drawn on the server (no
//! script needed) with the same numbers in a table behind it for screen
//! readers. Like the download chart, the SVG holds only the marks; the axis
//! labels are HTML around it.

use leptos::prelude::*;
use trellis_types::{WebhookStatsOut, STATS_WINDOWS};

use crate::components::chart::axis_max;
use crate::components::webhook_ui::{bucket_label, date_time_secs, ms, pct};

const W: f64 = 900.0;
const H: f64 = 160.0;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A bar in its share of the bucket's slot.
    Bar,
    /// A short horizontal line across the slot at the value.
    Tick,
}

/// One series of a chart: a value per bucket (`None`: nothing to draw).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    /// CSS class of its marks (and its key).
    pub class: &'static str,
    pub mark: Mark,
    pub values: Vec<Option<f64>>,
}

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// A value as the table and tooltips show it.
fn show(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "—".into(),
        Some(v) if unit.is_empty() => format!("{v:.0}"),
        Some(v) => format!("{v:.0}{unit}"),
    }
}

/// The marks of every series under an axis going up to `top`.
fn marks(series: &[Series], n: usize, top: f64, labels: &[String], unit: &str) -> AnyView {
    let slot = W / n.max(1) as f64;
    let bar_series = series.iter().filter(|s| s.mark == Mark::Bar).count().max(1);
    let mut out = Vec::new();
    let mut bar_index = 0;
    for s in series {
        let sub = slot * 0.8 / bar_series as f64;
        for (i, v) in s.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let h = (H * v.max(0.0) / top.max(1e-9)).min(H);
            let tip = format!(
                "{} — {}: {}",
                labels.get(i).cloned().unwrap_or_default(),
                s.name,
                show(Some(*v), unit)
            );
            let x0 = slot * i as f64;
            out.push(match s.mark {
                Mark::Bar => view! {
                    <rect class=s.class x=f1(x0 + slot * 0.1 + sub * bar_index as f64) y=f1(H - h)
                        width=f1(sub) height=f1(h)><title>{tip}</title></rect>
                }
                .into_any(),
                Mark::Tick => view! {
                    <line class=s.class x1=f1(x0 + slot * 0.1) x2=f1(x0 + slot * 0.9) y1=f1(H - h) y2=f1(H - h)
                        vector-effect="non-scaling-stroke"><title>{tip}</title></line>
                }
                .into_any(),
            });
        }
        if s.mark == Mark::Bar {
            bar_index += 1;
        }
    }
    out.collect_view().into_any()
}

/// A chart of per-bucket series, with its table. `top` fixes the value axis
/// (100 for percentages); otherwise it is rounded up from the largest value.
#[component]
pub fn SeriesChart(
    id: &'static str,
    title: &'static str,
    /// Appended to values (`" %"`, `" ms"`), empty for counts.
    unit: &'static str,
    labels: Vec<String>,
    /// Full bucket start times, for the table.
    starts: Vec<String>,
    series: Vec<Series>,
    #[prop(optional)] top: Option<f64>,
    summary: String,
) -> AnyView {
    let n = labels.len();
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b));
    let top = top.unwrap_or_else(|| axis_max(max.ceil() as i64) as f64);
    let drawn = marks(&series, n, top, &labels, unit);
    let ticks = [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter_map(|i| labels.get(i).cloned())
        .map(|t| view! { <span>{t}</span> })
        .collect_view();
    let key = series
        .iter()
        .map(|s| view! { <span class="chart-key"><span class=format!("key {}", s.class)></span>" " {s.name}</span> })
        .collect_view();
    let heads = series
        .iter()
        .map(|s| view! { <th scope="col">{s.name}</th> })
        .collect_view();
    let rows = (0..n)
        .map(|i| {
            let cells = series
                .iter()
                .map(|s| view! { <td>{show(s.values.get(i).copied().flatten(), unit)}</td> })
                .collect_view();
            view! { <tr><td class="nowrap">{starts.get(i).cloned()}</td>{cells}</tr> }
        })
        .collect_view();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelledby = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart webhook-chart" id=id>
            <h3>{title}</h3>
            <p class="chart-keys">{key}</p>
            <div class="chart-plot">
                <div class="chart-y" aria-hidden="true">
                    <span>{show(Some(top), unit)}</span>
                    <span>{show(Some(top / 2.0), unit)}</span>
                    <span>"0"</span>
                </div>
                <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                    aria-labelledby=labelledby class="chart-svg"
                    data-testid=format!("{id}-svg")>
                    <title id=title_id>{title}</title>
                    <desc id=desc_id>{summary.clone()}</desc>
                    <line class="grid" x1="0" x2=f1(W) y1="0.5" y2="0.5" vector-effect="non-scaling-stroke"/>
                    <line class="grid" x1="0" x2=f1(W) y1=f1(H / 2.0) y2=f1(H / 2.0) vector-effect="non-scaling-stroke"/>
                    <line class="baseline" x1="0" x2=f1(W) y1=f1(H - 0.5) y2=f1(H - 0.5) vector-effect="non-scaling-stroke"/>
                    {drawn}
                </svg>
                <div class="chart-x" aria-hidden="true">{ticks}</div>
            </div>
            <figcaption class="muted">{summary}</figcaption>
            <details class="chart-table">
                <summary>"Show the numbers as a table"</summary>
                <div class="table-wrap">
                    <table class="table" data-testid=format!("{id}-table")>
                        <caption class="visually-hidden">{title} ", oldest first"</caption>
                        <thead><tr><th scope="col">"From (UTC)"</th>{heads}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
    .into_any()
}

/// The window links (`?window=1h` …) of a dashboard at `base`.
#[component]
pub fn WindowPicker(base: String, current: String) -> impl IntoView {
    view! {
        <nav class="window-picker" aria-label="Time window" data-testid="window-picker">
            {STATS_WINDOWS.iter().map(|(w, _)| {
                let here = *w == current;
                view! {
                    <a href=format!("{base}?window={w}") class="btn btn-small" class:btn-primary=here
                        aria-current=here.then_some("page") data-testid=format!("window-{w}")>{*w}</a>
                }
            }).collect_view()}
        </nav>
    }
}

/// The whole dashboard for `s` (its window picker links to `base`).
#[component]
pub fn WebhookDashboard(s: WebhookStatsOut, base: String) -> impl IntoView {
    let b = &s.series;
    let labels: Vec<String> = b
        .iter()
        .map(|x| bucket_label(x.start, s.bucket_secs))
        .collect();
    let starts: Vec<String> = b.iter().map(|x| date_time_secs(x.start)).collect();
    let volume = vec![
        Series {
            name: "Attempts",
            class: "mark-attempts",
            mark: Mark::Bar,
            values: b.iter().map(|x| Some(x.attempts as f64)).collect(),
        },
        Series {
            name: "Successes",
            class: "mark-ok",
            mark: Mark::Bar,
            values: b.iter().map(|x| Some(x.successes as f64)).collect(),
        },
    ];
    let rate = vec![Series {
        name: "Success rate",
        class: "mark-ok",
        mark: Mark::Bar,
        values: b
            .iter()
            .map(|x| x.success_rate.map(|r| r * 100.0))
            .collect(),
    }];
    let latency = vec![
        Series {
            name: "Average",
            class: "mark-attempts",
            mark: Mark::Bar,
            values: b.iter().map(|x| x.avg_latency_ms).collect(),
        },
        Series {
            name: "Maximum",
            class: "mark-max",
            mark: Mark::Tick,
            values: b
                .iter()
                .map(|x| x.max_latency_ms.map(|v| v as f64))
                .collect(),
        },
    ];
    let span = format!("the last {}", s.window);
    let vol_sum = format!(
        "{} attempts, {} successful, in {span} ({} buckets of {} min).",
        s.attempts,
        s.successes,
        b.len(),
        s.bucket_secs / 60
    );
    let rate_sum = format!("Success rate {} over {span}.", pct(s.success_rate));
    let lat_sum = format!(
        "Latency over {span}: p50 {}, p95 {}, p99 {}.",
        ms(s.latency_ms.p50),
        ms(s.latency_ms.p95),
        ms(s.latency_ms.p99)
    );
    let apm = s
        .attempts_per_message
        .map(|v| format!("{v:.2}"))
        .unwrap_or_else(|| "—".into());
    view! {
        <div class="dashboard" data-testid="webhook-dashboard">
            <WindowPicker base current=s.window.clone()/>
            <dl class="facts stats-facts" data-testid="stats-summary">
                <dt>"Attempts"</dt><dd>{s.attempts}</dd>
                <dt>"Success rate"</dt><dd data-testid="stats-success-rate">{pct(s.success_rate)}</dd>
                <dt>"Messages"</dt>
                <dd>{s.messages} " (" {s.delivered} " delivered, " {s.failed} " failed)"</dd>
                <dt>"Latency"</dt>
                <dd data-testid="stats-latency">
                    "p50 " {ms(s.latency_ms.p50)} " · p95 " {ms(s.latency_ms.p95)} " · p99 " {ms(s.latency_ms.p99)}
                </dd>
                <dt>"Attempts per message"</dt><dd>{apm}</dd>
            </dl>
            <h3>"Failures by reason"</h3>
            {if s.failures_by_reason.is_empty() {
                view! { <p class="muted" id="no-failures">"No failed attempt in this window."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="failures-table">
                        <thead><tr><th scope="col">"Reason"</th><th scope="col">"Failed attempts"</th></tr></thead>
                        <tbody>
                            {s.failures_by_reason.iter().map(|f| view! {
                                <tr><td><code>{f.reason.clone()}</code></td><td>{f.count}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <SeriesChart id="chart-volume" title="Volume" unit="" labels=labels.clone()
                starts=starts.clone() series=volume summary=vol_sum/>
            <SeriesChart id="chart-success" title="Success rate" unit=" %" labels=labels.clone()
                starts=starts.clone() series=rate top=100.0 summary=rate_sum/>
            <SeriesChart id="chart-latency" title="Latency" unit=" ms" labels starts
                series=latency summary=lat_sum/>
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use trellis_types::{FailureCount, LatencyOut, StatsBucket};

    #[test]
    fn the_dashboard_draws_every_bucket_with_its_table() {
        let series = (0..24)
            .map(|i| StatsBucket {
                start: 3_600 * i,
                attempts: i,
                successes: i / 2,
                success_rate: (i > 0).then_some(0.5),
                avg_latency_ms: (i > 0).then_some(40.0),
                max_latency_ms: (i > 0).then_some(90),
            })
            .collect();
        let s = WebhookStatsOut {
            window: "24h".into(),
            since: 0,
            endpoint_id: None,
            attempts: 276,
            successes: 132,
            success_rate: Some(0.478),
            messages: 10,
            delivered: 8,
            failed: 1,
            attempts_per_message: Some(1.5),
            latency_ms: LatencyOut {
                p50: Some(40),
                p95: Some(80),
                p99: Some(90),
            },
            failures_by_reason: vec![FailureCount {
                reason: "timeout".into(),
                count: 3,
            }],
            bucket_secs: 3_600,
            series,
        };
        let html = view! { <WebhookDashboard s base="/webhooks/analytics".to_owned()/> }.to_html();
        for id in [
            "chart-volume-svg",
            "chart-success-svg",
            "chart-latency-svg",
            "chart-volume-table",
            "window-7d",
        ] {
            assert!(html.contains(id), "{id} missing");
        }
        assert!(html.contains("47.8 %"));
        assert_eq!(
            html.matches("<tr><td class=\"nowrap\">").count(),
            72,
            "24 rows a table"
        );
    }
}
