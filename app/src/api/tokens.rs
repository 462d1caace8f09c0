//! API tokens from the UI: list, create (secret shown once), revoke.

use leptos::prelude::*;
use trellis_types::{TokenCreated, TokenOut};

use crate::error::UiError;

/// The signed-in user's tokens.
#[server]
pub async fn list_tokens() -> Result<Vec<TokenOut>, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_platform::tokens::list_tokens(&state, &actor).await?)
}

/// Creates a token. Each scope is a checkbox (present = "on").
#[server]
pub async fn create_token(
    name: String,
    expires_in_days: Option<String>,
    scope_read: Option<String>,
    scope_publish: Option<String>,
    scope_webhooks: Option<String>,
    scope_plugins: Option<String>,
    scope_admin: Option<String>,
) -> Result<TokenCreated, UiError> {
    use super::ssr::*;
    use trellis_types::{Scope, TokenIn};
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let scopes = [
        (scope_read, Scope::Read),
        (scope_publish, Scope::Publish),
        (scope_webhooks, Scope::Webhooks),
        (scope_plugins, Scope::Plugins),
        (scope_admin, Scope::Admin),
    ]
    .into_iter()
    .filter_map(|(on, sc)| on.is_some().then_some(sc))
    .collect();
    let expires_in_days = match expires_in_days.as_deref().map(str::trim) {
        None | Some("") | Some("never") => None,
        Some(d) => Some(d.parse::<u32>().map_err(|_| {
            trellis_platform::AppError::field(
                trellis_types::ErrorCode::ValidationFailed,
                "expires_in_days",
                "number",
                "Expiry must be a number of days.",
            )
        })?),
    };
    let input = TokenIn {
        name,
        scopes,
        expires_in_days,
    };
    Ok(trellis_platform::tokens::create_token(&state, &actor, &input).await?)
}

/// Revokes one of the signed-in user's tokens.
#[server]
pub async fn revoke_token(id: i64) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    Ok(trellis_platform::tokens::revoke_token(&state, &actor, id).await?)
}
