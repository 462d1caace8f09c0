//! Observing the event bus: the Prometheus series on `/metrics` (events
//! counted by this process's event counter, follower lag, the job queue), the
//! admin endpoint `GET /api/v1/admin/event-bus`, and the admin page
//! `/admin/events` (filters, paging, queue health) rendered as a browser
//! without JavaScript gets it.

use serde_json::json;
use trellis_db::events::NewEvent;
use trellis_db::{jobs, now_ms};
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::{emit, Actor};

use crate::harness::{eventually, Client, TestApp};
use crate::registry_support::send_json;

/// Waits until this process's event counter has taken its starting point.
async fn counter_started(app: &TestApp) {
    let counts = app.state.event_counts.clone();
    eventually("the event counter starts", || {
        let started = counts.position().is_some();
        async move { started }
    })
    .await;
}

/// A job nobody runs (no handler has its kind): it stays queued and due.
async fn queue_unhandled_job(app: &TestApp) {
    let mut c = app.state.db.conn().await.unwrap();
    trellis_events::jobs::enqueue(&mut c, "test.unhandled", "one", None, &json!({}), 3)
        .await
        .unwrap();
}

/// A job that failed for good, with its error.
async fn fail_a_job(app: &TestApp) {
    let mut c = app.state.db.conn().await.unwrap();
    trellis_events::jobs::enqueue(&mut c, "test.failing", "one", None, &json!({}), 1)
        .await
        .unwrap();
    let claimed = jobs::claim(&mut c, "tester", &["test.failing"], now_ms() + 60_000, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(
        jobs::fail(&mut c, claimed[0].id, "tester", "receiver said 500")
            .await
            .unwrap()
    );
}

/// A follower stopped at the first event of the log.
async fn stuck_follower(app: &TestApp) {
    let mut c = app.state.db.conn().await.unwrap();
    let first = trellis_db::events::oldest(&mut c).await.unwrap().unwrap();
    trellis_db::events::save_cursor(&mut c, "test-stuck", first)
        .await
        .unwrap();
}

async fn create_namespace(app: &TestApp, owner: &Client, ns: &str) {
    let t = app.token_client(owner, &["read", "publish"]).await;
    let r = send_json(&t, "POST", "/api/v1/namespaces", json!({ "name": ns })).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

/// The value of the series `name{labels}` (or `name` alone) in a scrape.
fn value(scrape: &str, series: &str) -> Option<f64> {
    scrape.lines().find_map(|l| {
        l.strip_prefix(series)
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|v| v.parse().ok())
    })
}

#[tokio::test]
async fn metrics_show_events_followers_and_the_queue() {
    let app = TestApp::new().await;
    counter_started(&app).await;
    let alice = app.user("alice").await;
    create_namespace(&app, &alice, "acme").await;
    // A type outside the catalogue (written by a newer node, say) counts as
    // `other`; it says it happened an hour ago.
    let mut c = app.state.db.conn().await.unwrap();
    trellis_db::events::insert(
        &mut c,
        &NewEvent {
            id: "evt_01JDZ8Q4X9R7M2N5K3H6G1F0EZ",
            kind: "made.up",
            occurred_at: now_ms() - 3_600_000,
            actor: r#"{"type":"system"}"#,
            subject_kind: "user",
            subject_id: "x",
            namespace: None,
            data: "{}",
        },
    )
    .await
    .unwrap();
    drop(c);
    queue_unhandled_job(&app).await;
    stuck_follower(&app).await;

    let c = app.client();
    let scrape = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    // The counter applies a batch, then stores its position: wait for both, or a
    // scrape can fall between the two.
    eventually(
        "the counter counted the new events and stored its position",
        || {
            let (c, scrape) = (c.clone(), scrape.clone());
            async move {
                let t = c.get("/metrics").await.text;
                let done = value(&t, r#"trellis_events_total{type="namespace.created"}"#)
                    == Some(1.0)
                    && value(&t, r#"trellis_events_total{type="other"}"#) == Some(1.0)
                    && t.lines().any(|l| {
                        l.starts_with(
                            r#"trellis_event_follower_lag_events{follower="event-counter@"#,
                        ) && l.ends_with(" 0")
                    });
                *scrape.lock().unwrap() = t;
                done
            }
        },
    )
    .await;
    let t = scrape.lock().unwrap().clone();
    assert!(t.contains("# TYPE trellis_events_total counter"), "{t}");
    assert!(t.contains("max() across nodes, not sum()"), "{t}");
    assert_eq!(
        value(&t, r#"trellis_events_total{type="user.created"}"#),
        Some(1.0),
        "{t}"
    );
    // Every catalogue type has its series; nothing else but `other`.
    assert_eq!(
        value(&t, r#"trellis_events_total{type="plugin.deleted"}"#),
        Some(0.0),
        "{t}"
    );
    assert!(!t.contains("made.up"), "{t}");
    let types = t
        .lines()
        .filter(|l| l.starts_with("trellis_events_total{"))
        .count();
    assert_eq!(
        types,
        trellis_events::catalogue::catalogue().len() + 1,
        "{t}"
    );

    // The stuck follower is behind by every event after the first (token,
    // namespace, the odd one), the oldest of them an hour old; this node's
    // counter has caught up (its cursor is stored under its node's name).
    let stuck = r#"{follower="test-stuck"}"#;
    assert_eq!(
        value(&t, &format!("trellis_event_follower_lag_events{stuck}")),
        Some(3.0),
        "{t}"
    );
    let age = value(&t, &format!("trellis_event_follower_lag_seconds{stuck}")).unwrap();
    assert!((3599.0..3700.0).contains(&age), "{t}");
    let counter = t
        .lines()
        .find(|l| l.starts_with(r#"trellis_event_follower_lag_events{follower="event-counter@"#))
        .unwrap_or_else(|| panic!("no counter follower: {t}"));
    assert!(counter.ends_with(" 0"), "{counter}");

    assert_eq!(
        value(&t, r#"trellis_jobs{state="queued"}"#),
        Some(1.0),
        "{t}"
    );
    assert_eq!(
        value(&t, r#"trellis_jobs{state="failed"}"#),
        Some(0.0),
        "{t}"
    );
    assert_eq!(value(&t, "trellis_jobs_due"), Some(1.0), "{t}");
    assert!(
        value(&t, "trellis_jobs_oldest_due_seconds").is_some(),
        "{t}"
    );
    assert_eq!(value(&t, "trellis_event_bus_metrics_up"), Some(1.0), "{t}");
}

#[tokio::test]
async fn metrics_still_render_when_the_database_is_gone() {
    let app = TestApp::new().await;
    let c = app.client();
    c.get("/healthz").await;
    app.state.db.close().await;
    let r = c.get("/metrics").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.text.contains("trellis_http_requests_total{"),
        "{}",
        r.text
    );
    assert!(r.text.contains("trellis_events_total{"), "{}", r.text);
    assert_eq!(
        value(&r.text, "trellis_event_bus_metrics_up"),
        Some(0.0),
        "{}",
        r.text
    );
    assert!(!r.text.contains("trellis_jobs{"), "{}", r.text);
}

#[tokio::test]
async fn the_event_bus_endpoint_answers_admins_only() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let alice = app.user("alice").await;
    create_namespace(&app, &alice, "acme").await;
    queue_unhandled_job(&app).await;
    fail_a_job(&app).await;
    stuck_follower(&app).await;
    // The head is what followers can read: on PostgreSQL, below the oldest
    // transaction in flight on the server (other tests' included).
    crate::event_bus::settle(&app).await;

    let r = admin.get("/api/v1/admin/event-bus").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = r.json();
    assert_eq!(b["queue"]["queued"], 1, "{b}");
    assert_eq!(b["queue"]["due"], 1, "{b}");
    assert_eq!(b["queue"]["failed"], 1, "{b}");
    assert!(b["queue"]["oldest_due_at"].as_i64().is_some(), "{b}");
    let failed = b["failed_jobs"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{b}");
    assert_eq!(failed[0]["kind"], "test.failing");
    assert_eq!(failed[0]["attempts"], 1);
    assert_eq!(failed[0]["last_error"], "receiver said 500");
    assert!(
        failed[0]["finished_at"].as_i64().unwrap() < 10_000_000_000,
        "seconds: {b}"
    );
    let stuck = b["followers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "test-stuck")
        .unwrap_or_else(|| panic!("{b}"));
    assert!(stuck["lag_events"].as_i64().unwrap() >= 3, "{b}");
    assert!(stuck["updated_at"].as_i64().unwrap() > 0);
    let counts = b["event_counts"].as_array().unwrap();
    assert!(
        counts
            .iter()
            .any(|c| c["type"] == "namespace.created" && c["count"] == 1),
        "{b}"
    );
    assert!(b["head"]["seq"].as_i64().is_some(), "{b}");

    alice
        .get("/api/v1/admin/event-bus")
        .await
        .problem(403, "forbidden");
    app.client()
        .get("/api/v1/admin/event-bus")
        .await
        .problem(401, "unauthenticated");
    let read_only = app.token_client(&admin, &["read"]).await;
    read_only
        .get("/api/v1/admin/event-bus")
        .await
        .problem(403, "insufficient_scope");
    let full = app.token_client(&admin, &["read", "admin"]).await;
    assert_eq!(full.get("/api/v1/admin/event-bus").await.status, 200);
}

/// The rendered rows of the event log on a page, as their types.
fn row_types(html: &str) -> Vec<String> {
    html.split("class=\"log-row\"")
        .skip(1)
        .map(|row| {
            let at = row.find("class=\"event-type\">").expect("a type cell") + 19;
            let rest = &row[at..];
            let rest = rest.trim_start_matches("<!>");
            rest[..rest.find('<').unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_admin_page_filters_and_pages_the_log_without_javascript() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let alice = app.user("alice").await;
    create_namespace(&app, &alice, "acme").await;
    fail_a_job(&app).await;

    let r = admin.get("/admin/events").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let page = &r.text;
    for want in [
        "id=\"nav-admin\"",
        "<form method=\"get\" action=\"/admin/events\"",
        "<datalist id=\"event-types\">",
        "value=\"plugin.*\"",
        "id=\"queue-health\"",
        "id=\"queue-stats\"",
        "receiver said 500",
        "id=\"event-log\"",
        "<details>",
    ] {
        assert!(page.contains(want), "{want}: {page}");
    }
    let all = row_types(page);
    assert!(all.contains(&"namespace.created".to_owned()), "{all:?}");
    assert!(all.contains(&"user.created".to_owned()), "{all:?}");
    assert!(!page.contains("id=\"older-events\""), "one page only");

    // Filters, as the GET form sends them (empty fields included).
    let r = admin
        .get("/admin/events?type=namespace.*&subject=&namespace=acme&since=&until=")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = row_types(&r.text);
    assert!(
        !rows.is_empty() && rows.iter().all(|t| t.starts_with("namespace.")),
        "{rows:?}"
    );
    assert!(
        r.text.contains("value=\"acme\""),
        "the form keeps the filter"
    );
    let r = admin.get("/admin/events?subject=user%3Aalice").await;
    assert_eq!(row_types(&r.text), vec!["user.created"], "{}", r.text);
    let r = admin
        .get("/admin/events?since=2000-01-01&until=2000-01-31")
        .await;
    assert!(row_types(&r.text).is_empty());
    assert!(r.text.contains("No event matches."), "{}", r.text);
    let today = trellis_db::now();
    let day = |ts: i64| app::components::time::date(ts);
    let r = admin
        .get(&format!(
            "/admin/events?since={}&until={}",
            day(today),
            day(today)
        ))
        .await;
    assert_eq!(row_types(&r.text).len(), all.len(), "{}", r.text);

    // Bad filters are said, beside the form.
    let r = admin.get("/admin/events?type=no.such.type").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("is not an event type"), "{}", r.text);
    assert!(r.text.contains("id=\"event-filter\""));
    let r = admin.get("/admin/events?since=yesterday").await;
    assert!(
        r.text.contains("A date is written YYYY-MM-DD."),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn the_admin_page_pages_with_an_older_events_link() {
    let app = TestApp::new().await;
    let admin = app.admin("boss").await;
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..55 {
        let data = NamespaceCreated {
            namespace: format!("ns{i:02}"),
            owner: "boss".into(),
        };
        emit(&mut tx, &Actor::System, &data).await.unwrap();
    }
    tx.commit().await.unwrap();

    let r = admin.get("/admin/events?type=namespace.created").await;
    assert_eq!(row_types(&r.text).len(), 50, "{}", r.text);
    assert!(r.text.contains("ns54"), "newest first");
    let at = r
        .text
        .find("id=\"older-events\"")
        .unwrap_or_else(|| panic!("{}", r.text));
    let href_at = r.text[..at].rfind("href=\"").unwrap() + 6;
    let href = r.text[href_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        href.starts_with("/admin/events?type=namespace.created&cursor="),
        "{href}"
    );
    let r = admin.get(&href).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(row_types(&r.text).len(), 5, "{}", r.text);
    assert!(r.text.contains("ns00") && !r.text.contains("ns54"));
    assert!(!r.text.contains("id=\"older-events\""));
    let r = admin.get("/admin/events?cursor=garbage").await;
    assert!(r.text.contains("This page link is broken"), "{}", r.text);
}

#[tokio::test]
async fn the_admin_page_refuses_non_admins_and_asks_visitors_to_sign_in() {
    let app = TestApp::new().await;
    let r = app.client().get("/admin/events").await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("Sign in to continue"), "{}", r.text);
    assert!(!r.text.contains("id=\"event-log\""));

    let alice = app.user("alice").await;
    let r = alice.get("/admin/events").await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("Admins only"), "{}", r.text);
    assert!(!r.text.contains("id=\"event-log\""));
    assert!(!r.text.contains("id=\"queue-health\""));
    assert!(
        !r.text.contains("id=\"nav-admin\""),
        "no admin link for users"
    );
    // The page's data function refuses too.
    let r = alice
        .server_fn(
            <app::api::events::AdminEvents as leptos::server_fn::ServerFn>::PATH,
            &[],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
}
