//! Cross-site request forgery: state-changing requests from other sites are refused.

use app::api::accounts::{SignIn, SignUp};
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::harness::{TestApp, PASSWORD};

#[tokio::test]
async fn server_functions_refuse_foreign_or_missing_origin() {
    let app = TestApp::new().await;
    let evil = app.client().with_origin("https://evil.example");
    let r = evil.sign_up("alice", PASSWORD, PASSWORD).await;
    r.problem(403, "csrf_rejected");
    assert!(app.db_user("alice").await.is_none());

    let blind = app.client().without_origin();
    blind
        .sign_in("alice", PASSWORD)
        .await
        .problem(403, "csrf_rejected");

    // Sec-Fetch-Site wins when present.
    let c = app.client();
    let body = format!("username=alice&password={}", PASSWORD.replace(' ', "+"));
    let r = c
        .send(
            http::Request::post(SignIn::PATH)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "cross-site")
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    r.problem(403, "csrf_rejected");

    // A Referer from our own origin is enough when Origin is absent.
    let r = blind
        .send(
            http::Request::post(SignUp::PATH)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("referer", "http://127.0.0.1:3000/signup")
                .body(axum::body::Body::from(format!(
                    "username=alice&password={0}&password_confirm={0}",
                    PASSWORD.replace(' ', "+")
                )))
                .unwrap(),
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{} {}",
        r.status,
        r.text
    );
}

#[tokio::test]
async fn cookie_authenticated_rest_calls_are_checked_but_bearer_calls_are_not() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let evil = c.clone().with_origin("https://evil.example");
    evil.post_json("/api/v1/tokens", json!({"name": "x", "scopes": ["read"]}))
        .await
        .problem(403, "csrf_rejected");
    assert!(app.db_tokens(1).await.is_empty());

    let t = app.token_client(&c, &["read"]).await;
    assert!(t.origin.is_none());
    let r = t
        .post_json("/api/v1/tokens", json!({"name": "y", "scopes": ["read"]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}
