//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers attach cookies to cross-site requests, so any request that could
//! act on a session must prove it came from our own pages. We verify the
//! browser-set, unforgeable headers (OWASP "verify origin with standard
//! headers"): `Sec-Fetch-Site` when present, else `Origin`, else `Referer`.
//! Session cookies are also `SameSite=Lax`. Requests that carry an
//! `Authorization: Bearer` token and no cookie have no ambient authority and
//! are not checked; neither are REST calls without any cookie.

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trellis_platform::{AppError, AppState};

use crate::api::problem::ApiError;
use trellis_types::ErrorCode;

fn reject(detail: &str) -> Response {
    ApiError(AppError::new(ErrorCode::CsrfRejected, detail)).into_response()
}

fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

/// Middleware: refuse unsafe cross-site requests.
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let has_cookie = h.contains_key(header::COOKIE);
    let has_bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let is_rest = req.uri().path().starts_with("/api/v1/");
    if !has_cookie && (has_bearer || is_rest) {
        return next.run(req).await;
    }

    if let Some(site) = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return match site {
            "same-origin" | "none" => next.run(req).await,
            _ => reject("This request came from another site and was refused. Submit the form from Trellis itself."),
        };
    }
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let allowed = |origin: &str| {
        origin == state.config.public_origin()
            || origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
    };
    let claimed = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map(str::to_owned)
        .or_else(|| {
            h.get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
    match claimed {
        Some(o) if allowed(&o) => next.run(req).await,
        Some(_) => reject("This request came from another site and was refused. Submit the form from Trellis itself."),
        None => reject("This request did not say where it came from (no Origin or Referer header) and was refused."),
    }
}
