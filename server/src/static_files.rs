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
//! Range requests always go to Leptos's handler (which sends the whole file); a
//! revalidation is answered `304` here. A release build
//! made with `--precompress` (scripts/run.sh) has brotli and gzip copies beside
//! the wasm, js and css, which `ServeDir` sends to browsers that accept them;
//! every file answer says `Vary: Accept-Encoding`, and `Cache-Control: no-cache`
//! (see [`file_headers`]).

use std::future::Future;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;

use crate::microcache::{plain_get, read_small, Microcache, FIXED};
use crate::state::ServerState;

/// Answers from memory when it can; otherwise calls `files` (Leptos's file and
/// 404 handler) and keeps a `200` answer to a `GET` (always a file: the 404
/// page never is one). A revalidation (`If-Modified-Since` equal to the file's
/// `Last-Modified`, compared exactly as nginx does by default) gets a `304`:
/// Leptos's handler passes only `Accept-Encoding` on to `ServeDir` and would send
/// the whole file again.
pub async fn serve<F, Fut>(
    cache: &Microcache,
    uri: Uri,
    state: State<ServerState>,
    mut req: Request,
    files: F,
) -> Response
where
    F: FnOnce(Uri, State<ServerState>, Request) -> Fut,
    Fut: Future<Output = Response>,
{
    let since = match *req.method() {
        Method::GET | Method::HEAD => req.headers_mut().remove(header::IF_MODIFIED_SINCE),
        _ => None,
    };
    let res = answer(cache, uri, state, req, files).await;
    match since {
        Some(since)
            if res.status() == StatusCode::OK
                && res.headers().get(header::LAST_MODIFIED) == Some(&since) =>
        {
            not_modified(res)
        }
        _ => res,
    }
}

async fn answer<F, Fut>(
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
    if let Some(hit) = key.as_deref().and_then(|k| cache.get(k)) {
        return hit.respond(|_| None);
    }
    let is_get = req.method() == Method::GET;
    let res = file_headers(files(uri, state, req).await);
    match key {
        Some(key) if is_get && res.status() == StatusCode::OK => match read_small(res).await {
            Ok((parts, body)) => {
                cache.put(
                    key,
                    parts.status,
                    parts.headers.clone(),
                    vec![(FIXED, body.clone())],
                );
                Response::from_parts(parts, axum::body::Body::from(body))
            }
            Err(res) => res,
        },
        _ => res,
    }
}

/// A `304` for a file's `200`: its caching headers, no body.
fn not_modified(file: Response) -> Response {
    let (parts, _) = file.into_parts();
    let mut res = Response::new(axum::body::Body::empty());
    *res.status_mut() = StatusCode::NOT_MODIFIED;
    for name in [
        header::CACHE_CONTROL,
        header::LAST_MODIFIED,
        header::VARY,
        header::CONTENT_LOCATION,
        header::ETAG,
    ] {
        for v in parts.headers.get_all(&name) {
            res.headers_mut().append(name.clone(), v.clone());
        }
    }
    res
}

/// Headers every file answer gets (the 404 page is left alone):
/// - `Vary: Accept-Encoding`: the answer depends on it whenever a precompressed
///   copy (`.br`, `.gz`, written by `cargo leptos build --release --precompress`)
///   sits beside the file, and `ServeDir` does not say so; shared caches must not
///   give a brotli body to a client that did not ask for one;
/// - `Cache-Control: no-cache`: the files keep their names from one release to
///   the next (`/pkg/trellis.wasm`), so a browser must ask before reusing its copy
///   (a `304` when nothing changed): a page of a new release never hydrates with
///   the old release's bundle.
fn file_headers(mut res: Response) -> Response {
    if matches!(
        res.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT | StatusCode::NOT_MODIFIED
    ) {
        let h = res.headers_mut();
        h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
    }
    res
}
