//! `/api/v1/me` and `/api/v1/tokens`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use trellis_platform::{accounts, tokens, AppError, AppState};
use trellis_types::{ListResponse, Scope, TokenCreated, TokenIn, TokenOut, UserOut};

use super::extract::{ApiJson, ApiPath, Caller};

/// `GET /api/v1/me`: the calling user.
pub async fn get_me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<UserOut>, AppError> {
    caller.require(Scope::Read)?;
    Ok(Json(accounts::user_out(&state, caller.user()).await?))
}

/// `GET /api/v1/tokens`: the caller's tokens (never their secrets).
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ListResponse<TokenOut>>, AppError> {
    caller.require(Scope::Read)?;
    Ok(Json(ListResponse {
        data: tokens::list_tokens(&state, caller.user()).await?,
    }))
}

/// `POST /api/v1/tokens`: a new token; a token may only mint narrower ones.
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<TokenIn>,
) -> Result<(StatusCode, Json<TokenCreated>), AppError> {
    let held = caller.scopes();
    if let Some(s) = input.scopes.iter().find(|s| !held.contains(s)) {
        caller.require(*s)?;
    }
    Ok((
        StatusCode::CREATED,
        Json(tokens::create_token(&state, caller.user(), &input).await?),
    ))
}

/// `DELETE /api/v1/tokens/{id}`: revoke.
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    caller.require(Scope::Read)?;
    tokens::revoke_token(&state, caller.user(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
