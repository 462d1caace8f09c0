//! Server-side helpers for server functions: state, session, signed-in user.

use leptos::prelude::*;
use tower_sessions::Session;
use trellis_db::users::UserRow;
use trellis_platform::{session, Actor, AppError, AppState};

use crate::error::UiError;

/// The application state provided by the router.
pub fn state() -> Result<AppState, UiError> {
    use_context::<AppState>()
        .ok_or_else(|| AppError::internal("AppState missing from context").into())
}

/// The response header by which a page says its body depends on who is signed
/// in (see [`session`]). The server's page cache reads it and takes it off every
/// response; no client sees it.
pub const PERSONAL_HEADER: &str = "x-trellis-personal";

/// The browser session of this request, for anything but the navigation bar.
///
/// A page whose render asks for it shows something that depends on who is
/// signed in: it is marked so (with [`PERSONAL_HEADER`]), and the server never
/// answers a signed-in visitor with the shared render of such a page.
pub async fn session() -> Result<Session, UiError> {
    mark_personal();
    nav_session().await
}

/// Marks the page being rendered as showing something that depends on who is
/// signed in (see [`PERSONAL_HEADER`]).
pub fn mark_personal() {
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(
            http::HeaderName::from_static(PERSONAL_HEADER),
            http::HeaderValue::from_static("1"),
        );
    }
}

/// The browser session of this request, for the navigation bar's "who is
/// signed in" alone: asking for it does not mark the page personal (the server
/// puts each visitor's own navigation bar into a shared render).
pub async fn nav_session() -> Result<Session, UiError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| AppError::internal(format!("session missing: {e}")).into())
}

/// The signed-in user, or an `unauthenticated` error.
pub async fn require_user(state: &AppState, s: &Session) -> Result<UserRow, UiError> {
    session::current_user(state, s).await?.ok_or_else(|| {
        trellis_platform::AppError::new(
            trellis_types::ErrorCode::Unauthenticated,
            "Sign in to continue.",
        )
        .into()
    })
}

/// The signed-in user acting through this browser session.
pub async fn require_actor(state: &AppState, s: &Session) -> Result<Actor, UiError> {
    let user = require_user(state, s).await?;
    Ok(Actor::session(user, Some(client_addr().await)))
}

/// The client's address and browser, recorded with a sign-in.
pub async fn client_info() -> session::ClientInfo {
    let ua = leptos_axum::extract::<http::HeaderMap>()
        .await
        .ok()
        .and_then(|h| {
            h.get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    session::ClientInfo {
        ip: Some(client_addr().await),
        user_agent: ua,
    }
}

/// The client's address, for rate limiting.
pub async fn client_addr() -> String {
    use axum::extract::ConnectInfo;
    match leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>().await {
        Ok(ConnectInfo(a)) => a.ip().to_string(),
        Err(_) => "unknown".into(),
    }
}
