//! `POST /api/v1/resolve` over published plugins: diamonds, conflicts with
//! their explanation, yanked and pre-release versions, the host API, unknown ids.

use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::registry_support::{publish_ok, publisher, send_empty, Pkg};

async fn resolve(c: &Client, body: Value) -> crate::harness::Resp {
    c.post_json("/api/v1/resolve", body).await
}

fn plan(r: &crate::harness::Resp) -> Vec<(String, String)> {
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn setup() -> (TestApp, Client) {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    for (id, v, deps) in [
        ("acme.base", "1.0.0", vec![]),
        ("acme.base", "1.1.0", vec![]),
        ("acme.base", "2.0.0", vec![]),
        ("acme.left", "1.0.0", vec![("acme.base", "^1")]),
        ("acme.right", "1.0.0", vec![("acme.base", ">=1.1, <2")]),
        (
            "acme.app",
            "1.0.0",
            vec![("acme.left", "^1"), ("acme.right", "^1")],
        ),
    ] {
        publish_ok(&t, &Pkg::with(id, v, "^1", &deps)).await;
    }
    (app, t)
}

#[tokio::test]
async fn a_diamond_resolves_dependencies_first() {
    let (app, _) = setup().await;
    let r = resolve(&app.client(), json!({"plugins": [{"id": "acme.app"}]})).await;
    assert_eq!(
        plan(&r),
        pairs(&[
            ("acme.base", "1.1.0"),
            ("acme.left", "1.0.0"),
            ("acme.right", "1.0.0"),
            ("acme.app", "1.0.0")
        ])
    );
    let base = &r.json()["plan"][0];
    assert_eq!(base["requested_by"], json!(["acme.left", "acme.right"]));
    assert_eq!(base["sha256"].as_str().unwrap().len(), 64);
    assert!(base["size"].as_i64().unwrap() > 0);
    assert_eq!(base["permissions"]["network"], json!(["api.example.com"]));
    assert_eq!(
        base["download_url"],
        "http://127.0.0.1:3000/api/v1/plugins/acme.base/versions/1.1.0/download"
    );
    assert_eq!(r.json()["plan"][3]["requested_by"], json!(["your request"]));
    // A direct request narrows the shared dependency.
    let r = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.base", "req": "^2"}]}),
    )
    .await;
    assert_eq!(plan(&r), pairs(&[("acme.base", "2.0.0")]));
}

#[tokio::test]
async fn a_conflict_explains_both_constraints() {
    let (app, t) = setup().await;
    publish_ok(
        &t,
        &Pkg::with("acme.modern", "1.0.0", "^1", &[("acme.base", "^2")]),
    )
    .await;
    let r = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.modern"}, {"id": "acme.left", "req": "1.0.0"}]}),
    )
    .await;
    let p = r.problem(422, "resolution_failed");
    let text = p["explanation"].as_str().unwrap();
    assert!(
        text.contains("acme.modern") && text.contains("acme.base ^2.0.0"),
        "{text}"
    );
    assert!(
        text.contains("acme.left") && text.contains("acme.base ^1"),
        "{text}"
    );
    assert!(p["derivation"]["kind"].is_string(), "{p}");
    assert_eq!(p["unknown"], json!([]));
}

#[tokio::test]
async fn yanked_and_prerelease_versions_need_an_exact_pin() {
    let (app, t) = setup().await;
    assert_eq!(
        send_empty(&t, "PUT", "/api/v1/plugins/acme.base/versions/2.0.0/yank")
            .await
            .status,
        200
    );
    publish_ok(&t, &Pkg::new("acme.base", "3.0.0-beta.1")).await;

    let r = resolve(&app.client(), json!({"plugins": [{"id": "acme.base"}]})).await;
    assert_eq!(
        plan(&r),
        pairs(&[("acme.base", "1.1.0")]),
        "neither yanked 2.0.0 nor 3.0.0-beta.1"
    );
    let r = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.base", "req": "=2.0.0"}]}),
    )
    .await;
    assert_eq!(plan(&r), pairs(&[("acme.base", "2.0.0")]));
    let r = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.base", "req": "=3.0.0-beta.1"}]}),
    )
    .await;
    assert_eq!(plan(&r), pairs(&[("acme.base", "3.0.0-beta.1")]));
    resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.base", "req": "^2"}]}),
    )
    .await
    .problem(422, "resolution_failed");
}

#[tokio::test]
async fn the_host_api_version_limits_the_choice() {
    let (app, t) = setup().await;
    publish_ok(&t, &Pkg::with("acme.next", "1.0.0", "^1", &[])).await;
    publish_ok(&t, &Pkg::with("acme.next", "2.0.0", "^2", &[])).await;

    let r = resolve(&app.client(), json!({"plugins": [{"id": "acme.next"}]})).await;
    assert_eq!(
        plan(&r),
        pairs(&[("acme.next", "1.0.0")]),
        "the default host API is 1.0.0"
    );
    let r = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.next"}], "api_version": "2.1.0"}),
    )
    .await;
    assert_eq!(plan(&r), pairs(&[("acme.next", "2.0.0")]));
    let p = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.next", "req": "^2"}]}),
    )
    .await
    .problem(422, "resolution_failed");
    let text = p["explanation"].as_str().unwrap();
    assert!(
        text.contains("trellis-api") && text.contains("1.0.0"),
        "{text}"
    );
}

#[tokio::test]
async fn unknown_plugins_and_bad_requests_are_named() {
    let (app, _) = setup().await;
    let p = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.app"}, {"id": "acme.ghost"}]}),
    )
    .await
    .problem(422, "resolution_failed");
    assert_eq!(p["unknown"], json!(["acme.ghost"]));
    assert!(p["explanation"].as_str().unwrap().contains("acme.ghost"));

    let p = resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.app", "req": "not a req"}]}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "plugins.0.req");
    resolve(&app.client(), json!({"plugins": []}))
        .await
        .problem(422, "validation_failed");
    resolve(
        &app.client(),
        json!({"plugins": [{"id": "acme.app"}], "api_version": "one"}),
    )
    .await
    .problem(422, "validation_failed");
    resolve(&app.client(), json!({"nope": 1}))
        .await
        .problem(400, "bad_request");
}
