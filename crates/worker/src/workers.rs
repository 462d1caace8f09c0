//! Trellis's background workers and where each runs.
//!
//! Node-local (every API process): the download-count flusher and the
//! token-usage flusher write what this process counted in memory, every
//! `registry.downloads_flush_secs` and once more at shutdown.
//! Shared (worker processes): housekeeping every ten minutes.

use std::time::Duration;

use trellis_platform::{housekeeping, AppState};

use crate::Supervisor;

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
