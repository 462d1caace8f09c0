//! Extractors for the REST API: who is calling (an [`Actor`] from a token or
//! the browser session), and JSON bodies, path and query parameters whose
//! rejections become problem+json naming what was wrong.

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

/// The outcome of authenticating a request, kept in its extensions so that a
/// request is authenticated once even when middleware (rate limits,
/// idempotency) needs the caller before the handler does: a token's use is
/// counted once. Internal failures are not kept (the next asker tries again).
#[derive(Clone)]
struct Resolved(Result<Actor, (ErrorCode, String)>);

impl Caller {
    /// The caller of the request `parts` belongs to: the one already resolved
    /// for it, else authenticated now (and kept for the rest of the request).
    pub async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        if let Some(Resolved(r)) = parts.extensions.get::<Resolved>() {
            return r
                .clone()
                .map(Caller)
                .map_err(|(code, detail)| AppError::new(code, detail).into());
        }
        let r = authenticate(parts, state).await;
        match &r {
            Ok(actor) => {
                parts.extensions.insert(Resolved(Ok(actor.clone())));
            }
            Err(e) if !matches!(e.code, ErrorCode::Internal | ErrorCode::Unavailable) => {
                parts
                    .extensions
                    .insert(Resolved(Err((e.code, e.detail.clone()))));
            }
            Err(_) => {}
        }
        r.map(Caller).map_err(ApiError)
    }
}

async fn authenticate(parts: &Parts, state: &AppState) -> Result<Actor, AppError> {
    let ip = client_ip(parts);
    if let Some(h) = parts.headers.get(AUTHORIZATION) {
        let v = h.to_str().unwrap_or("");
        let secret = v.strip_prefix("Bearer ").ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidToken,
                "Send the token as `Authorization: Bearer <token>`.",
            )
        })?;
        return tokens::authenticate(state, secret.trim(), ip).await;
    }
    if let Some(s) = parts.extensions.get::<Session>() {
        if let Some(u) = session::current_user(state, s).await? {
            return Ok(Actor::session(u, ip));
        }
    }
    Err(AppError::unauthenticated())
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Caller::resolve(parts, &AppState::from_ref(state)).await
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

/// A JSON body, which must be an object; a malformed one is a `bad_request`
/// problem naming the issue (serde would otherwise read `[…]` as a struct).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "Send the body as JSON with `Content-Type: application/json`.",
            )
            .into());
        }
        let bytes = match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(rej) if rej.status().as_u16() == 413 => {
                return Err(AppError::new(
                    ErrorCode::PayloadTooLarge,
                    "The JSON body is larger than this endpoint accepts.",
                )
                .into())
            }
            Err(_) => {
                return Err(
                    AppError::new(ErrorCode::BadRequest, "The body could not be read.").into(),
                )
            }
        };
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                "The JSON body must be an object (`{…}`).",
            )
            .into());
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => Err(json_rejection(rej).into()),
        }
    }
}

/// Whether the request says its body is JSON: `application/json` or `application/*+json`.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(v) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = v
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(essence.split_once('/'), Some(("application", sub)) if sub == "json" || sub.ends_with("+json"))
}

/// The problem for a refused JSON body, keeping axum's status: 413 for a body
/// over the limit, 415 for a missing JSON content type, else 400.
fn json_rejection(rej: axum::extract::rejection::JsonRejection) -> AppError {
    match rej.status().as_u16() {
        413 => AppError::new(
            ErrorCode::PayloadTooLarge,
            "The JSON body is larger than this endpoint accepts.",
        ),
        415 => AppError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with `Content-Type: application/json`.",
        ),
        _ => AppError::new(
            ErrorCode::BadRequest,
            format!("The JSON body could not be read: {}", rej.body_text()),
        ),
    }
}

/// Words for the type a path or query value should have.
fn expected_words(type_name: &str) -> &'static str {
    match type_name {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "a whole number",
        "f32" | "f64" => "a number",
        "bool" => "true or false",
        _ => "a valid value",
    }
}

/// Path parameters; a value that does not parse is a `bad_request` problem
/// naming the parameter.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        use axum::extract::rejection::PathRejection;
        use axum::extract::{Path, RawPathParams};

        let rej = match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => return Ok(ApiPath(v)),
            Err(rej) => rej,
        };
        let keys: Vec<String> = RawPathParams::from_request_parts(parts, state)
            .await
            .map(|raw| raw.iter().map(|(k, _)| k.to_owned()).collect())
            .unwrap_or_default();
        let kind = match &rej {
            PathRejection::FailedToDeserializePathParams(e) => e.kind(),
            _ => return Err(AppError::internal(format!("path parameters: {rej}")).into()),
        };
        let (key, expected) = match kind {
            ErrorKind::ParseErrorAtKey {
                key, expected_type, ..
            } => (Some(key.clone()), expected_words(expected_type)),
            ErrorKind::ParseErrorAtIndex {
                index,
                expected_type,
                ..
            } => (keys.get(*index).cloned(), expected_words(expected_type)),
            ErrorKind::ParseError { expected_type, .. } => {
                (keys.first().cloned(), expected_words(expected_type))
            }
            ErrorKind::InvalidUtf8InPathParam { key } => (Some(key.clone()), "valid UTF-8 text"),
            ErrorKind::DeserializeError { key, .. } => (Some(key.clone()), "a valid value"),
            _ => return Err(AppError::internal(format!("path parameters: {rej}")).into()),
        };
        let detail = match key {
            Some(k) => format!("The path parameter `{k}` must be {expected}."),
            None => format!("A path parameter must be {expected}."),
        };
        Err(AppError::new(ErrorCode::BadRequest, detail).into())
    }
}

/// Query parameters; a value that does not parse is a `bad_request` problem
/// naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => {
                // The text is "Failed to deserialize query string: <param>: <problem>".
                let text = rej.body_text();
                let rest = text.split_once(": ").map(|(_, r)| r).unwrap_or("");
                let detail = match rest.split_once(": ") {
                    Some((param, problem))
                        if !param.is_empty()
                            && param.len() <= 64
                            && param.chars().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']')
                            }) =>
                    {
                        format!("The query parameter `{param}` is not valid: {problem}.")
                    }
                    _ => "The query string could not be read.".to_owned(),
                };
                Err(AppError::new(ErrorCode::BadRequest, detail).into())
            }
        }
    }
}
