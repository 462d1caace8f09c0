//! Microcaching: whole responses kept in memory for about a second, bounded in
//! size, so that a burst of identical requests costs one render or one file read.
//!
//! Two users, each with its own [`Microcache`]: [`crate::static_files`] (files
//! under the site root) and [`crate::page_cache`] (pages rendered for visitors
//! who are not signed in). This module is the store: entries are reused for
//! `fresh_for` at most, only bodies up to [`MAX_ENTRY`] are kept, and at most
//! [`MAX_TOTAL`] body bytes per cache (oldest out first). A body is kept as
//! parts, each in a [`Slot`]: a replay ([`Kept::respond`]) may put other bytes
//! in a part's place by its slot (the page cache's fresh CSP nonce, and a
//! signed-in visitor's navigation bar; static files have a single fixed part).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::response::Parts;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::Response;
use futures::StreamExt;

/// How long a kept static file is reused.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Bodies up to this size are kept.
pub const MAX_ENTRY: usize = 256 * 1024;
/// At most this many body bytes are kept per cache.
pub const MAX_TOTAL: usize = 16 * 1024 * 1024;
/// Keys longer than this are not kept (a URL made up to fill memory).
pub const MAX_KEY: usize = 1024;

/// What a part of a kept body is, for [`Kept::respond`]'s filler.
pub type Slot = u8;
/// A part that is always replayed as kept.
pub const FIXED: Slot = 0;

struct Entry {
    status: StatusCode,
    headers: HeaderMap,
    parts: Arc<[(Slot, Bytes)]>,
    len: usize,
    at: Instant,
}

/// A response found in the cache, ready to be replayed.
pub struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    parts: Arc<[(Slot, Bytes)]>,
    len: usize,
}

impl Kept {
    /// Whether some part of the body is in `slot`.
    pub fn has(&self, slot: Slot) -> bool {
        self.parts.iter().any(|(s, _)| *s == slot)
    }

    /// The response, each part of the body replaced by what `fill` gives for
    /// its slot, or as kept where it gives nothing.
    pub fn respond<'a>(self, fill: impl Fn(Slot) -> Option<&'a [u8]>) -> Response {
        let body = match &*self.parts {
            [(slot, one)] if fill(*slot).is_none() => one.clone(),
            parts => {
                let mut all = Vec::with_capacity(self.len + 256);
                for (slot, kept) in parts.iter() {
                    match fill(*slot) {
                        Some(bytes) => all.extend_from_slice(bytes),
                        None => all.extend_from_slice(kept),
                    }
                }
                Bytes::from(all)
            }
        };
        let mut res = Response::new(Body::from(body));
        *res.status_mut() = self.status;
        *res.headers_mut() = self.headers;
        res
    }
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

/// Whether a request may be answered from memory at all: a `GET` or `HEAD` that
/// is neither conditional nor a range request.
pub fn plain_get<B>(req: &Request<B>) -> bool {
    (req.method() == Method::GET || req.method() == Method::HEAD)
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

    /// The response kept under `key`, while fresh.
    pub fn get(&self, key: &str) -> Option<Kept> {
        let inner = self.lock();
        let e = inner.entries.get(key)?;
        if e.at.elapsed() >= self.fresh_for {
            return None;
        }
        Some(Kept {
            status: e.status,
            headers: e.headers.clone(),
            parts: e.parts.clone(),
            len: e.len,
        })
    }

    /// Keeps a response under `key`, its body as `parts` (each in its slot).
    pub fn put(
        &self,
        key: String,
        status: StatusCode,
        headers: HeaderMap,
        parts: Vec<(Slot, Bytes)>,
    ) {
        let len: usize = parts.iter().map(|(_, b)| b.len()).sum();
        if key.len() > MAX_KEY || len > MAX_ENTRY {
            return;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(&key) {
            inner.bytes -= old.len;
            inner.order.retain(|k| k != &key);
        }
        while inner.bytes + len > MAX_TOTAL {
            let Some(k) = inner.order.pop_front() else {
                break;
            };
            if let Some(old) = inner.entries.remove(&k) {
                inner.bytes -= old.len;
            }
        }
        inner.bytes += len;
        inner.order.push_back(key.clone());
        inner.entries.insert(
            key,
            Entry {
                status,
                headers,
                parts: parts.into(),
                len,
                at: Instant::now(),
            },
        );
    }
}

/// Reads a response's body into memory when it is at most [`MAX_ENTRY`] bytes:
/// `Ok` with the head and the bytes, or `Err` with the same response to pass on
/// as it streams (too big, or a failing body, whose failure the client then
/// sees exactly as it would have).
pub async fn read_small(res: Response) -> Result<(Parts, Bytes), Response> {
    let too_long = res
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_ENTRY);
    if too_long {
        return Err(res);
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
                    let head = futures::stream::iter(chunks.into_iter().map(Ok));
                    return Err(Response::from_parts(
                        parts,
                        Body::from_stream(head.chain(stream)),
                    ));
                }
            }
            Err(e) => {
                let head = futures::stream::iter(chunks.into_iter().map(Ok));
                let tail = futures::stream::once(async move { Err(e) });
                return Err(Response::from_parts(
                    parts,
                    Body::from_stream(head.chain(tail)),
                ));
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
    Ok((parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn get(path: &str) -> Request<Body> {
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
        *r.method_mut() = Method::POST;
        assert!(!plain_get(&r));
    }

    #[tokio::test]
    async fn parts_are_replaced_by_slot() {
        let c = Microcache::default();
        let parts = vec![
            (FIXED, Bytes::from("a")),
            (1, Bytes::from("-")),
            (FIXED, Bytes::from("b")),
            (2, Bytes::from("?")),
            (1, Bytes::from("-")),
        ];
        c.put("/p".into(), StatusCode::OK, HeaderMap::new(), parts);
        let kept = c.get("/p").unwrap();
        assert!(kept.has(1) && kept.has(2) && !kept.has(3));
        let fill = |s: Slot| (s == 1).then_some(&b"12"[..]);
        assert_eq!(text(kept.respond(fill)).await, "a12b?12");
        let both = |s: Slot| match s {
            1 => Some(&b"x"[..]),
            2 => Some(&b"yy"[..]),
            _ => None,
        };
        assert_eq!(text(c.get("/p").unwrap().respond(both)).await, "axbyyx");
        assert_eq!(text(c.get("/p").unwrap().respond(|_| None)).await, "a-b?-");
        assert!(c.get("/q").is_none());
    }

    #[tokio::test]
    async fn big_bodies_pass_through() {
        let big = Bytes::from(vec![b'x'; MAX_ENTRY]);
        let chunks = [big.clone(), big].map(Ok::<_, std::io::Error>);
        let res = Response::new(Body::from_stream(futures::stream::iter(chunks)));
        let res = read_small(res).await.expect_err("too big");
        assert_eq!(text(res).await.len(), 2 * MAX_ENTRY);
        let (_, body) = read_small("hello".into_response()).await.unwrap();
        assert_eq!(body, "hello");
    }

    #[test]
    fn bounded() {
        let c = Microcache::default();
        for i in 0..=(MAX_TOTAL / MAX_ENTRY) {
            let body = Bytes::from(vec![0u8; MAX_ENTRY]);
            c.put(
                format!("/f{i}"),
                StatusCode::OK,
                HeaderMap::new(),
                vec![(FIXED, body)],
            );
        }
        let inner = c.lock();
        assert!(inner.bytes <= MAX_TOTAL);
        assert!(!inner.entries.contains_key("/f0"));
        assert_eq!(inner.entries.len(), inner.order.len());
    }

    #[test]
    fn entries_expire() {
        let c = Microcache::new(Duration::ZERO);
        c.put(
            "/a".into(),
            StatusCode::OK,
            HeaderMap::new(),
            vec![(FIXED, Bytes::from("a"))],
        );
        assert!(c.get("/a").is_none());
    }
}
