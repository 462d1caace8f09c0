//! Static files: everything under the site root (`/pkg/trellis.css`, the wasm
//! and js, `/favicon.svg`), else the 404 page.
//!
//! Leptos's `file_and_error_handler` serves a file through tower-http's
//! `ServeDir`, at several hops to tokio's blocking pool per request (open,
//! metadata, each read). In front of it, a [`Microcache`] keeps a small file's
//! whole `200` answer (status, headers and bytes, exactly as `ServeDir` gave
//! them, per `Accept-Encoding` since `ServeDir` may pick precompressed files by
//! it) for a second, like nginx's `open_file_cache_valid 1s`: a file rewritten
//! on disk (cargo-leptos rebuilding the stylesheet) is served within a second.
//! Conditional and range requests always go to Leptos's handler.

use std::future::Future;

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::Response;

use crate::microcache::{plain_get, read_small, Microcache};
use crate::state::ServerState;

/// Answers from memory when it can; otherwise calls `files` (Leptos's file and
/// 404 handler) and keeps a `200` answer to a `GET` (always a file: the 404
/// page never is one).
pub async fn serve<F, Fut>(
    cache: &Microcache,
    uri: Uri,
    state: State<ServerState>,
    req: Request,
    files: F,
) -> Response
where
    F: FnOnce(Uri, State<ServerState>, Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let key = plain_get(&req).then(|| {
        let encoding = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        format!("{}\n{encoding}", req.uri().path())
    });
    if let Some(hit) = key.as_deref().and_then(|k| cache.get(k, b"")) {
        return hit;
    }
    let is_get = req.method() == Method::GET;
    let res = files(uri, state, req).await;
    match key {
        Some(key) if is_get && res.status() == StatusCode::OK => match read_small(res).await {
            Ok((parts, body)) => {
                cache.put(key, parts.status, parts.headers.clone(), vec![body.clone()]);
                Response::from_parts(parts, axum::body::Body::from(body))
            }
            Err(res) => res,
        },
        _ => res,
    }
}
