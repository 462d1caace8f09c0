//! Rate limits on REST writes (docs/api-design.md, "Rate limits"): every answer
//! to an authenticated write carries `RateLimit-Limit`, `RateLimit-Remaining`
//! and `RateLimit-Reset`; past `api.writes_per_minute` a write is refused with
//! `429 rate_limited` and `Retry-After`, changes nothing, and stays refused on
//! every node (the count is in the database). Reads are not limited; each user
//! has their own count.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;

use crate::harness::{Resp, TestApp};

fn num(r: &Resp, name: &str) -> u64 {
    r.header(name)
        .unwrap_or_else(|| panic!("no {name} on {} {}", r.status, r.text))
        .parse()
        .unwrap()
}

/// Waits out the end of the current minute when it is close, so that the
/// test's writes fall in one fixed window.
async fn fresh_window() {
    let into = trellis_db::now().rem_euclid(60);
    if into >= 45 {
        tokio::time::sleep(Duration::from_secs((61 - into) as u64)).await;
    }
}

#[tokio::test]
async fn writes_carry_the_headers_and_the_limit_refuses_with_retry_after() {
    let app = TestApp::with_env(&[("TRELLIS_API__WRITES_PER_MINUTE", "3")]).await;
    let c = app.user("rita").await;
    let other = app.user("otto").await;
    fresh_window().await;

    let mut remaining = Vec::new();
    for ns in ["rita1", "rita2", "rita3"] {
        let r = c
            .post_json("/api/v1/namespaces", json!({ "name": ns }))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(num(&r, "ratelimit-limit"), 3);
        let reset = num(&r, "ratelimit-reset");
        assert!((1..=60).contains(&reset), "reset {reset}");
        remaining.push(num(&r, "ratelimit-remaining"));
    }
    assert_eq!(remaining, [2, 1, 0]);

    let r = c
        .post_json("/api/v1/namespaces", json!({ "name": "rita4" }))
        .await;
    r.problem(429, "rate_limited");
    let retry = num(&r, "retry-after");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(num(&r, "ratelimit-reset"), retry);
    assert_eq!(num(&r, "ratelimit-remaining"), 0);
    // Refused before it ran: nothing changed.
    assert_eq!(c.get("/api/v1/namespaces/rita4").await.status, 404);
    // Every write counts, whatever its verb: a DELETE is refused too.
    c.delete("/api/v1/me/sessions/1")
        .await
        .problem(429, "rate_limited");

    // Reads are not limited and carry no rate-limit headers.
    let r = c.get("/api/v1/namespaces/rita1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("ratelimit-limit"), None);
    // Another user has a count of their own.
    let r = other
        .post_json("/api/v1/namespaces", json!({ "name": "otto1" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(num(&r, "ratelimit-remaining"), 2);
    // Without credentials there is nobody to count: the answer is the usual 401.
    let r = app
        .client()
        .post_json("/api/v1/namespaces", json!({ "name": "anon" }))
        .await;
    r.problem(401, "unauthenticated");
    assert_eq!(r.header("ratelimit-limit"), None);

    // The count is shared: another node (same database) refuses as well.
    let node2 = app.restart().await;
    let c2 = crate::harness::Client {
        router: node2.router.clone(),
        ..c.clone()
    };
    c2.post_json("/api/v1/namespaces", json!({ "name": "rita5" }))
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn zero_means_unlimited() {
    let app = TestApp::with_env(&[("TRELLIS_API__WRITES_PER_MINUTE", "0")]).await;
    let c = app.user("uma").await;
    let r = c
        .post_json("/api/v1/namespaces", json!({ "name": "uma" }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.header("ratelimit-limit"), None);
}
