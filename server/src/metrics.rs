//! Prometheus metrics: request counts and latency histograms by method,
//! route template and status, rendered in the text exposition format, followed
//! by the event bus's series (`crate::bus_metrics`).
//!
//! Every label is bounded, whatever clients send: the method is one of the
//! standard ones or `other`; the route is a template of the route table,
//! `/pkg/{file}` or `unmatched`; the status is the real code for a known route
//! and method, else its class (`4xx`). A hard cap on the number of series
//! backs this up.
//!
//! Who may read `/metrics` (see `[metrics]` in the defaults): with
//! `metrics.listen` set, only that listener serves it ([`serve_metrics`]); with
//! `metrics.token` set, only callers sending `Authorization: Bearer <token>`
//! (compared in constant time); with neither, the main listener serves it only
//! when the instance is loopback-only (listen address and public URL), and
//! answers 404 otherwise.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::api::problem::ApiError;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use trellis_platform::{AppError, AppState, Config};
use trellis_types::ErrorCode;

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Methods recorded by name; any other is recorded as `other`.
const METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE",
];

/// Most series kept; past it, new label sets are folded into one `overflow` series.
const MAX_SERIES: usize = 2000;

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

type Labels = (&'static str, String, String);

/// The registry of request series.
#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<Labels, Series>>,
}

fn method_label(m: &Method) -> &'static str {
    METHODS
        .iter()
        .find(|k| **k == m.as_str())
        .copied()
        .unwrap_or("other")
}

fn status_class(status: u16) -> String {
    format!("{}xx", status / 100)
}

impl Metrics {
    /// A new, empty registry to share between the router and a metrics listener.
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    fn observe(&self, labels: Labels, secs: f64) {
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let labels = if map.len() >= MAX_SERIES && !map.contains_key(&labels) {
            ("other", "overflow".to_owned(), "other".to_owned())
        } else {
            labels
        };
        let s = map.entry(labels).or_default();
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

pub(crate) fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Middleware: times every request and records it under bounded labels (the
/// route template, never the raw path).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let route_known = route.is_some();
    let route = route.unwrap_or_else(|| {
        if req.uri().path().starts_with("/pkg/") {
            "/pkg/{file}".into()
        } else {
            "unmatched".into()
        }
    });
    let res = next.run(req).await;
    let code = res.status().as_u16();
    let status = if route_known && method != "other" {
        code.to_string()
    } else {
        status_class(code)
    };
    metrics.observe((method, route, status), start.elapsed().as_secs_f64());
    res
}

/// Who may read the metrics through one listener.
#[derive(Clone)]
pub struct MetricsAccess {
    metrics: Arc<Metrics>,
    /// For the event bus's series (`crate::bus_metrics`).
    app: AppState,
    /// `Some`: callers must send this bearer token.
    token: Option<Arc<str>>,
    /// Whether this listener serves `/metrics` at all.
    served: bool,
}

fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn is_loopback(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => ip.is_loopback(),
    }
}

impl MetricsAccess {
    /// The rules for the main listener (see the module documentation).
    pub fn main_listener(metrics: Arc<Metrics>, app: &AppState) -> MetricsAccess {
        let config: &Config = &app.config;
        let token = config.metrics.token.clone();
        let served = if config.metrics.listen.is_some() {
            false
        } else if token.is_some() {
            true
        } else {
            is_loopback(&config.listen) && is_loopback_host(&config.public_url)
        };
        if !served && config.metrics.listen.is_none() {
            tracing::info!(
                "/metrics is off: this instance is not loopback-only; set metrics.token or metrics.listen to serve it"
            );
        }
        MetricsAccess {
            metrics,
            app: app.clone(),
            token: token.map(Arc::from),
            served,
        }
    }

    /// The rules for the separate metrics listener: the token when one is set.
    pub fn own_listener(metrics: Arc<Metrics>, app: &AppState) -> MetricsAccess {
        MetricsAccess {
            metrics,
            app: app.clone(),
            token: app.config.metrics.token.clone().map(Arc::from),
            served: true,
        }
    }

    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token else {
            return true;
        };
        let given = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "))
            .unwrap_or(b"");
        same_secret(given, expected.as_bytes())
    }
}

/// Compares a presented secret with the expected one in time that depends only
/// on the expected secret's length.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut diff = u8::from(given.len() != expected.len());
    for (i, e) in expected.iter().enumerate() {
        diff |= e ^ given.get(i).copied().unwrap_or(0);
    }
    std::hint::black_box(diff) == 0
}

/// `GET /metrics`.
pub async fn render(State(access): State<MetricsAccess>, headers: HeaderMap) -> Response {
    if !access.served {
        return ApiError(AppError::not_found("This page")).into_response();
    }
    if !access.admits(&headers) {
        let mut res = ApiError(AppError::new(
            ErrorCode::Unauthenticated,
            "Send the metrics token as `Authorization: Bearer <token>`.",
        ))
        .into_response();
        res.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return res;
    }
    let mut body = access.metrics.render();
    body.push_str(&crate::bus_metrics::render(&access.app).await);
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn metrics_only_not_found() -> ApiError {
    AppError::not_found("This page").into()
}

/// The router of the separate metrics listener: `/metrics` and nothing else.
pub fn metrics_router(access: MetricsAccess) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .fallback(metrics_only_not_found)
        .with_state(access)
}

/// Serves [`metrics_router`] on `listener` until `shutdown` completes.
pub async fn serve_metrics_on(
    listener: tokio::net::TcpListener,
    access: MetricsAccess,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, metrics_router(access))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds `addr` (the `metrics.listen` setting) and serves only `/metrics` there
/// until `shutdown` completes. Startup runs this beside the main listener, with
/// `MetricsAccess::own_listener` over the same [`Metrics`] the router records into
/// (`crate::router::router_with_metrics`).
pub async fn serve_metrics(
    addr: SocketAddr,
    access: MetricsAccess,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr()?, "metrics listener is up");
    serve_metrics_on(listener, access, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
        assert!(!same_secret(b"abcd", b"abc"));
        assert!(!same_secret(b"", b"abc"));
    }

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROBE1").unwrap()),
            "other"
        );
    }
}
