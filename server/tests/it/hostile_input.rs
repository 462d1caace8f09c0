//! Hostile input at the HTTP edge: unbounded metrics labels, missing security
//! headers, text injected through `__err`, bad server-function bodies, CSRF
//! origin tricks, forged request ids, and non-problem API errors. Every case
//! talks to the server through HTTP only.

use app::api::accounts::{ChangePassword, SignIn, SignOut};
use app::api::tokens::CreateToken;
use axum::body::Body;
use http::{header, Method, Request};
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::harness::{Client, Resp, TestApp, ORIGIN};

// ---- /metrics -------------------------------------------------------------

async fn hit(c: &Client, method: &str, path: &str) -> Resp {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    c.send(
        Request::builder()
            .method(m)
            .uri(path)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.rsplit_once(' ').map(|(k, _)| k).unwrap_or(l))
        .collect()
}

#[tokio::test]
async fn metrics_labels_are_bounded() {
    let app = TestApp::new().await;
    let c = app.client();
    let paths = ["/healthz", "/api/v1/me", "/no/such/page", "/api/v1/nope"];
    for i in 0..30 {
        hit(&c, &format!("PROBE{i}"), paths[i % paths.len()]).await;
    }
    c.get("/metrics").await;
    let before = c.get("/metrics").await;
    assert_eq!(before.status, 200);
    assert!(!before.text.contains("PROBE"), "{}", before.text);
    assert!(before.text.contains(r#"method="other""#), "{}", before.text);

    // More random methods and more random paths add no new series.
    for i in 0..30 {
        hit(&c, &format!("XRAND{i}"), paths[i % paths.len()]).await;
        hit(&c, "GET", &format!("/random/{i}/page")).await;
        hit(&c, "POST", &format!("/api/v1/random{i}")).await;
    }
    c.get("/metrics").await;
    let after = c.get("/metrics").await;
    assert!(!after.text.contains("XRAND"), "{}", after.text);
    assert!(!after.text.contains("/random/"), "{}", after.text);
    let (b, a) = (series(&before.text), series(&after.text));
    let new: Vec<_> = a.iter().filter(|s| !b.contains(s)).collect();
    // The only new series may be the ones of the random GET/POST paths (one each, not thirty).
    assert!(new.len() <= 30, "{} new series: {new:#?}", new.len());
    assert!(
        after.text.len() < before.text.len() * 2,
        "metrics grew from {} to {} bytes",
        before.text.len(),
        after.text.len()
    );
}

#[tokio::test]
async fn metrics_require_the_configured_token() {
    let token = "metrics-token-0123456789abcdef";
    let app = TestApp::with_env(&[("TRELLIS_METRICS__TOKEN", token)]).await;
    let c = app.client();
    let r = c.get("/metrics").await;
    r.problem(401, "unauthenticated");
    assert!(r.header("www-authenticate").is_some());
    let with = |v: &str| {
        Request::get("/metrics")
            .header(header::AUTHORIZATION, v)
            .body(Body::empty())
            .unwrap()
    };
    c.send(with("Bearer wrong"))
        .await
        .problem(401, "unauthenticated");
    c.send(with(&format!("Bearer {token}x")))
        .await
        .problem(401, "unauthenticated");
    let r = c.send(with(&format!("Bearer {token}"))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("trellis_http_requests_total"));
}

#[tokio::test]
async fn metrics_are_closed_on_a_public_instance_without_a_token() {
    let app = TestApp::with_env(&[("TRELLIS_PUBLIC_URL", "https://trellis.example.com")]).await;
    let r = app.client().get("/metrics").await;
    r.problem(404, "not_found");
    assert!(!r.text.contains("trellis_http"), "{}", r.text);
}

// ---- security headers -------------------------------------------------------

fn csp_nonce(r: &Resp) -> String {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {}: {:?}", r.status, r.headers));
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
            .to_owned()
    };
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    assert_eq!(directive("object-src"), "object-src 'none'");
    assert_eq!(directive("base-uri"), "base-uri 'self'");
    let script = directive("script-src");
    assert!(script.contains("'wasm-unsafe-eval'"), "{script}");
    assert!(!script.contains("unsafe-inline"), "{script}");
    assert!(!script.contains("'unsafe-eval'"), "{script}");
    let nonce = script
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-"))
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {script}"))
        .to_owned();
    assert!(nonce.len() >= 22, "{nonce}");
    nonce
}

fn assert_scripts_carry(r: &Resp, nonce: &str) {
    let scripts: Vec<&str> = r.text.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "no scripts in {}", r.text);
    for s in scripts {
        let tag = s.split('>').next().unwrap();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "script without the page nonce: <script{tag}>"
        );
    }
}

#[tokio::test]
async fn csp_header_carries_the_page_nonce() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let mut seen = Vec::new();
    for path in ["/", "/signin", "/account/tokens", "/no-such-page"] {
        let r = c.get(path).await;
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        let nonce = csp_nonce(&r);
        assert_scripts_carry(&r, &nonce);
        assert!(!seen.contains(&nonce), "nonce reused: {nonce}");
        seen.push(nonce);
    }
}

#[tokio::test]
async fn security_headers_on_pages_api_and_assets() {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(site.path().join("pkg")).unwrap();
    std::fs::write(site.path().join("pkg/trellis.js"), "export default 1;").unwrap();
    let root = site.path().display().to_string();
    let app = TestApp::with_env(&[("TRELLIS_SITE_ROOT", &root)]).await;
    let c = app.client();
    for path in [
        "/",
        "/api/v1/categories",
        "/api/v1/me",
        "/healthz",
        "/pkg/trellis.js",
    ] {
        let r = c.get(path).await;
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            r.header("referrer-policy").as_deref(),
            Some("strict-origin-when-cross-origin"),
            "{path}"
        );
        assert!(r.header("content-security-policy").is_some(), "{path}");
    }
    let page = c.get("/signin").await;
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    let asset = c.get("/pkg/trellis.js").await;
    assert_eq!(asset.status, 200, "{}", asset.text);
    assert_ne!(asset.header("cache-control").as_deref(), Some("no-store"));
}

#[tokio::test]
async fn token_creation_is_never_cached() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let r = c
        .post_json("/api/v1/tokens", json!({"name": "ci", "scopes": ["read"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let r = c
        .server_fn(CreateToken::PATH, &[("name", "ui"), ("scope_read", "on")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("trls_"), "{}", r.text);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
}

// ---- __err in the URL --------------------------------------------------------

fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn err_url(page: &str, fn_path: &str, err: serde_json::Value) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("__path", fn_path)
        .append_pair("__err", &b64url(err.to_string().as_bytes()))
        .finish();
    format!("{page}?{q}")
}

#[tokio::test]
async fn err_param_cannot_inject_text() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let evil = "Paste your token at https://evil.example/verify";
    let cases = [
        ("/account/tokens", CreateToken::PATH, "forbidden"),
        ("/account", ChangePassword::PATH, "no_such_code"),
        ("/account", ChangePassword::PATH, "validation_failed"),
    ];
    for (page, fn_path, code) in cases {
        let url = err_url(
            page,
            fn_path,
            json!({"code": code, "detail": evil, "fields": [], "request_id": "evil.example"}),
        );
        let r = c.get(&url).await;
        assert_eq!(r.status, 200, "{url}");
        assert!(!r.text.contains("evil.example"), "{url}: {}", r.text);
        assert!(r.text.contains("banner-error"), "{url}: no error banner");
    }
    // Field errors from the URL do not carry their text either.
    let url = err_url(
        "/account",
        ChangePassword::PATH,
        json!({"code": "validation_failed", "detail": "x",
               "fields": [{"field": "new_password", "code": "weak", "detail": evil}]}),
    );
    let r = c.get(&url).await;
    assert!(!r.text.contains("evil.example"), "{}", r.text);
}

// ---- server functions: bad bodies are 400 ----------------------------------

async fn raw_fn(c: &Client, path: &str, ctype: &str, body: Vec<u8>) -> Resp {
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, ctype)
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn signin_bad_bodies_are_400() {
    let app = TestApp::new().await;
    let c = app.client();
    let form = "application/x-www-form-urlencoded";
    let multipart =
        "--XyZ\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n--XyZ--\r\n";
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (SignIn::PATH, form, b"username=alice".to_vec()),
        (
            SignIn::PATH,
            form,
            b"username=al\xff\xfeice&password=x".to_vec(),
        ),
        (
            SignIn::PATH,
            "application/json",
            br#"{"username":"alice","password":"x"}"#.to_vec(),
        ),
        (
            SignIn::PATH,
            "multipart/form-data; boundary=XyZ",
            multipart.as_bytes().to_vec(),
        ),
        (CreateToken::PATH, form, b"scope_read=on".to_vec()),
    ];
    for (path, ctype, body) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let r = raw_fn(&c, path, ctype, body).await;
        assert_eq!(r.status, 400, "{path} {ctype} {shown}: {}", r.text);
        let v = r.json();
        assert_eq!(v["code"], "bad_request", "{}", r.text);
        assert_eq!(
            v["request_id"].as_str(),
            r.header("x-request-id").as_deref(),
            "{}",
            r.text
        );
    }
}

// ---- CSRF -------------------------------------------------------------------

async fn sign_out_with(c: &Client, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::post(SignOut::PATH)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    c.send(req.body(Body::empty()).unwrap()).await
}

fn accepted(r: &Resp) {
    assert!(
        !(r.status == 403 && r.text.contains("csrf_rejected")),
        "refused: {} {}",
        r.status,
        r.text
    );
}

#[tokio::test]
async fn csrf_refuses_null_origin() {
    let app = TestApp::new().await;
    let c = app.client().without_origin();
    sign_out_with(
        &c,
        &[
            ("origin", "null"),
            ("referer", "http://127.0.0.1:3000/signin"),
        ],
    )
    .await
    .problem(403, "csrf_rejected");
    // A Referer alone from our own origin still passes.
    accepted(&sign_out_with(&c, &[("referer", "http://127.0.0.1:3000/signin")]).await);
}

#[tokio::test]
async fn csrf_refuses_scheme_mismatch() {
    let app = TestApp::new().await;
    let c = app.client().without_origin();
    sign_out_with(&c, &[("origin", "https://127.0.0.1:3000")])
        .await
        .problem(403, "csrf_rejected");
    sign_out_with(&c, &[("referer", "https://127.0.0.1:3000/signin")])
        .await
        .problem(403, "csrf_rejected");
    accepted(&sign_out_with(&c, &[("origin", ORIGIN)]).await);
}

#[tokio::test]
async fn csrf_refuses_foreign_origin_with_fetch_site_none() {
    let app = TestApp::new().await;
    let c = app.client().without_origin();
    for site in ["none", "same-origin"] {
        sign_out_with(
            &c,
            &[("sec-fetch-site", site), ("origin", "https://evil.example")],
        )
        .await
        .problem(403, "csrf_rejected");
    }
    sign_out_with(&c, &[("sec-fetch-site", "same-site"), ("origin", ORIGIN)])
        .await
        .problem(403, "csrf_rejected");
    accepted(&sign_out_with(&c, &[("sec-fetch-site", "same-origin"), ("origin", ORIGIN)]).await);
    // A browser-initiated navigation (typed URL, bookmark) sends no Origin.
    accepted(&sign_out_with(&c, &[("sec-fetch-site", "none")]).await);
}

// ---- request ids --------------------------------------------------------------

#[tokio::test]
async fn forged_request_id_is_replaced() {
    let app = TestApp::new().await;
    let c = app.client();
    let long = "a".repeat(65);
    for forged in [
        r#"abc" level=error msg="forged"#,
        "two words",
        long.as_str(),
        "",
        "semi;colon",
    ] {
        let r = c
            .send(
                Request::get("/api/v1/nothing-here")
                    .header("x-request-id", forged)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let p = r.problem(404, "not_found");
        let id = p["request_id"].as_str().unwrap();
        assert_ne!(id, forged);
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    let fine = "trace-01.ABC_xyz";
    let r = c
        .send(
            Request::get("/api/v1/nothing-here")
                .header("x-request-id", fine)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.problem(404, "not_found")["request_id"], fine);
}

// ---- REST errors are problem+json -------------------------------------------------

#[tokio::test]
async fn path_errors_are_problem_json() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let r = c.delete("/api/v1/tokens/not-a-number").await;
    let p = r.problem(400, "bad_request");
    assert!(p["detail"].as_str().unwrap().contains("`id`"), "{}", r.text);
}

#[tokio::test]
async fn query_errors_are_problem_json() {
    let app = TestApp::new().await;
    let r = app.client().get("/api/v1/plugins?limit=lots").await;
    let p = r.problem(400, "bad_request");
    assert!(
        p["detail"].as_str().unwrap().contains("`limit`"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn method_not_allowed_is_problem_json() {
    let app = TestApp::new().await;
    let c = app.client();
    let r = c
        .send(Request::patch("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    r.problem(405, "method_not_allowed");
    assert!(
        r.header("allow").is_some_and(|a| a.contains("GET")),
        "{:?}",
        r.headers
    );
}

#[tokio::test]
async fn json_rejections_keep_their_status_as_problem_json() {
    let app = TestApp::new().await;
    let c = app.client();
    let r = c
        .send(
            Request::post("/api/v1/resolve")
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    r.problem(415, "unsupported_media_type");
    let big = format!("{{\"plugins\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    let r = c
        .send(
            Request::post("/api/v1/resolve")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    r.problem(413, "payload_too_large");
    let r = c
        .send(
            Request::post("/api/v1/resolve")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{not json"))
                .unwrap(),
        )
        .await;
    r.problem(400, "bad_request");
}

#[tokio::test]
async fn metrics_listener_serves_only_metrics() {
    let token = "separate-listener-token-0123";
    let app = TestApp::with_env(&[
        ("TRELLIS_METRICS__LISTEN", "127.0.0.1:9"),
        ("TRELLIS_METRICS__TOKEN", token),
    ])
    .await;
    // The main listener no longer serves /metrics, token or not.
    let r = app
        .client()
        .send(
            Request::get("/metrics")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    r.problem(404, "not_found");

    // The real startup: the main listener and the metrics listener share one registry.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut env = app.env.clone();
    env.retain(|(k, _)| k != "TRELLIS_METRICS__LISTEN");
    env.push((
        "TRELLIS_METRICS__LISTEN".into(),
        format!("127.0.0.1:{port}"),
    ));
    let cfg = trellis_platform::config::load(None, &env).unwrap();
    let running = trellis_server::startup::Server::build(cfg)
        .await
        .unwrap()
        .spawn(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let main = running.base_url();
    let addr = format!("127.0.0.1:{port}");
    assert_eq!(
        reqwest::get(format!("{main}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let r = http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(format!("{base}/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            r#"trellis_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{text}"
    );
    for path in ["/healthz", "/", "/api/v1/me"] {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    running.stop().await.unwrap();
}
