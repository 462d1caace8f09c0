//! Account security from the UI: the signed-in sessions (sign one or all
//! others out) and the security log.

use leptos::prelude::*;
use trellis_types::{SecurityEventOut, SessionOut};

use crate::error::UiError;

/// The signed-in user's sessions, this one marked `current`.
#[server]
pub async fn list_sessions() -> Result<Vec<SessionOut>, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let current = s.id().map(|i| i.to_string());
    Ok(trellis_platform::session::list_sessions(&state, &actor, current.as_deref()).await?)
}

/// Signs out one of the user's sessions, named by its handle (`SessionOut::id`).
#[server]
pub async fn end_session(id: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_platform::session::end_session(&state, &actor, &id).await?)
}

/// Signs out every session of the user but this one; returns how many ended.
#[server]
pub async fn end_other_sessions() -> Result<u64, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let current = s
        .id()
        .map(|i| i.to_string())
        .ok_or_else(|| trellis_platform::AppError::internal("a signed-in session without an id"))?;
    Ok(trellis_platform::session::end_other_sessions(&state, &actor, &current).await?)
}

/// The newest 50 entries of the user's security log.
#[server]
pub async fn security_log() -> Result<Vec<SecurityEventOut>, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_platform::security::log(&state, &actor, None, 50).await?)
}
