//! API tokens: shown once, hashed, listed, revoked, expired, scoped.

use serde_json::json;

use crate::harness::TestApp;

#[tokio::test]
async fn create_shows_secret_once_and_stores_only_a_hash() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let r = c
        .post_json(
            "/api/v1/tokens",
            json!({"name": "ci", "scopes": ["read", "publish"], "expires_in_days": 30}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("trls_") && secret.len() == 45);
    assert_eq!(r.json()["token"]["prefix"], secret[..9]);

    let list = c.get("/api/v1/tokens").await;
    assert_eq!(list.status, 200);
    assert!(!list.text.contains(&secret));
    assert_eq!(list.json()["data"][0]["name"], "ci");
    assert_eq!(list.json()["data"][0]["scopes"], json!(["read", "publish"]));

    let stored = app.db_tokens(1).await;
    assert_eq!(stored.len(), 1);
    let row = trellis_db::sqlx::query("SELECT token_hash FROM api_tokens")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let hash: String = trellis_db::sqlx::Row::get(&row, "token_hash");
    assert_ne!(hash, secret);
    assert_eq!(hash.len(), 64);

    let t = app.bearer(&secret);
    let me = t.get("/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], "alice");
}

#[tokio::test]
async fn bad_token_inputs_are_refused_by_field() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let p = c
        .post_json("/api/v1/tokens", json!({"name": "", "scopes": []}))
        .await
        .problem(422, "validation_failed");
    let fields: Vec<_> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["name", "scopes"]);
    c.post_json(
        "/api/v1/tokens",
        json!({"name": "x", "scopes": ["read"], "expires_in_days": 0}),
    )
    .await
    .problem(422, "validation_failed");
    c.post_json("/api/v1/tokens", json!({"name": "x", "scopes": ["admin"]}))
        .await
        .problem(422, "validation_failed");
    c.post_json("/api/v1/tokens", json!({"name": "x", "scopes": ["root"]}))
        .await
        .problem(400, "bad_request");
    let r = c
        .send(
            http::Request::post("/api/v1/tokens")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    r.problem(400, "bad_request");
}

#[tokio::test]
async fn revoked_expired_unknown_and_malformed_tokens_each_say_so() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let r = c
        .post_json("/api/v1/tokens", json!({"name": "a", "scopes": ["read"]}))
        .await;
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let id = r.json()["token"]["id"].as_i64().unwrap();

    assert_eq!(c.delete(&format!("/api/v1/tokens/{id}")).await.status, 204);
    app.bearer(&secret)
        .get("/api/v1/me")
        .await
        .problem(401, "token_revoked");
    c.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .problem(404, "not_found");

    let r = c
        .post_json(
            "/api/v1/tokens",
            json!({"name": "b", "scopes": ["read"], "expires_in_days": 1}),
        )
        .await;
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    trellis_db::sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE name = 'b'")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    app.bearer(&secret)
        .get("/api/v1/me")
        .await
        .problem(401, "token_expired");

    app.bearer("trls_0000000000000000000000000000000000000000")
        .get("/api/v1/me")
        .await
        .problem(401, "invalid_token");
    app.bearer("garbage")
        .get("/api/v1/me")
        .await
        .problem(401, "invalid_token");
    let r = app
        .client()
        .send(
            http::Request::get("/api/v1/me")
                .header("authorization", "Basic abc")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    r.problem(401, "invalid_token");
    app.client()
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn scopes_are_enforced() {
    let app = TestApp::new().await;
    let admin = app.admin("root1").await;
    let user = app.user("alice").await;

    // A read token cannot mint a publish token.
    let read = app.token_client(&user, &["read"]).await;
    read.post_json(
        "/api/v1/tokens",
        json!({"name": "x", "scopes": ["publish"]}),
    )
    .await
    .problem(403, "insufficient_scope");
    // A publish-only token cannot read.
    let publish = app.token_client(&user, &["publish"]).await;
    publish
        .get("/api/v1/me")
        .await
        .problem(403, "insufficient_scope");

    // Admin endpoint: needs the admin role and the admin scope.
    user.get("/api/v1/admin/users")
        .await
        .problem(403, "forbidden");
    let admin_read = app.token_client(&admin, &["read"]).await;
    admin_read
        .get("/api/v1/admin/users")
        .await
        .problem(403, "insufficient_scope");
    let admin_full = app.token_client(&admin, &["read", "admin"]).await;
    let r = admin_full.get("/api/v1/admin/users").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    assert_eq!(admin.get("/api/v1/admin/users").await.status, 200);
}

#[tokio::test]
async fn token_ui_server_functions_create_list_and_revoke() {
    use app::api::tokens::{CreateToken, ListTokens, RevokeToken};
    use leptos::server_fn::ServerFn;
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    let r = c
        .server_fn(
            CreateToken::PATH,
            &[
                ("name", "laptop"),
                ("expires_in_days", "never"),
                ("scope_read", "on"),
                ("scope_webhooks", "on"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json()["secret"].as_str().unwrap().starts_with("trls_"));
    assert_eq!(r.json()["token"]["scopes"], json!(["read", "webhooks"]));
    let list = c.server_fn(ListTokens::PATH, &[]).await.json();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    assert_eq!(list[0]["expires_at"], serde_json::Value::Null);
    let r = c.server_fn(RevokeToken::PATH, &[("id", &id)]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(c.server_fn(ListTokens::PATH, &[]).await.json()[0]["revoked_at"].is_i64());
    // Signed out: refused.
    let r = app.client().server_fn(ListTokens::PATH, &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["code"], "unauthenticated");
}
