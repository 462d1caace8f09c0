//! Namespaces: creation and naming, reading, members and roles (owners only,
//! never the last owner), signing keys and settings, token scope.

use serde_json::json;

use crate::harness::TestApp;
use crate::registry_support::{publish_bytes, publish_ok, send_empty, send_json, Pkg};

#[tokio::test]
async fn creating_a_namespace_makes_the_caller_its_owner() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let r = alice
        .post_json("/api/v1/namespaces", json!({"name": "acme"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json()["members"],
        json!([{"username": "alice", "role": "owner"}])
    );
    assert_eq!(r.json()["require_signatures"], false);

    let bob = app.user("bob").await;
    bob.post_json("/api/v1/namespaces", json!({"name": "acme"}))
        .await
        .problem(409, "conflict");
    for bad in ["ab", "Acme", "1acme", "ac--me", "acme-", "ac.me"] {
        let p = bob
            .post_json("/api/v1/namespaces", json!({"name": bad}))
            .await
            .problem(422, "validation_failed");
        assert_eq!(p["errors"][0]["field"], "name", "{bad}");
    }
    app.client()
        .post_json("/api/v1/namespaces", json!({"name": "anon"}))
        .await
        .problem(401, "unauthenticated");
    let read_only = app.token_client(&bob, &["read"]).await;
    read_only
        .post_json("/api/v1/namespaces", json!({"name": "bobs"}))
        .await
        .problem(403, "insufficient_scope");
    let publish = app.token_client(&bob, &["publish"]).await;
    assert_eq!(
        publish
            .post_json("/api/v1/namespaces", json!({"name": "bobs"}))
            .await
            .status,
        201
    );

    // The new namespace is usable for publishing right away.
    publish_ok(&publish, &Pkg::new("bobs.hello", "0.1.0")).await;
    let ns = app.client().get("/api/v1/namespaces/bobs").await;
    assert_eq!(ns.status, 200);
    assert_eq!(ns.json()["members"][0]["username"], "bob");
    app.client()
        .get("/api/v1/namespaces/nope")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn owners_manage_members_and_never_lose_the_last_owner() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;

    // Non-members may not manage anything.
    send_json(
        &bob,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "owner"}),
    )
    .await
    .problem(403, "forbidden");

    // Adding someone invites them; they join when they accept.
    let r = send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        r.json()["members"],
        json!([{"username": "alice", "role": "owner"}])
    );
    let r = bob
        .post_json("/api/v1/me/invitations/acme", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["members"],
        json!([{"username": "alice", "role": "owner"}, {"username": "bob", "role": "maintainer"}])
    );
    // A name nobody has gets the same answer as a real one.
    let r = send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/nobody",
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "king"}),
    )
    .await
    .problem(400, "bad_request");

    // A maintainer publishes but does not manage.
    publish_ok(&bob, &Pkg::new("acme.hello", "0.1.0")).await;
    send_json(
        &bob,
        "PUT",
        "/api/v1/namespaces/acme/members/carol",
        json!({"role": "maintainer"}),
    )
    .await
    .problem(403, "forbidden");
    send_json(
        &bob,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": true}),
    )
    .await
    .problem(403, "forbidden");
    publish_bytes(&carol, Pkg::new("acme.hello", "0.2.0").bytes())
        .await
        .problem(403, "forbidden");

    // The last owner can neither leave nor step down.
    send_empty(&alice, "DELETE", "/api/v1/namespaces/acme/members/alice")
        .await
        .problem(409, "conflict");
    send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/alice",
        json!({"role": "maintainer"}),
    )
    .await
    .problem(409, "conflict");
    // With a second owner, they can.
    send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "owner"}),
    )
    .await;
    let r = send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/alice",
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        send_empty(&bob, "DELETE", "/api/v1/namespaces/acme/members/alice")
            .await
            .status,
        204
    );
    send_empty(&bob, "DELETE", "/api/v1/namespaces/acme/members/alice")
        .await
        .problem(404, "not_found");
    let ns = app.client().get("/api/v1/namespaces/acme").await.json();
    assert_eq!(ns["members"], json!([{"username": "bob", "role": "owner"}]));
    publish_bytes(&alice, Pkg::new("acme.hello", "0.2.0").bytes())
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn owners_register_and_remove_signing_keys() {
    let app = TestApp::new().await;
    let alice = app.publisher("alice", "acme").await;
    let bob = app.user("bob").await;
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let b64 = kp.pk.to_base64();

    send_json(
        &bob,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": b64}),
    )
    .await
    .problem(403, "forbidden");
    let p = send_json(
        &alice,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": "RWQnot-a-key"}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["code"], "invalid_public_key");

    let r = send_json(
        &alice,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": b64}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let key_id = r.json()["key_id"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 16);
    send_json(
        &alice,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": b64}),
    )
    .await
    .problem(409, "conflict");

    let ns = app.client().get("/api/v1/namespaces/acme").await.json();
    assert_eq!(ns["keys"][0]["key_id"], key_id);
    assert_eq!(ns["keys"][0]["public_key"], b64);

    let token = app.token_client(&alice, &["read"]).await;
    send_empty(
        &token,
        "DELETE",
        &format!("/api/v1/namespaces/acme/keys/{key_id}"),
    )
    .await
    .problem(403, "insufficient_scope");
    send_empty(
        &bob,
        "DELETE",
        &format!("/api/v1/namespaces/acme/keys/{key_id}"),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        send_empty(
            &alice,
            "DELETE",
            &format!("/api/v1/namespaces/acme/keys/{key_id}")
        )
        .await
        .status,
        204
    );
    send_empty(
        &alice,
        "DELETE",
        &format!("/api/v1/namespaces/acme/keys/{key_id}"),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(
        app.client().get("/api/v1/namespaces/acme").await.json()["keys"],
        json!([])
    );
}
