//! Signed-in visitors answered from the page cache (`trellis_server::page_cache`
//! with `page_parts`): the page kept for everyone, with the visitor's own
//! navigation bar put in, unless the page is personal.
//!
//! First the flow, against a counting handler behind the real layers (what was
//! rendered, for whom, and what was replayed); then on the real router, where a
//! spliced page must be byte for byte the page the app renders for that visitor.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use trellis_server::middleware::security_headers::{self, CspNonce};
use trellis_server::page_cache::{self, PageCache};

use crate::harness::{Client, Resp, TestApp};

/// A page as the app draws it: a bar (the visitor's links, or sign in), a
/// script with the nonce, a `-personal` path marked as the app marks them.
fn render(path: &str, who: Option<&str>, nonce: &str, n: usize) -> Response {
    let nav = match who {
        Some(u) => format!(
            "<a href=\"/account\" class=\"user-chip\">{u}</a><form><button>Sign out</button></form>"
        ),
        None => "<a href=\"/signin\">Sign in</a>".to_owned(),
    };
    let body = format!(
        "<html><div class=\"nav-right\">{nav}</div><main>{path} render {n}</main>\
         <script nonce=\"{nonce}\">__RESOLVED_RESOURCES=[];</script></html>"
    );
    let mut res = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    if path.ends_with("-personal") {
        res.headers_mut()
            .insert(app::api::ssr::PERSONAL_HEADER, "1".parse().unwrap());
    }
    if who.is_some() {
        // As the session layer does on every signed-in answer.
        res.headers_mut().insert(
            header::SET_COOKIE,
            "trellis_session=x; Path=/".parse().unwrap(),
        );
    }
    res
}

/// Who a request's session cookie says it is (`trellis_session=<name>`).
fn who(headers: &HeaderMap) -> Option<String> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    cookies
        .split(';')
        .find_map(|p| p.trim().strip_prefix("trellis_session="))
        .map(str::to_owned)
}

/// The handler behind the cache and the security headers, as in `router::router`,
/// logging for whom each render was made. Entries live an hour.
fn counting_router(renders: Arc<Mutex<Vec<String>>>) -> Router {
    let calls = Arc::new(AtomicUsize::new(0));
    let page = move |Extension(CspNonce(nonce)): Extension<CspNonce>,
                     uri: axum::http::Uri,
                     headers: HeaderMap| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let who = who(&headers);
        renders.lock().unwrap().push(format!(
            "{} for {}",
            uri.path(),
            who.as_deref().unwrap_or("anyone")
        ));
        async move { render(uri.path(), who.as_deref(), &nonce, n) }
    };
    Router::new()
        .route("/page", get(page.clone()))
        .route("/page-personal", get(page.clone()))
        .route("/account", get(page))
        .layer(axum::middleware::from_fn_with_state(
            PageCache::new(Duration::from_secs(3600)),
            page_cache::pages,
        ))
        .layer(axum::middleware::from_fn(security_headers::apply))
}

async fn send(router: &Router, path: &str, cookie: Option<&str>) -> (HeaderMap, String) {
    crate::page_cache::send(router, Method::GET, path, cookie).await
}

fn taken(renders: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *renders.lock().unwrap())
}

#[tokio::test]
async fn a_signed_in_visitor_gets_the_shared_render_with_their_own_bar() {
    let renders = Arc::new(Mutex::new(Vec::new()));
    let r = counting_router(renders.clone());
    let alice = Some("theme=dark; trellis_session=alice");
    // The first page of a session is rendered for it: it gives the session's bar.
    let (h, body) = send(&r, "/page", alice).await;
    assert!(h.contains_key(header::SET_COOKIE) && body.contains(">alice</a>"));
    assert_eq!(taken(&renders), ["/page for alice"]);
    // The next: rendered for anyone (without the session cookie), kept, spliced.
    let (h, body) = send(&r, "/page", alice).await;
    assert_eq!(taken(&renders), ["/page for anyone"]);
    assert!(!h.contains_key(header::SET_COOKIE));
    assert!(
        body.contains(">alice</a>") && !body.contains("Sign in"),
        "{body}"
    );
    assert!(body.contains("/page render 1"));
    let nonce = h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(body.contains(
        nonce
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
    ));
    // From now on nothing is rendered: Alice, anyone and Bob get the kept page.
    let (_, body) = send(&r, "/page", alice).await;
    assert!(body.contains(">alice</a>") && body.contains("/page render 1"));
    let (_, body) = send(&r, "/page", None).await;
    assert!(body.contains("Sign in") && !body.contains("alice") && body.contains("render 1"));
    assert!(taken(&renders).is_empty());
    let bob = Some("trellis_session=bob");
    send(&r, "/page", bob).await;
    let (_, body) = send(&r, "/page", bob).await;
    assert!(body.contains(">bob</a>") && !body.contains("alice") && body.contains("render 1"));
    assert_eq!(taken(&renders), ["/page for bob"]);
}

#[tokio::test]
async fn personal_pages_and_pages_where_a_link_is_current_are_rendered_for_the_visitor() {
    let renders = Arc::new(Mutex::new(Vec::new()));
    let r = counting_router(renders.clone());
    let alice = Some("trellis_session=alice");
    send(&r, "/page", alice).await;
    taken(&renders);
    // A personal page is tried once as for anyone, then remembered as personal.
    let (h, body) = send(&r, "/page-personal", alice).await;
    assert!(h.contains_key(header::SET_COOKIE) && body.contains(">alice</a>"));
    assert!(
        !h.contains_key(app::api::ssr::PERSONAL_HEADER),
        "the mark leaked"
    );
    assert_eq!(
        taken(&renders),
        ["/page-personal for anyone", "/page-personal for alice"]
    );
    send(&r, "/page-personal", alice).await;
    assert_eq!(taken(&renders), ["/page-personal for alice"]);
    // Anyone still gets it from the cache (it was kept for anyone).
    let (h, body) = send(&r, "/page-personal", None).await;
    assert!(body.contains("Sign in") && !h.contains_key(app::api::ssr::PERSONAL_HEADER));
    assert!(taken(&renders).is_empty());
    // `/account` is a link of Alice's bar: the router marks it current there.
    send(&r, "/account", None).await;
    taken(&renders);
    for _ in 0..2 {
        send(&r, "/account", alice).await;
    }
    assert_eq!(
        taken(&renders),
        ["/account for alice", "/account for alice"]
    );
    // Two session cookies: whose page it is is not this layer's guess.
    send(
        &r,
        "/page",
        Some("trellis_session=alice; trellis_session=bob"),
    )
    .await;
    assert_eq!(taken(&renders), ["/page for alice"]);
}

/// The CSP nonce named by a response's policy.
fn nonce(r: &Resp) -> String {
    let csp = r.header("content-security-policy").unwrap();
    let start = csp.find("'nonce-").unwrap() + "'nonce-".len();
    csp[start..start + csp[start..].find('\'').unwrap()].to_owned()
}

/// A page for `c`, with its nonce replaced by a fixed word.
async fn fetch(c: &Client, path: &str) -> (Resp, String) {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    let text = r.text.replace(&nonce(&r), "NONCE");
    (r, text)
}

#[tokio::test]
async fn a_spliced_page_is_byte_for_byte_the_page_rendered_for_the_visitor() {
    let app = TestApp::with_env(&[("TRELLIS_SERVER__PAGE_CACHE_MS", "60000")]).await;
    crate::pages_discovery::seed(&app).await;
    app.user("carol").await;
    app.admin("ops").await;
    for path in [
        "/",
        "/search?q=calender",
        "/plugins/acme.calendar-sync",
        "/namespaces/acme",
        "/categories/editing-support",
    ] {
        for who in ["carol", "ops"] {
            // A new session's first page is rendered for it (the answer sets its cookie).
            let c = &app.client();
            let r = c.sign_in(who, crate::harness::PASSWORD).await;
            assert!(
                r.status.is_success() || r.status.is_redirection(),
                "{}",
                r.status
            );
            let (rendered, want) = fetch(c, path).await;
            assert!(
                rendered.header("set-cookie").is_some(),
                "{path}: not rendered"
            );
            assert!(want.contains(&format!(">{who}</a>")), "{path}: {want}");
            // Then the shared render with the visitor's bar.
            let (spliced, got) = fetch(c, path).await;
            if spliced.header("set-cookie").is_some() {
                // The page is personal: rendered every time, nothing to compare.
                assert!(path.starts_with("/plugins/"), "{path} is personal");
                continue;
            }
            assert_eq!(got, want, "{path} spliced for {who}");
            assert!(spliced.header("x-trellis-personal").is_none());
        }
        let (anon, text) = fetch(&app.client(), path).await;
        assert!(anon.header("set-cookie").is_none());
        assert!(!text.contains("carol") && !text.contains(">ops<") && text.contains("Sign in"));
    }
}

#[tokio::test]
async fn a_session_sees_its_own_change_and_an_ended_session_its_end() {
    let app = TestApp::with_env(&[("TRELLIS_SERVER__PAGE_CACHE_MS", "60000")]).await;
    let dave = app.user("dave").await;
    let cookie = format!("trellis_session={}", dave.session_cookie().await.unwrap());
    for _ in 0..3 {
        assert!(dave.get("/").await.text.contains(">dave</a>"));
    }
    assert!(
        dave.get("/").await.header("set-cookie").is_none(),
        "not spliced"
    );
    // Pages that show who is signed in beyond the bar are rendered every time.
    for path in ["/account", "/account/tokens", "/account/security"] {
        let r = dave.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(r.header("set-cookie").is_some(), "{path} from the cache");
        assert!(
            r.header("x-trellis-personal").is_none(),
            "{path}: the mark leaked"
        );
    }
    // Signing out is a change: the old cookie is a stranger's at once.
    let out = dave
        .server_fn(
            <app::api::accounts::SignOut as leptos::server_fn::ServerFn>::PATH,
            &[],
        )
        .await;
    assert!(
        out.status.is_success() || out.status.is_redirection(),
        "{}",
        out.status
    );
    let r = app
        .client()
        .send(
            Request::get("/")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        r.text.contains("Sign in") && !r.text.contains("dave"),
        "{}",
        r.text
    );
}
