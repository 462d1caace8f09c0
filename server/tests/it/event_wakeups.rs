//! Followers and job runners wait for commits, not for their poll: with
//! `events.poll_ms` at a minute, an event still reaches a webhook receiver at once.
//! The commit that appended it wakes the webhook dispatcher of its own process
//! (SQLite and PostgreSQL), or of another process through `LISTEN` (PostgreSQL);
//! the dispatcher's commit of the delivery job wakes the job runner.

use std::time::Duration;

use serde_json::json;
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::{emit, Actor};

use crate::harness::TestApp;
use crate::procs::Proc;
use crate::receiver::Receiver;
use crate::webhooks::endpoint;
use crate::webhooks_processes::{endpoint as endpoint_on, setup, without_storage};

/// A minute (the longest `events.poll_ms` allowed): twice any wait below, so
/// only a wake-up can deliver in time.
const SLOW_POLL: &str = "60000";

#[tokio::test]
async fn a_commit_wakes_the_followers_and_runner_of_its_process() {
    let app = TestApp::with_env(&[
        ("TRELLIS_WEBHOOKS__ALLOW_NETWORKS", "127.0.0.0/8"),
        ("TRELLIS_EVENTS__POLL_MS", SLOW_POLL),
    ])
    .await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    endpoint(
        &admin,
        json!({"url": rx.url("/hook"), "event_types": ["namespace.created"]}),
    )
    .await;
    // One at a time: the first could be read by a follower's first look at the
    // log; the second comes when every follower is caught up and waiting.
    for (n, name) in ["woken", "woken-again"].into_iter().enumerate() {
        let r = admin
            .post_json("/api/v1/namespaces", json!({ "name": name }))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let got = rx.wait_for(n + 1, Duration::from_secs(30)).await;
        assert_eq!(got.len(), n + 1, "{name} was not delivered");
        assert_eq!(got[n].json()["data"]["namespace"], name);
    }
}

#[tokio::test]
async fn a_commit_on_one_node_wakes_the_followers_of_another() {
    if std::env::var("TRELLIS_TEST_POSTGRES_URL").is_err() {
        eprintln!("a_commit_on_one_node_wakes_the_followers_of_another: skipped (one process on SQLite; this runs in the PostgreSQL pass)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (env, db, token) = setup(dir.path(), &[("TRELLIS_EVENTS__POLL_MS", SLOW_POLL)]).await;
    let env = without_storage(env);
    let rx = Receiver::start().await;
    let api = Proc::start(&env, "api").await;
    endpoint_on(&api, &token, &rx).await;
    api.stop();
    let worker = Proc::start(&env, "worker").await;
    // Written by this test process, which runs no follower: only the worker's
    // LISTEN wakes its dispatcher (the second event surely, the first perhaps
    // by its first look at the log).
    for (n, name) in ["elsewhere", "elsewhere-again"].into_iter().enumerate() {
        let mut tx = db.begin().await.unwrap();
        let data = NamespaceCreated {
            namespace: name.into(),
            owner: "opal".into(),
        };
        emit(&mut tx, &Actor::System, &data).await.unwrap();
        tx.commit().await.unwrap();
        let got = rx.wait_for(n + 1, Duration::from_secs(30)).await;
        assert_eq!(got.len(), n + 1, "{name}: the worker process was not woken");
        assert_eq!(got[n].json()["data"]["namespace"], name);
    }
    worker.stop();
}
