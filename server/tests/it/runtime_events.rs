//! Events to plugins: an installed plugin that subscribes to a type receives
//! it after commit (as a job) when its workspace may see it; what it emits
//! reaches other plugins, never itself, and a chain of plugins reacting to
//! each other stops at the hop limit.

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually_within, Client, TestApp};
use crate::runtime_support::{
    install, installation_id, lab, log_lines, package, publish, publish_all,
};

async fn review(c: &Client, plugin: &str) {
    let r = c
        .post_json(
            &format!("/api/v1/plugins/{plugin}/reviews"),
            json!({"stars": 4, "title": "Good", "text": "Does what it says."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

/// `(type, data)` of events of these types, in log order.
async fn events(app: &TestApp, like: &str) -> Vec<(String, Value)> {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query("SELECT type, data FROM events WHERE type LIKE $1 ORDER BY tx, seq")
        .bind(like)
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get::<String, _>("type"),
                serde_json::from_str(&r.get::<String, _>("data")).unwrap(),
            )
        })
        .collect()
}

/// `plugin.event` jobs for an installation of events of type `kind`.
async fn jobs_for(app: &TestApp, installation: &str, kind: &str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(
        "SELECT COUNT(*) AS n FROM jobs j JOIN events e ON e.id = j.event_id \
         WHERE j.kind = 'plugin.event' AND j.payload LIKE $1 AND e.type = $2",
    )
    .bind(format!("%{installation}%"))
    .bind(kind)
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get::<i64, _>("n")
}

/// A relay package under another id (two relays answer each other).
fn relay_as(id: &str) -> Vec<u8> {
    let dir = trellis_runtime::testkit::plugins_dir().join("testing/relay");
    let text = std::fs::read_to_string(dir.join("plugin.toml"))
        .unwrap()
        .replace("id = \"labs.relay\"", &format!("id = \"{id}\""));
    let name = format!("plugin-{id}.generated.toml");
    std::fs::write(dir.join(&name), text).unwrap();
    let bytes = package("relay", &name);
    let _ = std::fs::remove_file(dir.join(&name));
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_receive_what_their_workspace_may_see_and_answer_each_other() {
    // Webhook messages are queued but never attempted (the first try is a week out).
    let app = TestApp::with_env(&[("TRELLIS_WEBHOOKS__RETRY_SCHEDULE", "7d")]).await;
    let lab = lab(&app).await;
    publish_all(&lab, &["echo", "base"]).await;
    // An instance-wide webhook endpoint for every event.
    let admin = app.admin("opal").await;
    let r = admin
        .post_json(
            "/api/v1/webhooks/endpoints",
            json!({"url": "https://hooks.example.invalid/all", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // bob's echo in his own workspace; alice's in hers.
    let bob = app.user("bob").await;
    let bob_t = app.token_client(&bob, &["read", "plugins"]).await;
    let bobs = installation_id(&install(&bob_t, "~bob", "labs.echo").await, "labs.echo");
    let alices = installation_id(
        &install(&lab.plugins, "~alice", "labs.echo").await,
        "labs.echo",
    );

    // bob reviews a plugin: his own action reaches his workspace's plugins.
    review(&bob, "labs.base").await;
    eventually_within("bob's echo to log the review", 30, || async {
        log_lines(&bob_t, &bobs)
            .await
            .iter()
            .any(|l| l == "info received review.created plugin:labs.base")
    })
    .await;
    // Not alice's: the event is neither hers nor about her workspace.
    assert_eq!(jobs_for(&app, &bobs, "review.created").await, 1);
    assert_eq!(jobs_for(&app, &alices, "review.created").await, 0);
    // Her own install, though, is an event about her workspace.
    assert_eq!(jobs_for(&app, &alices, "plugin.installed").await, 1);
    // Its answer is an event of its declared type, one hop on, from its installation.
    eventually_within("echo's answer to the review", 30, || async {
        events(&app, "echo.received")
            .await
            .iter()
            .any(|(_, d)| d["data"]["type"] == "review.created")
    })
    .await;
    let (_, data) = events(&app, "echo.received")
        .await
        .into_iter()
        .find(|(_, d)| d["data"]["type"] == "review.created")
        .unwrap();
    assert_eq!(data["installation"], json!(bobs), "{data}");
    assert_eq!(data["workspace"], "~bob");
    // What a plugin emits reaches webhooks like any event.
    eventually_within("a webhook message for echo.received", 30, || async {
        let mut c = app.state.db.conn().await.unwrap();
        sqlx::query("SELECT COUNT(*) AS n FROM webhook_messages WHERE event_type = 'echo.received'")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get::<i64, _>("n")
            > 0
    })
    .await;
    assert_eq!(data["data"]["type"], "review.created");
    assert!(data["hops"].as_i64().unwrap() >= 1, "{data}");

    // Two relays answer each other until the hop limit (8) ends the chain:
    // two pings for each hop from 1 to 8, none delivered at 8.
    publish(&lab.publish, relay_as("labs.relay")).await;
    publish(&lab.publish, relay_as("labs.relay-b")).await;
    let a = installation_id(&install(&bob_t, "~bob", "labs.relay").await, "labs.relay");
    let b = installation_id(
        &install(&bob_t, "~bob", "labs.relay-b").await,
        "labs.relay-b",
    );
    review(&bob, "labs.echo").await;
    eventually_within("the relay chain to reach 8 hops", 60, || async {
        events(&app, "relay.ping").await.len() >= 16
    })
    .await;
    eventually_within("every plugin job to finish", 30, || async {
        let mut c = app.state.db.conn().await.unwrap();
        sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'plugin.event' AND state IN ('queued', 'running')")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get::<i64, _>("n")
            == 0
    })
    .await;
    // Settled: whatever was still being dispatched has been.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let pings = events(&app, "relay.ping").await;
    let mut hops: Vec<i64> = pings
        .iter()
        .map(|(_, d)| d["hops"].as_i64().unwrap())
        .collect();
    hops.sort();
    let want: Vec<i64> = (1..=8).flat_map(|h| [h, h]).collect();
    assert_eq!(hops, want);
    // Each relay received the other's pings, never its own.
    let from_a = pings
        .iter()
        .filter(|(_, d)| d["installation"] == json!(a))
        .count();
    let from_b = pings
        .iter()
        .filter(|(_, d)| d["installation"] == json!(b))
        .count();
    assert_eq!((from_a, from_b), (8, 8));
}
