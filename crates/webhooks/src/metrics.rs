//! This process's delivery counters for `/metrics`: attempts by outcome
//! (`success` or the error kind), a latency histogram, and deliveries held back
//! by an endpoint's rate limit. Counted where attempts are made (worker
//! processes); the server renders them with the database-derived gauges.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Default)]
struct Counts {
    attempts: BTreeMap<&'static str, u64>,
    buckets: [u64; 12],
    sum: f64,
    count: u64,
    held_back: u64,
}

static COUNTS: Mutex<Option<Counts>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Counts) -> R) -> R {
    let mut g = COUNTS.lock().unwrap_or_else(|p| p.into_inner());
    f(g.get_or_insert_with(Counts::default))
}

/// Counts an attempt that ended with `outcome` after `latency`.
pub fn attempt(outcome: &'static str, latency: Duration) {
    let s = latency.as_secs_f64();
    with(|c| {
        *c.attempts.entry(outcome).or_default() += 1;
        for (i, le) in BUCKETS.iter().enumerate() {
            if s <= *le {
                c.buckets[i] += 1;
            }
        }
        c.sum += s;
        c.count += 1;
    });
}

/// Counts a delivery a rate limit held back.
pub fn held_back() {
    with(|c| c.held_back += 1);
}

/// The counters in the Prometheus text format.
pub fn render(out: &mut String) {
    use std::fmt::Write;
    with(|c| {
        let _ = writeln!(out, "# HELP trellis_webhook_attempts_total Webhook delivery attempts made by this process, by outcome (success or the error kind).");
        let _ = writeln!(out, "# TYPE trellis_webhook_attempts_total counter");
        for outcome in [
            "success",
            "http_status",
            "timeout",
            "connect",
            "dns",
            "refused_address",
            "redirect",
            "gone",
            "body",
            "request",
        ] {
            let n = c.attempts.get(outcome).copied().unwrap_or(0);
            let _ = writeln!(
                out,
                "trellis_webhook_attempts_total{{outcome=\"{outcome}\"}} {n}"
            );
        }
        let _ = writeln!(out, "# HELP trellis_webhook_attempt_duration_seconds Time from sending a delivery to its answer (or failure).");
        let _ = writeln!(
            out,
            "# TYPE trellis_webhook_attempt_duration_seconds histogram"
        );
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "trellis_webhook_attempt_duration_seconds_bucket{{le=\"{le}\"}} {}",
                c.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "trellis_webhook_attempt_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            c.count
        );
        let _ = writeln!(
            out,
            "trellis_webhook_attempt_duration_seconds_sum {}",
            c.sum
        );
        let _ = writeln!(
            out,
            "trellis_webhook_attempt_duration_seconds_count {}",
            c.count
        );
        let _ = writeln!(out, "# HELP trellis_webhook_rate_limited_total Deliveries an endpoint's rate limit held back (not attempts).");
        let _ = writeln!(out, "# TYPE trellis_webhook_rate_limited_total counter");
        let _ = writeln!(out, "trellis_webhook_rate_limited_total {}", c.held_back);
    });
}
