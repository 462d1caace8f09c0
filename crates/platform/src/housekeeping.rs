//! Housekeeping: deletes expired sessions, stale rate-limit windows,
//! security-log entries past their retention, expired idempotency keys
//! (older than [`IDEMPOTENCY_KEY_TTL_SECS`]) and the daily salts and installer
//! keys of the unique-install statistics once their day is over plus a day
//! (`registry::stats::prune`), and the token uses recorded for the audit
//! log's `token.used` events of days before yesterday, in [`sweep`]; events and finished
//! jobs past `events.retention_days` in [`prune_events`] (never an event a
//! follower or a pending job still needs: see `trellis_db::events::prune`).
//! Each is run periodically by a worker.

use trellis_db::{events, idempotency, jobs, now_ms, rate_limit, security_log, sessions};

use crate::{AppResult, AppState};

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub rate_windows: u64,
    pub security_events: u64,
    pub idempotency_keys: u64,
    pub stats_salts: u64,
    pub install_keys: u64,
    /// Days of recorded token uses (what `token.used` events were written for).
    pub token_uses: u64,
}

/// What one event retention pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub jobs: u64,
}

/// Deletes events and finished jobs past `events.retention_days` (run every
/// `events.prune_every_secs`). A follower whose cursor has not moved for longer
/// than the retention no longer holds the log back.
pub async fn prune_events(state: &AppState) -> AppResult<Pruned> {
    let mut c = state.db.conn().await?;
    let retention_ms = i64::from(state.config.events.retention_days) * 86_400_000;
    let cutoff = now_ms() - retention_ms;
    Ok(Pruned {
        jobs: jobs::prune(&mut c, cutoff).await?,
        events: events::prune(&mut c, cutoff, cutoff / 1000).await?,
    })
}

/// How long an `Idempotency-Key` is remembered: 24 hours (docs/api-design.md).
pub const IDEMPOTENCY_KEY_TTL_SECS: i64 = 24 * 3600;

/// One housekeeping pass.
pub async fn sweep(state: &AppState) -> AppResult<Swept> {
    let mut c = state.db.conn().await?;
    // Keep a rate window for a day past its start: longer than any limit's window.
    let keep = (state.config.failed_signin_window_secs as i64).max(86_400);
    let today = crate::registry::stats::today();
    let (stats_salts, install_keys) = crate::registry::stats::prune(&mut c, today).await?;
    let yesterday = crate::registry::stats::day_str(today - time::Duration::days(1));
    Ok(Swept {
        stats_salts,
        install_keys,
        token_uses: trellis_db::audit::prune_token_uses(&mut c, &yesterday).await?,
        sessions: sessions::delete_expired(&mut c).await?,
        rate_windows: rate_limit::prune(&mut c, keep).await?,
        security_events: security_log::prune(&mut c, i64::from(state.config.security_log_days))
            .await?,
        idempotency_keys: idempotency::prune(&mut c, IDEMPOTENCY_KEY_TTL_SECS).await?,
    })
}
