//! This process's plugin call counters for `/metrics`: calls by outcome (`ok`
//! or the failure's kind), a duration histogram, fuel burned and breaker
//! trips. Counted where calls run (every process); the server renders them.
//! Per-installation figures are on the health pages, not in labels (they
//! would be unbounded).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the duration histogram's buckets.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The outcomes a call is counted under.
pub const OUTCOMES: [&str; 11] = [
    "ok",
    "timeout",
    "out_of_fuel",
    "out_of_memory",
    "trap",
    "violation",
    "bad_output",
    "missing_export",
    "load",
    "disabled",
    "depth",
];

#[derive(Default)]
struct Counts {
    calls: BTreeMap<&'static str, u64>,
    buckets: [u64; 12],
    sum: f64,
    count: u64,
    fuel: u64,
    trips: u64,
}

static COUNTS: Mutex<Option<Counts>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Counts) -> R) -> R {
    let mut g = COUNTS.lock().unwrap_or_else(|p| p.into_inner());
    f(g.get_or_insert_with(Counts::default))
}

/// Counts a call that ended with `outcome` after `took`, burning `fuel`.
pub(crate) fn call(outcome: &str, took: Duration, fuel: u64) {
    let outcome = OUTCOMES
        .iter()
        .find(|o| **o == outcome)
        .copied()
        .unwrap_or("trap");
    let s = took.as_secs_f64();
    with(|c| {
        *c.calls.entry(outcome).or_default() += 1;
        for (i, le) in BUCKETS.iter().enumerate() {
            if s <= *le {
                c.buckets[i] += 1;
            }
        }
        c.sum += s;
        c.count += 1;
        c.fuel = c.fuel.saturating_add(fuel);
    });
}

/// Counts a trip of the circuit breaker.
pub(crate) fn trip() {
    with(|c| c.trips += 1);
}

/// The counters in the Prometheus text format.
pub fn render(out: &mut String) {
    use std::fmt::Write;
    with(|c| {
        let _ = writeln!(out, "# HELP trellis_plugin_calls_total Plugin calls this process ran, by outcome (ok or the failure's kind).");
        let _ = writeln!(out, "# TYPE trellis_plugin_calls_total counter");
        for o in OUTCOMES {
            let n = c.calls.get(o).copied().unwrap_or(0);
            let _ = writeln!(out, "trellis_plugin_calls_total{{outcome=\"{o}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP trellis_plugin_call_duration_seconds Time a plugin call took (instance, call, output).");
        let _ = writeln!(out, "# TYPE trellis_plugin_call_duration_seconds histogram");
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "trellis_plugin_call_duration_seconds_bucket{{le=\"{le}\"}} {}",
                c.buckets[i]
            );
        }
        let _ = writeln!(
            out,
            "trellis_plugin_call_duration_seconds_bucket{{le=\"+Inf\"}} {}",
            c.count
        );
        let _ = writeln!(out, "trellis_plugin_call_duration_seconds_sum {}", c.sum);
        let _ = writeln!(
            out,
            "trellis_plugin_call_duration_seconds_count {}",
            c.count
        );
        let _ = writeln!(
            out,
            "# HELP trellis_plugin_fuel_total Fuel plugin calls of this process burned."
        );
        let _ = writeln!(out, "# TYPE trellis_plugin_fuel_total counter");
        let _ = writeln!(out, "trellis_plugin_fuel_total {}", c.fuel);
        let _ = writeln!(out, "# HELP trellis_plugin_breaker_trips_total Installations this process's circuit breaker disabled.");
        let _ = writeln!(out, "# TYPE trellis_plugin_breaker_trips_total counter");
        let _ = writeln!(out, "trellis_plugin_breaker_trips_total {}", c.trips);
    });
}
