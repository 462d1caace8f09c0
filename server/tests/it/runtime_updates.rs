//! Updates, re-consent, pins, rollbacks and hot reload with the real test
//! plugins: labs.ticker 1.0.0 → 1.1.0 (same permissions) → 2.0.0 (wider:
//! consent again), back and forth; and a call in flight during an update
//! finishing on the module it started on while the next runs on the new one.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{Client, TestApp};
use crate::receiver::{Receiver, Reply};
use crate::registry_support::send_json;
use crate::runtime_support::{installation_id, invoke, lab, package, package_as, publish};

async fn installation(c: &Client, id: &str) -> Value {
    let r = c.get(&format!("/api/v1/installations/{id}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn post(c: &Client, path: &str, body: Value) -> crate::harness::Resp {
    c.post_json(path, body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_ask_again_for_wider_permissions_and_roll_back() {
    let app = TestApp::new().await;
    let lab = lab(&app).await;
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        publish(&lab.publish, package("ticker", &format!("plugin-{v}.toml"))).await;
    }
    let c = &lab.plugins;
    let r = post(
        c,
        "/api/v1/workspaces/~alice/installations",
        json!({"plugin": "labs.ticker", "req": "=1.0.0", "consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = installation_id(&r.json(), "labs.ticker");

    // The newest is listed, with what it adds.
    let u = c.get("/api/v1/workspaces/~alice/updates").await.json();
    assert_eq!(u["data"][0]["latest_version"], "2.0.0", "{u}");
    assert_eq!(
        u["data"][0]["new_permissions"]["host_functions"],
        json!(["kv_get", "kv_set"])
    );
    assert_eq!(
        u["data"][0]["new_permissions"]["network"],
        json!(["127.0.0.1"])
    );

    // To 1.1.0: nothing new to consent to.
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/update"),
        json!({"version": "1.1.0"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let i = installation(c, &id).await;
    assert_eq!(
        (i["version"].clone(), i["previous_version"].clone()),
        (json!("1.1.0"), json!("1.0.0"))
    );
    assert_eq!(
        invoke(c, &id, json!({})).await.json()["output"]["ticker"],
        true
    );

    // To the newest: consent again, or nothing changes.
    let r = post(c, &format!("/api/v1/installations/{id}/update"), json!({})).await;
    let p = r.problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "consent", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("kv_get"), "{p}");
    assert_eq!(installation(c, &id).await["version"], "1.1.0");
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/update"),
        json!({"consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let i = installation(c, &id).await;
    assert_eq!(
        (i["version"].clone(), i["previous_version"].clone()),
        (json!("2.0.0"), json!("1.1.0"))
    );
    assert_eq!(
        i["granted"]["host_functions"],
        json!(["log", "kv_get", "kv_set"])
    );
    assert_eq!(invoke(c, &id, json!({})).await.status, StatusCode::OK);

    // Roll back, and forward again (which asks again: the grant went back too).
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/rollback"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let i = installation(c, &id).await;
    assert_eq!(
        (i["version"].clone(), i["previous_version"].clone()),
        (json!("1.1.0"), json!("2.0.0"))
    );
    assert_eq!(i["granted"]["host_functions"], json!(["log"]));
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/rollback"),
        json!({}),
    )
    .await;
    r.problem(422, "validation_failed");
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/rollback"),
        json!({"consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(installation(c, &id).await["version"], "2.0.0");

    // Pinned: left alone by updates until unpinned.
    let r = post(
        c,
        &format!("/api/v1/installations/{id}/rollback"),
        json!({"consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = send_json(
        c,
        "PATCH",
        &format!("/api/v1/installations/{id}"),
        json!({"pinned": true}),
    )
    .await;
    assert_eq!(r.json()["pinned"], true, "{}", r.text);
    post(
        c,
        &format!("/api/v1/installations/{id}/update"),
        json!({"consent": true}),
    )
    .await
    .problem(409, "conflict");
    let r = post(
        c,
        "/api/v1/workspaces/~alice/updates",
        json!({"consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["data"], json!([]));
    assert_eq!(installation(c, &id).await["version"], "1.1.0");
    send_json(
        c,
        "PATCH",
        &format!("/api/v1/installations/{id}"),
        json!({"pinned": false}),
    )
    .await;
    let r = post(c, "/api/v1/workspaces/~alice/updates", json!({})).await;
    r.problem(422, "validation_failed");
    let r = post(
        c,
        "/api/v1/workspaces/~alice/updates",
        json!({"consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(installation(c, &id).await["version"], "2.0.0");

    // The updates and rollbacks were written as events, and counted as attempts.
    let mut db = app.state.db.conn().await.unwrap();
    let rows = sqlx::query("SELECT data FROM events WHERE type = 'plugin.updated'")
        .fetch_all(&mut *db)
        .await
        .unwrap();
    let rolls = rows
        .iter()
        .filter(|r| r.get::<String, _>("data").contains("\"rollback\":true"))
        .count();
    assert_eq!((rows.len(), rolls), (6, 3));
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM install_attempts WHERE outcome = 'succeeded'")
            .fetch_one(&mut *db)
            .await
            .unwrap()
            .get("n");
    assert_eq!(n, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_flight_finishes_on_the_old_module_while_the_next_runs_on_the_new() {
    let app = TestApp::with_env(&[("TRELLIS_PLUGINS__ALLOW_NETWORKS", "127.0.0.0/8")]).await;
    let lab = lab(&app).await;
    publish(&lab.publish, package_as("pinger", "1.0.0")).await;
    publish(&lab.publish, package_as("pinger", "1.0.1")).await;
    let c = lab.plugins.clone();
    let r = post(
        &c,
        "/api/v1/workspaces/~alice/installations",
        json!({"plugin": "labs.pinger", "req": "=1.0.0", "consent": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = installation_id(&r.json(), "labs.pinger");

    let slow = Receiver::start().await;
    slow.script([Reply::After(
        Duration::from_millis(1500),
        Box::new(Reply::Status(200)),
    )]);
    let url = slow.url("/slow");
    let in_flight = {
        let (c, id, url) = (c.clone(), id.clone(), url.clone());
        tokio::spawn(async move { invoke(&c, &id, json!({"url": url})).await })
    };
    slow.wait_for(1, Duration::from_secs(20)).await;
    // The update commits while the call waits on the receiver.
    let r = post(&c, &format!("/api/v1/installations/{id}/update"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(!in_flight.is_finished(), "the call ended before the update");

    let done = in_flight.await.unwrap();
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(
        done.json()["output"],
        json!({"status": 200, "body_len": 0, "version": "1.0.0"})
    );
    let next = invoke(&c, &id, json!({"url": slow.url("/again")})).await;
    assert_eq!(next.json()["output"]["version"], "1.0.1", "{}", next.text);
    slow.stop();
}
