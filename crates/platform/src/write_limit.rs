//! The per-user limit on REST writes (`api.writes_per_minute`; docs/api-design.md,
//! "Rate limits"): every `POST`, `PUT`, `PATCH` and `DELETE` under `/api/v1` made by
//! a signed-in user counts one hit in a fixed one-minute window of the
//! `rate_limits` table, so the limit holds across nodes. The server turns the
//! [`Quota`] into `RateLimit-*` headers, and an exceeded one into `429`.

use trellis_db::rate_limit;
use trellis_types::ErrorCode;

use crate::{Actor, AppError, AppResult, AppState};

/// The window of the write limit, in seconds.
pub const WINDOW_SECS: i64 = 60;

/// Where a user stands after one more write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Writes allowed per window.
    pub limit: u64,
    /// Writes left in this window (0 when exceeded).
    pub remaining: u64,
    /// Seconds until the window ends.
    pub reset_secs: u64,
    /// Whether this write is over the limit (and must be refused).
    pub exceeded: bool,
}

impl Quota {
    /// The `429 rate_limited` problem for an exceeded quota, with `Retry-After`.
    pub fn refusal(&self) -> AppError {
        AppError::new(
            ErrorCode::RateLimited,
            format!(
                "Too many changes: at most {} writes a minute. Try again in {} second{}.",
                self.limit,
                self.reset_secs,
                if self.reset_secs == 1 { "" } else { "s" }
            ),
        )
        .with_retry_after(self.reset_secs)
    }
}

/// The rate-limit key of `user_id`'s writes.
pub fn key(user_id: i64) -> String {
    format!("api-writes:user:{user_id}")
}

/// Counts one write by `actor`; `None` when writes are unlimited.
pub async fn count_write(state: &AppState, actor: &Actor) -> AppResult<Option<Quota>> {
    let limit = u64::from(state.config.api_writes_per_minute);
    if limit == 0 {
        return Ok(None);
    }
    let mut c = state.db.conn().await?;
    let (hits, end) = rate_limit::hit(&mut c, &key(actor.user.id), WINDOW_SECS).await?;
    let hits = hits.max(0) as u64;
    Ok(Some(Quota {
        limit,
        remaining: limit.saturating_sub(hits),
        reset_secs: (end - trellis_db::now()).max(1) as u64,
        exceeded: hits > limit,
    }))
}
