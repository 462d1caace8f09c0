//! Containment: purpose-built hostile plugins (plugins/testing) that loop
//! forever, allocate without bound, call a host they did not declare, emit an
//! undeclared event, trap, return garbage and flood the log. Each is stopped,
//! recorded in its health and log, trips the breaker when it keeps failing,
//! and the server keeps answering other requests while they run.

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually, Client, TestApp};
use crate::registry_support::send_json;
use crate::runtime_support::{install, installation_id, invoke, lab, log_lines, publish_all};

async fn failed(c: &Client, id: &str, input: Value) -> Value {
    let r = invoke(c, id, input).await;
    r.problem(424, "plugin_failed")
}

async fn health(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/api/v1/installations/{id}/health")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_plugins_are_contained_and_recorded() {
    let app = TestApp::with_env(&[("TRELLIS_PLUGINS__BREAKER_FAILURES", "50")]).await;
    let lab = lab(&app).await;
    let all = [
        "spin",
        "hog",
        "sneaky-net",
        "sneaky-event",
        "trap",
        "garbage",
        "chatty",
        "base",
    ];
    publish_all(&lab, &all).await;
    let mut ids = std::collections::HashMap::new();
    for d in all {
        let plugin = format!("labs.{d}");
        let done = install(&lab.plugins, "~alice", &plugin).await;
        ids.insert(d, installation_id(&done, &plugin));
    }
    let c = &lab.plugins;

    // Loops forever: stopped by its 500 ms timeout (or its fuel).
    let p = failed(c, &ids["spin"], json!({})).await;
    assert!(
        ["timeout", "out_of_fuel"].contains(&p["kind"].as_str().unwrap()),
        "{p}"
    );
    // Allocates without bound: stopped at its 16 MiB.
    let p = failed(c, &ids["hog"], json!({})).await;
    assert!(
        ["out_of_memory", "trap"].contains(&p["kind"].as_str().unwrap()),
        "{p}"
    );
    // A host it did not declare (and that is loopback besides).
    let p = failed(c, &ids["sneaky-net"], json!({"port": 9})).await;
    assert_eq!(p["kind"], "violation", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("127.0.0.1"), "{p}");
    // An event type it does not declare: refused, nothing written.
    let p = failed(c, &ids["sneaky-event"], json!({})).await;
    assert_eq!(p["kind"], "violation", "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains("labs.forbidden"),
        "{p}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM events WHERE type = 'labs.forbidden'"
        )
        .await,
        0
    );
    // Traps.
    let p = failed(c, &ids["trap"], json!({})).await;
    assert_eq!(p["kind"], "trap", "{p}");
    // Returns bytes that are not JSON.
    let p = failed(c, &ids["garbage"], json!({})).await;
    assert_eq!(p["kind"], "bad_output", "{p}");
    // Floods the log: its call succeeds, the log keeps the per-call budget and
    // says how many lines were dropped.
    let r = invoke(c, &ids["chatty"], json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let lines = log_lines(c, &ids["chatty"]).await;
    assert_eq!(lines.len(), 101, "{:?}", &lines[..3]);
    assert!(
        lines[0].starts_with("warn ") && lines[0].contains("dropped"),
        "{}",
        lines[0]
    );

    // Each failure is in its installation's health and log.
    for d in [
        "spin",
        "hog",
        "sneaky-net",
        "sneaky-event",
        "trap",
        "garbage",
    ] {
        let h = health(c, &ids[d]).await;
        // Reading garbage's health asks its own `health` export, which
        // answers garbage too: a second failure, reported as unreachable.
        let want = if d == "garbage" { 2 } else { 1 };
        assert_eq!(h["errors"], want, "{d}: {h}");
        assert_eq!(h["consecutive_failures"], want, "{d}: {h}");
        if d == "garbage" {
            assert_eq!(h["reported_status"], "unreachable", "{h}");
        } else {
            assert!(h["reported_status"].is_null(), "{d}: {h}");
        }
        assert!(
            h["last_error"].as_str().is_some_and(|e| !e.is_empty()),
            "{d}: {h}"
        );
        let log = log_lines(c, &ids[d]).await;
        assert!(
            log.iter().any(|l| l.starts_with("error invoke failed")),
            "{d}: {log:?}"
        );
    }
    // A well-behaved plugin next to them is untouched.
    let r = invoke(c, &ids["base"], json!(1)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let h = health(c, &ids["base"]).await;
    assert_eq!(
        (h["status"].as_str(), h["errors"].as_i64()),
        (Some("healthy"), Some(0)),
        "{h}"
    );

    // A declared event goes through, and reaches the plugins of the workspace
    // that subscribe to it (where the hostile ones fail again, contained).
    let r = invoke(c, &ids["sneaky-event"], json!({"ok": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM events WHERE type = 'labs.ok'"
        )
        .await,
        1
    );
    eventually("labs.ok to reach the trap's on_event", || async {
        health(c, &ids["trap"]).await["errors"] == 2
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_disables_a_failing_plugin_and_the_server_keeps_serving() {
    let app = TestApp::with_env(&[("TRELLIS_PLUGINS__BREAKER_FAILURES", "3")]).await;
    let lab = lab(&app).await;
    publish_all(&lab, &["spin", "base"]).await;
    let spin = installation_id(
        &install(&lab.plugins, "~alice", "labs.spin").await,
        "labs.spin",
    );
    let base = installation_id(
        &install(&lab.plugins, "~alice", "labs.base").await,
        "labs.base",
    );

    // Three endless calls at once; meanwhile other requests are answered.
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let c = lab.plugins.clone();
            let id = spin.clone();
            tokio::spawn(async move { invoke(&c, &id, json!({})).await })
        })
        .collect();
    let anon = app.client();
    let mut answered_while_running = false;
    for _ in 0..5 {
        let r = anon.get("/api/v1/plugins/labs.base").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = invoke(&lab.plugins, &base, json!({"n": 1})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        answered_while_running |= calls.iter().any(|c| !c.is_finished());
    }
    assert!(
        answered_while_running,
        "the hostile calls ended before the others were answered"
    );
    for c in calls {
        c.await.unwrap().problem(424, "plugin_failed");
    }

    // Three failures in a row: disabled by the breaker, with its events.
    eventually("the breaker to trip", || async {
        lab.plugins
            .get(&format!("/api/v1/installations/{spin}"))
            .await
            .json()["enabled"]
            == false
    })
    .await;
    let i = lab
        .plugins
        .get(&format!("/api/v1/installations/{spin}"))
        .await
        .json();
    assert_eq!(i["disabled_reason"], "breaker", "{i}");
    let h = health(&lab.plugins, &spin).await;
    assert_eq!(h["status"], "disabled", "{h}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM events WHERE type = 'plugin.disabled'"
        )
        .await,
        1
    );
    let changed = {
        let mut c = app.state.db.conn().await.unwrap();
        sqlx::query("SELECT data FROM events WHERE type = 'plugin.health.changed' ORDER BY seq")
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                serde_json::from_str::<Value>(&r.get::<String, _>("data")).unwrap()["to"].clone()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(changed.last(), Some(&json!("disabled")), "{changed:?}");
    let log = log_lines(&lab.plugins, &spin).await;
    assert!(log[0].contains("circuit breaker"), "{log:?}");

    // A disabled plugin is not called; enabling it gives it a fresh start.
    let r = invoke(&lab.plugins, &spin, json!({})).await;
    let p = r.problem(409, "conflict");
    assert!(
        p["detail"].as_str().unwrap().contains("circuit breaker"),
        "{p}"
    );
    let r = send_json(
        &lab.plugins,
        "PATCH",
        &format!("/api/v1/installations/{spin}"),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["enabled"], true);
}
