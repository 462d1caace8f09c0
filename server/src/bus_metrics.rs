//! The event bus's Prometheus series, appended to `/metrics` after the request
//! series (`crate::metrics`):
//!
//! - `trellis_events_total{type}`: events written to the log, counted by this
//!   process's event counter (a follower that starts at the log's head when the
//!   process starts; see `trellis_worker::event_counter`). `type` is a
//!   catalogue type or `other`.
//! - `trellis_event_follower_lag_events{follower}` and
//!   `trellis_event_follower_lag_seconds{follower}`: per follower whose cursor
//!   was stored within the retention period (at most 50).
//! - `trellis_jobs{state}`, `trellis_jobs_due`, `trellis_jobs_oldest_due_seconds`.
//! - `trellis_event_bus_metrics_up`: 1 when the database-derived series above
//!   were read for this scrape, 0 when the database did not answer in time (the
//!   scrape still succeeds, with the in-memory series).
//!
//! The database-derived gauges are read at scrape time with a few cheap
//! queries (one per follower, counting at most `LAG_CAP` events each).

use std::fmt::Write;
use std::time::Duration;

use trellis_platform::events::{follower_lags, queue_stats};
use trellis_platform::{AppError, AppState};
use trellis_types::{FollowerOut, JobQueueOut};

use crate::metrics::esc;

/// How long a scrape waits for the database before leaving its series out.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

/// The event bus's series in the text exposition format.
pub async fn render(app: &AppState) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP trellis_events_total Events written to the event log since this process started \
         (every node counts the whole log: aggregate with max() across nodes, not sum()).\n",
    );
    out.push_str("# TYPE trellis_events_total counter\n");
    for (kind, n) in app.event_counts.snapshot() {
        let _ = writeln!(out, "trellis_events_total{{type=\"{}\"}} {n}", esc(&kind));
    }
    let read = tokio::time::timeout(DB_TIMEOUT, read_db(app)).await;
    trellis_webhooks::metrics::render(&mut out);
    trellis_runtime::metrics::render(&mut out);
    let (queue, followers, hooks) = match read {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "event bus metrics: database read failed");
            out.push_str(UP_HELP);
            out.push_str("trellis_event_bus_metrics_up 0\n");
            return out;
        }
        Err(_) => {
            tracing::warn!("event bus metrics: the database did not answer in time");
            out.push_str(UP_HELP);
            out.push_str("trellis_event_bus_metrics_up 0\n");
            return out;
        }
    };
    render_followers(&mut out, &followers);
    render_queue(&mut out, &queue);
    render_webhooks(&mut out, &hooks);
    out.push_str(UP_HELP);
    out.push_str("trellis_event_bus_metrics_up 1\n");
    out
}

const UP_HELP: &str = "# HELP trellis_event_bus_metrics_up Whether the database-derived event bus \
     series were read for this scrape.\n# TYPE trellis_event_bus_metrics_up gauge\n";

/// Webhook gauges: endpoints (enabled, disabled), messages (pending,
/// delivered, failed) and the oldest pending message's creation (unix ms).
type HookGauges = ((i64, i64), (i64, i64, i64, Option<i64>));

async fn read_db(app: &AppState) -> Result<(JobQueueOut, Vec<FollowerOut>, HookGauges), AppError> {
    let mut c = app.db.conn().await?;
    let queue = queue_stats(&mut c).await?;
    let mut followers = follower_lags(app, &mut c).await?;
    followers.sort_by(|a, b| a.name.cmp(&b.name));
    let endpoints = trellis_db::webhooks::endpoint_counts(&mut c).await?;
    let messages = trellis_db::webhook_messages::message_counts(&mut c).await?;
    Ok((queue, followers, (endpoints, messages)))
}

fn render_webhooks(
    out: &mut String,
    ((on, off), (pending, delivered, failed, oldest)): &HookGauges,
) {
    out.push_str("# HELP trellis_webhook_endpoints Webhook endpoints by state.\n# TYPE trellis_webhook_endpoints gauge\n");
    let _ = writeln!(out, "trellis_webhook_endpoints{{state=\"enabled\"}} {on}");
    let _ = writeln!(out, "trellis_webhook_endpoints{{state=\"disabled\"}} {off}");
    out.push_str("# HELP trellis_webhook_messages Webhook messages kept, by state.\n# TYPE trellis_webhook_messages gauge\n");
    for (state, n) in [
        ("pending", pending),
        ("delivered", delivered),
        ("failed", failed),
    ] {
        let _ = writeln!(out, "trellis_webhook_messages{{state=\"{state}\"}} {n}");
    }
    let age = oldest
        .map(|t| ((trellis_db::now_ms() - t) / 1000).max(0))
        .unwrap_or(0);
    out.push_str("# HELP trellis_webhook_oldest_pending_seconds Age of the oldest message not yet delivered, 0 when none.\n# TYPE trellis_webhook_oldest_pending_seconds gauge\n");
    let _ = writeln!(out, "trellis_webhook_oldest_pending_seconds {age}");
}

/// A per-follower gauge: name, help, and its value for a follower.
type Gauge = (&'static str, &'static str, fn(&FollowerOut) -> i64);

fn render_followers(out: &mut String, followers: &[FollowerOut]) {
    let gauges: [Gauge; 2] = [
        (
            "trellis_event_follower_lag_events",
            "Events after a follower's stored position (counted up to 100000).",
            |f| f.lag_events,
        ),
        (
            "trellis_event_follower_lag_seconds",
            "Age of the oldest event a follower has not read (0 when caught up).",
            |f| f.lag_seconds,
        ),
    ];
    for (name, help, value) in gauges {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for f in followers {
            let _ = writeln!(out, "{name}{{follower=\"{}\"}} {}", esc(&f.name), value(f));
        }
    }
}

fn render_queue(out: &mut String, q: &JobQueueOut) {
    out.push_str(
        "# HELP trellis_jobs Jobs in the queue by state (done and failed ones are kept until \
         retention prunes them).\n# TYPE trellis_jobs gauge\n",
    );
    for (state, n) in [
        ("queued", q.queued),
        ("running", q.running),
        ("done", q.done),
        ("failed", q.failed),
    ] {
        let _ = writeln!(out, "trellis_jobs{{state=\"{state}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP trellis_jobs_due Jobs queued and due now.\n# TYPE trellis_jobs_due gauge\n\
         trellis_jobs_due {}",
        q.due
    );
    let _ = writeln!(
        out,
        "# HELP trellis_jobs_oldest_due_seconds Age of the oldest job due and not yet run \
         (0 when none is due).\n# TYPE trellis_jobs_oldest_due_seconds gauge\n\
         trellis_jobs_oldest_due_seconds {}",
        q.oldest_due_age_secs
    );
}
