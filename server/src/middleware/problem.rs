//! Every error answer of the REST API is `application/problem+json`.
//!
//! Handlers and extractors return `AppError`s, but some answers are made by
//! the framework before any of our code runs: `405 Method Not Allowed` from
//! the method router, and any rejection of an extractor that is not one of
//! ours. This layer (on `/api/v1` only) replaces such a body with the problem
//! of the matching code. The framework's text is never passed on; headers such
//! as `Allow` and `Retry-After` are kept.

use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trellis_platform::AppError;

use crate::api::problem::ApiError;
use trellis_types::ErrorCode;

fn is_problem(res: &Response) -> bool {
    res.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"))
}

/// The problem that stands for a bare error status.
fn problem_for(status: u16, method: &str) -> AppError {
    let (code, detail) = match status {
        401 => (ErrorCode::Unauthenticated, "Sign in, or send an API token as `Authorization: Bearer <token>`.".to_owned()),
        403 => (ErrorCode::Forbidden, "You may not do this.".to_owned()),
        404 => (ErrorCode::NotFound, "This API endpoint was not found.".to_owned()),
        405 => (
            ErrorCode::MethodNotAllowed,
            format!("This endpoint does not accept {method}; the Allow header lists the methods it does."),
        ),
        409 => (ErrorCode::Conflict, "The request conflicts with the current state.".to_owned()),
        413 => (ErrorCode::PayloadTooLarge, "The request body is too large.".to_owned()),
        415 => (
            ErrorCode::UnsupportedMediaType,
            "The request body has a content type this endpoint does not accept.".to_owned(),
        ),
        429 => (ErrorCode::RateLimited, "Too many requests; retry later.".to_owned()),
        503 => (ErrorCode::Unavailable, "A service Trellis depends on is unavailable. Try again shortly.".to_owned()),
        s if s >= 500 => return AppError::internal(format!("bare {s} answer from the framework")),
        _ => (ErrorCode::BadRequest, "The request could not be read.".to_owned()),
    };
    AppError::new(code, detail)
}

/// Middleware: turn bare error answers into problems.
pub async fn ensure_problem(req: Request, next: Next) -> Response {
    // Only a standard method is named back; anything else is any token the client chose.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "this method".to_owned(),
    };
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&res) {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut out = ApiError(problem_for(status.as_u16(), &method)).into_response();
    let own: Vec<_> = out.headers().keys().cloned().collect();
    for (name, value) in parts.headers.iter() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH && !own.contains(name) {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}
