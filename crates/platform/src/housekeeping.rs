//! Housekeeping: deletes expired sessions, stale rate-limit windows,
//! security-log entries past their retention and expired idempotency keys
//! (older than [`IDEMPOTENCY_KEY_TTL_SECS`]). Run periodically by a worker.

use trellis_db::{idempotency, rate_limit, security_log, sessions};

use crate::{AppResult, AppState};

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub rate_windows: u64,
    pub security_events: u64,
    pub idempotency_keys: u64,
}

/// How long an `Idempotency-Key` is remembered: 24 hours (docs/api-design.md).
pub const IDEMPOTENCY_KEY_TTL_SECS: i64 = 24 * 3600;

/// One housekeeping pass.
pub async fn sweep(state: &AppState) -> AppResult<Swept> {
    let mut c = state.db.conn().await?;
    // Keep a rate window for a day past its start: longer than any limit's window.
    let keep = (state.config.failed_signin_window_secs as i64).max(86_400);
    Ok(Swept {
        sessions: sessions::delete_expired(&mut c).await?,
        rate_windows: rate_limit::prune(&mut c, keep).await?,
        security_events: security_log::prune(&mut c, i64::from(state.config.security_log_days))
            .await?,
        idempotency_keys: idempotency::prune(&mut c, IDEMPOTENCY_KEY_TTL_SECS).await?,
    })
}
