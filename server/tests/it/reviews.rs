//! Reviews and ratings over REST: the lifecycle (create, change, delete,
//! reply, helpful votes, reports), sorting and the version filter, the rating
//! summary, the events, search ranking by rating, the rate limit, and every
//! refusal changing nothing.

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually, Client, TestApp};
use crate::registry_support::{publish_ok, publisher, send_empty, send_json, Pkg};

const K: &str = "/api/v1/plugins/acme.kanban";

/// alice publishes acme.kanban 1.0.0 and 1.1.0; returns her session.
async fn seed(app: &TestApp) -> Client {
    let (s, t) = publisher(app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.kanban", "1.1.0")).await;
    s
}

async fn review(c: &Client, plugin: &str, body: Value) -> Value {
    let r = c
        .post_json(&format!("/api/v1/plugins/{plugin}/reviews"), body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn ids(list: &Value) -> Vec<i64> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

/// Everything a refused request must leave as it was.
async fn snapshot(app: &TestApp) -> (i64, i64, i64, i64, String, Value) {
    let anon = app.client();
    (
        count(app, "SELECT COUNT(*) AS n FROM reviews").await,
        count(app, "SELECT COUNT(*) AS n FROM review_votes").await,
        count(app, "SELECT COUNT(*) AS n FROM review_reports").await,
        count(app, "SELECT COUNT(*) AS n FROM events").await,
        anon.get(&format!("{K}/reviews?sort=newest")).await.text,
        anon.get(&format!("{K}/rating")).await.json(),
    )
}

async fn review_events(app: &TestApp) -> Vec<(String, Option<String>)> {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query("SELECT type, namespace FROM events WHERE type LIKE 'review.%' ORDER BY seq")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("type").unwrap(), r.try_get("namespace").unwrap()))
        .collect()
}

#[tokio::test]
async fn reviews_replies_votes_reports_summary_events_and_search() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;

    let b = review(
        &bob,
        "acme.kanban",
        json!({"stars": 5, "title": "Great", "text": "Works well.", "version": "1.0.0"}),
    )
    .await;
    assert_eq!(b["version"], "1.0.0");
    assert_eq!(b["author"], "bob");
    // The default version is the latest not yanked.
    let c = review(
        &carol,
        "acme.kanban",
        json!({"stars": 2, "title": "Meh", "text": "Crashes sometimes."}),
    )
    .await;
    assert_eq!(c["version"], "1.1.0");
    let d = review(
        &dave,
        "acme.kanban",
        json!({"stars": 4, "title": "Good", "text": "Nice.", "version": "1.1.0", "api_version": "1.0.0"}),
    )
    .await;
    assert_eq!(d["api_version"], "1.0.0");
    let (bid, cid, did) = (
        b["id"].as_i64().unwrap(),
        c["id"].as_i64().unwrap(),
        d["id"].as_i64().unwrap(),
    );

    // Helpful votes: bob's twice, carol's once.
    for (who, rid) in [(&carol, bid), (&dave, bid), (&bob, cid)] {
        let r = send_empty(who, "PUT", &format!("{K}/reviews/{rid}/helpful")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let anon = app.client();
    let get = |q: &'static str| {
        let anon = anon.clone();
        async move { anon.get(&format!("{K}/reviews{q}")).await.json() }
    };
    assert_eq!(ids(&get("").await), [bid, cid, did], "most helpful first");
    assert_eq!(ids(&get("?sort=newest").await), [did, cid, bid]);
    assert_eq!(ids(&get("?sort=highest").await), [bid, did, cid]);
    assert_eq!(ids(&get("?sort=lowest").await), [cid, did, bid]);
    assert_eq!(ids(&get("?version=1.1.0&sort=newest").await), [did, cid]);
    assert_eq!(ids(&get("?version=1.0.0").await), [bid]);
    // Cursor pages.
    let p1 = get("?sort=newest&limit=2").await;
    assert_eq!(ids(&p1), [did, cid]);
    let cur = p1["next_cursor"].as_str().unwrap().to_owned();
    let p2 = anon
        .get(&format!("{K}/reviews?sort=newest&limit=2&cursor={cur}"))
        .await
        .json();
    assert_eq!(ids(&p2), [bid]);
    assert!(p2["next_cursor"].is_null());
    // Un-vote.
    let r = send_empty(&dave, "DELETE", &format!("{K}/reviews/{bid}/helpful")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let one = anon.get(&format!("{K}/reviews/{bid}")).await.json();
    assert_eq!(one["helpful"], 1);

    // Summary: 5, 2, 4.
    let s = anon.get(&format!("{K}/rating")).await.json();
    assert_eq!(s["count"], 3);
    assert_eq!(s["distribution"], json!([0, 1, 0, 1, 1]));
    let avg = s["average"].as_f64().unwrap();
    assert!((avg - 11.0 / 3.0).abs() < 1e-9, "{s}");
    assert!((s["prior_mean"].as_f64().unwrap() - 11.0 / 3.0).abs() < 1e-9);
    assert!((s["bayesian_average"].as_f64().unwrap() - 11.0 / 3.0).abs() < 1e-9);
    let v = anon.get(&format!("{K}/rating?version=1.1.0")).await.json();
    assert_eq!(v["count"], 2);
    assert_eq!(v["distribution"], json!([0, 1, 0, 1, 0]));
    assert!((v["average"].as_f64().unwrap() - 3.0).abs() < 1e-9);

    // The publisher replies, changes the reply, removes it.
    let r = send_json(
        &alice,
        "PUT",
        &format!("{K}/reviews/{cid}/reply"),
        json!({"text": "Fixed in 1.2."}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["reply"]["author"], "alice");
    let r = send_json(
        &alice,
        "PUT",
        &format!("{K}/reviews/{cid}/reply"),
        json!({"text": "Fixed in 1.3."}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["reply"]["text"], "Fixed in 1.3.");
    let r = send_empty(&alice, "DELETE", &format!("{K}/reviews/{cid}/reply")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(anon.get(&format!("{K}/reviews/{cid}")).await.json()["reply"].is_null());

    // Edit and delete one's own.
    let r = send_json(
        &bob,
        "PATCH",
        &format!("{K}/reviews/{bid}"),
        json!({"stars": 3}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["stars"], 3);
    assert_eq!(r.json()["title"], "Great");
    let r = send_empty(&dave, "DELETE", &format!("{K}/reviews/{did}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(anon.get(&format!("{K}/reviews/{did}")).await.status, 404);
    let s = anon.get(&format!("{K}/rating")).await.json();
    assert_eq!(s["count"], 2);
    assert_eq!(s["distribution"], json!([0, 1, 1, 0, 0]));

    // A report, which only admins see in the log.
    let r = carol
        .post_json(
            &format!("{K}/reviews/{bid}/reports"),
            json!({"reason": "spam", "text": "Ads."}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let evs = review_events(&app).await;
    let types: Vec<&str> = evs.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "review.created",
            "review.created",
            "review.created",
            "review.voted",
            "review.voted",
            "review.voted",
            "review.voted",
            "review.replied",
            "review.replied",
            "review.replied",
            "review.updated",
            "review.deleted",
            "review.reported",
        ]
    );
    for (t, ns) in &evs {
        let want = (t != "review.reported").then(|| "acme".to_owned());
        assert_eq!(ns, &want, "{t}");
    }
    let seen = alice
        .get("/api/v1/events?namespace=acme&limit=100")
        .await
        .json();
    assert!(seen["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["type"] != "review.reported"));
    assert!(seen["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "review.created"));

    // Search sees the rating (review events re-index the plugin). The index
    // passes through earlier states on the way (after the second review it
    // also held two ratings, 5 and 2), so wait for the final one: 3 and 2.
    eventually("search shows the final rating", || async {
        let v = app.client().get("/api/v1/search?q=kanban").await.json();
        let hit = &v["hits"][0];
        hit["rating_count"] == 2
            && hit["rating"]
                .as_f64()
                .is_some_and(|r| (r - 2.5).abs() < 1e-9)
    })
    .await;
}

#[tokio::test]
async fn search_ranks_by_the_bayesian_rating() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.good", "1.0.0")).await;
    publish_ok(&t, &Pkg::new("acme.poor", "1.0.0")).await;
    for (i, name) in ["user1", "user2", "user3"].iter().enumerate() {
        let u = app.user(name).await;
        review(
            &u,
            "acme.good",
            json!({"stars": 5, "title": "Top", "text": format!("Great {i}")}),
        )
        .await;
        review(
            &u,
            "acme.poor",
            json!({"stars": 1, "title": "Bad", "text": format!("Poor {i}")}),
        )
        .await;
    }
    let last = std::sync::Mutex::new(Value::Null);
    eventually("search ranks by rating", || async {
        let v = app
            .client()
            .get("/api/v1/search?sort=rating&explain=true")
            .await
            .json();
        let hits = v["hits"].as_array().cloned().unwrap_or_default();
        let ok = hits.len() == 2
            && hits[0]["id"] == "acme.good"
            && hits[0]["rating_count"] == 3
            && hits[1]["rating_count"] == 3;
        *last.lock().unwrap() = v;
        ok
    })
    .await;
    let v = last.into_inner().unwrap();
    assert_eq!(v["hits"][1]["id"], "acme.poor", "{v}");
}

/// Who, method, path, body, then the status, code and field of the refusal.
type Case<'a> = (
    &'a Client,
    &'a str,
    String,
    Option<Value>,
    u16,
    &'a str,
    Option<&'a str>,
);

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::new().await;
    let alice = seed(&app).await;
    let (mallory, _) = publisher(&app, "mallory", "other").await;
    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let dave = app.user("dave").await;
    let bob_read = app.token_client(&bob, &["read"]).await;
    let bid = review(
        &bob,
        "acme.kanban",
        json!({"stars": 4, "title": "Fine", "text": "Does it."}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let cid = review(
        &carol,
        "acme.kanban",
        json!({"stars": 3, "title": "Ok", "text": "Ok."}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let r = send_empty(&carol, "PUT", &format!("{K}/reviews/{bid}/helpful")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = carol
        .post_json(
            &format!("{K}/reviews/{bid}/reports"),
            json!({"reason": "other"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let before = snapshot(&app).await;

    let long_title = "t".repeat(121);
    let long_text = "x".repeat(5001);
    let cases: Vec<Case> = vec![
        (
            &bob,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 5, "title": "Again", "text": "Second."})),
            409,
            "conflict",
            None,
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 0, "title": "a", "text": "b"})),
            422,
            "validation_failed",
            Some("stars"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 6, "title": "a", "text": "b"})),
            422,
            "validation_failed",
            Some("stars"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": " \u{0007} ", "text": "b"})),
            422,
            "validation_failed",
            Some("title"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": "a", "text": "  "})),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": long_title, "text": "b"})),
            422,
            "validation_failed",
            Some("title"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": "a", "text": long_text})),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": "a", "text": "b", "version": "9.9.9"})),
            422,
            "validation_failed",
            Some("version"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": "a", "text": "b", "api_version": "7.0.0"})),
            422,
            "validation_failed",
            Some("api_version"),
        ),
        (
            &dave,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 3, "title": "a", "text": "b", "extra": 1})),
            400,
            "bad_request",
            None,
        ),
        (
            &dave,
            "POST",
            "/api/v1/plugins/acme.nope/reviews".into(),
            Some(json!({"stars": 3, "title": "a", "text": "b"})),
            404,
            "not_found",
            None,
        ),
        (
            &alice,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 5, "title": "Mine", "text": "Best."})),
            403,
            "forbidden",
            None,
        ),
        (
            &bob_read,
            "POST",
            format!("{K}/reviews"),
            Some(json!({"stars": 5, "title": "a", "text": "b"})),
            403,
            "insufficient_scope",
            None,
        ),
        (
            &carol,
            "PATCH",
            format!("{K}/reviews/{bid}"),
            Some(json!({"stars": 1})),
            403,
            "forbidden",
            None,
        ),
        (
            &bob,
            "PATCH",
            format!("{K}/reviews/{bid}"),
            Some(json!({"stars": 9})),
            422,
            "validation_failed",
            Some("stars"),
        ),
        (
            &carol,
            "DELETE",
            format!("{K}/reviews/{bid}"),
            None,
            403,
            "forbidden",
            None,
        ),
        (
            &mallory,
            "PUT",
            format!("{K}/reviews/{bid}/reply"),
            Some(json!({"text": "Not mine."})),
            403,
            "forbidden",
            None,
        ),
        (
            &alice,
            "PUT",
            format!("{K}/reviews/{bid}/reply"),
            Some(json!({"text": " "})),
            422,
            "validation_failed",
            Some("text"),
        ),
        (
            &carol,
            "PUT",
            format!("{K}/reviews/{bid}/helpful"),
            None,
            409,
            "conflict",
            None,
        ),
        (
            &bob,
            "PUT",
            format!("{K}/reviews/{bid}/helpful"),
            None,
            403,
            "forbidden",
            None,
        ),
        (
            &bob,
            "POST",
            format!("{K}/reviews/{bid}/reports"),
            Some(json!({"reason": "spam"})),
            403,
            "forbidden",
            None,
        ),
        (
            &carol,
            "POST",
            format!("{K}/reviews/{bid}/reports"),
            Some(json!({"reason": "spam"})),
            409,
            "conflict",
            None,
        ),
        (
            &bob,
            "POST",
            format!("{K}/reviews/{cid}/reports"),
            Some(json!({"reason": "rude"})),
            422,
            "validation_failed",
            Some("reason"),
        ),
        (
            &bob,
            "PUT",
            format!("{K}/reviews/{}/helpful", cid + 100),
            None,
            404,
            "not_found",
            None,
        ),
    ];
    for (who, method, path, body, status, code, field) in cases {
        let r = match body {
            Some(b) => send_json(who, method, &path, b).await,
            None => send_empty(who, method, &path).await,
        };
        let p = r.problem(status, code);
        if let Some(f) = field {
            assert!(
                p["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["field"] == f),
                "{method} {path}: {p}"
            );
        }
        assert_eq!(
            snapshot(&app).await,
            before,
            "{method} {path} changed something"
        );
    }
    let r = app.client().get(&format!("{K}/reviews?sort=best")).await;
    r.problem(400, "bad_request");
}

#[tokio::test]
async fn texts_are_cleaned_plain_text_and_writes_are_rate_limited() {
    let app = TestApp::new().await;
    seed(&app).await;
    let bob = app.user("bob").await;
    let r = review(
        &bob,
        "acme.kanban",
        json!({"stars": 4, "title": "  <b>Bold</b>\u{202E} claim\n ", "text": "\r\nLine 1\u{0000}\r\nLine 2 <script>x</script>  "}),
    )
    .await;
    assert_eq!(r["title"], "<b>Bold</b> claim");
    assert_eq!(r["text"], "Line 1\nLine 2 <script>x</script>");
    let id = r["id"].as_i64().unwrap();
    // The create was write 1 of 10 this hour.
    for i in 0..9 {
        let r = send_json(
            &bob,
            "PATCH",
            &format!("{K}/reviews/{id}"),
            json!({"stars": 1 + i % 2 + 2 * (i % 2)}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "write {}: {}", i + 2, r.text);
    }
    let before = snapshot(&app).await;
    let r = send_json(
        &bob,
        "PATCH",
        &format!("{K}/reviews/{id}"),
        json!({"title": "Changed"}),
    )
    .await;
    r.problem(429, "rate_limited");
    assert!(r
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().unwrap() >= 1));
    assert_eq!(snapshot(&app).await, before);
    // Reads and deletes are not limited.
    assert_eq!(
        app.client().get(&format!("{K}/reviews/{id}")).await.status,
        200
    );
    assert_eq!(
        send_empty(&bob, "DELETE", &format!("{K}/reviews/{id}"))
            .await
            .status,
        204
    );
}
