//! Housekeeping: deletes expired sessions, stale rate-limit windows and
//! security-log entries past their retention. Run periodically by a worker.

use trellis_db::{rate_limit, security_log, sessions};

use crate::{AppResult, AppState};

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub rate_windows: u64,
    pub security_events: u64,
}

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
    })
}
