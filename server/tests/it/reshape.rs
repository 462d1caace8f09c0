//! What the reshape guarantees, through the real interfaces: a worker-only
//! process serves only the operational endpoints; a corrupt stored value is an
//! internal error, never silently an empty one.

use crate::harness::TestApp;
use crate::registry_support::{publish_ok, publisher, Pkg};

#[tokio::test]
async fn a_worker_process_serves_health_and_metrics_only() {
    let app = TestApp::with_env(&[("TRELLIS_SERVER__ROLE", "worker")]).await;
    let c = app.client();
    assert_eq!(c.get("/healthz").await.status, 200);
    assert_eq!(c.get("/readyz").await.status, 200);
    assert_eq!(c.get("/metrics").await.status, 200);
    for path in ["/", "/api/v1/categories", "/account"] {
        assert_eq!(c.get(path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn an_unknown_role_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "TRELLIS_DATA_DIR".to_string(),
            dir.path().display().to_string(),
        ),
        ("TRELLIS_SERVER__ROLE".to_string(), "both".to_string()),
    ];
    let e = trellis_platform::config::load(None, &env)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("server.role") && e.contains("TRELLIS_SERVER__ROLE"),
        "{e}"
    );
}

#[tokio::test]
async fn a_corrupt_json_column_is_an_internal_error_not_an_empty_list() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    let mut c = app.state.db.conn().await.unwrap();
    trellis_db::sqlx::query("UPDATE plugins SET keywords = '[\"half' WHERE id = 'acme.hello'")
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let r = app.client().get("/api/v1/plugins/acme.hello").await;
    let p = r.problem(500, "internal");
    // The cause stays in the log; the client sees the generic sentence.
    assert!(!p["detail"].as_str().unwrap().contains("keywords"), "{p}");
}

#[tokio::test]
async fn a_session_expires_after_inactivity_not_after_sign_in() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    // Make the stored session about to expire, then use it on another node
    // (which has not written it yet): the request pushes the expiry on.
    let soon = trellis_db::now() + 60;
    set_session_expiry(&app, soon).await;
    let other = app.restart().await;
    let on_other = crate::harness::Client {
        router: other.router.clone(),
        ..alice.clone()
    };
    assert_eq!(on_other.get("/api/v1/me").await.status, 200);
    let expires = session_expiry(&app).await;
    let ttl = app.state.config.session_ttl_hours as i64 * 3600;
    assert!(
        expires > soon + ttl / 2,
        "expiry was not pushed on: {expires}"
    );
}

#[tokio::test]
async fn an_unchanged_session_is_not_written_by_every_request() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    assert_eq!(alice.get("/api/v1/me").await.status, 200);
    // Mark the stored row: a request that writes the session replaces the mark.
    let mark = trellis_db::now() + 12_345;
    set_session_expiry(&app, mark).await;
    // Each request loads the session afresh (its data in a new map, in a new
    // order) and saves it: unchanged, and its expiry moved by seconds, it is
    // not written.
    for _ in 0..5 {
        assert_eq!(alice.get("/api/v1/me").await.status, 200);
        assert_eq!(alice.get("/").await.status, 200);
    }
    assert_eq!(session_expiry(&app).await, mark);
}

/// Sets the stored expiry of every session (the tests have one).
async fn set_session_expiry(app: &TestApp, at: i64) {
    let mut c = app.state.db.conn().await.unwrap();
    trellis_db::sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(at)
        .execute(&mut *c)
        .await
        .unwrap();
}

/// The stored expiry of the one session.
async fn session_expiry(app: &TestApp) -> i64 {
    let mut c = app.state.db.conn().await.unwrap();
    trellis_db::sqlx::query_scalar("SELECT expires_at FROM sessions")
        .fetch_one(&mut *c)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_session_ended_elsewhere_is_not_brought_back_by_its_next_request() {
    let app = TestApp::new().await;
    let alice = app.user("alice").await;
    let mut c = app.state.db.conn().await.unwrap();
    trellis_db::sqlx::query("DELETE FROM sessions")
        .execute(&mut *c)
        .await
        .unwrap();
    alice
        .get("/api/v1/me")
        .await
        .problem(401, "unauthenticated");
    let row = trellis_db::sqlx::query("SELECT COUNT(*) AS n FROM sessions")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!(trellis_db::sqlx::Row::get::<i64, _>(&row, "n"), 0);
}
