//! Each installation's health in this process: calls, errors, latency p50 / p95
//! and fuel over its last [`WINDOW`] calls, the last error, failures in a row,
//! and a status: `failing` (the last 3 calls failed, or half of the window),
//! `degraded` (over 10 % of the window failed, or its latest call),
//! `healthy` otherwise.
//!
//! The circuit breaker: `plugins.breaker_failures` failed calls in a row
//! disable the installation (`disabled_reason = breaker`, `plugin.disabled`)
//! until someone enables it. A change of status writes `plugin.health.changed`
//! with the health row; otherwise the row is written at most every
//! [`FLUSH_EVERY`] per installation, and by [`flush`].

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trellis_db::installations::InstallationRow;
use trellis_db::plugin_data::HealthRow;

use crate::host::CallError;
use crate::workspace::Workspace;
use crate::Runtime;

/// Calls the window covers.
pub const WINDOW: usize = 200;
/// How often an installation's health row is written without a status change.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

#[derive(Default)]
struct Stats {
    window: VecDeque<(u64, bool, u64)>,
    calls: i64,
    errors: i64,
    fuel: i64,
    consecutive: i64,
    last_error: Option<String>,
    last_error_at: Option<i64>,
    status: String,
    flushed_at: i64,
    dirty: bool,
    /// Held from taking a call's outcome to committing what it writes, so an
    /// installation's rows and events are written in the order of its calls.
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl Stats {
    fn status(&self) -> &'static str {
        let n = self.window.len();
        let failed = self.window.iter().filter(|c| !c.1).count();
        if n == 0 {
            "unknown"
        } else if self.consecutive >= 3 || failed * 2 >= n && n >= 2 {
            "failing"
        } else if failed * 10 > n || self.consecutive > 0 {
            "degraded"
        } else {
            "healthy"
        }
    }

    fn percentile(&self, p: f64) -> i64 {
        let mut d: Vec<u64> = self.window.iter().map(|c| c.0).collect();
        if d.is_empty() {
            return 0;
        }
        d.sort_unstable();
        let i = ((d.len() as f64 * p).ceil() as usize).clamp(1, d.len()) - 1;
        d[i] as i64
    }

    fn row(&self, id: &str, now: i64) -> HealthRow {
        HealthRow {
            installation_id: id.to_owned(),
            status: self.status().into(),
            calls: self.calls,
            errors: self.errors,
            p50_ms: self.percentile(0.5),
            p95_ms: self.percentile(0.95),
            fuel: self.fuel,
            last_error: self.last_error.clone(),
            last_error_at: self.last_error_at,
            consecutive_failures: self.consecutive,
            updated_at: now,
        }
    }
}

/// This process's health of every installation it called.
#[derive(Default)]
pub struct Board {
    stats: Mutex<HashMap<String, Stats>>,
}

impl Board {
    /// Forgets an installation (uninstalled, or enabled again after the breaker).
    pub(crate) fn reset(&self, id: &str) {
        if let Ok(mut s) = self.stats.lock() {
            s.remove(id);
        }
    }
}

/// Records one call's outcome and acts on it: the row when due, the event on
/// a change of status, the breaker.
pub(crate) async fn record(
    rt: &Arc<Runtime>,
    row: &InstallationRow,
    result: Result<(), &CallError>,
    duration: Duration,
    fuel: u64,
) {
    let breaker = rt.state.config.plugins.breaker_failures as i64;
    let turn = {
        let Ok(mut all) = rt.health.stats.lock() else {
            return;
        };
        entry(&mut all, &row.id).turn.clone()
    };
    // Concurrent calls of one installation write one after another: without
    // this a call that saw `failing` could commit after the one that tripped
    // the breaker and leave `failing` as the last change after `disabled`.
    // Uncontended, the turn is one atomic operation; a call waits only while
    // another call of the same installation is writing (every 2 s, or a change).
    let _turn = turn.lock().await;
    let now = trellis_db::now_ms();
    let (health, change, trip) = {
        let Ok(mut all) = rt.health.stats.lock() else {
            return;
        };
        let s = entry(&mut all, &row.id);
        let ms = duration.as_millis() as u64;
        s.window.push_back((ms, result.is_ok(), fuel));
        if s.window.len() > WINDOW {
            s.window.pop_front();
        }
        s.calls += 1;
        s.fuel = s.fuel.saturating_add(fuel as i64);
        match result {
            Ok(()) => s.consecutive = 0,
            Err(e) => {
                s.errors += 1;
                s.consecutive += 1;
                s.last_error = Some(e.to_string().chars().take(500).collect());
                s.last_error_at = Some(now);
            }
        }
        let status = s.status().to_owned();
        let trip = row.enabled && s.consecutive >= breaker;
        let change = (status != s.status).then(|| std::mem::replace(&mut s.status, status.clone()));
        s.dirty = true;
        let due = change.is_some() || trip || now - s.flushed_at >= FLUSH_EVERY.as_millis() as i64;
        if !due {
            return;
        }
        s.flushed_at = now;
        s.dirty = false;
        (s.row(&row.id, now), change, trip)
    };
    if let Err(e) = write(rt, row, &health, change, trip).await {
        tracing::warn!(installation = %row.id, error = %e, "could not record plugin health");
    }
}

fn entry<'a>(all: &'a mut HashMap<String, Stats>, id: &str) -> &'a mut Stats {
    all.entry(id.to_owned()).or_insert_with(|| Stats {
        status: "unknown".into(),
        ..Stats::default()
    })
}

async fn write(
    rt: &Arc<Runtime>,
    row: &InstallationRow,
    health: &HealthRow,
    change: Option<String>,
    trip: bool,
) -> Result<(), trellis_platform::AppError> {
    let namespace = Workspace::parse(&row.workspace)?
        .namespace()
        .map(str::to_owned);
    let system = trellis_events::emit::Actor::System;
    let mut tx = rt.state.db.begin().await?;
    trellis_db::plugin_data::save_health(&mut tx, health).await?;
    if trip {
        // Only the first process to trip it disables it and says so.
        let current = trellis_db::installations::by_id(&mut tx, &row.id).await?;
        if current.as_ref().is_some_and(|c| c.enabled) {
            let at = crate::manage::next_stamp(current.map(|c| c.updated_at).unwrap_or(0));
            trellis_db::installations::set_enabled(&mut tx, &row.id, false, Some("breaker"), at)
                .await?;
            trellis_events::emit(
                &mut tx,
                &system,
                &trellis_events::catalogue::PluginDisabled {
                    installation: row.id.clone(),
                    workspace: row.workspace.clone(),
                    plugin: row.plugin_id.clone(),
                    reason: "breaker".into(),
                    namespace: namespace.clone(),
                },
            )
            .await?;
            trellis_events::emit(
                &mut tx,
                &system,
                &trellis_events::catalogue::PluginHealthChanged {
                    installation: row.id.clone(),
                    workspace: row.workspace.clone(),
                    plugin: row.plugin_id.clone(),
                    from: change.clone().unwrap_or_else(|| health.status.clone()),
                    to: "disabled".into(),
                    last_error: health.last_error.clone(),
                    namespace: namespace.clone(),
                },
            )
            .await?;
            trellis_db::plugin_data::append_logs(
                &mut tx,
                &row.id,
                &[(
                    trellis_db::now_ms(),
                    "error".into(),
                    format!(
                        "disabled by the circuit breaker after {} failed calls in a row; enable it once fixed",
                        health.consecutive_failures
                    ),
                )],
            )
            .await?;
            tx.commit().await?;
            crate::metrics::trip();
            rt.host.unload(&row.id);
            return Ok(());
        }
    }
    if let Some(from) = change {
        trellis_events::emit(
            &mut tx,
            &system,
            &trellis_events::catalogue::PluginHealthChanged {
                installation: row.id.clone(),
                workspace: row.workspace.clone(),
                plugin: row.plugin_id.clone(),
                from,
                to: health.status.clone(),
                last_error: health.last_error.clone(),
                namespace,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes every installation's health that changed since its last write (the
/// runtime's flusher, and before a health page reads the rows).
pub async fn flush(rt: &Runtime) -> Result<usize, trellis_platform::AppError> {
    let now = trellis_db::now_ms();
    let rows: Vec<HealthRow> = {
        let Ok(mut all) = rt.health.stats.lock() else {
            return Ok(0);
        };
        all.iter_mut()
            .filter(|(_, s)| s.dirty)
            .map(|(id, s)| {
                s.dirty = false;
                s.flushed_at = now;
                s.row(id, now)
            })
            .collect()
    };
    if rows.is_empty() {
        return Ok(0);
    }
    let mut tx = rt.state.db.begin().await?;
    for r in &rows {
        // An installation removed meanwhile has no row to point at.
        if trellis_db::installations::by_id(&mut tx, &r.installation_id)
            .await?
            .is_some()
        {
            trellis_db::plugin_data::save_health(&mut tx, r).await?;
        }
    }
    tx.commit().await?;
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::Stats;

    fn with(calls: &[bool]) -> Stats {
        let mut s = Stats::default();
        for ok in calls {
            s.window.push_back((10, *ok, 0));
            s.consecutive = if *ok { 0 } else { s.consecutive + 1 };
        }
        s
    }

    #[test]
    fn status_follows_the_window() {
        assert_eq!(with(&[]).status(), "unknown");
        assert_eq!(with(&[true; 20]).status(), "healthy");
        let mut some = vec![true; 18];
        some.extend([false, true]);
        assert_eq!(with(&some).status(), "healthy");
        some.extend([false]);
        assert_eq!(with(&some).status(), "degraded");
        assert_eq!(with(&[true, true, false, false, false]).status(), "failing");
        assert_eq!(with(&[false, true, false, true]).status(), "failing");
    }

    #[test]
    fn percentiles_come_from_the_window() {
        let mut s = Stats::default();
        for ms in 1..=100 {
            s.window.push_back((ms, true, 0));
        }
        assert_eq!((s.percentile(0.5), s.percentile(0.95)), (50, 95));
    }
}
