//! Extractors for the REST API: who is calling (an [`Actor`] from a token or
//! the browser session) and JSON bodies whose rejections become problem+json.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use tower_sessions::Session;
use trellis_platform::{session, tokens, Actor, AppError, AppState};
use trellis_types::ErrorCode;

use super::problem::ApiError;

/// The client's address, when the server knows it.
pub fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip().to_string())
}

/// An authenticated caller: by API token, or by browser session (which acts
/// with every scope its user has). Derefs to the [`Actor`] services take.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl std::ops::Deref for Caller {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.0
    }
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let ip = client_ip(parts);
        if let Some(h) = parts.headers.get(AUTHORIZATION) {
            let v = h.to_str().unwrap_or("");
            let secret = v.strip_prefix("Bearer ").ok_or_else(|| {
                AppError::new(
                    ErrorCode::InvalidToken,
                    "Send the token as `Authorization: Bearer <token>`.",
                )
            })?;
            return Ok(Caller(
                tokens::authenticate(&state, secret.trim(), ip).await?,
            ));
        }
        if let Some(s) = parts.extensions.get::<Session>() {
            if let Some(u) = session::current_user(&state, s).await? {
                return Ok(Caller(Actor::session(u, ip)));
            }
        }
        Err(AppError::unauthenticated().into())
    }
}

/// The caller when there is one; anonymous when there are no credentials at all.
/// Bad credentials are still refused, so a broken token does not pass unnoticed.
pub struct MaybeCaller(pub Option<Caller>);

impl<S> FromRequestParts<S> for MaybeCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Caller::from_request_parts(parts, state).await {
            Ok(c) => Ok(MaybeCaller(Some(c))),
            Err(ApiError(e)) if e.code == ErrorCode::Unauthenticated => Ok(MaybeCaller(None)),
            Err(e) => Err(e),
        }
    }
}

/// A JSON body; a malformed one is a `bad_request` problem naming the issue.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(AppError::new(
                ErrorCode::BadRequest,
                format!("The JSON body could not be read: {}", rej.body_text()),
            )
            .into()),
        }
    }
}
