//! Guards the registry findings of the security probe, each test named by its
//! finding: reserved and confusable namespace names are refused, members join
//! a namespace only by accepting an invitation (and inviting does not reveal
//! whether a user exists), and `POST /api/v1/resolve` is bounded in the plugins
//! it names and the bytes it reads.

use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::registry_support::{publish_ok, publisher, send_json, Pkg};

#[tokio::test]
async fn finding_06_reserved_and_confusable_namespace_names_are_refused() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    for name in [
        "admin",
        "trellis",
        "official",
        "api",
        "root",
        "system",
        "support",
        "security",
        "4dmin",
        "adm1n",
        "trellis-official",
        "the-admin",
        "support-team",
    ] {
        let p = alice
            .post_json("/api/v1/namespaces", json!({ "name": name }))
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "name", "{name}");
        assert_eq!(p["errors"][0]["code"], "reserved", "{name}");
    }
    let r = alice
        .post_json("/api/v1/namespaces", json!({"name": "acme"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn invite(owner: &Client, username: &str) -> crate::harness::Resp {
    send_json(
        owner,
        "PUT",
        &format!("/api/v1/namespaces/acme/members/{username}"),
        json!({"role": "maintainer"}),
    )
    .await
}

async fn members(app: &TestApp) -> Value {
    let r = app.client().get("/api/v1/namespaces/acme").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["members"].clone()
}

async fn invitations(c: &Client) -> Vec<Value> {
    let r = c.get("/api/v1/me/invitations").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn finding_07_members_join_only_by_accepting_and_names_cannot_be_probed() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let only_alice = json!([{"username": "alice", "role": "owner"}]);

    // Inviting a real user and a name nobody has: the same answer.
    let real = invite(&alice, "bob").await;
    let ghost = invite(&alice, "nobody-at-all").await;
    assert_eq!(real.status, 202, "{}", real.text);
    assert_eq!(ghost.status, real.status, "{}", ghost.text);
    assert_eq!(ghost.json(), real.json());
    assert_eq!(members(&app).await, only_alice, "invited is not a member");

    // Bob sees the invitation and joins by accepting it.
    let inv = invitations(&bob).await;
    assert_eq!(inv.len(), 1, "{inv:?}");
    assert_eq!(inv[0]["namespace"], "acme");
    assert_eq!(inv[0]["role"], "maintainer");
    assert_eq!(inv[0]["invited_by"], "alice");
    let r = bob
        .post_json("/api/v1/me/invitations/acme", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        members(&app).await,
        json!([{"username": "alice", "role": "owner"}, {"username": "bob", "role": "maintainer"}])
    );
    assert!(invitations(&bob).await.is_empty());

    // Carol declines: she is not a member, and cannot accept afterwards.
    assert_eq!(invite(&alice, "carol").await.status, 202);
    let r = carol.delete("/api/v1/me/invitations/acme").await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(invitations(&carol).await.is_empty());
    carol
        .post_json("/api/v1/me/invitations/acme", json!({}))
        .await
        .problem(404, "not_found");
    assert_eq!(members(&app).await.as_array().unwrap().len(), 2);

    // Dave was never invited: nothing to accept.
    dave.post_json("/api/v1/me/invitations/acme", json!({}))
        .await
        .problem(404, "not_found");
    dave.post_json("/api/v1/me/invitations/nope", json!({}))
        .await
        .problem(404, "not_found");
    assert_eq!(members(&app).await.as_array().unwrap().len(), 2);
}

fn ids(n: usize, f: impl Fn(usize) -> String) -> Value {
    json!({ "plugins": (0..n).map(|i| json!({ "id": f(i) })).collect::<Vec<_>>() })
}

/// A resolve answer that is a plan or a resolution problem, never a server error.
fn plan_or_resolution_problem(r: &crate::harness::Resp) {
    assert!(!r.status.is_server_error(), "{} {}", r.status, r.text);
    if r.status != 200 {
        r.problem(422, "resolution_failed");
    }
}

#[tokio::test]
async fn finding_12_resolve_is_bounded_in_plugins_and_bytes() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.base", "1.0.0")).await;
    let anon = app.client();

    let p = anon
        .post_json("/api/v1/resolve", ids(101, |i| format!("acme.p{i}")))
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "plugins");
    assert_eq!(p["errors"][0]["code"], "too_many");

    // 200 KB of JSON is refused before it is parsed.
    let big = json!({"plugins": [{"id": "a".repeat(200 * 1024)}]});
    anon.post_json("/api/v1/resolve", big)
        .await
        .problem(413, "payload_too_large");

    // At the cap, anonymously: an answer, never a server error.
    let r = anon
        .post_json("/api/v1/resolve", ids(100, |i| format!("acme.p{i}")))
        .await;
    plan_or_resolution_problem(&r);
    let r = anon
        .post_json("/api/v1/resolve", ids(100, |_| "acme.base".into()))
        .await;
    plan_or_resolution_problem(&r);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["plan"][0]["id"], "acme.base");
}
