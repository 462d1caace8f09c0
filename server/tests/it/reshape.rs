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
