//! Webhook endpoints over REST: field-level validation that saves nothing,
//! who sees and manages which endpoints, secrets (reveal, rotate), the SSRF
//! guard at creation, and the message log's filters.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

use crate::harness::{Client, Resp, TestApp};

/// Settings every webhook test uses: deliveries may reach loopback (the
/// receiver), and retries come quickly.
pub const FAST: &[(&str, &str)] = &[
    ("TRELLIS_WEBHOOKS__ALLOW_NETWORKS", "127.0.0.0/8"),
    (
        "TRELLIS_WEBHOOKS__RETRY_SCHEDULE",
        "0s, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms",
    ),
    ("TRELLIS_WEBHOOKS__TIMEOUT_MS", "1000"),
    ("TRELLIS_EVENTS__POLL_MS", "50"),
];

pub async fn patch_json(c: &Client, path: &str, body: Value) -> Resp {
    c.send(
        Request::patch(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// Creates an endpoint and returns its JSON.
pub async fn endpoint(c: &Client, body: Value) -> Value {
    let r = c.post_json("/api/v1/webhooks/endpoints", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn bad_endpoints_get_field_errors_and_nothing_is_saved() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let big = "x".repeat(2000);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"url": "not a url"}), "url"),
        (json!({"url": "ftp://example.com/hook"}), "url"),
        (json!({"url": "https://user:pw@example.com/hook"}), "url"),
        (
            json!({"url": "https://example.com/h", "event_types": ["plugin.nope"]}),
            "event_types[0]",
        ),
        (
            json!({"url": "https://example.com/h", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://example.com/h", "filter": [{"path": "data.x", "op": "like", "value": 1}]}),
            "filter[0].op",
        ),
        (
            json!({"url": "https://example.com/h", "filter": {"not": "a list"}}),
            "filter",
        ),
        (
            json!({"url": "https://example.com/h", "headers": {"X-Big": big}}),
            "headers.X-Big",
        ),
        (
            json!({"url": "https://example.com/h", "headers": {"webhook-signature": "v1,forged"}}),
            "headers.webhook-signature",
        ),
        (
            json!({"url": "https://example.com/h", "secret": "plaintext"}),
            "secret",
        ),
        (
            json!({"url": "https://example.com/h", "rate_limit_per_sec": 0}),
            "rate_limit_per_sec",
        ),
        (
            json!({"url": "https://example.com/h", "format": "fax"}),
            "format",
        ),
        (json!({"url": "http://127.0.0.1:9/h"}), "url"),
    ];
    for (body, field) in cases {
        let r = admin
            .post_json("/api/v1/webhooks/endpoints", body.clone())
            .await;
        // Loopback is allowed in FAST; the SSRF case is checked below without it.
        if field == "url" && body["url"] == "http://127.0.0.1:9/h" {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            let id = r.json()["id"].as_str().unwrap().to_owned();
            assert_eq!(
                admin
                    .delete(&format!("/api/v1/webhooks/endpoints/{id}"))
                    .await
                    .status,
                StatusCode::NO_CONTENT
            );
            continue;
        }
        let p = r.problem(422, "validation_failed");
        assert!(fields(&p).contains(&field.to_owned()), "{body}: {p}");
    }
    // A body that is not the shape at all is a 400; unknown fields too.
    admin
        .post_json(
            "/api/v1/webhooks/endpoints",
            json!({"url": "https://e.com", "colour": "red"}),
        )
        .await
        .problem(400, "bad_request");
    // An oversized body is refused before it is read.
    let huge = json!({"url": "https://e.com/h", "description": "x".repeat(100_000)});
    admin
        .post_json("/api/v1/webhooks/endpoints", huge)
        .await
        .problem(413, "payload_too_large");
    let list = admin.get("/api/v1/webhooks/endpoints").await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");

    // Without an allow list, addresses that are not public are refused at once.
    let strict = TestApp::new().await;
    let admin = strict.admin("opal").await;
    for url in [
        "http://127.0.0.1:8080/h",
        "http://169.254.169.254/latest",
        "http://[::1]/h",
        "http://10.1.2.3/h",
    ] {
        let p = admin
            .post_json("/api/v1/webhooks/endpoints", json!({ "url": url }))
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["code"], "refused_address", "{url}: {p}");
    }
}

#[tokio::test]
async fn admins_see_every_endpoint_and_publishers_their_namespaces() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let alice = app.publisher("alice", "acme").await;
    let bob = app.publisher("bob", "tools").await;
    let global = endpoint(&admin, json!({"url": "https://hooks.example.com/all"})).await;
    assert_eq!(global["namespace"], Value::Null);
    assert_eq!(global["event_types"], json!(["*"]));
    assert_eq!(global["format"], "standard");
    let mine = endpoint(&alice, json!({"url": "https://hooks.example.com/acme", "namespace": "acme", "event_types": ["plugin.*", "namespace.created"]})).await;
    // Publishers cannot create instance-wide endpoints, nor for others' namespaces.
    alice
        .post_json(
            "/api/v1/webhooks/endpoints",
            json!({"url": "https://e.com/x"}),
        )
        .await
        .problem(403, "forbidden");
    alice
        .post_json(
            "/api/v1/webhooks/endpoints",
            json!({"url": "https://e.com/x", "namespace": "tools"}),
        )
        .await
        .problem(403, "forbidden");
    alice
        .post_json(
            "/api/v1/webhooks/endpoints",
            json!({"url": "https://e.com/x", "namespace": "ghost"}),
        )
        .await
        .problem(422, "validation_failed");
    let ids = |v: Value| -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = ids(admin.get("/api/v1/webhooks/endpoints").await.json());
    assert!(all.contains(&global["id"].as_str().unwrap().to_owned()) && all.len() == 2);
    assert_eq!(
        ids(alice.get("/api/v1/webhooks/endpoints").await.json()),
        vec![mine["id"].as_str().unwrap().to_owned()]
    );
    assert!(ids(bob.get("/api/v1/webhooks/endpoints").await.json()).is_empty());
    // Another namespace's endpoint does not exist as far as bob can tell.
    let path = format!(
        "/api/v1/webhooks/endpoints/{}",
        mine["id"].as_str().unwrap()
    );
    bob.get(&path).await.problem(404, "not_found");
    bob.delete(&path).await.problem(404, "not_found");
    bob.get(&format!("{path}/secret"))
        .await
        .problem(404, "not_found");
    // A token needs the webhooks scope.
    let read_only = app.token_client(&alice, &["read"]).await;
    read_only
        .get("/api/v1/webhooks/endpoints")
        .await
        .problem(403, "insufficient_scope");
    let hooks = app.token_client(&alice, &["webhooks"]).await;
    assert_eq!(hooks.get(&path).await.status, StatusCode::OK);

    // Changes: absent fields stay; `filter: []` removes the filter; each change is an event.
    let r = patch_json(&alice, &path, json!({"description": "CI", "filter": [{"path": "data.version", "op": "prefix", "value": "1."}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["description"], "CI");
    assert_eq!(r.json()["url"], "https://hooks.example.com/acme");
    let r = patch_json(&alice, &path, json!({"filter": [], "enabled": false})).await;
    assert_eq!(r.json()["filter"], Value::Null);
    assert_eq!(r.json()["enabled"], false);
    assert_eq!(r.json()["disabled_reason"], "manual");
    let bad = patch_json(
        &alice,
        &path,
        json!({"url": "gopher://x", "description": "kept?"}),
    )
    .await;
    bad.problem(422, "validation_failed");
    assert_eq!(
        alice.get(&path).await.json()["description"],
        "CI",
        "a refused change saves nothing"
    );
    let events = admin.get("/api/v1/events?type=webhook.*").await.json();
    let types: Vec<&str> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "webhook.endpoint.created")
            .count(),
        2,
        "{types:?}"
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "webhook.endpoint.updated")
            .count(),
        2,
        "{types:?}"
    );
    assert!(
        !events.to_string().contains("hooks.example.com/acme"),
        "an endpoint's URL never appears in an event"
    );
    assert_eq!(alice.delete(&path).await.status, StatusCode::NO_CONTENT);
    alice.get(&path).await.problem(404, "not_found");
}

#[tokio::test]
async fn secrets_are_revealed_on_request_rotated_with_overlap_and_sealed_at_rest() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let given = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let e = endpoint(
        &admin,
        json!({"url": "https://hooks.example.com/x", "secret": given}),
    )
    .await;
    assert!(
        !e.to_string().contains("whsec_"),
        "the endpoint never carries its secret: {e}"
    );
    let path = format!("/api/v1/webhooks/endpoints/{}", e["id"].as_str().unwrap());
    let s = admin.get(&format!("{path}/secret")).await.json();
    assert_eq!(s["secret"], given);
    assert_eq!(s["previous_secret_until"], Value::Null);
    // At rest the secret is sealed, never in clear.
    let row = trellis_db::webhooks::endpoint(
        &mut app.state.db.conn().await.unwrap(),
        e["id"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(!row.secret.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    let r = admin
        .post_json(&format!("{path}/secret/rotate"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rotated = r.json();
    assert!(rotated["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_ne!(rotated["secret"], given);
    assert!(rotated["previous_secret_until"].as_i64().unwrap() > 0);
    assert_eq!(admin.get(&path).await.json()["rotating"], true);
    admin
        .post_json(
            &format!("{path}/secret/rotate"),
            json!({"secret": "whsec_short"}),
        )
        .await
        .problem(422, "validation_failed");
}

#[tokio::test]
async fn message_log_filters_are_checked() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    for bad in [
        "state=lost",
        "type=plugin.nope",
        "state=",
        "cursor=%2F%2F",
        "limit=0",
        "since=-1",
    ] {
        let r = admin.get(&format!("/api/v1/webhooks/messages?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text);
    }
    let r = admin.get("/api/v1/webhooks/stats?window=2h").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let s = admin.get("/api/v1/webhooks/stats?window=1h").await.json();
    assert_eq!(s["series"].as_array().unwrap().len(), 24);
    assert_eq!(s["attempts"], 0);
    assert_eq!(s["success_rate"], Value::Null);
}
