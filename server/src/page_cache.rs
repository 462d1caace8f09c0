//! The page microcache: a page rendered for a visitor who is not signed in is
//! the same for every such visitor, so it is reused for `server.page_cache_ms`
//! (1 s by default, 0 turns it off) instead of being rendered again.
//!
//! It runs just outside the session layer (a hit costs no session, no CSRF
//! check, no render) and inside `security_headers::apply`, which gives every
//! request its own CSP nonce. What it keeps and replays:
//! - only answers to `GET` (replayed to `GET` and `HEAD`) without conditional
//!   or range headers, outside `/api/` (REST and server functions), for
//!   requests carrying neither a `trellis_session` cookie (a signed-in
//!   visitor's page is personal; such a request is never answered from here,
//!   nor kept) nor an `Authorization` header. Other cookies do not change what
//!   a page shows: such requests share the anonymous entries;
//! - keyed by the full path and query;
//! - only `200` `text/html` answers that set no cookie and do not say
//!   `private` or `no-store` themselves (the `no-store` every page tells
//!   browsers is added outside this layer, by `security_headers::apply`);
//! - never a body naming the request's id (an error shown in the page);
//! - the CSP nonce: the body is kept cut at every occurrence of the nonce it
//!   was rendered with, and each replay puts the replaying request's own nonce
//!   there, the one `security_headers::apply` then names in its
//!   `Content-Security-Policy` header. No two responses share a nonce.
//!
//! Nothing else in a page depends on the request: cross-site request forgery
//! is refused by `Origin`/`Sec-Fetch-Site` (`middleware::csrf`), so pages hold
//! no token.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::microcache::{plain_get, read_small, Microcache};
use crate::middleware::security_headers::CspNonce;

/// The session cookie's name (see `router::router`).
pub const SESSION_COOKIE: &str = "trellis_session";

/// The page cache, shared by every request.
#[derive(Clone)]
pub struct PageCache(Microcache);

impl PageCache {
    /// A cache whose pages are reused for `fresh_for`.
    pub fn new(fresh_for: Duration) -> PageCache {
        PageCache(Microcache::new(fresh_for))
    }
}

/// Whether any `Cookie` header names the session cookie.
pub fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers.get_all(header::COOKIE).iter().any(|v| {
        v.as_bytes().split(|b| *b == b';').any(|pair| {
            let name = pair.split(|b| *b == b'=').next().unwrap_or_default();
            name.trim_ascii() == SESSION_COOKIE.as_bytes()
        })
    })
}

/// Cuts `body` at every occurrence of `needle`.
fn split_at(body: &Bytes, needle: &[u8]) -> Vec<Bytes> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while !needle.is_empty() && i + needle.len() <= body.len() {
        if &body[i..i + needle.len()] == needle {
            parts.push(body.slice(start..i));
            i += needle.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(body.slice(start..));
    parts
}

fn contains(body: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && body.windows(needle.len()).any(|w| w == needle)
}

/// Middleware: answer from the cache, or render and keep what may be kept.
pub async fn pages(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let eligible = plain_get(&req)
        && !req.uri().path().starts_with("/api/")
        && !has_session_cookie(headers)
        && !headers.contains_key(header::AUTHORIZATION);
    let nonce = req.extensions().get::<CspNonce>().map(|n| n.0.clone());
    let (Some(nonce), true) = (nonce, eligible) else {
        return next.run(req).await;
    };
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    if let Some(hit) = cache.0.get(&key, nonce.as_bytes()) {
        return hit;
    }
    let is_get = req.method() == Method::GET;
    let request_id = req
        .headers()
        .get("x-request-id")
        .map(|v| v.as_bytes().to_vec());
    let res = next.run(req).await;
    let h = res.headers();
    let keepable = is_get
        && res.status() == StatusCode::OK
        && !h.contains_key(header::SET_COOKIE)
        && h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
        && !h
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("private") || v.contains("no-store"));
    if !keepable {
        return res;
    }
    let (parts, body) = match read_small(res).await {
        Ok(read) => read,
        Err(res) => return res,
    };
    let names_request = request_id.is_some_and(|id| contains(&body, &id));
    if !names_request {
        let cut = split_at(&body, nonce.as_bytes());
        cache.0.put(key, parts.status, parts.headers.clone(), cut);
    }
    Response::from_parts(parts, axum::body::Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie() {
        let mut h = HeaderMap::new();
        assert!(!has_session_cookie(&h));
        h.insert(
            header::COOKIE,
            "bench=1; trellis_sessionx=2".parse().unwrap(),
        );
        assert!(!has_session_cookie(&h));
        h.append(header::COOKIE, "a=b;  trellis_session=abc".parse().unwrap());
        assert!(has_session_cookie(&h));
    }

    #[test]
    fn cuts_at_every_occurrence() {
        let body = Bytes::from("a<N>b<N><N>c");
        let parts = split_at(&body, b"<N>");
        assert_eq!(parts, vec!["a", "b", "", "c"]);
        assert_eq!(split_at(&body, b"zz"), vec![body.clone()]);
        assert!(contains(&body, b"b<N>"));
        assert!(!contains(&body, b""));
    }
}
