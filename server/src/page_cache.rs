//! The page microcache: a page rendered for a visitor who is not signed in is
//! the same for every such visitor, so it is reused for `server.page_cache_ms`
//! (1 s by default, 0 turns it off) instead of being rendered again; and
//! signed-in visitors get the same kept render with their own navigation bar
//! put in, unless the page shows something personal.
//!
//! It runs just outside the session layer (a hit costs no session, no CSRF
//! check, no render) and inside `security_headers::apply`, which gives every
//! request its own CSP nonce. What it keeps and replays:
//! - only answers to `GET` (replayed to `GET` and `HEAD`) without conditional
//!   or range headers, outside `/api/` (REST and server functions), for
//!   requests without an `Authorization` header. Cookies other than the
//!   session's do not change what a page shows: such requests share the
//!   anonymous entries;
//! - keyed by the full path and query;
//! - only `200` `text/html` answers that set no cookie and do not say
//!   `private` or `no-store` themselves (the `no-store` every page tells
//!   browsers is added outside this layer, by `security_headers::apply`),
//!   rendered for a request without a session cookie;
//! - never a body naming the request's id (an error shown in the page);
//! - the CSP nonce: the body is kept cut at every occurrence of the nonce it
//!   was rendered with, and each replay puts the replaying request's own nonce
//!   there, the one `security_headers::apply` then names in its
//!   `Content-Security-Policy` header. No two responses share a nonce.
//!
//! Signed-in visitors (one `trellis_session` cookie), see [`crate::page_parts`]:
//! - a page rendered for a signed-in visitor is never kept; the first one
//!   rendered for a session gives that session's navigation bar, kept for
//!   `page_cache_ms` under the cookie's exact value (that render checked the
//!   session);
//! - while it is kept, a page kept for everyone that did not mark itself
//!   personal (`app::api::ssr::PERSONAL_HEADER`: its render asked who is
//!   signed in for more than the bar) is replayed to the session with its bar
//!   in place; when the page is not kept yet, it is rendered as for a visitor
//!   who is not signed in (the request without its session cookie), kept, and
//!   replayed so. Otherwise the page is rendered for the session;
//! - pages found personal (or not keepable) are remembered as such for a
//!   minute, so that a signed-in visitor's request renders once;
//! - any request of a session other than a plain read (signing out, a change)
//!   drops its bar, and none is kept for `page_cache_ms` after it: the pages
//!   it asks for then are rendered for it, so a kept page never hides a change
//!   from the visitor who made it. A session ended on another node keeps its
//!   bar here for at most `page_cache_ms` (it shows public pages only).
//!
//! The personal mark is an internal header: this layer takes it off every
//! response, and is installed even with `page_cache_ms = 0` for that alone.
//!
//! Nothing else in a page depends on the request: cross-site request forgery
//! is refused by `Origin`/`Sec-Fetch-Site` (`middleware::csrf`), so pages hold
//! no token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::api::ssr::PERSONAL_HEADER;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::microcache::{plain_get, read_small, Kept, Microcache};
use crate::middleware::security_headers::CspNonce;
use crate::page_parts::{self, Visitor, Visitors, NAV, NONCE};

/// The session cookie's name (see `router::router`).
pub const SESSION_COOKIE: &str = "trellis_session";
/// How long a page found personal is not tried for signed-in visitors.
const SKIP_FOR: Duration = Duration::from_secs(60);
/// How many such pages are remembered at most.
const MAX_SKIPS: usize = 4096;

/// The page cache, shared by every request.
#[derive(Clone)]
pub struct PageCache {
    pages: Microcache,
    visitors: Visitors,
    /// Pages not to answer signed-in visitors from, and since when.
    skips: Arc<Mutex<HashMap<String, Instant>>>,
    on: bool,
}

impl PageCache {
    /// A cache whose pages are reused for `fresh_for` (zero: nothing is kept,
    /// the layer only takes the personal mark off).
    pub fn new(fresh_for: Duration) -> PageCache {
        PageCache {
            pages: Microcache::new(fresh_for),
            visitors: Visitors::new(fresh_for),
            skips: Arc::default(),
            on: !fresh_for.is_zero(),
        }
    }

    fn skips(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.skips.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn skipped(&self, key: &str) -> bool {
        self.skips()
            .get(key)
            .is_some_and(|at| at.elapsed() < SKIP_FOR)
    }

    fn skip(&self, key: &str) {
        let mut skips = self.skips();
        page_parts::make_room(&mut skips, MAX_SKIPS, |at| at.elapsed() < SKIP_FOR);
        skips.insert(key.to_owned(), Instant::now());
    }
}

/// The `trellis_session` cookies a request carries.
enum SessionCookie {
    None,
    One(String),
    Several,
}

fn session_cookie(headers: &HeaderMap) -> SessionCookie {
    let mut found = SessionCookie::None;
    for v in headers.get_all(header::COOKIE) {
        for pair in v.as_bytes().split(|b| *b == b';') {
            let mut kv = pair.splitn(2, |b| *b == b'=');
            let name = kv.next().unwrap_or_default();
            if name.trim_ascii() != SESSION_COOKIE.as_bytes() {
                continue;
            }
            let value = String::from_utf8_lossy(kv.next().unwrap_or_default().trim_ascii());
            found = match found {
                SessionCookie::None => SessionCookie::One(value.into_owned()),
                _ => SessionCookie::Several,
            };
        }
    }
    found
}

/// The `Cookie` headers without the session cookie.
fn without_session_cookie(headers: &mut HeaderMap) {
    let rest: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or_default().split(';'))
        .filter(|pair| pair.split('=').next().unwrap_or_default().trim() != SESSION_COOKIE)
        .map(|pair| pair.trim().to_owned())
        .filter(|pair| !pair.is_empty())
        .collect();
    headers.remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&rest.join("; ")) {
        if !rest.is_empty() {
            headers.insert(header::COOKIE, v);
        }
    }
}

fn contains(body: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && body.windows(needle.len()).any(|w| w == needle)
}

/// Whether a response is a page this cache may read and keep: a `200` HTML
/// answer that sets no cookie (when `no_cookie`) and is not private.
fn keepable_page(res: &Response, no_cookie: bool) -> bool {
    let h = res.headers();
    res.status() == StatusCode::OK
        && !(no_cookie && h.contains_key(header::SET_COOKIE))
        && h.get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
        && !h
            .get_all(header::CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("private") || v.contains("no-store"))
}

/// Middleware: answer from the cache, or render and keep what may be kept;
/// every answer leaves without the personal mark.
pub async fn pages(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    let mut res = serve(&cache, req, next).await;
    res.headers_mut().remove(PERSONAL_HEADER);
    res
}

async fn serve(cache: &PageCache, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let session = session_cookie(headers);
    if let SessionCookie::One(c) = &session {
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            cache.visitors.wrote(c);
        }
    }
    let eligible = cache.on
        && plain_get(&req)
        && !req.uri().path().starts_with("/api/")
        && !headers.contains_key(header::AUTHORIZATION);
    let nonce = req.extensions().get::<CspNonce>().map(|n| n.0.clone());
    let (Some(nonce), true) = (nonce, eligible) else {
        return next.run(req).await;
    };
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    match session {
        SessionCookie::None => {
            if let Some(hit) = cache.pages.get(&key) {
                return hit.respond(|s| (s == NONCE).then_some(nonce.as_bytes()));
            }
            keep(cache, key, &nonce, req, next).await.0
        }
        SessionCookie::One(cookie) => signed_in(cache, key, &nonce, &cookie, req, next).await,
        SessionCookie::Several => next.run(req).await,
    }
}

/// Renders a page for a visitor who is not signed in and keeps it when it may
/// be kept: the response, and what was kept.
async fn keep(
    cache: &PageCache,
    key: String,
    nonce: &str,
    req: Request,
    next: Next,
) -> (Response, Option<Kept>) {
    let is_get = req.method() == Method::GET;
    let request_id = req
        .headers()
        .get("x-request-id")
        .map(|v| v.as_bytes().to_vec());
    let res = next.run(req).await;
    if !is_get || !keepable_page(&res, true) {
        return (res, None);
    }
    let shared = !res.headers().contains_key(PERSONAL_HEADER);
    let (mut parts, body) = match read_small(res).await {
        Ok(read) => read,
        Err(res) => return (res, None),
    };
    parts.headers.remove(PERSONAL_HEADER);
    let names_request = request_id.is_some_and(|id| contains(&body, &id));
    let kept = (!names_request).then(|| {
        let cut = page_parts::template(&body, nonce.as_bytes(), shared);
        cache
            .pages
            .put(key.clone(), parts.status, parts.headers.clone(), cut);
        cache.pages.get(&key)
    });
    (
        Response::from_parts(parts, Body::from(body)),
        kept.flatten(),
    )
}

/// A signed-in visitor's page: the kept page with their bar in place when
/// that may be done, else rendered for them.
async fn signed_in(
    cache: &PageCache,
    key: String,
    nonce: &str,
    cookie: &str,
    req: Request,
    next: Next,
) -> Response {
    let visitor = cache.visitors.get(cookie);
    let spliced = |kept: Kept, v: &Visitor| {
        kept.has(NAV)
            .then(|| kept.respond(v.fill(nonce.as_bytes())))
    };
    let req = match &visitor {
        Some(v) if v.fits(req.uri().path()) && !cache.skipped(&key) => {
            match cache.pages.get(&key) {
                Some(kept) => match spliced(kept, v) {
                    Some(res) => return res,
                    None => req,
                },
                None if req.method() == Method::GET => {
                    // Rendered as for a visitor who is not signed in, kept, spliced.
                    let (parts, body) = req.into_parts();
                    let mut anonymous = parts.clone();
                    without_session_cookie(&mut anonymous.headers);
                    let anonymous = Request::from_parts(anonymous, Body::empty());
                    let (_, kept) = keep(cache, key.clone(), nonce, anonymous, next.clone()).await;
                    if let Some(res) = kept.and_then(|k| spliced(k, v)) {
                        return res;
                    }
                    cache.skip(&key);
                    Request::from_parts(parts, body)
                }
                None => req,
            }
        }
        _ => req,
    };
    let res = next.run(req).await;
    let page = keepable_page(&res, false);
    if !page || res.headers().contains_key(PERSONAL_HEADER) {
        cache.skip(&key);
    }
    if visitor.is_some() || !page {
        return res;
    }
    // The session's bar, from the page just rendered for it.
    match read_small(res).await {
        Ok((parts, body)) => {
            if let Some(v) = Visitor::from_page(&body) {
                cache.visitors.put(cookie, v);
            }
            Response::from_parts(parts, Body::from(body))
        }
        Err(res) => res,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie() {
        let mut h = HeaderMap::new();
        assert!(matches!(session_cookie(&h), SessionCookie::None));
        h.insert(
            header::COOKIE,
            "bench=1; trellis_sessionx=2".parse().unwrap(),
        );
        assert!(matches!(session_cookie(&h), SessionCookie::None));
        h.append(header::COOKIE, "a=b;  trellis_session=abc".parse().unwrap());
        assert!(matches!(session_cookie(&h), SessionCookie::One(ref v) if v == "abc"));
    }

    #[test]
    fn the_session_cookie_alone_is_taken_off() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; trellis_session=s; b=2".parse().unwrap(),
        );
        h.append(header::COOKIE, "trellis_session=t".parse().unwrap());
        assert!(matches!(session_cookie(&h), SessionCookie::Several));
        without_session_cookie(&mut h);
        assert_eq!(h.get_all(header::COOKIE).iter().count(), 1);
        assert_eq!(h[header::COOKIE], "a=1; b=2");
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "trellis_session=s".parse().unwrap());
        assert!(matches!(session_cookie(&h), SessionCookie::One(ref v) if v == "s"));
        without_session_cookie(&mut h);
        assert!(!h.contains_key(header::COOKIE));
    }
}
