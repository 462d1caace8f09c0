//! `Idempotency-Key` on creating requests (docs/api-design.md, "Idempotency"):
//! a replay answers the first answer again and creates nothing; another request
//! under the key, or one while the first runs, is 409; malformed keys are 400;
//! keys are per user; stored answers never hold a token's secret in clear; a
//! 5xx or a cut-off request gives the key back; expired keys count as new and
//! housekeeping deletes them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine as _;
use futures::future::join_all;
use http::{header, HeaderValue, Request, StatusCode};
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, Resp, TestApp};

/// POSTs `body` as JSON to `path` with `Idempotency-Key: key` (raw bytes).
async fn post_with_key(c: &Client, path: &str, key: &[u8], body: Value) -> Resp {
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", HeaderValue::from_bytes(key).unwrap())
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn replayed(r: &Resp) -> bool {
    r.header("idempotent-replayed").as_deref() == Some("true")
}

/// Every stored row: (scope, key, state, fingerprint, headers, body).
async fn rows(app: &TestApp) -> Vec<(i64, String, String, String, Option<String>, Option<String>)> {
    sqlx::query(
        "SELECT scope, key, state, fingerprint, headers, body FROM idempotency_keys ORDER BY key",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get("scope"),
            r.get("key"),
            r.get("state"),
            r.get("fingerprint"),
            r.get("headers"),
            r.get("body"),
        )
    })
    .collect()
}

/// Moves every stored key `secs` into the past.
async fn age_keys(app: &TestApp, secs: i64) {
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - $1")
        .bind(secs)
        .execute(app.state.db.pool())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_replay_answers_again_and_creates_nothing() {
    let app = TestApp::new().await;
    let c = app.user("ida").await;
    let t = app.token_client(&c, &["read", "publish"]).await;

    let first = post_with_key(&t, "/api/v1/namespaces", b"ns-1", json!({"name": "ida"})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(!replayed(&first));
    let again = post_with_key(&t, "/api/v1/namespaces", b"ns-1", json!({"name": "ida"})).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert!(replayed(&again));
    assert_eq!(again.bytes, first.bytes);
    assert_eq!(again.header("content-type"), first.header("content-type"));
    // Without the key the same request runs, and collides with what the first made.
    t.post_json("/api/v1/namespaces", json!({"name": "ida"}))
        .await
        .problem(409, "conflict");

    // Another body under the same key is refused, and changes nothing.
    let other = post_with_key(&t, "/api/v1/namespaces", b"ns-1", json!({"name": "ida2"})).await;
    let p = other.problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("different request"),
        "{p}"
    );
    assert_eq!(t.get("/api/v1/namespaces/ida2").await.status, 404);

    // 4xx answers are kept and replayed too (like Stripe).
    let bad = post_with_key(&t, "/api/v1/namespaces", b"ns-2", json!({"name": "x"})).await;
    assert_eq!(bad.status.as_u16(), 422, "{}", bad.text);
    let bad_again = post_with_key(&t, "/api/v1/namespaces", b"ns-2", json!({"name": "x"})).await;
    assert_eq!(bad_again.status.as_u16(), 422);
    assert!(replayed(&bad_again));
    assert_eq!(bad_again.bytes, bad.bytes);
}

#[tokio::test]
async fn a_replayed_token_is_the_same_token_and_its_secret_is_never_stored_in_clear() {
    let app = TestApp::new().await;
    let c = app.user("tomas").await;
    let uid = app.db_user("tomas").await.unwrap().id;
    let body = json!({"name": "ci", "scopes": ["read"]});

    let first = post_with_key(&c, "/api/v1/tokens", b"tok-1", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let secret = first.json()["secret"].as_str().unwrap().to_owned();
    let again = post_with_key(&c, "/api/v1/tokens", b"tok-1", body).await;
    assert!(replayed(&again));
    assert_eq!(again.json()["secret"], secret.as_str());
    assert_eq!(again.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(app.db_tokens(uid).await.len(), 1, "one token, not two");

    let stored = rows(&app).await;
    assert_eq!(stored.len(), 1);
    let (scope, key, state, _, headers, sealed) = &stored[0];
    assert_eq!(
        (*scope, key.as_str(), state.as_str()),
        (uid, "tok-1", "done")
    );
    let sealed = sealed.as_deref().expect("a kept body");
    let token_part = &secret["trls_".len()..];
    for text in [sealed, headers.as_deref().unwrap_or("")] {
        assert!(!text.contains(token_part), "the secret is in clear: {text}");
    }
    let raw = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(sealed)
        .expect("base64");
    assert!(
        !raw.windows(token_part.len())
            .any(|w| w == token_part.as_bytes()),
        "the stored body holds the secret"
    );
    assert!(
        !String::from_utf8_lossy(&raw).contains("\"name\""),
        "not plain JSON"
    );
}

#[tokio::test]
async fn malformed_keys_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let c = app.user("mal").await;
    let long = vec![b'k'; 65];
    for key in [&b"a.b"[..], b"a b", b"", &long, b"caf\xc3\xa9", b"x/y"] {
        let r = post_with_key(&c, "/api/v1/namespaces", key, json!({"name": "mal"})).await;
        let p = r.problem(400, "bad_request");
        assert!(
            p["detail"].as_str().unwrap().contains("Idempotency-Key"),
            "{p}"
        );
    }
    // Twice is refused too.
    let r = c
        .send(
            Request::post("/api/v1/namespaces")
                .header(header::CONTENT_TYPE, "application/json")
                .header("idempotency-key", "a")
                .header("idempotency-key", "b")
                .body(Body::from(json!({"name": "mal"}).to_string()))
                .unwrap(),
        )
        .await;
    r.problem(400, "bad_request");
    assert_eq!(c.get("/api/v1/namespaces/mal").await.status, 404);
    // 64 characters of the alphabet are fine.
    let ok = [b'A', b'z', b'0', b'_', b'-'].repeat(13)[..64].to_vec();
    let r = post_with_key(&c, "/api/v1/namespaces", &ok, json!({"name": "mal"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Without credentials nothing is recorded: the answer is the usual 401.
    let anon = app.client();
    post_with_key(
        &anon,
        "/api/v1/namespaces",
        b"anon",
        json!({"name": "anon"}),
    )
    .await
    .problem(401, "unauthenticated");
    let kept: Vec<String> = rows(&app).await.into_iter().map(|r| r.1).collect();
    assert_eq!(kept, [String::from_utf8(ok).unwrap()]);
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    let app = TestApp::new().await;
    let a = app.user("alice").await;
    let b = app.user("bob").await;
    let r = post_with_key(&a, "/api/v1/namespaces", b"same", json!({"name": "alpha"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // Bob's key of the same name is his own: his request runs.
    let r = post_with_key(&b, "/api/v1/namespaces", b"same", json!({"name": "beta"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(!replayed(&r));
    // Even the very same request is not Alice's answer replayed to Bob.
    let r = post_with_key(&b, "/api/v1/namespaces", b"same", json!({"name": "alpha"})).await;
    assert!(!replayed(&r));
    r.problem(409, "conflict");
    let ns = b.get("/api/v1/namespaces/alpha").await.json();
    assert_eq!(ns["members"].as_array().unwrap().len(), 1, "{ns}");
}

#[tokio::test]
async fn concurrent_requests_with_one_key_run_once() {
    let app = TestApp::new().await;
    let c = app.user("cora").await;
    let t = app.token_client(&c, &["read", "publish"]).await;
    let uid = app.db_user("cora").await.unwrap().id;
    let tries = (0..8).map(|_| {
        post_with_key(
            &t,
            "/api/v1/tokens",
            b"race",
            json!({"name": "raced", "scopes": ["read"]}),
        )
    });
    let answers = join_all(tries).await;
    let ran = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED && !replayed(r))
        .count();
    assert_eq!(ran, 1, "{answers:#?}");
    for r in &answers {
        if r.status != StatusCode::CREATED {
            let p = r.problem(409, "conflict");
            assert!(p["detail"].as_str().unwrap().contains("in progress"), "{p}");
        }
    }
    let named: Vec<_> = app
        .db_tokens(uid)
        .await
        .into_iter()
        .filter(|t| t.name == "raced")
        .collect();
    assert_eq!(named.len(), 1);
}

#[tokio::test]
async fn a_server_error_or_a_cut_off_request_gives_the_key_back() {
    let app = TestApp::new().await;
    let c = app.user("sam").await;
    let t = app.token_client(&c, &["read", "publish"]).await;

    // A route that fails once, then works, behind the real middleware.
    let calls = Arc::new(AtomicUsize::new(0));
    let server = trellis_server::state::ServerState::new(app.state.clone()).unwrap();
    let flaky = {
        let calls = calls.clone();
        move || async move {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response(),
                n => (StatusCode::CREATED, format!("made {n}")).into_response(),
            }
        }
    };
    let router = axum::Router::new()
        .route("/api/v1/things", post(flaky))
        .layer(axum::middleware::from_fn_with_state(
            server,
            trellis_server::middleware::idempotency::guard,
        ));
    let flaky_client = Client {
        router,
        ..t.clone()
    };
    let r = post_with_key(&flaky_client, "/api/v1/things", b"k1", json!({})).await;
    assert_eq!(r.status.as_u16(), 500);
    assert!(rows(&app).await.is_empty(), "a 5xx keeps nothing");
    let r = post_with_key(&flaky_client, "/api/v1/things", b"k1", json!({})).await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (201, "made 1"));
    let r = post_with_key(&flaky_client, "/api/v1/things", b"k1", json!({})).await;
    assert_eq!((r.status.as_u16(), r.text.as_str()), (201, "made 1"));
    assert!(replayed(&r));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    // A claim whose request never finished (the connection dropped, the node died)
    // blocks its key for a short while only.
    let uid = app.db_user("sam").await.unwrap().id;
    let mut conn = app.state.db.conn().await.unwrap();
    let print = "not the fingerprint of any request";
    let claim = trellis_db::idempotency::claim(&mut conn, uid, "cut", print, 0, 0).await;
    assert_eq!(claim.unwrap(), trellis_db::idempotency::Claim::Claimed);
    drop(conn);
    let body = json!({"name": "cut"});
    let r = post_with_key(&t, "/api/v1/namespaces", b"cut", body.clone()).await;
    assert!(r.problem(409, "conflict")["detail"]
        .as_str()
        .unwrap()
        .contains("different"));
    age_keys(
        &app,
        trellis_server::middleware::idempotency::STALE_SECS + 1,
    )
    .await;
    let r = post_with_key(&t, "/api/v1/namespaces", b"cut", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn expired_keys_count_as_new_and_are_pruned() {
    let app = TestApp::without_housekeeping().await;
    let c = app.user("ezra").await;
    let r = post_with_key(&c, "/api/v1/namespaces", b"old", json!({"name": "ezra"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    age_keys(&app, 24 * 3600 + 5).await;
    // Past 24 hours the key is free again, even for another request.
    let r = post_with_key(&c, "/api/v1/namespaces", b"old", json!({"name": "ezra2"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(!replayed(&r));
    let r = post_with_key(&c, "/api/v1/namespaces", b"fresh", json!({"name": "ezra3"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 90000 WHERE key = 'old'")
        .execute(app.state.db.pool())
        .await
        .unwrap();

    let swept = trellis_platform::housekeeping::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(swept.idempotency_keys, 1);
    let kept: Vec<String> = rows(&app).await.into_iter().map(|r| r.1).collect();
    assert_eq!(kept, ["fresh"]);
}

#[tokio::test]
async fn a_request_through_both_middlewares_counts_one_token_use() {
    let app = TestApp::new().await;
    let c = app.user("una").await;
    let t = app.token_client(&c, &["read", "publish"]).await;
    let uid = app.db_user("una").await.unwrap().id;
    // The write limit, the idempotency guard and the handler each need the caller.
    let r = post_with_key(&t, "/api/v1/namespaces", b"once", json!({"name": "una"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.header("ratelimit-remaining").is_some());
    app.state.token_usage.flush(&app.state.db).await.unwrap();

    let mut conn = app.state.db.conn().await.unwrap();
    let log = trellis_db::security_log::list(&mut conn, uid, None, 100)
        .await
        .unwrap();
    let uses: Vec<&str> = log
        .iter()
        .filter(|e| e.kind == "token_used")
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(uses.len(), 1, "{uses:?}");
    assert!(uses[0].ends_with("used 1 time(s)."), "{uses:?}");
}
