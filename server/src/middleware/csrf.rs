//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers attach cookies to cross-site requests, so any request that could
//! act on a session must prove it came from our own pages. We verify the
//! browser-set, unforgeable headers (OWASP "verify origin with standard
//! headers"):
//! - `Sec-Fetch-Site`, when sent, must be `same-origin` or `none`;
//! - `Origin`, when sent, must be our origin: the configured public origin, or
//!   the `Host` the request was sent to under the public URL's scheme. The
//!   whole origin is compared, scheme and port included; `null` (sandboxed
//!   frames, `data:` pages, some redirects) is refused. `Sec-Fetch-Site` does
//!   not excuse a foreign `Origin`;
//! - without `Origin` or `Sec-Fetch-Site`, the `Referer` must be of our origin.
//!
//! Session cookies are also `SameSite=Lax`. Requests that carry an
//! `Authorization: Bearer` token and no cookie have no ambient authority and
//! are not checked; neither are REST calls without any cookie.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trellis_platform::{AppError, AppState, Config};

use crate::api::problem::ApiError;
use trellis_types::ErrorCode;

const FOREIGN: &str =
    "This request came from another site and was refused. Submit the form from Trellis itself.";

fn reject(detail: &str) -> Response {
    ApiError(AppError::new(ErrorCode::CsrfRejected, detail)).into_response()
}

/// The serialized origin of `url`, or `None` for an opaque or unparsable one.
fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let o = u.origin();
    o.is_tuple().then(|| o.ascii_serialization())
}

/// Whether `origin` (a serialized origin) is ours.
fn is_ours(origin: &str, config: &Config, headers: &HeaderMap) -> bool {
    let Some(origin) = origin_of(origin) else {
        return false;
    };
    if origin == config.public_origin() {
        return true;
    }
    // The host the browser addressed, under our public scheme only.
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', '@', '?', '#']))
        .and_then(|host| origin_of(&format!("{}://{host}", config.public_url.scheme())))
        .is_some_and(|own| own == origin)
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

    let site = h.get("sec-fetch-site").map(|v| v.to_str().unwrap_or(""));
    if site.is_some_and(|s| !matches!(s, "same-origin" | "none")) {
        return reject(FOREIGN);
    }
    if let Some(origin) = h.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("null");
        return if is_ours(origin, &state.config, h) {
            next.run(req).await
        } else {
            reject(FOREIGN)
        };
    }
    if site.is_some() {
        // The browser vouches for the request (same-origin, or typed by the user).
        return next.run(req).await;
    }
    match h.get(header::REFERER).map(|v| v.to_str().unwrap_or("")) {
        Some(r) if is_ours(r, &state.config, h) => next.run(req).await,
        Some(_) => reject(FOREIGN),
        None => reject("This request did not say where it came from (no Origin or Referer header) and was refused."),
    }
}
