//! The download chart of the plugin page: daily downloads over the last 90 days
//! drawn as an inline SVG bar chart on the server (no script needed to see it),
//! with the same numbers in a table for screen readers and anyone who wants them.
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

/// The bars of `days` under an axis going up to `top`.
pub fn bars(days: &[DayCount], top: i64) -> Vec<Bar> {
    let n = days.len().max(1) as f64;
    let slot = W / n;
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let height = H * d.downloads.max(0) as f64 / top.max(1) as f64;
            Bar {
                x: slot * i as f64 + slot * 0.12,
                y: H - height,
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
    let n = days.len();
    let dates = [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter_map(|i| days.get(i).map(|d| short_day(&d.day)))
        .map(|text| view! { <span>{text}</span> })
        .collect_view();
    let grid = |y: f64| {
        view! {
            <line class="grid" x1="0" x2=fmt(W) y1=fmt(y) y2=fmt(y) vector-effect="non-scaling-stroke"/>
        }
    };
    view! {
        <figure class="chart" id="download-chart">
            <div class="chart-plot">
                // The value axis and the dates repeat what the SVG's description says.
                <div class="chart-y" aria-hidden="true">
                    <span>{top}</span>
                    <span>{half(top)}</span>
                    <span>"0"</span>
                </div>
                <svg viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none" role="img"
                    aria-labelledby="chart-title chart-desc" class="chart-svg">
                    <title id="chart-title">"Daily downloads, last 90 days"</title>
                    <desc id="chart-desc">{summary.clone()}</desc>
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
        assert!(b
            .iter()
            .all(|x| x.y >= -0.01 && x.x >= 0.0 && x.x + x.width <= W));
        assert!(
            (b[89].y + b[89].height - H).abs() < 0.01,
            "bars stand on the baseline"
        );
    }

    #[test]
    fn days_read_short() {
        assert_eq!(short_day("2026-03-05"), "Mar 5");
        assert_eq!(short_day("nonsense"), "nonsense");
    }
}
