//! Rate limits on REST writes (docs/api-design.md, "Rate limits"): every
//! `POST`, `PUT`, `PATCH` and `DELETE` under `/api/v1` (publishing included;
//! `POST /resolve`, a computation, excluded) made by an authenticated user
//! counts against `api.writes_per_minute` for that user across every node
//! (`trellis_platform::write_limit`). Every answer to such a write carries
//! `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds); a
//! write over the limit is refused with `429 rate_limited` and `Retry-After`
//! before it runs, so it changes nothing. Requests without valid credentials
//! are not counted: they go on to their `401`. Reads and downloads are not
//! limited. The caller resolved here stays in the request for the `Caller`
//! extractor, so the request is authenticated once.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use trellis_platform::write_limit::{self, Quota};
use trellis_platform::AppState;

use crate::api::extract::Caller;
use crate::api::problem::ApiError;

/// Whether `method` on the route `path` (a template as the OpenAPI document
/// names it, `/api/v1/…`) is a limited write.
pub fn is_limited(method: &str, path: &str) -> bool {
    let write = ["POST", "PUT", "PATCH", "DELETE"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method));
    write && !super::COMPUTATIONS.contains(&path)
}

/// Sets the `RateLimit-*` headers of `quota`.
fn set_headers(h: &mut HeaderMap, q: &Quota) {
    for (name, value) in [
        ("ratelimit-limit", q.limit),
        ("ratelimit-remaining", q.remaining),
        ("ratelimit-reset", q.reset_secs),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
}

/// Middleware (on `/api/v1`): count and limit authenticated writes.
pub async fn limit_writes(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let limited = route
        .as_deref()
        .is_some_and(|r| is_limited(req.method().as_str(), r));
    if !limited || state.config.api_writes_per_minute == 0 {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let caller = Caller::resolve(&mut parts, &state).await;
    let req = Request::from_parts(parts, body);
    let Ok(caller) = caller else {
        // No usable credentials: the handler answers 401 (or the problem found).
        return next.run(req).await;
    };
    let quota = match write_limit::count_write(&state, &caller).await {
        Ok(Some(q)) => q,
        Ok(None) => return next.run(req).await,
        Err(e) => return ApiError(e).into_response(),
    };
    let mut res = if quota.exceeded {
        ApiError(quota.refusal()).into_response()
    } else {
        next.run(req).await
    };
    set_headers(res.headers_mut(), &quota);
    res
}

#[cfg(test)]
mod tests {
    use super::is_limited;

    #[test]
    fn writes_are_limited_reads_and_resolve_are_not() {
        assert!(is_limited("POST", "/api/v1/namespaces"));
        assert!(is_limited("PUT", "/api/v1/plugins"));
        assert!(is_limited("DELETE", "/api/v1/tokens/{id}"));
        assert!(is_limited("patch", "/api/v1/namespaces/{ns}"));
        assert!(!is_limited("GET", "/api/v1/plugins"));
        assert!(!is_limited("POST", "/api/v1/resolve"));
    }
}
