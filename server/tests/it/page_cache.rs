//! The page microcache (`trellis_server::page_cache`): a page kept for visitors
//! who are not signed in is replayed with a fresh CSP nonce that matches its
//! header; signed-in requests, answers that set a cookie, `/api/` and anything
//! but a `200` HTML answer to a `GET` are never kept, and a page without a
//! navigation bar to put a signed-in visitor's in is never replayed to one
//! (page_splice.rs has the pages that have one).
//!
//! First against a counting handler behind the real layers (so what was
//! rendered and what was replayed can be told apart), then on the real router.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use http_body_util::BodyExt;
use tower::ServiceExt;
use trellis_server::middleware::security_headers::{self, CspNonce};
use trellis_server::page_cache::{self, PageCache};

use crate::harness::TestApp;

/// The nonce named by a `Content-Security-Policy` header.
fn csp_nonce(headers: &HeaderMap) -> String {
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    let start = csp.find("'nonce-").expect("a nonce in the policy") + "'nonce-".len();
    let end = start + csp[start..].find('\'').unwrap();
    csp[start..end].to_owned()
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A router whose handlers count their calls, behind the page cache and the
/// security headers, as in `router::router`. Entries live an hour: no test
/// here depends on timing.
fn counting_router(calls: Arc<AtomicUsize>) -> Router {
    let page = {
        let calls = calls.clone();
        move |Extension(CspNonce(nonce)): Extension<CspNonce>, headers: HeaderMap| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let cookie = headers
                .get(header::COOKIE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            async move {
                html(format!(
                    "<html><script nonce=\"{nonce}\">1</script>render {n} cookie [{cookie}]\
                     <script nonce=\"{nonce}\">2</script></html>"
                ))
            }
        }
    };
    let count = |calls: &Arc<AtomicUsize>| {
        let calls = calls.clone();
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { html("<p>hi</p>".into()) }
        }
    };
    let sets_cookie = {
        let calls = calls.clone();
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async {
                let mut res = html("<p>cookie</p>".into());
                res.headers_mut()
                    .insert(header::SET_COOKIE, "x=1; Path=/".parse().unwrap());
                res
            }
        }
    };
    let missing = {
        let calls = calls.clone();
        move || {
            calls.fetch_add(1, Ordering::SeqCst);
            async { (StatusCode::NOT_FOUND, html("<p>gone</p>".into())) }
        }
    };
    Router::new()
        .route("/page", get(page.clone()).post(page))
        .route("/api/page", get(count(&calls)))
        .route("/sets-cookie", get(sets_cookie))
        .route("/missing", get(missing))
        .layer(axum::middleware::from_fn_with_state(
            PageCache::new(Duration::from_secs(3600)),
            page_cache::pages,
        ))
        .layer(axum::middleware::from_fn(security_headers::apply))
}

/// A request through `router`, with `cookie` if any: the answer's headers and body.
pub(crate) async fn send(
    router: &Router,
    method: Method,
    path: &str,
    cookie: Option<&str>,
) -> (HeaderMap, String) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn a_kept_page_gets_a_fresh_nonce_matching_its_policy_every_time() {
    let calls = Arc::new(AtomicUsize::new(0));
    let r = counting_router(calls.clone());
    let mut seen: Vec<String> = Vec::new();
    for cookie in [None, None, Some("theme=dark"), None] {
        let (h, body) = send(&r, Method::GET, "/page", cookie).await;
        let nonce = csp_nonce(&h);
        assert_eq!(
            body.matches(&format!("nonce=\"{nonce}\"")).count(),
            2,
            "{body}"
        );
        for old in &seen {
            assert!(!body.contains(old.as_str()), "a nonce replayed: {body}");
        }
        assert!(
            body.contains("render 0 cookie []"),
            "not the kept page: {body}"
        );
        seen.push(nonce);
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "rendered once, replayed three times"
    );
    // HEAD is answered from the kept page too.
    let (h, body) = send(&r, Method::HEAD, "/page", None).await;
    assert!(body.is_empty());
    assert!(!seen.contains(&csp_nonce(&h)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Another query string is another page.
    send(&r, Method::GET, "/page?x=1", None).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_signed_in_request_is_never_answered_from_the_cache_nor_kept() {
    let calls = Arc::new(AtomicUsize::new(0));
    let r = counting_router(calls.clone());
    let session = "a=1; trellis_session=personal";
    // Signed in first: rendered, and not kept for anyone.
    let (_, body) = send(&r, Method::GET, "/page", Some(session)).await;
    assert!(body.contains("render 0 cookie [a=1; trellis_session=personal]"));
    let (_, body) = send(&r, Method::GET, "/page", None).await;
    assert!(body.contains("render 1 cookie []"), "{body}");
    // The anonymous page is kept now, yet signed-in requests still render.
    for n in 2..4 {
        let (_, body) = send(&r, Method::GET, "/page", Some(session)).await;
        assert!(
            body.contains(&format!("render {n} cookie [{session}]")),
            "{body}"
        );
    }
    let (_, body) = send(&r, Method::GET, "/page", None).await;
    assert!(body.contains("render 1 cookie []"), "{body}");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn answers_that_set_cookies_and_other_answers_are_never_kept() {
    let calls = Arc::new(AtomicUsize::new(0));
    let r = counting_router(calls.clone());
    for _ in 0..2 {
        let (h, _) = send(&r, Method::GET, "/sets-cookie", None).await;
        assert!(h.contains_key(header::SET_COOKIE));
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "a response setting a cookie was replayed"
    );
    for _ in 0..2 {
        send(&r, Method::GET, "/api/page", None).await;
        send(&r, Method::GET, "/missing", None).await;
        send(&r, Method::POST, "/page", None).await;
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        8,
        "/api/, a 404 or a POST was replayed"
    );
    // A HEAD renders and keeps nothing: the next GET renders.
    send(&r, Method::HEAD, "/page", None).await;
    send(&r, Method::GET, "/page", None).await;
    assert_eq!(calls.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn real_pages_never_repeat_a_nonce_and_never_leak_a_signed_in_view() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let anon = app.client();
    let mut seen: Vec<String> = Vec::new();
    for round in 0..3 {
        let r = anon.get("/").await;
        assert_eq!(r.status, 200);
        let nonce = csp_nonce(&r.headers);
        assert!(r.text.contains(&format!("nonce=\"{nonce}\"")), "{}", r.text);
        assert!(
            seen.iter().all(|old| !r.text.contains(old.as_str())),
            "round {round}"
        );
        assert!(!r.text.contains("alice") && r.text.contains("Sign in"));
        assert!(r.header("set-cookie").is_none());
        seen.push(nonce);

        let r = alice.get("/").await;
        assert!(
            r.text.contains("alice"),
            "a signed-in visitor got the anonymous page"
        );
        assert!(r
            .text
            .contains(&format!("nonce=\"{}\"", csp_nonce(&r.headers))));
    }
}
