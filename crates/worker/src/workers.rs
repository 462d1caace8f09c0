//! Trellis's background workers and where each runs.
//!
//! Node-local (every API process): the download-count flusher and the
//! token-usage flusher write what this process counted in memory, every
//! `registry.downloads_flush_secs` and once more at shutdown; the search indexer
//! keeps this process's index current (and rebuilds it daily: recent downloads age).
//! Every process: the event counter (see [`crate::event_counter`]) and, on
//! PostgreSQL, the event listener that wakes the followers when any node commits
//! events.
//! Shared (worker processes): housekeeping every ten minutes, event retention every
//! `events.prune_every_secs`, the job runners (webhook deliveries apart from the
//! other kinds), and the event log file follower when `events.log_file` is set.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use trellis_events::jobs::JobHandler;
use trellis_platform::registry::artifact_deletion::DeleteArtifact;
use trellis_platform::{housekeeping, AppState};

use crate::follow::EventLogFile;
use crate::jobs::RunnerConfig;
use crate::Supervisor;

/// This process's name among the nodes sharing the database: host, process id
/// and a random part (a restarted process is another claimer).
pub fn node_name() -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}:{}:{}", host_name(), std::process::id(), &random[..8])
}

/// The machine's host name (`node` when it cannot be read).
fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}

/// Every job handler this build has, by kind.
pub fn job_handlers(
    state: &AppState,
    runtime: &Arc<trellis_runtime::Runtime>,
) -> HashMap<&'static str, Arc<dyn JobHandler>> {
    let mut all: Vec<Arc<dyn JobHandler>> = vec![
        Arc::new(DeleteArtifact(state.clone())),
        Arc::new(trellis_runtime::dispatch::PluginEventJob(runtime.clone())),
    ];
    match trellis_webhooks::Deliverer::new(state.clone()) {
        Ok(d) => all.push(Arc::new(d)),
        // Deliveries stay queued (and show on the admin page) until a process
        // that can make them runs.
        Err(e) => tracing::error!(error = %e, "webhook deliveries cannot run in this process"),
    }
    all.into_iter().map(|h| (h.kind(), h)).collect()
}

/// Turns events into webhook messages (a follower shared by every worker process).
pub fn webhook_dispatcher(s: &mut Supervisor, state: AppState) {
    let poll = Duration::from_millis(state.config.events.poll_ms);
    s.spawn("webhook-dispatcher", move |stop| {
        let state = state.clone();
        async move {
            let mut f = trellis_webhooks::Dispatcher::new(state.clone());
            crate::follow::run(state.db.clone(), &mut f, poll, stop).await
        }
    });
}

/// Turns events into `plugin.event` jobs for the installed plugins that
/// subscribe to them (a follower shared by every worker process).
pub fn plugin_dispatcher(s: &mut Supervisor, runtime: Arc<trellis_runtime::Runtime>) {
    let poll = Duration::from_millis(runtime.state.config.events.poll_ms);
    s.spawn("plugin-dispatcher", move |stop| {
        let runtime = runtime.clone();
        async move {
            let db = runtime.state.db.clone();
            let mut f = trellis_runtime::dispatch::Dispatcher::new(runtime);
            crate::follow::run(db, &mut f, poll, stop).await
        }
    });
}

/// Writes the health of the plugins this process ran, every two seconds and
/// once more at shutdown (every process runs plugins).
pub fn plugin_health(s: &mut Supervisor, runtime: Arc<trellis_runtime::Runtime>) {
    s.every("plugin-health", Duration::from_secs(2), true, move || {
        let runtime = runtime.clone();
        async move {
            trellis_runtime::health::flush(&runtime).await?;
            Ok::<(), trellis_platform::AppError>(())
        }
    });
}

/// Deletes install attempts older than a year, daily.
pub fn install_attempt_retention(s: &mut Supervisor, state: AppState) {
    s.every(
        "install-attempt-retention",
        Duration::from_secs(86_400),
        false,
        move || {
            let state = state.clone();
            async move {
                let before = trellis_db::now_ms() - 365 * 86_400_000;
                trellis_db::installations::prune_attempts(&mut *state.db.conn().await?, before)
                    .await?;
                Ok::<(), trellis_platform::AppError>(())
            }
        },
    );
}

/// Deletes webhook attempts and finished messages past
/// `webhooks.attempt_retention_days`, every `events.prune_every_secs`.
pub fn webhook_retention(s: &mut Supervisor, state: AppState) {
    let every = Duration::from_secs(state.config.events.prune_every_secs);
    s.every("webhook-retention", every, false, move || {
        let state = state.clone();
        async move {
            let pruned = trellis_webhooks::messages::prune(&state).await?;
            tracing::debug!(pruned, "webhook retention done");
            Ok::<(), trellis_platform::AppError>(())
        }
    });
}

/// Deletes events and finished jobs past their retention, every
/// `events.prune_every_secs`.
pub fn event_retention(s: &mut Supervisor, state: AppState) {
    let every = Duration::from_secs(state.config.events.prune_every_secs);
    s.every("event-retention", every, false, move || {
        let state = state.clone();
        async move {
            let pruned = housekeeping::prune_events(&state).await?;
            tracing::debug!(?pruned, "event retention done");
            Ok::<(), trellis_platform::AppError>(())
        }
    });
}

/// Runs jobs of the event bus: webhook deliveries in a runner of their own
/// (`webhooks.concurrency` at once, claimed as `{node}/webhooks`), every other
/// kind in the general one (`events.job_concurrency`). Many deliveries in flight
/// share their database work; plugin calls and artifact deletions keep their
/// own, smaller, limit and are never queued behind a burst of deliveries.
pub fn job_runner(s: &mut Supervisor, state: AppState, runtime: Arc<trellis_runtime::Runtime>) {
    let mut general = job_handlers(&state, &runtime);
    let node = node_name();
    let base = RunnerConfig {
        claimer: node.clone(),
        concurrency: state.config.events.job_concurrency,
        lease: Duration::from_secs(state.config.events.job_lease_secs),
        poll: Duration::from_millis(state.config.events.poll_ms),
        stop_grace: Duration::from_secs(5),
    };
    if let Some(deliver) = general.remove(trellis_webhooks::DELIVER_KIND) {
        let handlers = Arc::new(HashMap::from([(trellis_webhooks::DELIVER_KIND, deliver)]));
        let cfg = RunnerConfig {
            claimer: format!("{node}/webhooks"),
            concurrency: state.config.webhooks.concurrency,
            ..base.clone()
        };
        let db = state.db.clone();
        s.spawn("webhook-deliveries", move |stop| {
            crate::jobs::run(db.clone(), handlers.clone(), cfg.clone(), stop)
        });
    }
    let handlers = Arc::new(general);
    s.spawn("job-runner", move |stop| {
        crate::jobs::run(state.db.clone(), handlers.clone(), base.clone(), stop)
    });
}

/// Writes the event log to `events.log_file`, when set.
pub fn event_log_file(s: &mut Supervisor, state: AppState) {
    let Some(path) = state.config.events.log_file.clone() else {
        return;
    };
    let node = host_name();
    let poll = Duration::from_millis(state.config.events.poll_ms);
    s.spawn("event-log-file", move |stop| {
        let (db, path, node) = (state.db.clone(), path.clone(), node.clone());
        async move {
            let mut f = EventLogFile::new(db.clone(), path, &node);
            crate::follow::run(db, &mut f, poll, stop).await
        }
    });
}

/// Keeps this process's search index current: follows the event log and
/// re-indexes every plugin an event is about (polling at most every 200 ms, so a
/// change is searchable well within a second), and rebuilds it once a day so that
/// downloads of the last 30 days, which age without events, stay exact.
pub fn search_indexer(
    s: &mut Supervisor,
    state: AppState,
    index: Arc<trellis_search::SearchIndex>,
) {
    let poll = Duration::from_millis(state.config.events.poll_ms.min(200));
    let node = node_name();
    let (refresh_db, refresh_index) = (state.db.clone(), index.clone());
    s.spawn("search-indexer", move |stop| {
        let (db, index, node) = (state.db.clone(), index.clone(), node.clone());
        async move {
            let mut f = trellis_search::indexer::IndexFollower::new(db.clone(), index, &node);
            crate::follow::run(db, &mut f, poll, stop).await
        }
    });
    // Downloads of the last 30 days age without any event: once a day every document
    // is rebuilt from the database (not at start, which opened or rebuilt the index).
    let started = Arc::new(std::sync::atomic::AtomicBool::new(false));
    s.every("search-refresh", SEARCH_REFRESH, false, move || {
        let (db, index, started) = (refresh_db.clone(), refresh_index.clone(), started.clone());
        async move {
            if !started.swap(true, std::sync::atomic::Ordering::Relaxed) {
                return Ok(());
            }
            let n = trellis_search::indexer::rebuild(&db, &index).await?;
            tracing::info!(plugins = n, "search index refreshed from the database");
            Ok::<(), trellis_events::follow::FollowerError>(())
        }
    });
}

/// How often the search index is rebuilt so that recent download counts stay exact.
const SEARCH_REFRESH: Duration = Duration::from_secs(24 * 3600);

/// On PostgreSQL, wakes this process's followers and job runner when any node
/// commits events (`LISTEN trellis_events`, see `trellis_db::log_signal`); on
/// SQLite a process's own commits wake them and there is nothing to listen to.
pub fn event_listener(s: &mut Supervisor, state: AppState) {
    if state.db.backend() != trellis_db::Backend::Postgres {
        return;
    }
    let url = state.config.database_url.clone();
    s.spawn("event-listener", move |mut stop| {
        let url = url.clone();
        async move {
            trellis_db::log_signal::listen(&url, async move { stop.stopped().await }).await?;
            Ok(())
        }
    });
}

/// Flushes the in-memory download counts.
pub fn download_flusher(s: &mut Supervisor, state: AppState) {
    let every = Duration::from_secs(state.config.registry.downloads_flush_secs);
    s.every("download-flusher", every, true, move || {
        let state = state.clone();
        async move { state.downloads.flush(&state.db).await }
    });
}

/// Records token uses ("last used" and the security log).
pub fn token_usage_flusher(s: &mut Supervisor, state: AppState) {
    let every = Duration::from_secs(state.config.registry.downloads_flush_secs);
    s.every("token-usage-flusher", every, true, move || {
        let state = state.clone();
        async move { state.token_usage.flush(&state.db).await }
    });
}

/// Deletes expired sessions, stale rate-limit windows, old security-log entries and
/// expired idempotency keys.
pub fn housekeeping(s: &mut Supervisor, state: AppState) {
    s.every("housekeeping", Duration::from_secs(600), false, move || {
        let state = state.clone();
        async move {
            let swept = housekeeping::sweep(&state).await?;
            tracing::debug!(?swept, "housekeeping done");
            Ok::<(), trellis_platform::AppError>(())
        }
    });
}
