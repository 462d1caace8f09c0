//! Conditional reads for the REST API (docs/api-design.md, "Caching"): every
//! successful `GET` answer in JSON gets a strong `ETag` (the SHA-256 of its
//! body), and a request whose `If-None-Match` names it gets `304 Not
//! Modified` with no body. Answers that set their own `ETag` (package
//! downloads) are left alone. JSON answers are small, so buffering is cheap;
//! bodies over `MAX_BUFFERED` pass through untagged.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Bodies larger than this are not tagged.
const MAX_BUFFERED: usize = 8 * 1024 * 1024;

/// Whether an `If-None-Match` header value names `tag` (quoted, or `*`).
pub fn matches(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == tag)
}

/// Middleware: tag JSON reads and answer 304 when the client holds them.
pub async fn conditional_get(req: Request, next: Next) -> Response {
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let inm = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let res = next.run(req).await;
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if res.status() != StatusCode::OK || !is_json || res.headers().contains_key(ETAG) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BUFFERED).await else {
        // Over the limit or broken mid-way: nothing sensible to send but an error.
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let tag = tag_of(&bytes);
    let value = HeaderValue::from_str(&tag).expect("hex is a valid header value");
    if inm.as_deref().is_some_and(|h| matches(h, &tag)) {
        let mut out = StatusCode::NOT_MODIFIED.into_response();
        out.headers_mut().insert(ETAG, value);
        return out;
    }
    parts.headers.insert(ETAG, value);
    Response::from_parts(parts, Body::from(bytes))
}

/// The strong ETag (quoted) of a JSON body: the first 16 bytes of its SHA-256 in hex.
pub fn tag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Refuses a change when the request has an `If-Match` header that does not
/// name the current representation (`current`, as its `GET` would render it):
/// `412 precondition_failed`. Without the header the change goes ahead.
pub fn check_if_match(
    headers: &axum::http::HeaderMap,
    current: &impl serde::Serialize,
) -> Result<(), trellis_platform::AppError> {
    let Some(wanted) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(());
    };
    let body = serde_json::to_vec(current).map_err(trellis_platform::AppError::internal)?;
    let tag = tag_of(&body);
    let wanted = wanted.to_str().unwrap_or("");
    if wanted
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t == tag)
    {
        Ok(())
    } else {
        Err(trellis_platform::AppError::new(
            trellis_types::ErrorCode::PreconditionFailed,
            "The resource changed since you read it (`If-Match` names an older ETag): read it again.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_lists() {
        assert!(matches("\"a\"", "\"a\""));
        assert!(matches("\"b\", W/\"a\"", "\"a\""));
        assert!(matches("*", "\"a\""));
        assert!(!matches("\"b\"", "\"a\""));
        assert!(!matches("a", "\"a\""));
    }
}
