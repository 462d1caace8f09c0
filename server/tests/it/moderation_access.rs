//! Moderation over REST, continued: delisted plugins (out of search, listings,
//! feeds and category counts; still resolved and downloaded) and disabled
//! users (sessions and tokens refused at once, sign-in refused), their events,
//! and every refusal changing nothing.

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually, TestApp, PASSWORD};
use crate::moderation::{count, events_of, snapshot, K};
use crate::registry_support::{download, publish_ok, publisher, send_empty, send_json, Pkg};

#[tokio::test]
async fn delisted_plugins_leave_discovery_and_keep_resolving_and_downloading() {
    let app = TestApp::new().await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    for id in ["acme.kanban", "acme.notes"] {
        let m = crate::registry_support::manifest(id, "1.0.0", "^1", &[])
            .replace("license = ", "categories = [\"productivity\"]\nlicense = ");
        publish_ok(&t, &Pkg::new(id, "1.0.0").file("plugin.toml", m)).await;
    }
    let root = app.admin("ruth").await;
    let productivity = |v: Value| {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["slug"] == "productivity")
            .map(|c| c["plugins"].as_i64().unwrap())
    };
    assert_eq!(
        productivity(app.client().get("/api/v1/categories").await.json()),
        Some(2)
    );
    let bob = app.user("bob").await;
    let anon = app.client();
    let hits = |v: &Value| -> Vec<String> {
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    };
    eventually("search finds both", || async {
        hits(&app.client().get("/api/v1/search").await.json()).len() == 2
    })
    .await;
    let r = bob
        .post_json(&format!("{K}/reports"), json!({"reason": "impersonation"}))
        .await;
    assert_eq!(r.status, 201);

    // Refusals change nothing.
    let before = snapshot(&app).await;
    send_json(
        &bob,
        "PUT",
        &format!("{K}/delisting"),
        json!({"reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    send_json(
        &root,
        "PUT",
        &format!("{K}/delisting"),
        json!({"reason": ""}),
    )
    .await
    .problem(422, "validation_failed");
    send_json(
        &root,
        "PUT",
        "/api/v1/plugins/acme.nope/delisting",
        json!({"reason": "x"}),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(snapshot(&app).await, before);
    anon.get(&format!("{K}/delisting"))
        .await
        .problem(404, "not_found");

    let r = send_json(
        &root,
        "PUT",
        &format!("{K}/delisting"),
        json!({"reason": "Impersonates another publisher."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["reason"], "Impersonates another publisher.");
    // Out of search, listings, feeds and the category counts.
    eventually("search drops it", || async {
        hits(&app.client().get("/api/v1/search").await.json()) == ["acme.notes"]
    })
    .await;
    let listed = anon.get("/api/v1/plugins").await.json();
    let listed: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["acme.notes"]);
    let feed = anon.get("/feeds/plugins.atom").await;
    assert_eq!(feed.status, 200);
    assert!(!feed.text.contains("acme.kanban"), "{}", feed.text);
    assert!(feed.text.contains("acme.notes"));
    let updates = anon.get("/feeds/updates.atom").await;
    assert!(!updates.text.contains("acme.kanban"));
    assert_eq!(
        productivity(anon.get("/api/v1/categories").await.json()),
        Some(1)
    );
    let cat = anon
        .get("/api/v1/search?category=productivity")
        .await
        .json();
    assert_eq!(hits(&cat), ["acme.notes"]);
    // Its page, its delisting, resolution and downloads stay.
    assert_eq!(anon.get(K).await.status, 200);
    let d = anon.get(&format!("{K}/delisting")).await;
    assert_eq!(d.status, 200);
    assert_eq!(d.json()["reason"], "Impersonates another publisher.");
    assert_eq!(download(&anon, "acme.kanban", "1.0.0").await.status, 200);
    let plan = anon
        .post_json(
            "/api/v1/resolve",
            json!({"plugins": [{"id": "acme.kanban"}]}),
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.text);
    assert!(plan.text.contains("acme.kanban"));
    // The report was resolved by the delisting.
    let done = root
        .get("/api/v1/admin/reports?state=resolved")
        .await
        .json();
    assert_eq!(done["data"][0]["resolution"]["action"], "delisted");
    assert_eq!(
        done["data"][0]["delisted"]["reason"],
        "Impersonates another publisher."
    );
    // The publisher reads the delisting in their namespace's events.
    let seen = alice
        .get("/api/v1/events?type=plugin.delisted")
        .await
        .json();
    assert_eq!(
        seen["data"][0]["data"]["reason"],
        "Impersonates another publisher."
    );

    // Relist: back in search.
    let r = send_empty(&root, "DELETE", &format!("{K}/delisting")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    eventually("search finds it again", || async {
        hits(&app.client().get("/api/v1/search").await.json()).len() == 2
    })
    .await;
    anon.get(&format!("{K}/delisting"))
        .await
        .problem(404, "not_found");
    assert_eq!(
        anon.get("/api/v1/plugins").await.json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Relisting a listed plugin changes nothing.
    let n = count(&app, "SELECT COUNT(*) AS n FROM events").await;
    assert_eq!(
        send_empty(&root, "DELETE", &format!("{K}/delisting"))
            .await
            .status,
        204
    );
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM events").await, n);
    assert_eq!(
        events_of(&app, &["plugin.delisted", "plugin.relisted"]).await,
        [
            ("plugin.delisted".to_owned(), Some("acme".to_owned())),
            ("plugin.relisted".to_owned(), Some("acme".to_owned())),
        ]
    );
}

#[tokio::test]
async fn disabled_users_are_signed_out_at_once_and_their_tokens_refused() {
    let app = TestApp::new().await;
    let root = app.admin("ruth").await;
    let bob = app.user("bob").await;
    let bob_token = app.token_client(&bob, &["read", "publish"]).await;
    let carol = app.user("carol").await;
    assert_eq!(bob.get("/api/v1/me").await.status, 200);
    assert_eq!(bob_token.get("/api/v1/me").await.status, 200);

    // Refusals change nothing.
    let before = snapshot(&app).await;
    send_json(
        &carol,
        "PUT",
        "/api/v1/admin/users/bob/disabled",
        json!({"reason": "x"}),
    )
    .await
    .problem(403, "forbidden");
    send_json(
        &root,
        "PUT",
        "/api/v1/admin/users/ruth/disabled",
        json!({"reason": "Oops."}),
    )
    .await
    .problem(403, "forbidden");
    let v = send_json(
        &root,
        "PUT",
        "/api/v1/admin/users/bob/disabled",
        json!({"reason": ""}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "reason");
    send_json(
        &root,
        "PUT",
        "/api/v1/admin/users/nobody/disabled",
        json!({"reason": "x"}),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(snapshot(&app).await, before);
    assert_eq!(bob.get("/api/v1/me").await.status, 200);

    // Disable: the session and the token stop at the next request.
    let r = send_json(
        &root,
        "PUT",
        "/api/v1/admin/users/bob/disabled",
        json!({"reason": "Spam reviews."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["disabled"]["reason"], "Spam reviews.");
    bob.get("/api/v1/me").await.problem(401, "unauthenticated");
    let p = bob_token
        .get("/api/v1/me")
        .await
        .problem(401, "account_disabled");
    assert!(p["detail"].as_str().unwrap().contains("disabled"));
    // Its pages show it signed out.
    let page = bob.get("/account").await;
    assert!(!page.text.contains("user-chip"), "{}", page.text);
    // Signing in is refused, with a clear message once the password is right.
    let again = app.client();
    let r = again.sign_in("bob", PASSWORD).await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r.text.contains("account_disabled"), "{}", r.text);
    assert!(r.text.contains("disabled"), "{}", r.text);
    assert_eq!(again.get("/api/v1/me").await.status, 401);
    let r = again.sign_in("bob", "not the password at all").await;
    assert!(r.text.contains("invalid_credentials"), "{}", r.text);
    // The admin list shows it.
    let list = root.get("/api/v1/admin/users?q=bo").await.json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["data"][0]["username"], "bob");
    assert_eq!(list["data"][0]["disabled"]["reason"], "Spam reviews.");
    let all = root.get("/api/v1/admin/users").await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 3);
    assert!(all["data"][0]["disabled"].is_null());
    carol
        .get("/api/v1/admin/users")
        .await
        .problem(403, "forbidden");

    // Enable: sign-in and the token work again.
    let r = send_empty(&root, "DELETE", "/api/v1/admin/users/bob/disabled").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(bob_token.get("/api/v1/me").await.status, 200);
    let r = again.sign_in("bob", PASSWORD).await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.text
    );
    assert_eq!(again.get("/api/v1/me").await.status, 200);
    let mut c = app.state.db.conn().await.unwrap();
    let evs: Vec<(String, String, String)> = sqlx::query(
        "SELECT type, subject_id, data FROM events WHERE type IN ('user.disabled', 'user.enabled') \
         ORDER BY seq",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("type").unwrap(),
            r.try_get("subject_id").unwrap(),
            r.try_get("data").unwrap(),
        )
    })
    .collect();
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert_eq!(
        (evs[0].0.as_str(), evs[0].1.as_str()),
        ("user.disabled", "bob")
    );
    let data: Value = serde_json::from_str(&evs[0].2).unwrap();
    assert_eq!(data["reason"], "Spam reviews.");
    assert_eq!(data["sessions_ended"], 1);
    assert_eq!(evs[1].0, "user.enabled");
}
