//! The per-user security log, as its user reads it.

use trellis_db::security_log;
use trellis_types::{Scope, SecurityEventOut};

use crate::{Actor, AppResult, AppState};

/// The actor's own security log, newest first; `before` is a cursor (an entry id).
pub async fn log(
    state: &AppState,
    actor: &Actor,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Vec<SecurityEventOut>> {
    actor.require(Scope::Read)?;
    Ok(security_log::list(
        &mut *state.db.conn().await?,
        actor.user.id,
        before,
        limit.clamp(1, 200),
    )
    .await?
    .into_iter()
    .map(|e| SecurityEventOut {
        id: e.id,
        kind: e.kind,
        ip: e.ip,
        detail: e.detail,
        at: e.at,
    })
    .collect())
}
