//! The webhook console rendered on the server, without JavaScript: who sees
//! what (signed out, a publisher, an admin), the create form's plain POST with
//! its field errors, the test-event button, and the message page with its
//! attempts.

use axum::body::Body;
use axum::http::{header, Request};
use leptos::server_fn::ServerFn;
use serde_json::json;

use crate::harness::{eventually, Client, Resp, TestApp, ORIGIN};
use crate::receiver::Receiver;
use crate::webhooks::{endpoint, FAST};

/// A plain form POST from the page at `from`, as a browser without JavaScript sends it.
async fn post_form(c: &Client, path: &str, from: &str, form: &[(&str, &str)]) -> Resp {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    c.send(
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{ORIGIN}{from}"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn location(r: &Resp) -> String {
    let to = r.header("location").unwrap_or_default();
    to.strip_prefix(ORIGIN).unwrap_or(&to).to_owned()
}

#[tokio::test]
async fn the_console_shows_each_user_what_they_manage() {
    let app = TestApp::with_env(FAST).await;
    let page = app.client().get("/webhooks").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Sign in to continue"), "{}", page.text);
    let admin = app.admin("opal").await;
    let alice = app.publisher("alice", "acme").await;
    endpoint(
        &admin,
        json!({"url": "https://hooks.example.com/instance", "description": "Instance ops"}),
    )
    .await;
    endpoint(&alice, json!({"url": "https://hooks.example.com/acme", "namespace": "acme", "description": "Acme CI"})).await;
    let a = admin.get("/webhooks").await.text;
    assert!(a.contains("Instance ops") && a.contains("Acme CI"), "{a}");
    let p = alice.get("/webhooks").await.text;
    assert!(p.contains("Acme CI") && !p.contains("Instance ops"), "{p}");
    let types = app.client().get("/webhooks/event-types").await.text;
    assert!(
        types.contains("webhook.endpoint.disabled") && types.contains("plugin.version.published")
    );
    // The header links to the console for signed-in users.
    assert!(admin.get("/").await.text.contains("href=\"/webhooks\""));
}

#[tokio::test]
async fn create_send_a_test_and_read_the_attempt_without_javascript() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let create = app::api::webhook_actions::CreateWebhook::PATH;
    // A bad URL: back to the form with the error, nothing saved.
    let r = post_form(
        &admin,
        create,
        "/webhooks/new",
        &[("url", "ftp://nope"), ("event_types[]", "*")],
    )
    .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let back = location(&r);
    assert!(
        back.starts_with("/webhooks/new") && back.contains("__err"),
        "{back}"
    );
    let form = admin.get(&back).await.text;
    assert!(form.contains("data-testid=\"error-url\""), "{form}");
    assert_eq!(
        admin.get("/api/v1/webhooks/endpoints").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // A good one: on to the endpoint's page.
    let url = rx.url("/nojs");
    let r = post_form(
        &admin,
        create,
        "/webhooks/new",
        &[
            ("url", &url),
            ("description", "No script"),
            ("event_types[]", "*"),
            ("format", "standard"),
            ("enabled", "on"),
        ],
    )
    .await;
    let to = location(&r);
    assert!(to.starts_with("/webhooks/ep_"), "{to}");
    let id = to
        .trim_start_matches("/webhooks/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let page = admin.get(&format!("/webhooks/{id}")).await.text;
    assert!(
        page.contains("No script") && page.contains("data-testid=\"chart-volume-svg\""),
        "{page}"
    );
    // Send a test event.
    let r = post_form(
        &admin,
        app::api::webhook_actions::SendWebhookTest::PATH,
        &to,
        &[("id", &id)],
    )
    .await;
    let done = location(&r);
    assert!(done.contains("done=test"), "{done}");
    rx.wait_for(1, std::time::Duration::from_secs(20)).await;
    let msg = admin
        .get(&format!("/api/v1/webhooks/messages?endpoint_id={id}"))
        .await
        .json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The attempt's row, marked delivered (the page's own copy says
    // "delivered" too, so the word alone proves nothing).
    eventually("the attempt is recorded", || async {
        admin
            .get(&format!("/webhooks/messages/{msg}"))
            .await
            .text
            .contains("state-tag state-delivered")
    })
    .await;
    let m = admin.get(&format!("/webhooks/messages/{msg}")).await.text;
    assert!(
        m.contains("attempts-table") && m.contains("webhook-signature") && m.contains("200"),
        "{m}"
    );
    // Another user cannot read it.
    let bob = app.user("bob").await;
    let other = bob.get(&format!("/webhooks/messages/{msg}")).await.text;
    assert!(!other.contains("webhook-signature"), "{other}");
}
