//! Delivery analytics: per endpoint or over everything the caller sees, over a
//! window (`1h`, `24h`, `7d`, `30d`): success rate, latency p50 / p95 / p99,
//! attempts per message, failures by reason, and a time series of volume,
//! success rate and latency (every bucket of the window, empty ones included,
//! so a chart's x axis is time). Also each endpoint's health at a glance.

use trellis_db::now_ms;
use trellis_db::webhook_attempts::{self as db, Window};
use trellis_platform::{Actor, AppError, AppResult, AppState};
use trellis_types::{
    EndpointHealth, ErrorCode, FailureCount, LatencyOut, StatsBucket, WebhookStatsOut,
    STATS_WINDOWS,
};

use crate::access::{self, Access};

/// Buckets in a window's series.
const BUCKETS: i64 = 24;

/// The window's length in seconds, or a `400` naming the parameter.
pub fn window_secs(window: &str) -> AppResult<i64> {
    STATS_WINDOWS
        .iter()
        .find(|(w, _)| *w == window)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            AppError::field(
                ErrorCode::BadRequest,
                "window",
                "invalid",
                format!("`{window}` is not a window: use 1h, 24h, 7d or 30d."),
            )
        })
}

fn rate(ok: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| ok as f64 / n as f64)
}

/// Analytics over `window` for endpoint `endpoint` or, without one, every
/// endpoint the actor sees.
pub async fn stats(
    state: &AppState,
    actor: &Actor,
    endpoint: Option<&str>,
    window: &str,
) -> AppResult<WebhookStatsOut> {
    let secs = window_secs(window)?;
    let access = Access::of(state, actor).await?;
    let ids: Option<Vec<String>> = match (endpoint, &access) {
        (Some(id), _) => Some(vec![access::endpoint(state, &access, id).await?.id]),
        (None, Access::All) => None,
        (None, Access::Namespaces(_)) => {
            let rows = trellis_db::webhooks::list_endpoints(
                &mut *state.db.conn().await?,
                &access.db_scope(),
                None,
                10_000,
            )
            .await?;
            Some(rows.into_iter().map(|r| r.id).collect())
        }
    };
    let now = now_ms();
    let bucket_ms = secs * 1000 / BUCKETS;
    // Buckets are aligned to their own length, so the series is stable between calls.
    let first = (now - secs * 1000) / bucket_ms * bucket_ms + bucket_ms;
    let w = Window {
        since: first,
        endpoints: ids.as_deref(),
    };
    let mut c = state.db.conn().await?;
    let totals = db::totals(&mut c, &w).await?;
    let q = db::latency_quantiles(&mut c, &w, &[0.5, 0.95, 0.99]).await?;
    let failures = db::failures_by_kind(&mut c, &w).await?;
    let buckets = db::series(&mut c, &w, bucket_ms).await?;
    drop(c);
    let series = (0..BUCKETS)
        .map(|i| {
            let start = first + i * bucket_ms;
            match buckets.iter().find(|b| b.start == start) {
                Some(b) => StatsBucket {
                    start: start / 1000,
                    attempts: b.attempts,
                    successes: b.successes,
                    success_rate: rate(b.successes, b.attempts),
                    avg_latency_ms: Some((b.avg_latency_ms * 10.0).round() / 10.0),
                    max_latency_ms: Some(b.max_latency_ms),
                },
                None => StatsBucket {
                    start: start / 1000,
                    attempts: 0,
                    successes: 0,
                    success_rate: None,
                    avg_latency_ms: None,
                    max_latency_ms: None,
                },
            }
        })
        .collect();
    Ok(WebhookStatsOut {
        window: window.to_owned(),
        since: first / 1000,
        endpoint_id: endpoint.map(str::to_owned),
        attempts: totals.attempts,
        successes: totals.successes,
        success_rate: rate(totals.successes, totals.attempts),
        messages: totals.messages,
        delivered: totals.delivered,
        failed: totals.failed,
        attempts_per_message: (totals.messages > 0)
            .then(|| totals.message_attempts as f64 / totals.messages as f64),
        latency_ms: LatencyOut {
            p50: q.first().copied().flatten(),
            p95: q.get(1).copied().flatten(),
            p99: q.get(2).copied().flatten(),
        },
        failures_by_reason: failures
            .into_iter()
            .map(|(reason, count)| FailureCount { reason, count })
            .collect(),
        bucket_secs: bucket_ms / 1000,
        series,
    })
}

/// Each endpoint's health over the last 24 hours.
pub async fn health(state: &AppState, ids: &[String]) -> AppResult<Vec<(String, EndpointHealth)>> {
    let since = now_ms() - 86_400_000;
    let rows = db::health(&mut *state.db.conn().await?, ids, since).await?;
    Ok(rows
        .into_iter()
        .map(|(id, h)| {
            (
                id,
                EndpointHealth {
                    attempts_24h: h.attempts,
                    successes_24h: h.successes,
                    success_rate_24h: rate(h.successes, h.attempts),
                    pending: h.pending,
                    last_attempt_at: h.last_attempt_at.map(|t| t / 1000),
                    last_status: h.last_status,
                },
            )
        })
        .collect())
}
