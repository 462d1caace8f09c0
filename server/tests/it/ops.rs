//! Errors, request ids, health, readiness and metrics.

use crate::harness::TestApp;

#[tokio::test]
async fn unknown_api_route_is_a_problem_with_the_request_id() {
    let app = TestApp::new().await;
    let r = app.client().get("/api/v1/nothing-here").await;
    let p = r.problem(404, "not_found");
    assert!(p["request_id"].as_str().unwrap().len() >= 32);
    assert_eq!(p["type"], "https://trellis.dev/problems/not_found");
}

#[tokio::test]
async fn internal_error_text_never_reaches_the_client() {
    let app = TestApp::new().await;
    let c = app.user("alice").await;
    trellis_db::sqlx::query("DROP TABLE namespace_members")
        .execute(app.state.db.pool())
        .await
        .unwrap();
    let r = c.get("/api/v1/me").await;
    let p = r.problem(500, "internal");
    assert!(!r.text.contains("namespace_members"), "{}", r.text);
    assert!(!r.text.to_lowercase().contains("sql"), "{}", r.text);
    assert!(p["detail"].as_str().unwrap().contains("request id"));
}

#[tokio::test]
async fn healthz_and_readyz() {
    let app = TestApp::new().await;
    let c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["checks"]["database"], "ok");
    assert_eq!(r.json()["checks"]["storage"], "ok");

    app.state.db.close().await;
    let r = c.get("/readyz").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.json()["checks"]["database"], "unreachable");
    assert_eq!(r.json()["checks"]["storage"], "ok");
    assert_eq!(c.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = TestApp::new().await;
    let c = app.client();
    c.get("/api/v1/me").await;
    c.get("/api/v1/tokens/17").await;
    c.get("/healthz").await;
    let r = c.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let t = r.text;
    assert!(
        t.contains("# TYPE trellis_http_requests_total counter"),
        "{t}"
    );
    assert!(
        t.contains(
            r#"trellis_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#
        ),
        "{t}"
    );
    assert!(
        t.contains(r#"trellis_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{t}"
    );
    assert!(t.contains(r#"trellis_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1"#), "{t}");
    assert!(t.contains(r#"le="+Inf""#));
    assert!(
        !t.contains("/api/v1/tokens/17"),
        "raw paths must not become labels"
    );
}
