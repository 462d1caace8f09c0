//! Background work, in one place.
//!
//! [`Supervisor`] starts every background worker, restarts one that fails or
//! panics (with a growing pause), and stops them all with one call: each worker
//! sees the stop signal, finishes what it is doing (a flusher writes its last
//! batch) and returns. [`start`] decides which workers a process runs from its
//! role (`server.role`):
//! - every process runs the event counter ([`event_counter`]), which counts
//!   the events written to the log for this process's `/metrics`, and on
//!   PostgreSQL the event listener: followers wait for a commit that appended
//!   events (this process's, or any node's through `LISTEN`), polling only as a
//!   fallback (`trellis_db::log_signal`);
//! - every process that serves the API runs the node-local workers, which
//!   flush what that process counted in memory (downloads, token uses), and
//!   the search indexer, which keeps that process's own search index current
//!   by following the event log;
//! - every process with the worker role runs the shared workers:
//!   housekeeping, event retention, the job runner (jobs of the event bus; several processes
//!   share the queue on PostgreSQL) and, when `events.log_file` is set, the
//!   follower that writes the event log to that file, the webhook dispatcher
//!   (events to messages; deliveries are jobs) and webhook retention.

pub mod event_counter;
pub mod follow;
pub mod jobs;
pub mod supervisor;
pub mod workers;

pub use supervisor::{Stop, Supervisor};

use trellis_platform::config::Role;
use trellis_platform::AppState;

/// Starts the workers a process with `role` runs; `search` is this process's
/// index when it serves the API.
pub fn start(
    state: &AppState,
    role: Role,
    search: Option<std::sync::Arc<trellis_search::SearchIndex>>,
    runtime: std::sync::Arc<trellis_runtime::Runtime>,
) -> Supervisor {
    let mut s = Supervisor::new();
    workers::event_listener(&mut s, state.clone());
    event_counter::register(
        &mut s,
        state.db.clone(),
        state.event_counts.clone(),
        std::time::Duration::from_millis(state.config.events.poll_ms),
    );
    if role.serves_api() {
        workers::download_flusher(&mut s, state.clone());
        workers::token_usage_flusher(&mut s, state.clone());
    }
    if let Some(index) = search {
        workers::search_indexer(&mut s, state.clone(), index);
    }
    if role.runs_workers() {
        workers::housekeeping(&mut s, state.clone());
        workers::event_retention(&mut s, state.clone());
        workers::job_runner(&mut s, state.clone(), runtime.clone());
        workers::event_log_file(&mut s, state.clone());
        workers::webhook_dispatcher(&mut s, state.clone());
        workers::webhook_retention(&mut s, state.clone());
        workers::plugin_dispatcher(&mut s, runtime.clone());
        workers::install_attempt_retention(&mut s, state.clone());
    }
    workers::plugin_health(&mut s, runtime);
    s
}
