//! Shared steps of the official plugins' tests (plugins/official): an
//! instance whose plugins reach loopback stand-ins of the services they call
//! (`plugins.http_overrides`: the plugin asks for the real host, the request
//! goes to the stand-in with the same path and query), with every official
//! plugin published into the namespace `trellis` the way `trellis serve`
//! seeds them (packaged, signed, through the publish checks).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, Resp, TestApp};
use crate::receiver::Receiver;
use crate::registry_support::send_json;
use crate::runtime_support::{installation_id, lab, Lab};

/// A test instance with the official plugins published, and alice's lab.
pub struct Official {
    pub app: TestApp,
    pub lab: Lab,
}

/// Starts an instance whose plugins may reach loopback, with `overrides`
/// (`host` → that receiver) and `extra_env`, and publishes the official
/// plugins (built once per test process).
pub async fn official_app(overrides: &[(&str, &Receiver)], extra_env: &[(&str, &str)]) -> Official {
    let map = overrides
        .iter()
        .map(|(host, rx)| format!("{host}={}", rx.url("")))
        .collect::<Vec<_>>()
        .join(",");
    let mut env: Vec<(&str, &str)> = vec![
        ("TRELLIS_PLUGINS__ALLOW_NETWORKS", "127.0.0.0/8"),
        ("TRELLIS_PLUGINS__HTTP_OVERRIDES", map.as_str()),
    ];
    env.extend_from_slice(extra_env);
    let app = TestApp::with_env(&env).await;
    seed(&app).await;
    let lab = lab(&app).await;
    Official { app, lab }
}

/// Publishes the official plugins into `app` (what `trellis serve` does with
/// `demo.plugins_dir`), expecting every one to be published.
pub async fn seed(app: &TestApp) -> trellis_platform::registry::official::Seeded {
    tokio::task::spawn_blocking(trellis_runtime::testkit::build_plugins)
        .await
        .unwrap();
    let dir = trellis_runtime::testkit::plugins_dir();
    let seeded = trellis_platform::registry::official::seed(&app.state, &dir)
        .await
        .unwrap_or_else(|e| panic!("seeding the official plugins failed: {e:?}"));
    assert!(
        !seeded.published.is_empty(),
        "nothing published: {seeded:?}"
    );
    seeded
}

/// Installs `plugin` into `ws` with consent (its dependencies come along),
/// sets its configuration `config` and secrets `secrets` (two JSON objects,
/// saved together as the settings form does), and returns its installation id.
pub async fn install_configured(
    c: &Client,
    ws: &str,
    plugin: &str,
    config: Value,
    secrets: Value,
) -> String {
    let r = c
        .post_json(
            &format!("/api/v1/workspaces/{ws}/installations"),
            json!({"plugin": plugin, "consent": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = installation_id(&r.json(), plugin);
    let mut values = config.as_object().cloned().unwrap_or_default();
    values.extend(secrets.as_object().cloned().unwrap_or_default());
    if !values.is_empty() {
        let r = send_json(
            c,
            "PUT",
            &format!("/api/v1/installations/{id}/config"),
            json!({ "values": values }),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    id
}

/// Calls `invoke` of an installation.
pub async fn invoke(c: &Client, id: &str, input: Value) -> Resp {
    crate::runtime_support::invoke(c, id, input).await
}

/// An installation's health (the runtime's window and what the plugin's own
/// `health` export reports: `reported_status`, `reported_message`).
pub async fn health(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/api/v1/installations/{id}/health")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// An installation's log lines (`GET …/logs`), as the API returns them.
pub async fn logs(c: &Client, id: &str) -> Value {
    let r = c
        .get(&format!("/api/v1/installations/{id}/logs?limit=500"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// Polls an installation's health until `cond` holds (panics with the last
/// answer after `within`).
pub async fn wait_health(
    c: &Client,
    id: &str,
    cond: impl Fn(&Value) -> bool,
    within: Duration,
) -> Value {
    let end = Instant::now() + within;
    loop {
        let h = health(c, id).await;
        if cond(&h) {
            return h;
        }
        if Instant::now() >= end {
            panic!("the health never matched within {within:?}: {h}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_plugins_are_published_signed_and_seeding_again_changes_nothing() {
    let app = TestApp::new().await;
    let first = seed(&app).await;
    assert!(first.published.len() >= 10, "{first:?}");
    assert_eq!(first.unchanged, 0);
    // Dependencies went first.
    let pos = |id: &str| first.published.iter().position(|(p, _)| p == id);
    assert!(pos("trellis.notify-format") < pos("trellis.slack-notifier"));
    assert!(pos("trellis.json-transform") < pos("trellis.jira-tickets"));

    let dir = trellis_runtime::testkit::plugins_dir();
    let again = trellis_platform::registry::official::seed(&app.state, &dir)
        .await
        .unwrap();
    assert!(again.published.is_empty(), "{again:?}");
    assert_eq!(again.unchanged, first.published.len());

    let c = app.client();
    let ns = c.get("/api/v1/namespaces/trellis").await;
    assert_eq!(ns.status, StatusCode::OK, "{}", ns.text);
    assert_eq!(ns.json()["require_signatures"], true, "{}", ns.text);
    let v = c
        .get("/api/v1/plugins/trellis.slack-notifier/versions/1.0.0")
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let mut conn = app.state.db.conn().await.unwrap();
    let rows = sqlx::query("SELECT data FROM events WHERE type = 'plugin.version.published'")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), first.published.len());
    for row in rows {
        let data: Value = serde_json::from_str(&row.get::<String, _>("data")).unwrap();
        assert_eq!(data["signed"], true, "{data}");
    }
    // Nobody signs in as the publisher account.
    let r = c.sign_in("trellis", "").await;
    assert_ne!(r.status, StatusCode::OK);
}
