//! Prometheus metrics: request counts and latency histograms by method,
//! route template and status, rendered in the text exposition format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// The registry of request series.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn observe(&self, method: String, route: String, status: u16, secs: f64) {
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = map.entry((method, route, status)).or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP trellis_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE trellis_http_requests_total counter\n");
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "trellis_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(r),
                s.count
            );
        }
        out.push_str("# HELP trellis_http_request_duration_seconds Time to produce a response.\n");
        out.push_str("# TYPE trellis_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{st}\"", esc(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "trellis_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "trellis_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "trellis_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "trellis_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware: times every request and records it under its route template
/// (never the raw path, so ids do not explode the label space).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            if req.uri().path().starts_with("/pkg/") {
                "/pkg/{file}".into()
            } else {
                "unmatched".into()
            }
        });
    let res = next.run(req).await;
    metrics.observe(
        method,
        route,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

/// `GET /metrics`.
pub async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        metrics.render(),
    )
}
