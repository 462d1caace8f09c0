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
    InvitationOut, ListResponse, NamespaceOut, Scope, SecurityEventOut, SessionOut, TokenCreated,
    TokenIn, TokenOut, UserOut,
};
use utoipa::IntoParams;

use super::cursor;
use super::extract::{ApiJson, ApiPath, ApiQuery, Caller};
use super::openapi::Unprocessable;
use super::problem::ApiError;

/// Get the calling user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "v1.me.get",
    tag = "account",
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The calling user.", body = UserOut))
)]
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserOut>, ApiError> {
    caller.require(Scope::Read)?;
    Ok(Json(accounts::user_out(&state, caller.user()).await?))
}

/// List the caller's API tokens (never their secrets).
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "v1.token.list",
    tag = "tokens",
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The caller's tokens, never their secrets.", body = ListResponse<TokenOut>))
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListResponse<TokenOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        tokens::list_tokens(&state, &caller).await?,
    )))
}

/// Create an API token.
///
/// A token may only mint narrower, no longer-lived ones. The answer holds the
/// secret, so it is never stored.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "v1.token.create",
    tag = "tokens",
    request_body = TokenIn,
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 201, description = "Created; the only time `secret` is shown. A token may only \
                                      mint tokens with a subset of its scopes.", body = TokenCreated),
        (status = 422, response = Unprocessable),
    )
)]
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

/// Revoke an API token and every token it minted.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    operation_id = "v1.token.delete",
    tag = "tokens",
    params(("id" = i64, Path, description = "The token id.")),
    security(("bearer" = ["publish"]), ("bearer" = ["webhooks"]), ("bearer" = ["admin"]), ("session" = [])),
    responses((status = 204, description = "Revoked, with every token it minted."))
)]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke_token(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List the caller's signed-in browser sessions.
#[utoipa::path(
    get,
    path = "/api/v1/me/sessions",
    operation_id = "v1.me.session.list",
    tag = "account",
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "The caller's signed-in sessions.", body = ListResponse<SessionOut>))
)]
pub async fn list_sessions(
    State(state): State<AppState>,
    caller: Caller,
    session: Session,
) -> Result<Json<ListResponse<SessionOut>>, ApiError> {
    let current = session.id().map(|id| id.to_string());
    Ok(Json(ListResponse::all(
        session::list_sessions(&state, &caller, current.as_deref()).await?,
    )))
}

/// Sign one of the caller's sessions out.
#[utoipa::path(
    delete,
    path = "/api/v1/me/sessions/{id}",
    operation_id = "v1.me.session.delete",
    tag = "account",
    params(("id" = String, Path, description = "The session's handle, as listed.")),
    security(("bearer" = ["admin"]), ("session" = [])),
    responses((status = 204, description = "Signed out."))
)]
pub async fn end_session(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    session::end_session(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of the security log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogPage {
    /// Page size, 1 to 200 (default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page, unchanged.
    #[serde(default)]
    #[param(min_length = 1, pattern = "^[A-Za-z0-9_-]+$")]
    cursor: Option<String>,
}

/// List the caller's security log: sign-ins, failures, token use…
#[utoipa::path(
    get,
    path = "/api/v1/me/security-log",
    operation_id = "v1.me.security_log.list",
    tag = "account",
    params(LogPage),
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "A page of the caller's security log, newest first.", body = ListResponse<SecurityEventOut>))
)]
pub async fn security_log(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(p): ApiQuery<LogPage>,
) -> Result<Json<ListResponse<SecurityEventOut>>, ApiError> {
    let limit = cursor::limit(p.limit, 50, 200)?;
    let before = p.cursor.as_deref().map(cursor::decode).transpose()?;
    let data = security::log(&state, &caller, before, limit).await?;
    let last = data.last().map(|e| e.id).unwrap_or(0);
    let next_cursor = cursor::next(data.len(), limit, || last);
    Ok(Json(ListResponse { data, next_cursor }))
}

/// List open invitations to join namespaces.
#[utoipa::path(
    get,
    path = "/api/v1/me/invitations",
    operation_id = "v1.me.invitation.list",
    tag = "account",
    security(("bearer" = ["read"]), ("session" = [])),
    responses((status = 200, description = "Open invitations to join namespaces.", body = ListResponse<InvitationOut>))
)]
pub async fn list_invitations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListResponse<InvitationOut>>, ApiError> {
    Ok(Json(ListResponse::all(
        namespaces::invitations(&state, &caller).await?,
    )))
}

/// Accept an invitation: the caller joins the namespace.
#[utoipa::path(
    post,
    path = "/api/v1/me/invitations/{ns}",
    operation_id = "v1.me.invitation.accept",
    tag = "account",
    params(("ns" = String, Path, description = "The namespace name.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 200, description = "Joined.", body = NamespaceOut))
)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
) -> Result<Json<NamespaceOut>, ApiError> {
    let out = namespaces::answer_invitation(&state, &caller, &ns, true).await?;
    Ok(Json(out.expect("accepting returns the namespace")))
}

/// Decline an invitation.
#[utoipa::path(
    delete,
    path = "/api/v1/me/invitations/{ns}",
    operation_id = "v1.me.invitation.decline",
    tag = "account",
    params(("ns" = String, Path, description = "The namespace name.")),
    security(("bearer" = ["publish"]), ("session" = [])),
    responses((status = 204, description = "Declined."))
)]
pub async fn decline_invitation(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ns): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    namespaces::answer_invitation(&state, &caller, &ns, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
