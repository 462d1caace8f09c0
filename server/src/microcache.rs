//! Microcaching: whole responses kept in memory for about a second, bounded in size,
//! so that a burst of identical requests costs one render or one file read.
//!
//! Two users, each with its own [`Microcache`]:
//! - [`crate::static_files`]: files under the site root (`/pkg/trellis.css`…);
//! - [`pages`] (a route layer on the Leptos pages): a server-rendered page asked for
//!   by an anonymous visitor (no `Cookie`, no `Authorization`), which is the same for
//!   every anonymous visitor. Signed-in visitors, and anyone with a cookie, get a fresh
//!   render every time.
//!
//! An entry is reused for a second at most (like nginx's `proxy_cache_valid 1s`; for
//! pages, `page_cache_ms` in the configuration, 0 turning it off): what an anonymous
//! visitor sees is at most that old. Only `GET`s without conditional
//! or range headers are answered from memory; only 200 answers are kept, never one that
//! sets a cookie or says `no-store`/`private`, and never a body over the entry limit
//! (that one is passed on as it streams).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;

/// How long a kept response is reused unless told otherwise.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Bodies up to this size are kept.
pub const MAX_ENTRY: usize = 256 * 1024;
/// At most this many body bytes are kept per cache (oldest out first).
pub const MAX_TOTAL: usize = 16 * 1024 * 1024;
/// Keys longer than this are not kept (a URL or header made up to fill memory).
const MAX_KEY: usize = 1024;

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Entry>,
    order: VecDeque<String>,
    bytes: usize,
}

/// A bounded set of recent responses; cheap to clone (shared).
#[derive(Clone)]
pub struct Microcache {
    inner: Arc<Mutex<Inner>>,
    fresh_for: Duration,
}

impl Default for Microcache {
    fn default() -> Self {
        Microcache::new(FRESH_FOR)
    }
}

/// Whether a request may be answered from memory at all: a `GET` that is neither
/// conditional nor a range request.
pub fn plain_get(req: &Request) -> bool {
    req.method() == Method::GET
        && ![
            header::RANGE,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_MATCH,
            header::IF_UNMODIFIED_SINCE,
            header::IF_RANGE,
        ]
        .iter()
        .any(|name| req.headers().contains_key(name))
}

impl Microcache {
    /// A cache whose entries are reused for `fresh_for`.
    pub fn new(fresh_for: Duration) -> Microcache {
        Microcache {
            inner: Arc::default(),
            fresh_for,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Entries are replaced whole: a panic elsewhere cannot leave one half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh copy of the response kept under `key`.
    pub fn get(&self, key: &str) -> Option<Response> {
        let inner = self.lock();
        let e = inner.entries.get(key)?;
        if e.at.elapsed() >= self.fresh_for {
            return None;
        }
        let mut res = Response::new(Body::from(e.body.clone()));
        *res.status_mut() = e.status;
        *res.headers_mut() = e.headers.clone();
        Some(res)
    }

    fn put(&self, key: String, status: StatusCode, headers: HeaderMap, body: Bytes) {
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(&key) {
            inner.bytes -= old.body.len();
            inner.order.retain(|k| k != &key);
        }
        while inner.bytes + body.len() > MAX_TOTAL {
            let Some(k) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&k) {
                inner.bytes -= old.body.len();
            }
        }
        inner.bytes += body.len();
        inner.order.push_back(key.clone());
        inner.entries.insert(
            key,
            Entry {
                status,
                headers,
                body,
                at: Instant::now(),
            },
        );
    }

    /// Keeps a copy of `res` under `key` when it may be kept, and gives back the same
    /// response (read into memory when kept, as it streams otherwise).
    pub async fn keep(&self, key: String, res: Response) -> Response {
        let h = res.headers();
        let keepable = res.status() == StatusCode::OK
            && key.len() <= MAX_KEY
            && !h.contains_key(header::SET_COOKIE)
            && !h
                .get_all(header::CACHE_CONTROL)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("no-store") || v.contains("private"))
            && h.get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok())
                .is_none_or(|n| n <= MAX_ENTRY);
        if !keepable {
            return res;
        }
        let (parts, body) = res.into_parts();
        let mut stream = body.into_data_stream();
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut len = 0;
        while let Some(next) = stream.next().await {
            match next {
                Ok(chunk) => {
                    len += chunk.len();
                    chunks.push(chunk);
                    if len > MAX_ENTRY {
                        // Too big to keep: send what was read, then the rest as it comes.
                        let head = futures::stream::iter(chunks.into_iter().map(Ok));
                        return Response::from_parts(parts, Body::from_stream(head.chain(stream)));
                    }
                }
                Err(e) => {
                    // Pass the failure on exactly as the client would have seen it.
                    let head = futures::stream::iter(chunks.into_iter().map(Ok));
                    let tail = futures::stream::once(async move { Err(e) });
                    return Response::from_parts(parts, Body::from_stream(head.chain(tail)));
                }
            }
        }
        let body = if chunks.len() == 1 {
            chunks.pop().unwrap_or_default()
        } else {
            let mut all = Vec::with_capacity(len);
            for c in &chunks {
                all.extend_from_slice(c);
            }
            Bytes::from(all)
        };
        self.put(key, parts.status, parts.headers.clone(), body.clone());
        Response::from_parts(parts, Body::from(body))
    }
}

/// Route layer for the Leptos pages: anonymous `GET`s of a page are answered from
/// memory for a short while (`page_cache_ms`) after a render.
pub async fn pages(State(cache): State<Microcache>, req: Request, next: Next) -> Response {
    let anonymous = !req.headers().contains_key(header::COOKIE)
        && !req.headers().contains_key(header::AUTHORIZATION);
    // Server functions live under /api/ too: never theirs, whatever their method.
    if !anonymous || !plain_get(&req) || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let key = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    if let Some(hit) = cache.get(&key) {
        return hit;
    }
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        cache.keep(key, res).await
    } else {
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn get(path: &str) -> Request {
        Request::builder().uri(path).body(Body::empty()).unwrap()
    }

    async fn text(res: Response) -> String {
        let b = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn only_plain_gets() {
        assert!(plain_get(&get("/pkg/trellis.css")));
        let mut r = get("/pkg/trellis.css");
        r.headers_mut()
            .insert(header::IF_NONE_MATCH, "\"x\"".parse().unwrap());
        assert!(!plain_get(&r));
        let mut r = get("/");
        *r.method_mut() = Method::HEAD;
        assert!(!plain_get(&r));
    }

    #[tokio::test]
    async fn keeps_small_200s_only() {
        let c = Microcache::default();
        let res = c.keep("/a".into(), "hello".into_response()).await;
        assert_eq!(text(res).await, "hello");
        assert_eq!(text(c.get("/a").expect("kept")).await, "hello");

        let res = (StatusCode::NOT_FOUND, "no").into_response();
        c.keep("/b".into(), res).await;
        assert!(c.get("/b").is_none());

        let res = ([(header::SET_COOKIE, "a=b")], "x").into_response();
        c.keep("/c".into(), res).await;
        assert!(c.get("/c").is_none());

        // Too big, streamed without a length: passed on whole, not kept.
        let big = Bytes::from(vec![b'x'; MAX_ENTRY]);
        let chunks = [big.clone(), big].map(Ok::<_, std::io::Error>);
        let res = Response::new(Body::from_stream(futures::stream::iter(chunks)));
        let res = c.keep("/d".into(), res).await;
        assert_eq!(text(res).await.len(), 2 * MAX_ENTRY);
        assert!(c.get("/d").is_none());
    }

    #[test]
    fn bounded() {
        let c = Microcache::default();
        for i in 0..=(MAX_TOTAL / MAX_ENTRY) {
            c.put(
                format!("/f{i}"),
                StatusCode::OK,
                HeaderMap::new(),
                Bytes::from(vec![0u8; MAX_ENTRY]),
            );
        }
        let inner = c.lock();
        assert!(inner.bytes <= MAX_TOTAL);
        assert!(!inner.entries.contains_key("/f0"));
        assert_eq!(inner.entries.len(), inner.order.len());
    }
}
