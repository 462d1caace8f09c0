//! The event log through the real router: every change writes its event (with
//! the envelope the catalogue promises), a refused change writes none, and who
//! may read what (admins everything, publishers their namespaces).

use serde_json::{json, Value};

use crate::harness::{Client, TestApp};
use crate::registry_support::{publish_ok, send_empty, send_json, Pkg};

/// Every event (admin view), oldest first, as (type, subject id).
async fn log(admin: &Client) -> Vec<Value> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/events?limit=7&cursor={c}"),
            None => "/api/v1/events?limit=7".to_owned(),
        };
        let r = admin.get(&url).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let body = r.json();
        all.extend(body["data"].as_array().unwrap().iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    all.reverse();
    all
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_change_writes_its_event_in_order() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    let start = log(&admin).await.len();
    assert_eq!(start, 3, "three sign-ups: {:?}", types(&log(&admin).await));

    let t = app.token_client(&alice, &["read", "publish"]).await;
    let r = send_json(&t, "POST", "/api/v1/namespaces", json!({"name": "acme"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let r = send_json(
        &t,
        "POST",
        "/api/v1/namespaces/acme/keys",
        json!({"public_key": kp.pk.to_base64()}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let key_id = r.json()["key_id"].as_str().unwrap().to_owned();
    send_empty(
        &t,
        "DELETE",
        &format!("/api/v1/namespaces/acme/keys/{key_id}"),
    )
    .await;
    send_json(
        &t,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": false}),
    )
    .await;
    send_json(
        &t,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": true}),
    )
    .await;
    send_json(
        &t,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": false}),
    )
    .await;
    let r = send_json(
        &t,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "maintainer"}),
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = bob
        .post_json("/api/v1/me/invitations/acme", json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    send_json(
        &t,
        "PUT",
        "/api/v1/namespaces/acme/members/bob",
        json!({"role": "owner"}),
    )
    .await;
    send_empty(&t, "DELETE", "/api/v1/namespaces/acme/members/bob").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.1.0")).await;
    send_empty(&t, "PUT", "/api/v1/plugins/acme.kanban/versions/1.0.0/yank").await;
    // Yanking again changes nothing and says nothing.
    send_empty(&t, "PUT", "/api/v1/plugins/acme.kanban/versions/1.0.0/yank").await;
    send_empty(
        &t,
        "DELETE",
        "/api/v1/plugins/acme.kanban/versions/1.0.0/yank",
    )
    .await;
    send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.kanban/deprecation",
        json!({"reason": "Use acme.boards."}),
    )
    .await;
    send_empty(&t, "DELETE", "/api/v1/plugins/acme.kanban/deprecation").await;
    send_empty(&t, "DELETE", "/api/v1/plugins/acme.kanban/deprecation").await;
    let r = send_empty(&t, "DELETE", "/api/v1/plugins/acme.kanban").await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = alice
        .post_json("/api/v1/tokens", json!({"name": "ci", "scopes": ["read"]}))
        .await;
    let ci = r.json()["token"]["id"].as_i64().unwrap();
    assert_eq!(
        alice.delete(&format!("/api/v1/tokens/{ci}")).await.status,
        204
    );

    let events = log(&admin).await;
    let got = types(&events[start..]);
    assert_eq!(
        got,
        [
            "token.created",
            "namespace.created",
            "namespace.key.added",
            "namespace.key.removed",
            "namespace.updated",
            "namespace.updated",
            "namespace.member.invited",
            "namespace.member.added",
            "namespace.member.role_changed",
            "namespace.member.removed",
            "plugin.published",
            "plugin.version.published",
            "plugin.version.published",
            "plugin.version.yanked",
            "plugin.version.unyanked",
            "plugin.deprecated",
            "plugin.undeprecated",
            "plugin.deleted",
            "token.created",
            "token.revoked",
        ]
    );
    // The envelope, on one of them.
    let e = &events[start + 11];
    assert_eq!(e["type"], "plugin.version.published");
    assert!(e["id"].as_str().unwrap().starts_with("evt_"), "{e}");
    assert_eq!(e["subject"], json!({"kind": "plugin", "id": "acme.kanban"}));
    assert_eq!(e["namespace"], "acme");
    assert_eq!(e["actor"]["type"], "user");
    assert_eq!(e["actor"]["username"], "alice");
    assert!(e["actor"]["token_id"].is_i64(), "{e}");
    assert_eq!(e["data"]["version"], "1.0.0");
    assert_eq!(e["data"]["sha256"].as_str().unwrap().len(), 64);
    assert!(e["occurred_at"].as_str().unwrap().ends_with('Z'));
    // Ids sort like the log.
    let ids: Vec<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    // No secret ever reaches an event.
    let text = serde_json::to_string(&events).unwrap();
    assert!(!text.contains("trls_"), "a token secret in the log");
    // One event by id.
    let one = admin
        .get(&format!("/api/v1/events/{}", ids[start + 1]))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json(), events[start + 1]);
}

#[tokio::test]
async fn a_refused_change_writes_no_event() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let alice = app.publisher("alice", "acme").await;
    let mallory = app.user("mallory").await;
    let before = log(&admin).await.len();
    // Taken, forbidden, invalid, last owner, not found: each refused, none logged.
    send_json(
        &alice,
        "POST",
        "/api/v1/namespaces",
        json!({"name": "acme"}),
    )
    .await
    .problem(409, "conflict");
    send_json(
        &mallory,
        "PATCH",
        "/api/v1/namespaces/acme",
        json!({"require_signatures": true}),
    )
    .await
    .problem(403, "forbidden");
    send_json(&alice, "POST", "/api/v1/namespaces", json!({"name": "x"}))
        .await
        .problem(422, "validation_failed");
    send_json(
        &alice,
        "PUT",
        "/api/v1/namespaces/acme/members/alice",
        json!({"role": "maintainer"}),
    )
    .await
    .problem(409, "conflict");
    send_empty(
        &alice,
        "PUT",
        "/api/v1/plugins/acme.none/versions/1.0.0/yank",
    )
    .await
    .problem(404, "not_found");
    send_empty(&alice, "DELETE", "/api/v1/tokens/999")
        .await
        .problem(404, "not_found");
    assert_eq!(
        log(&admin).await.len(),
        before,
        "{:?}",
        types(&log(&admin).await)
    );
}

#[tokio::test]
async fn a_rolled_back_transaction_leaves_no_event_and_a_committed_one_does() {
    use trellis_events::catalogue::NamespaceCreated;
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let before = log(&admin).await.len();
    let data = NamespaceCreated {
        namespace: "ghost".into(),
        owner: "root".into(),
    };
    let mut tx = app.state.db.begin().await.unwrap();
    trellis_events::emit(&mut tx, &trellis_events::Actor::System, &data)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    // Dropped without commit: rolled back too.
    {
        let mut tx = app.state.db.begin().await.unwrap();
        trellis_events::emit(&mut tx, &trellis_events::Actor::System, &data)
            .await
            .unwrap();
    }
    assert_eq!(log(&admin).await.len(), before);
    let mut tx = app.state.db.begin().await.unwrap();
    trellis_events::emit(&mut tx, &trellis_events::Actor::System, &data)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let events = log(&admin).await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(events.last().unwrap()["actor"], json!({"type": "system"}));
}

#[tokio::test]
async fn publishers_read_their_namespaces_events_and_admins_all() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let alice = app.user("alice").await;
    let bob = app.user("bob").await;
    for (c, ns) in [(&alice, "acme"), (&bob, "bobco")] {
        let r = send_json(c, "POST", "/api/v1/namespaces", json!({"name": ns})).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    publish_ok(&alice, &Pkg::new("acme.kanban", "1.0.0")).await;
    publish_ok(&bob, &Pkg::new("bobco.tool", "1.0.0")).await;

    let mine = alice.get("/api/v1/events").await.json();
    let seen: Vec<&str> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["namespace"].as_str().unwrap())
        .collect();
    assert!(
        !seen.is_empty() && seen.iter().all(|n| *n == "acme"),
        "{seen:?}"
    );
    assert!(
        alice.get("/api/v1/events?namespace=bobco").await.json()["data"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Someone else's event is not found (not forbidden: ids do not leak).
    let bobs = admin
        .get("/api/v1/events?namespace=bobco&type=plugin.published")
        .await
        .json();
    let id = bobs["data"][0]["id"].as_str().unwrap().to_owned();
    alice
        .get(&format!("/api/v1/events/{id}"))
        .await
        .problem(404, "not_found");
    assert_eq!(bob.get(&format!("/api/v1/events/{id}")).await.status, 200);
    // Admins: everything; an admin token without the admin scope: only their namespaces.
    let all = admin.get("/api/v1/events?limit=200").await.json();
    assert!(all["data"].as_array().unwrap().len() >= 9, "{all}");
    let read_only = app.token_client(&admin, &["read"]).await;
    assert!(read_only.get("/api/v1/events").await.json()["data"]
        .as_array()
        .unwrap()
        .is_empty());
    // Filters.
    let plugins = admin.get("/api/v1/events?type=plugin.*").await.json();
    assert!(plugins["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"].as_str().unwrap().starts_with("plugin.")));
    assert_eq!(plugins["data"].as_array().unwrap().len(), 4);
    let subject = admin
        .get("/api/v1/events?subject=plugin:acme.kanban")
        .await
        .json();
    assert_eq!(subject["data"].as_array().unwrap().len(), 2);
    let later = admin.get("/api/v1/events?since=4102444800000").await.json();
    assert!(later["data"].as_array().unwrap().is_empty());
    // Bad filters are refused, naming what was wrong.
    let p = admin
        .get("/api/v1/events?type=plugin.exploded")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "type");
    let p = admin
        .get("/api/v1/events?subject=acme")
        .await
        .problem(422, "validation_failed");
    assert_eq!(p["errors"][0]["field"], "subject");
    admin
        .get("/api/v1/events?cursor=nope")
        .await
        .problem(400, "bad_request");
    admin
        .get("/api/v1/events?since=10&until=5")
        .await
        .problem(400, "bad_request");
    admin
        .get("/api/v1/events/evt_nope")
        .await
        .problem(404, "not_found");
    // No credentials.
    app.client()
        .get("/api/v1/events")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn the_catalogue_is_public_and_describes_every_type() {
    let app = TestApp::new().await;
    let r = app.client().get("/api/v1/event-types").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    let all = body["data"].as_array().unwrap();
    let names: Vec<&str> = all.iter().map(|t| t["type"].as_str().unwrap()).collect();
    for t in [
        "plugin.published",
        "plugin.version.published",
        "plugin.version.yanked",
        "plugin.version.unyanked",
        "plugin.deprecated",
        "plugin.undeprecated",
        "plugin.deleted",
        "namespace.created",
        "namespace.member.added",
        "namespace.member.removed",
        "namespace.key.added",
        "namespace.key.removed",
        "token.created",
        "token.revoked",
        "user.created",
    ] {
        assert!(names.contains(&t), "{t} missing from {names:?}");
    }
    for t in all {
        assert_eq!(t["schema"]["type"], "object", "{t}");
        assert!(t["example"].is_object() && !t["description"].as_str().unwrap().is_empty());
    }
}
