//! An installation's key-value store through a real plugin (`labs.echo`): a
//! compare-and-set stores only over the value it expects, and a counter kept
//! with `kv::update` counts every one of many calls running at once.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::runtime_support::{install, installation_id, invoke, lab, publish_all};

async fn echo(app: &TestApp) -> (Client, String) {
    let lab = lab(app).await;
    publish_all(&lab, &["echo"]).await;
    let id = installation_id(
        &install(&lab.plugins, "~alice", "labs.echo").await,
        "labs.echo",
    );
    (lab.plugins, id)
}

async fn output(c: &Client, id: &str, input: Value) -> Value {
    let r = invoke(c, id, input).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["output"].clone()
}

fn swap(expect: Value, value: Value) -> Value {
    json!({"swap": {"key": "k", "expect": expect, "value": value}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_and_set_stores_only_over_the_value_it_expects() {
    let app = TestApp::new().await;
    let (c, id) = echo(&app).await;

    // Not set yet: expecting a value stores nothing and says so.
    let out = output(&c, &id, swap(json!(1), json!("first"))).await;
    assert_eq!(out, json!({"stored": false, "current": null}));
    // Expecting "not set" stores, once.
    let value = json!({"a": 1, "b": [true, null]});
    let out = output(&c, &id, swap(Value::Null, value.clone())).await;
    assert_eq!(out, json!({"stored": true}));
    let out = output(&c, &id, swap(Value::Null, json!("second"))).await;
    assert_eq!(out, json!({"stored": false, "current": value}));
    // Values compare as JSON, whatever the order of an object's keys.
    let reordered: Value = serde_json::from_str(r#"{"b": [true, null], "a": 1}"#).unwrap();
    let out = output(&c, &id, swap(reordered, json!("third"))).await;
    assert_eq!(out, json!({"stored": true}));
    let out = output(&c, &id, swap(value, json!("fourth"))).await;
    assert_eq!(out, json!({"stored": false, "current": "third"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_running_at_once_each_count() {
    let app = TestApp::new().await;
    let (c, id) = echo(&app).await;
    // Each request its own task, as the server runs them (a plugin call takes
    // its thread while it runs: requests polled by one task would wait on it).
    let calls = (0..24).map(|i| {
        let (c, id) = (c.clone(), id.clone());
        tokio::spawn(async move { output(&c, &id, json!({ "call": i })).await })
    });
    let counts: BTreeSet<u64> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|out| out.unwrap()["count"].as_u64().unwrap())
        .collect();
    // A read-then-write counter loses updates when calls overlap: two calls
    // would see the same count. Each call got its own number.
    assert_eq!(counts, (1..=24).collect::<BTreeSet<u64>>());
    let out = output(&c, &id, json!({})).await;
    assert_eq!(out["count"], 25, "{out}");
}
