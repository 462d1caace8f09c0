//! The rating trend on a plugin's dashboard page: one bar per month for the
//! mean stars of the reviews written that month, and a line for the mean of
//! every review up to each month's end, drawn as inline SVG on the server,
//! with the same numbers in a table beneath it.

use leptos::prelude::*;
use trellis_types::RatingTrendOut;

use crate::components::reviews::one_decimal;

const W: f64 = 600.0;
const H: f64 = 150.0;

/// The chart and its table.
#[component]
pub fn RatingTrend(t: RatingTrendOut) -> impl IntoView {
    let n = t.months.len().max(1) as f64;
    let slot = W / n;
    let y = |stars: f64| H - H * (stars / 5.0).clamp(0.0, 1.0);
    let bars: Vec<(f64, f64, f64, String)> = t
        .months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.average.map(|a| {
                (
                    slot * i as f64 + slot * 0.2,
                    y(a),
                    H - y(a),
                    format!(
                        "{}: {} stars from {} reviews",
                        m.month,
                        one_decimal(a),
                        m.count
                    ),
                )
            })
        })
        .collect();
    let line: String = t
        .months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.cumulative_average
                .map(|c| format!("{:.1},{:.1}", slot * i as f64 + slot / 2.0, y(c)))
        })
        .collect::<Vec<_>>()
        .join(" ");
    // The points again as dots: one month alone draws no line.
    let dots: Vec<(f64, f64)> = t
        .months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.cumulative_average
                .map(|c| (slot * i as f64 + slot / 2.0, y(c)))
        })
        .collect();
    let any = t
        .months
        .iter()
        .any(|m| m.count > 0 || m.cumulative_average.is_some());
    let first = t
        .months
        .first()
        .map(|m| m.month.clone())
        .unwrap_or_default();
    let last = t.months.last().map(|m| m.month.clone()).unwrap_or_default();
    view! {
        <figure class="trend" data-testid="rating-trend">
            {if any {
                view! {
                    <div class="trend-plot">
                        <div class="trend-axis" aria-hidden="true"><span>"5"</span><span>"2.5"</span><span>"0"</span></div>
                        <svg class="trend-svg" viewBox=format!("0 0 {W} {H}") preserveAspectRatio="none"
                            role="img" aria-label="Average stars per month" data-testid="rating-trend-svg">
                            <line class="grid" x1="0" y1="0" x2=W y2="0"/>
                            <line class="grid" x1="0" y1=H / 2.0 x2=W y2=H / 2.0/>
                            <line class="grid" x1="0" y1=H x2=W y2=H/>
                            {bars.into_iter().map(|(x, top, h, title)| view! {
                                <rect class="trend-bar" x=format!("{x:.1}") y=format!("{top:.1}")
                                    width=format!("{:.1}", slot * 0.6) height=format!("{h:.1}")><title>{title}</title></rect>
                            }).collect_view()}
                            <polyline class="trend-line" points=line fill="none"/>
                            {dots.into_iter().map(|(x, y)| view! {
                                <circle class="trend-dot" cx=format!("{x:.1}") cy=format!("{y:.1}") r="3"/>
                            }).collect_view()}
                        </svg>
                    </div>
                    <figcaption class="trend-legend muted small">
                        <span class="key key-bar"></span> "Mean stars of the month's reviews "
                        <span class="key key-line"></span> " Mean of every review so far · "
                        {first} " to " {last} " (UTC)"
                    </figcaption>
                }.into_any()
            } else {
                view! { <p class="muted" data-testid="trend-empty">"No review yet: the trend starts with the first one."</p> }.into_any()
            }}
            <details class="trend-table">
                <summary>"The numbers"</summary>
                <div class="table-wrap">
                    <table class="table" data-testid="rating-trend-table">
                        <thead><tr>
                            <th scope="col">"Month"</th><th scope="col">"Reviews"</th>
                            <th scope="col">"Mean stars"</th><th scope="col">"Mean so far"</th>
                        </tr></thead>
                        <tbody>
                            {t.months.into_iter().rev().map(|m| view! {
                                <tr data-month=m.month.clone()>
                                    <th scope="row">{m.month.clone()}</th>
                                    <td>{m.count}</td>
                                    <td>{m.average.map(one_decimal).unwrap_or_else(|| "—".into())}</td>
                                    <td>{m.cumulative_average.map(one_decimal).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}
