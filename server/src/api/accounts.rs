//! `/api/v1/me`, its sessions, security log and invitations, and `/api/v1/tokens`.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tower_sessions::Session;
use trellis_platform::registry::namespaces;
use trellis_platform::{accounts, security, session, tokens, AppState};
use trellis_types::{
    InvitationOut, ListResponse, NamespaceOut, Scope, SecurityEventOut, SessionOut, TokenIn,
    TokenOut, UserOut,
};

use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::problem::ApiError;

/// `GET /api/v1/me`: the calling user.
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserOut>, ApiError> {
    caller.require(Scope::Read)?;
    Ok(Json(accounts::user_out(&state, caller.user()).await?))
}

/// `GET /api/v1/tokens`: the caller's tokens (never their secrets).
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListResponse<TokenOut>>, ApiError> {
    Ok(Json(ListResponse {
        data: tokens::list_tokens(&state, &caller).await?,
    }))
}

/// `POST /api/v1/tokens`: a new token; a token may only mint narrower,
/// no longer-lived ones. The answer holds the secret, so it is never stored.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<TokenIn>,
) -> Result<Response, ApiError> {
    let created = tokens::create_token(&state, &caller, &input).await?;
    let mut res = (StatusCode::CREATED, Json(created)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `DELETE /api/v1/tokens/{id}`: revoke it and every token it minted.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke_token(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me/sessions`: the caller's signed-in browser sessions.
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
) -> Result<Json<ListResponse<SessionOut>>, ApiError> {
    let current = session.id().map(|id| id.to_string());
    Ok(Json(ListResponse {
        data: session::list_sessions(&state, &caller, current.as_deref()).await?,
    }))
}

/// `DELETE /api/v1/me/sessions/{id}`: sign that session out.
pub async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    session::end_session(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct LogPage {
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /api/v1/me/security-log`: the caller's sign-ins, failures, token use…
pub async fn security_log(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<LogPage>,
) -> Result<Json<ListResponse<SecurityEventOut>>, ApiError> {
    Ok(Json(ListResponse {
        data: security::log(&state, &caller, p.before, p.limit.unwrap_or(50)).await?,
    }))
}

/// `GET /api/v1/me/invitations`: open invitations to join namespaces.
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListResponse<InvitationOut>>, ApiError> {
    Ok(Json(ListResponse {
        data: namespaces::invitations(&state, &caller).await?,
    }))
}

/// `POST /api/v1/me/invitations/{ns}`: accept; the caller joins the namespace.
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
) -> Result<Json<NamespaceOut>, ApiError> {
    let out = namespaces::answer_invitation(&state, &caller, &ns, true).await?;
    Ok(Json(out.expect("accepting returns the namespace")))
}

/// `DELETE /api/v1/me/invitations/{ns}`: decline.
pub async fn decline_invitation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    namespaces::answer_invitation(&state, &caller, &ns, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
