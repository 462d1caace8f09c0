//! Moderation over REST: reports of plugins and the moderation queue with its
//! dismissals, hidden reviews (out of lists, ratings and search, still read by
//! their author), their events, and every refusal changing nothing. Delisted
//! plugins and disabled users are in `moderation_access.rs`, which shares the
//! helpers here.

use axum::http::StatusCode;
use serde_json::json;
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually, Client, TestApp};
use crate::registry_support::{publish_ok, publisher, send_empty, send_json, Pkg};

pub(crate) const K: &str = "/api/v1/plugins/acme.kanban";

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

/// `(type, namespace)` of the events of these types, in log order.
pub(crate) async fn events_of(app: &TestApp, prefix: &[&str]) -> Vec<(String, Option<String>)> {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query("SELECT type, namespace FROM events ORDER BY tx, seq")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<String, _>("type").unwrap(),
                r.try_get::<Option<String>, _>("namespace").unwrap(),
            )
        })
        .filter(|(t, _)| prefix.contains(&t.as_str()))
        .collect()
}

pub(crate) async fn review(c: &Client, stars: i64, text: &str) -> i64 {
    let r = c
        .post_json(
            &format!("{K}/reviews"),
            json!({"stars": stars, "title": "T", "text": text}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

/// Everything a refused moderation request must leave as it was.
pub(crate) async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) AS n FROM plugin_reports",
        "SELECT COUNT(*) AS n FROM plugin_reports WHERE resolved_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM review_reports WHERE resolved_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM reviews WHERE hidden_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM plugins WHERE delisted_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM users WHERE disabled_at IS NOT NULL",
        "SELECT COUNT(*) AS n FROM sessions",
        "SELECT COUNT(*) AS n FROM events",
    ] {
        out.push(count(app, sql).await);
    }
    out
}

#[tokio::test]
async fn plugin_reports_fill_the_queue_and_dismissals_resolve_them() {
    let app = TestApp::new().await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let root = app.admin("ruth").await;
    let bid = review(&bob, 4, "Nice.").await;

    let r = bob
        .post_json(
            &format!("{K}/reports"),
            json!({"reason": "spam", "text": "Ads everywhere."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["reason"], "spam");
    let r = carol
        .post_json(&format!("{K}/reports"), json!({"reason": "malware"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = carol
        .post_json(
            &format!("{K}/reviews/{bid}/reports"),
            json!({"reason": "off_topic", "text": "Not about the plugin."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // The queue: admins only.
    bob.get("/api/v1/admin/reports")
        .await
        .problem(403, "forbidden");
    let q = root.get("/api/v1/admin/reports").await;
    assert_eq!(q.status, 200, "{}", q.text);
    let q = q.json();
    let items = q["data"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{q}");
    // Both were reported within this second: find each by kind.
    let of = |kind: &str| items.iter().find(|i| i["kind"] == kind).unwrap().clone();
    let rv = of("review");
    assert_eq!(rv["review"]["id"], bid);
    assert_eq!(rv["review"]["author"], "bob");
    assert_eq!(rv["plugin"], "acme.kanban");
    assert_eq!(rv["latest_text"], "Not about the plugin.");
    let p = &of("plugin");
    assert_eq!(p["plugin"], "acme.kanban");
    assert_eq!(p["reports"], 2);
    assert_eq!(
        p["reasons"],
        json!([{"reason": "malware", "count": 1}, {"reason": "spam", "count": 1}])
    );
    assert_eq!(p["latest_text"], "Ads everywhere.");
    assert!(p["resolution"].is_null());
    let only = root.get("/api/v1/admin/reports?kind=plugin").await.json();
    assert_eq!(only["data"].as_array().unwrap().len(), 1);
    let none = root
        .get("/api/v1/admin/reports?state=resolved")
        .await
        .json();
    assert_eq!(none["data"], json!([]));
    let page = root.get("/api/v1/admin/reports?limit=1").await.json();
    assert_eq!(page["data"].as_array().unwrap().len(), 1);
    let cur = page["next_cursor"].as_str().unwrap().to_owned();
    let page2 = root
        .get(&format!("/api/v1/admin/reports?limit=1&cursor={cur}"))
        .await
        .json();
    assert_eq!(page2["data"].as_array().unwrap().len(), 1);
    assert_ne!(page2["data"][0]["kind"], page["data"][0]["kind"]);

    // Refusals change nothing.
    let dave = app.user("dave").await;
    let dave_read = app.token_client(&dave, &["read"]).await;
    let before = snapshot(&app).await;
    bob.post_json(&format!("{K}/reports"), json!({"reason": "spam"}))
        .await
        .problem(409, "conflict");
    alice
        .post_json(&format!("{K}/reports"), json!({"reason": "spam"}))
        .await
        .problem(403, "forbidden");
    let v = dave
        .post_json(&format!("{K}/reports"), json!({"reason": "boring"}))
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "reason");
    let long = "x".repeat(1001);
    let v = dave
        .post_json(
            &format!("{K}/reports"),
            json!({"reason": "other", "text": long}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "text");
    dave.post_json(
        "/api/v1/plugins/acme.nope/reports",
        json!({"reason": "spam"}),
    )
    .await
    .problem(404, "not_found");
    dave_read
        .post_json(&format!("{K}/reports"), json!({"reason": "spam"}))
        .await
        .problem(403, "insufficient_scope");
    app.client()
        .post_json(&format!("{K}/reports"), json!({"reason": "spam"}))
        .await
        .problem(401, "unauthenticated");
    send_empty(
        &bob,
        "POST",
        "/api/v1/admin/reports/plugins/acme.kanban/dismiss",
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(snapshot(&app).await, before);

    // Dismissing the plugin's reports resolves both; nothing else changes.
    let r = send_empty(
        &root,
        "POST",
        "/api/v1/admin/reports/plugins/acme.kanban/dismiss",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["dismissed"], 2);
    send_empty(
        &root,
        "POST",
        "/api/v1/admin/reports/plugins/acme.kanban/dismiss",
    )
    .await
    .problem(409, "conflict");
    assert_eq!(app.client().get(K).await.status, 200);
    let open = root.get("/api/v1/admin/reports").await.json();
    assert_eq!(open["data"].as_array().unwrap().len(), 1);
    assert_eq!(open["data"][0]["kind"], "review");
    let done = root
        .get("/api/v1/admin/reports?state=resolved")
        .await
        .json();
    let d = &done["data"][0];
    assert_eq!(d["kind"], "plugin");
    assert_eq!(d["reports"], 2);
    assert_eq!(d["resolution"]["action"], "dismissed");
    assert_eq!(d["resolution"]["by"], "ruth");
    // Dismissing the review's report leaves the review visible.
    let r = send_empty(
        &root,
        "POST",
        &format!("/api/v1/admin/reports/reviews/{bid}/dismiss"),
    )
    .await;
    assert_eq!(r.json()["dismissed"], 1);
    assert_eq!(
        app.client().get(&format!("{K}/reviews/{bid}")).await.status,
        200
    );
    send_empty(
        &root,
        "POST",
        "/api/v1/admin/reports/reviews/999999/dismiss",
    )
    .await
    .problem(404, "not_found");

    // Events: reports and dismissals are for admins only (no namespace).
    assert_eq!(
        events_of(&app, &["plugin.reported", "report.dismissed"]).await,
        [
            ("plugin.reported".to_owned(), None),
            ("plugin.reported".to_owned(), None),
            ("report.dismissed".to_owned(), None),
            ("report.dismissed".to_owned(), None),
        ]
    );
    let seen = alice.get("/api/v1/events?limit=200").await.json();
    assert!(seen["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] != "plugin.reported"));
}

#[tokio::test]
async fn hidden_reviews_leave_lists_ratings_and_search_and_their_author_still_reads_them() {
    let app = TestApp::new().await;
    let (alice, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let root = app.admin("ruth").await;
    let bid = review(&bob, 5, "Great.").await;
    let cid = review(&carol, 1, "Buy cheap watches at example.com").await;
    for who in [&bob, &dave] {
        let r = who
            .post_json(
                &format!("{K}/reviews/{cid}/reports"),
                json!({"reason": "spam"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let anon = app.client();
    assert_eq!(anon.get(&format!("{K}/rating")).await.json()["count"], 2);
    // The index has both reviews before the hiding, so the one-review state
    // awaited below is the hiding's and not the first review's.
    eventually("search counts both reviews", || async {
        app.client().get("/api/v1/search?q=kanban").await.json()["hits"][0]["rating_count"] == 2
    })
    .await;

    // Refusals first: nothing changes.
    let before = snapshot(&app).await;
    send_json(
        &dave,
        "PUT",
        &format!("{K}/reviews/{cid}/hidden"),
        json!({"reason": "Spam."}),
    )
    .await
    .problem(403, "forbidden");
    let v = send_json(
        &root,
        "PUT",
        &format!("{K}/reviews/{cid}/hidden"),
        json!({"reason": "  "}),
    )
    .await
    .problem(422, "validation_failed");
    assert_eq!(v["errors"][0]["field"], "reason");
    send_json(
        &root,
        "PUT",
        &format!("/api/v1/plugins/acme.other/reviews/{cid}/hidden"),
        json!({"reason": "Spam."}),
    )
    .await
    .problem(404, "not_found");
    assert_eq!(snapshot(&app).await, before);

    // Hide carol's review.
    let r = send_json(
        &root,
        "PUT",
        &format!("{K}/reviews/{cid}/hidden"),
        json!({"reason": "Advertising."}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["hidden"]["reason"], "Advertising.");
    // Out of the list and the rating.
    let list = anon.get(&format!("{K}/reviews")).await.json();
    let ids: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bid]);
    let s = anon.get(&format!("{K}/rating")).await.json();
    assert_eq!(s["count"], 1);
    assert_eq!(s["distribution"], json!([0, 0, 0, 0, 1]));
    assert!((s["average"].as_f64().unwrap() - 5.0).abs() < 1e-9);
    // Its author (and admins) still read it, with the note; nobody else does.
    let own = carol.get(&format!("{K}/reviews/{cid}")).await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.json()["hidden"]["reason"], "Advertising.");
    assert_eq!(root.get(&format!("{K}/reviews/{cid}")).await.status, 200);
    anon.get(&format!("{K}/reviews/{cid}"))
        .await
        .problem(404, "not_found");
    dave.get(&format!("{K}/reviews/{cid}"))
        .await
        .problem(404, "not_found");
    assert!(anon.get(&format!("{K}/reviews/{bid}")).await.json()["hidden"].is_null());
    // Nobody votes on it, replies to it or reports it.
    send_empty(&dave, "PUT", &format!("{K}/reviews/{cid}/helpful"))
        .await
        .problem(404, "not_found");
    send_json(
        &alice,
        "PUT",
        &format!("{K}/reviews/{cid}/reply"),
        json!({"text": "Hm."}),
    )
    .await
    .problem(404, "not_found");
    let eve = app.user("eve").await;
    eve.post_json(
        &format!("{K}/reviews/{cid}/reports"),
        json!({"reason": "spam"}),
    )
    .await
    .problem(404, "not_found");
    // Its reports were resolved by the hiding.
    let done = root
        .get("/api/v1/admin/reports?state=resolved")
        .await
        .json();
    assert_eq!(done["data"][0]["review"]["id"], cid);
    assert_eq!(done["data"][0]["reports"], 2);
    assert_eq!(done["data"][0]["resolution"]["action"], "hidden");
    assert_eq!(
        done["data"][0]["review"]["hidden"]["reason"],
        "Advertising."
    );
    assert_eq!(
        root.get("/api/v1/admin/reports").await.json()["data"],
        json!([])
    );
    // Search ranks by the visible reviews only.
    eventually("search counts one review", || async {
        app.client().get("/api/v1/search?q=kanban").await.json()["hits"][0]["rating_count"] == 1
    })
    .await;
    // Hiding again with the same reason changes nothing.
    let n = count(&app, "SELECT COUNT(*) AS n FROM events").await;
    let r = send_json(
        &root,
        "PUT",
        &format!("{K}/reviews/{cid}/hidden"),
        json!({"reason": "Advertising."}),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM events").await, n);

    // Restore.
    let r = send_empty(&root, "DELETE", &format!("{K}/reviews/{cid}/hidden")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(anon.get(&format!("{K}/rating")).await.json()["count"], 2);
    assert!(anon.get(&format!("{K}/reviews/{cid}")).await.json()["hidden"].is_null());
    eventually("search counts both reviews", || async {
        app.client().get("/api/v1/search?q=kanban").await.json()["hits"][0]["rating_count"] == 2
    })
    .await;
    assert_eq!(
        events_of(&app, &["review.hidden", "review.restored"]).await,
        [
            ("review.hidden".to_owned(), Some("acme".to_owned())),
            ("review.restored".to_owned(), Some("acme".to_owned())),
        ]
    );
}
