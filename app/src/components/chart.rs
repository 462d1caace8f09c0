//! The download chart of the plugin page: daily downloads over the last 90 days
//! drawn as an inline SVG bar chart on the server (no script needed to see it),
//! with the same numbers in a table for screen readers and anyone who wants them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Downloads on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub downloads: i64,
}

/// Drawing area, in SVG user units (the SVG scales to its container's width).
const W: f64 = 720.0;
const H: f64 = 180.0;
/// Room for the value labels on the left and the dates below.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

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

/// The bars of `days` under an axis going up to `top`.
pub fn bars(days: &[DayCount], top: i64) -> Vec<Bar> {
    let n = days.len().max(1) as f64;
    let slot = (W - LEFT) / n;
    let plot = H - BOTTOM - TOP;
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let height = plot * d.downloads.max(0) as f64 / top.max(1) as f64;
            Bar {
                x: LEFT + slot * i as f64 + slot * 0.12,
                y: H - BOTTOM - height,
                width: slot * 0.76,
                height,
            }
        })
        .collect()
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

/// The chart and its table. `days` are consecutive, oldest first.
#[component]
pub fn DownloadChart(days: Vec<DayCount>) -> AnyView {
    let total: i64 = days.iter().map(|d| d.downloads).sum();
    let max = days.iter().map(|d| d.downloads).max().unwrap_or(0);
    let top = axis_max(max);
    let (first, last) = (
        days.first().map(|d| d.day.clone()).unwrap_or_default(),
        days.last().map(|d| d.day.clone()).unwrap_or_default(),
    );
    let summary = format!(
        "{total} downloads in the {} days from {first} to {last}; the busiest day had {max}.",
        days.len()
    );
    let base = H - BOTTOM;
    let mid_y = TOP + (base - TOP) / 2.0;
    let n = days.len();
    let ticks = [0, n / 2, n.saturating_sub(1)];
    let slot = (W - LEFT) / days.len().max(1) as f64;
    let rects = bars(&days, top)
        .into_iter()
        .zip(days.iter())
        .map(|(b, d)| {
            view! {
                <rect class="bar" x=fmt(b.x) y=fmt(b.y) width=fmt(b.width) height=fmt(b.height)>
                    <title>{format!("{}: {}", d.day, d.downloads)}</title>
                </rect>
            }
        })
        .collect_view();
    let labels = ticks
        .into_iter()
        .filter_map(|i| days.get(i).map(|d| (i, short_day(&d.day))))
        .map(|(i, text)| {
            // The end labels align with the plot's edges so they are never cut off.
            let (x, anchor) = match i {
                0 => (LEFT, "start"),
                i if i + 1 == n => (W, "end"),
                i => (LEFT + slot * (i as f64 + 0.5), "middle"),
            };
            view! { <text class="axis" x=fmt(x) y=fmt(H - 6.0) text-anchor=anchor>{text}</text> }
        })
        .collect_view();
    view! {
        <figure class="chart" id="download-chart">
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby="chart-title chart-desc"
                class="chart-svg">
                <title id="chart-title">"Daily downloads, last 90 days"</title>
                <desc id="chart-desc">{summary.clone()}</desc>
                <line class="grid" x1=fmt(LEFT) x2=fmt(W) y1=fmt(TOP) y2=fmt(TOP)/>
                <line class="grid" x1=fmt(LEFT) x2=fmt(W) y1=fmt(mid_y) y2=fmt(mid_y)/>
                <line class="baseline" x1=fmt(LEFT) x2=fmt(W) y1=fmt(base) y2=fmt(base)/>
                <text class="axis" x=fmt(LEFT - 6.0) y=fmt(TOP + 4.0) text-anchor="end">{top}</text>
                <text class="axis" x=fmt(LEFT - 6.0) y=fmt(mid_y + 4.0) text-anchor="end">{half(top)}</text>
                <text class="axis" x=fmt(LEFT - 6.0) y=fmt(base + 4.0) text-anchor="end">"0"</text>
                {rects}
                {labels}
            </svg>
            <figcaption class="muted">{summary}</figcaption>
            <details class="chart-table">
                <summary>"Show the numbers as a table"</summary>
                <div class="table-wrap">
                    <table class="table" id="download-table">
                        <caption class="visually-hidden">"Downloads per day, oldest first"</caption>
                        <thead><tr><th scope="col">"Day (UTC)"</th><th scope="col">"Downloads"</th></tr></thead>
                        <tbody>
                            {days.into_iter().map(|d| view! {
                                <tr><td>{d.day}</td><td>{d.downloads}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
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

    #[test]
    fn bars_fit_the_plot_and_scale_with_their_values() {
        let days: Vec<DayCount> = (0..90).map(day).collect();
        let b = bars(&days, axis_max(89));
        assert_eq!(b.len(), 90);
        assert_eq!(b[0].height, 0.0);
        assert!(b[89].height > b[45].height);
        assert!(b.iter().all(|x| x.y >= TOP - 0.01 && x.x + x.width <= W));
    }

    #[test]
    fn days_read_short() {
        assert_eq!(short_day("2026-03-05"), "Mar 5");
        assert_eq!(short_day("nonsense"), "nonsense");
    }
}
