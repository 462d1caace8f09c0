//! Bar charts drawn on the server as inline SVG (no script needed to see them),
//! each with the same numbers in a table for screen readers and anyone who
//! wants them: [`BarChart`] (one series, or several stacked, with a key), and
//! the plugin page's [`DownloadChart`] (daily downloads over the last 90 days)
//! built on it. The statistics page's charts are in `stats_charts`.
//!
//! The SVG holds only the bars and grid lines and stretches to its box; the axis
//! labels are HTML beside and below it, so their text keeps its size on a phone
//! instead of shrinking with the drawing.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Downloads on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub downloads: i64,
}

/// Drawing area, in SVG user units (stretched to the plot's box, which CSS sizes).
const W: f64 = 900.0;
const H: f64 = 200.0;

/// A round upper bound for the value axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn axis_max(max: i64) -> i64 {
    if max <= 0 {
        return 1;
    }
    let mut step = 1i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max {
                return step * m;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// One bar: its place and height in SVG units.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// One drawn segment: which bucket and layer it shows, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub bucket: usize,
    pub layer: usize,
    pub bar: Bar,
}

/// The segments of `layers` (values per bucket, `buckets` of them) under an
/// axis going up to `top`: per bucket, each layer's segment stacked on the
/// previous ones. Empty segments are left out, except in a single-layer
/// chart, where every bucket has its bar.
pub fn segments(layers: &[Layer], buckets: usize, top: i64) -> Vec<Segment> {
    let slot = W / buckets.max(1) as f64;
    let single = layers.len() == 1;
    let scale = |v: i64| H * v as f64 / top.max(1) as f64;
    let mut out = Vec::new();
    for bucket in 0..buckets {
        let mut base = 0i64;
        for (layer, l) in layers.iter().enumerate() {
            let v = l.values.get(bucket).copied().unwrap_or(0).max(0);
            if v == 0 && !single {
                continue;
            }
            out.push(Segment {
                bucket,
                layer,
                bar: Bar {
                    x: slot * bucket as f64 + slot * 0.12,
                    y: H - scale(base + v),
                    width: slot * 0.76,
                    height: scale(v),
                },
            });
            base += v;
        }
    }
    out
}

/// `2026-03-05` as `Mar 5`.
pub fn short_day(day: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut it = day.split('-').skip(1);
    match (
        it.next().and_then(|m| m.parse::<usize>().ok()),
        it.next().and_then(|d| d.parse::<u32>().ok()),
    ) {
        (Some(m @ 1..=12), Some(d)) => format!("{} {d}", MONTHS[m - 1]),
        _ => day.to_owned(),
    }
}

/// Half the axis top, as a label (`2.5` for 5).
fn half(top: i64) -> String {
    if top % 2 == 0 {
        (top / 2).to_string()
    } else {
        format!("{}", top as f64 / 2.0)
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// The ids of a chart's parts, unique on its page: the figure, the SVG's
/// title and description, and the table of its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartIds {
    pub figure: String,
    pub title: String,
    pub desc: String,
    pub table: String,
}

impl ChartIds {
    /// `{p}`, `{p}-title`, `{p}-desc` and `{p}-table`.
    pub fn prefixed(p: &str) -> ChartIds {
        ChartIds {
            figure: p.to_owned(),
            title: format!("{p}-title"),
            desc: format!("{p}-desc"),
            table: format!("{p}-table"),
        }
    }
}

/// One series of a bar chart: a value per bucket, drawn with a CSS class (and
/// shown in the key when the chart stacks several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub name: String,
    /// CSS class of its bars and its key: `bar` for the plain chart,
    /// `series-0`… for stacked ones.
    pub class: String,
    pub values: Vec<i64>,
}

/// The rectangles of [`segments`], each with its tooltip.
fn stacked(layers: &[Layer], labels: &[String], top: i64) -> AnyView {
    let single = layers.len() == 1;
    segments(layers, labels.len(), top)
        .into_iter()
        .map(|Segment { bucket, layer, bar }| {
            let l = &layers[layer];
            let v = l.values.get(bucket).copied().unwrap_or(0);
            let label = labels.get(bucket).cloned().unwrap_or_default();
            let tip = if single {
                format!("{label}: {v}")
            } else {
                format!("{label} — {}: {v}", l.name)
            };
            view! {
                <rect class=l.class.clone() x=fmt(bar.x) y=fmt(bar.y)
                    width=fmt(bar.width) height=fmt(bar.height)>
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view()
        .into_any()
}

/// A bar chart drawn on the server (stacked when it has several layers), with
/// its key, a caption and the same numbers in a table behind a `<details>`
/// (present for screen readers; a total column when stacked).
///
/// `buckets` label the bars in the table and tooltips (`2026-03-05`, `Week of
/// 2026-03-02`); `ticks` are the short labels under the axis, aligned with
/// them (the first, middle and last are shown).
#[component]
pub fn BarChart(
    ids: ChartIds,
    /// The SVG's accessible name.
    title: String,
    /// What the chart shows in a sentence: the SVG's description and the caption.
    summary: String,
    table_caption: String,
    /// The heading of the bucket column (`Day (UTC)`).
    bucket_heading: String,
    buckets: Vec<String>,
    ticks: Vec<String>,
    layers: Vec<Layer>,
) -> AnyView {
    let n = buckets.len();
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            layers
                .iter()
                .map(|l| l.values.get(i).copied().unwrap_or(0).max(0))
                .sum()
        })
        .collect();
    let top = axis_max(totals.iter().copied().max().unwrap_or(0));
    let rects = stacked(&layers, &buckets, top);
    let dates = [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter_map(|i| ticks.get(i).cloned())
        .map(|text| view! { <span>{text}</span> })
        .collect_view();
    let grid = |y: f64| {
        view! {
            <line class="grid" x1="0" x2=fmt(W) y1=fmt(y) y2=fmt(y) vector-effect="non-scaling-stroke"/>
        }
    };
    let several = layers.len() > 1;
    let key = several.then(|| {
        view! {
            <p class="chart-keys" aria-hidden="true">
                {layers.iter().map(|l| view! {
                    <span class="chart-key"><span class=format!("key {}", l.class)></span>" " {l.name.clone()}</span>
                }).collect_view()}
            </p>
        }
    });
    let heads = layers
        .iter()
        .map(|l| view! { <th scope="col">{l.name.clone()}</th> })
        .collect_view();
    let rows = buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let cells = layers
                .iter()
                .map(|l| view! { <td>{l.values.get(i).copied().unwrap_or(0)}</td> })
                .collect_view();
            view! {
                <tr>
                    <td class="nowrap">{b.clone()}</td>
                    {cells}
                    {several.then(|| view! { <td>{totals[i]}</td> })}
                </tr>
            }
        })
        .collect_view();
    let labelledby = format!("{} {}", ids.title, ids.desc);
    view! {
        <figure class="chart" id=ids.figure.clone()>
            {key}
            <div class="chart-plot">
                // The value axis and the dates repeat what the SVG's description says.
                <div class="chart-y" aria-hidden="true">
                    <span>{top}</span>
                    <span>{half(top)}</span>
                    <span>"0"</span>
                </div>
                <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                    aria-labelledby=labelledby class="chart-svg">
                    <title id=ids.title.clone()>{title}</title>
                    <desc id=ids.desc.clone()>{summary.clone()}</desc>
                    {grid(0.5)}
                    {grid(H / 2.0)}
                    <line class="baseline" x1="0" x2=fmt(W) y1=fmt(H - 0.5) y2=fmt(H - 0.5)
                        vector-effect="non-scaling-stroke"/>
                    {rects}
                </svg>
                <div class="chart-x" aria-hidden="true">{dates}</div>
            </div>
            <figcaption class="muted">{summary}</figcaption>
            <details class="chart-table">
                <summary>"Show the numbers as a table"</summary>
                <div class="table-wrap">
                    <table class="table" id=ids.table.clone()>
                        <caption class="visually-hidden">{table_caption}</caption>
                        <thead><tr>
                            <th scope="col">{bucket_heading}</th>
                            {heads}
                            {several.then(|| view! { <th scope="col">"Total"</th> })}
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
    .into_any()
}

/// The plugin page's chart: daily downloads over the last 90 days, and its
/// table. `days` are consecutive, oldest first.
#[component]
pub fn DownloadChart(days: Vec<DayCount>) -> AnyView {
    let total: i64 = days.iter().map(|d| d.downloads).sum();
    let max = days.iter().map(|d| d.downloads).max().unwrap_or(0);
    let (first, last) = (
        days.first().map(|d| d.day.clone()).unwrap_or_default(),
        days.last().map(|d| d.day.clone()).unwrap_or_default(),
    );
    let summary = format!(
        "{total} downloads in the {} days from {first} to {last}; the busiest day had {max}.",
        days.len()
    );
    view! {
        <BarChart
            ids=ChartIds {
                figure: "download-chart".into(),
                title: "chart-title".into(),
                desc: "chart-desc".into(),
                table: "download-table".into(),
            }
            title="Daily downloads, last 90 days".into()
            summary
            table_caption="Downloads per day, oldest first".into()
            bucket_heading="Day (UTC)".into()
            ticks=days.iter().map(|d| short_day(&d.day)).collect()
            buckets=days.iter().map(|d| d.day.clone()).collect()
            layers=vec![Layer {
                name: "Downloads".into(),
                class: "bar".into(),
                values: days.iter().map(|d| d.downloads).collect(),
            }]
        />
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: i64) -> DayCount {
        DayCount {
            day: format!("2026-01-{:02}", n % 28 + 1),
            downloads: n,
        }
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis_max(0), 1);
        assert_eq!(axis_max(1), 1);
        assert_eq!(axis_max(3), 5);
        assert_eq!(axis_max(7), 10);
        assert_eq!(axis_max(11), 20);
        assert_eq!(axis_max(4_999), 5_000);
    }

    fn layer(name: &str, values: Vec<i64>) -> Layer {
        Layer {
            name: name.into(),
            class: "bar".into(),
            values,
        }
    }

    #[test]
    fn bars_fit_the_plot_and_scale_with_their_values() {
        let days: Vec<DayCount> = (0..90).map(day).collect();
        let one = [layer(
            "Downloads",
            days.iter().map(|d| d.downloads).collect(),
        )];
        let b: Vec<Bar> = segments(&one, 90, axis_max(89))
            .into_iter()
            .map(|s| s.bar)
            .collect();
        assert_eq!(
            b.len(),
            90,
            "a single series has a bar per bucket, zeros too"
        );
        assert_eq!(b[0].height, 0.0);
        assert!(b[89].height > b[45].height);
        assert!(b
            .iter()
            .all(|x| x.y >= -0.01 && x.x >= 0.0 && x.x + x.width <= W));
        assert!(
            (b[89].y + b[89].height - H).abs() < 0.01,
            "bars stand on the baseline"
        );
    }

    #[test]
    fn stacked_segments_sit_on_each_other_and_skip_zeros() {
        let layers = [layer("a", vec![2, 0, 1]), layer("b", vec![3, 4, 0])];
        let s = segments(&layers, 3, 5);
        let at = |bucket, layer| s.iter().find(|x| x.bucket == bucket && x.layer == layer);
        assert_eq!(s.len(), 4, "the zero segments are left out");
        let (a0, b0) = (at(0, 0).unwrap(), at(0, 1).unwrap());
        assert!(
            (a0.bar.y + a0.bar.height - H).abs() < 0.01,
            "the first layer stands on the baseline"
        );
        assert!(
            (b0.bar.y + b0.bar.height - a0.bar.y).abs() < 0.01,
            "the second sits on the first"
        );
        assert!(b0.bar.y.abs() < 0.01, "5 of 5 reaches the top");
        assert!(at(1, 0).is_none() && at(2, 1).is_none());
        assert!((at(1, 1).unwrap().bar.height - H * 0.8).abs() < 0.01);
    }

    #[test]
    fn days_read_short() {
        assert_eq!(short_day("2026-03-05"), "Mar 5");
        assert_eq!(short_day("nonsense"), "nonsense");
    }
}
