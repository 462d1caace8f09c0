//! Webhook delivery end to end, through the real dispatcher and job runner to
//! a recording receiver on loopback: signatures, a receiver that fails in every
//! way and recovers (every event arrives), 410 and auto-disable, the SSRF
//! guard after DNS resolution, rate limits, payload filters, the chat formats,
//! test events, retry and replay, and the analytics that result.

use std::collections::HashSet;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_webhooks::signing::{verify, Secret};

use crate::harness::{eventually, eventually_within, Client, TestApp};
use crate::receiver::{Received, Receiver, Reply};
use crate::webhooks::{endpoint, patch_json, FAST};

async fn namespace(c: &Client, name: &str) {
    let r = c
        .post_json("/api/v1/namespaces", json!({ "name": name }))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn secret_of(c: &Client, id: &str) -> Secret {
    let s = c
        .get(&format!("/api/v1/webhooks/endpoints/{id}/secret"))
        .await
        .json();
    Secret::parse(s["secret"].as_str().unwrap()).unwrap()
}

fn verifies(got: &Received, secret: &Secret) -> bool {
    let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
    verify(
        secret,
        got.header("webhook-id").unwrap(),
        ts,
        &got.body,
        got.header("webhook-signature").unwrap(),
    )
}

async fn messages(c: &Client, query: &str) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/webhooks/messages?{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn events_arrive_signed_once_each_with_the_event_id_as_idempotency_key() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let e = endpoint(
        &admin,
        json!({"url": rx.url("/hook"), "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap();
    let secret = secret_of(&admin, id).await;
    for ns in ["alpha", "beta", "gamma"] {
        namespace(&admin, ns).await;
    }
    let got = rx.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3);
    let mut names = Vec::new();
    for g in &got {
        assert_eq!(g.method, "POST");
        assert_eq!(g.header("content-type"), Some("application/json"));
        assert!(g
            .header("user-agent")
            .unwrap()
            .starts_with("Trellis-Webhooks/"));
        assert!(verifies(g, &secret), "signature verifies");
        let body = g.json();
        assert_eq!(body["type"], "namespace.created");
        assert_eq!(
            body["id"],
            g.header("webhook-id").unwrap(),
            "webhook-id is the event id"
        );
        names.push(body["data"]["namespace"].as_str().unwrap().to_owned());
    }
    names.sort();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    // Only the subscribed type: endpoint events and others were not sent.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rx.received().len(), 3);
    eventually("messages recorded as delivered", || async {
        let m = messages(&admin, &format!("endpoint_id={id}")).await;
        m.len() == 3
            && m.iter()
                .all(|m| m["state"] == "delivered" && m["attempts"] == 1)
    })
    .await;
    let m = &messages(&admin, &format!("endpoint_id={id}&state=delivered")).await[0];
    let detail = admin
        .get(&format!(
            "/api/v1/webhooks/messages/{}",
            m["id"].as_str().unwrap()
        ))
        .await
        .json();
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["success"], true);
    assert_eq!(attempt["status_code"], 200);
    assert!(attempt["request_headers"]["webhook-signature"]
        .as_str()
        .unwrap()
        .starts_with("v1,"));
    // The message log filters by event id and type.
    let by_event = messages(
        &admin,
        &format!("event_id={}", m["event_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(by_event.len(), 1);
    assert_eq!(messages(&admin, "type=namespace.*").await.len(), 3);
    assert_eq!(messages(&admin, "type=plugin.*").await.len(), 0);
}

#[tokio::test]
async fn a_receiver_that_fails_every_way_then_recovers_gets_every_event() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    rx.script([
        Reply::Status(500),
        Reply::WithHeaders(429, vec![("retry-after", "1".into())]),
        Reply::Status(503),
        Reply::After(Duration::from_millis(1500), Box::new(Reply::Status(200))),
        Reply::Broken,
        Reply::Status(502),
        Reply::SlowBody(Duration::from_millis(300)),
    ]);
    let e = endpoint(
        &admin,
        json!({"url": rx.url("/hook"), "event_types": ["namespace.*"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    let names: Vec<String> = (0..6).map(|i| format!("burst-{i}")).collect();
    for n in &names {
        namespace(&admin, n).await;
    }
    eventually_within("every event delivered", 60, || async {
        let m = messages(&admin, &format!("endpoint_id={id}&state=delivered")).await;
        m.len() == names.len()
    })
    .await;
    let got: HashSet<String> = rx
        .received()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .map(|v| {
            v["data"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    for n in &names {
        assert!(got.contains(n), "{n} arrived");
    }
    // The failures are in the log with their reasons.
    let stats = admin
        .get(&format!("/api/v1/webhooks/endpoints/{id}/stats?window=1h"))
        .await
        .json();
    let reasons: Vec<&str> = stats["failures_by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"http_status"), "{stats}");
    assert!(reasons.contains(&"timeout"), "{stats}");
    assert!(stats["attempts"].as_i64().unwrap() > names.len() as i64);
    assert!(stats["success_rate"].as_f64().unwrap() < 1.0);
    assert!(stats["latency_ms"]["p99"].as_i64().is_some());
    assert!(stats["attempts_per_message"].as_f64().unwrap() > 1.0);
    // The endpoint recovered: its failure record is clear.
    let ep = admin
        .get(&format!("/api/v1/webhooks/endpoints/{id}"))
        .await
        .json();
    assert_eq!(ep["failing_since"], Value::Null, "{ep}");
    assert_eq!(ep["enabled"], true);
}

#[tokio::test]
async fn refused_connections_are_retried_until_the_receiver_comes_up() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    // A port nothing listens on yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let e = endpoint(
        &admin,
        json!({"url": format!("http://{addr}/hook"), "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    namespace(&admin, "early").await;
    eventually("a refused attempt recorded", || async {
        let m = messages(&admin, &format!("endpoint_id={id}")).await;
        m.first()
            .is_some_and(|m| m["attempts"].as_i64().unwrap() >= 2)
    })
    .await;
    let m = messages(&admin, &format!("endpoint_id={id}")).await;
    let detail = admin
        .get(&format!(
            "/api/v1/webhooks/messages/{}",
            m[0]["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(detail["attempts"][0]["error_kind"], "connect", "{detail}");
    let rx = Receiver::start_on(addr).await;
    let got = rx.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got[0].json()["data"]["namespace"], "early");
}

#[tokio::test]
async fn gone_disables_an_endpoint_and_says_so_with_an_event() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    rx.script([Reply::Status(410)]);
    let e = endpoint(
        &admin,
        json!({"url": rx.url("/gone"), "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    namespace(&admin, "first").await;
    eventually("the endpoint is disabled", || async {
        admin
            .get(&format!("/api/v1/webhooks/endpoints/{id}"))
            .await
            .json()["enabled"]
            == false
    })
    .await;
    let ep = admin
        .get(&format!("/api/v1/webhooks/endpoints/{id}"))
        .await
        .json();
    assert_eq!(ep["disabled_reason"], "gone");
    let ev = admin
        .get("/api/v1/events?type=webhook.endpoint.disabled")
        .await
        .json();
    assert_eq!(ev["data"][0]["data"]["reason"], "gone", "{ev}");
    assert_eq!(ev["data"][0]["data"]["endpoint_id"], id.as_str());
    // No more deliveries while disabled; the message failed and can be replayed once enabled.
    namespace(&admin, "second").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.received().len(), 1);
    admin
        .post_json(&format!("/api/v1/webhooks/endpoints/{id}/test"), json!({}))
        .await
        .problem(409, "conflict");
    let r = patch_json(
        &admin,
        &format!("/api/v1/webhooks/endpoints/{id}"),
        json!({"enabled": true}),
    )
    .await;
    assert_eq!(r.json()["enabled"], true);
    let r = admin
        .post_json(
            &format!("/api/v1/webhooks/endpoints/{id}/replay"),
            json!({"since": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["queued"], 1);
    let got = rx.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(got[1].json()["data"]["namespace"], "first");
}

#[tokio::test]
async fn an_endpoint_failing_for_the_set_period_is_disabled() {
    let mut env = FAST.to_vec();
    env.push(("TRELLIS_WEBHOOKS__DISABLE_AFTER_FAILING_SECS", "1"));
    let app = TestApp::with_env(&env).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    rx.script((0..100).map(|_| Reply::Status(500)));
    let e = endpoint(
        &admin,
        json!({"url": rx.url("/down"), "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    namespace(&admin, "doomed").await;
    eventually("the endpoint is disabled for failing", || async {
        admin
            .get(&format!("/api/v1/webhooks/endpoints/{id}"))
            .await
            .json()["disabled_reason"]
            == "failing"
    })
    .await;
    let ev = admin
        .get("/api/v1/events?type=webhook.endpoint.disabled")
        .await
        .json();
    assert_eq!(ev["data"][0]["data"]["reason"], "failing");
    assert_eq!(ev["data"][0]["data"]["last_error"], "HTTP 500");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_names_that_resolve_to_private_addresses() {
    // No allow list here: loopback is refused, by name as by number.
    let app = TestApp::with_env(&[
        ("TRELLIS_EVENTS__POLL_MS", "50"),
        ("TRELLIS_WEBHOOKS__RETRY_SCHEDULE", "0s"),
    ])
    .await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let url = format!("http://localhost:{}/hook", rx.addr.port());
    let e = endpoint(
        &admin,
        json!({"url": url, "event_types": ["namespace.created"]}),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_owned();
    namespace(&admin, "probe").await;
    eventually("the attempt failed", || async {
        messages(&admin, &format!("endpoint_id={id}&state=failed"))
            .await
            .len()
            == 1
    })
    .await;
    let m = messages(&admin, &format!("endpoint_id={id}")).await;
    let detail = admin
        .get(&format!(
            "/api/v1/webhooks/messages/{}",
            m[0]["id"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(
        detail["attempts"][0]["error_kind"], "refused_address",
        "{detail}"
    );
    assert!(
        rx.received().is_empty(),
        "nothing reached the loopback receiver"
    );
}

#[tokio::test]
async fn rate_limits_hold_deliveries_back_without_losing_any() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let e = endpoint(&admin, json!({"url": rx.url("/slow"), "event_types": ["namespace.created"], "rate_limit_per_sec": 2})).await;
    let id = e["id"].as_str().unwrap().to_owned();
    for i in 0..6 {
        namespace(&admin, &format!("rate-{i}")).await;
    }
    let got = rx.wait_for(6, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 6, "every event arrives");
    // Six deliveries at two per second span at least two one-second windows.
    let span = got.last().unwrap().at - got.first().unwrap().at;
    assert!(span >= Duration::from_millis(1000), "span {span:?}");
    // Held-back deliveries are not attempts.
    eventually("every message recorded as delivered", || async {
        let m = messages(&admin, &format!("endpoint_id={id}&state=delivered")).await;
        m.len() == 6
    })
    .await;
    let m = messages(&admin, &format!("endpoint_id={id}")).await;
    assert!(m.iter().all(|m| m["attempts"] == 1), "{m:?}");
}

#[tokio::test]
async fn payload_filters_and_namespace_scope_choose_what_an_endpoint_gets() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let alice = app.publisher("alice", "acme").await;
    let rx_all = Receiver::start().await;
    let rx_acme = Receiver::start().await;
    let rx_filter = Receiver::start().await;
    endpoint(
        &admin,
        json!({"url": rx_all.url("/"), "event_types": ["namespace.*"]}),
    )
    .await;
    endpoint(
        &alice,
        json!({"url": rx_acme.url("/"), "namespace": "acme", "event_types": ["*"]}),
    )
    .await;
    endpoint(
        &admin,
        json!({"url": rx_filter.url("/"), "event_types": ["namespace.created"],
        "filter": [{"path": "data.namespace", "op": "prefix", "value": "keep-"}]}),
    )
    .await;
    namespace(&admin, "keep-one").await;
    namespace(&admin, "drop-one").await;
    // An event of alice's namespace: she changes its settings.
    let r = patch_json(
        &alice,
        "/api/v1/namespaces/acme",
        json!({"require_signatures": true}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
    let all = rx_all.wait_for(3, Duration::from_secs(20)).await;
    assert!(all.len() >= 2);
    let acme = rx_acme.wait_for(1, Duration::from_secs(20)).await;
    assert!(!acme.is_empty());
    tokio::time::sleep(Duration::from_millis(600)).await;
    for g in rx_acme.received() {
        assert_eq!(
            g.json()["namespace"],
            "acme",
            "a namespace endpoint gets only its namespace's events"
        );
    }
    let filtered = rx_filter.received();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].json()["data"]["namespace"], "keep-one");
}

#[tokio::test]
async fn slack_discord_and_teams_endpoints_get_messages_shaped_for_them() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    for f in ["slack", "discord", "teams"] {
        endpoint(&admin, json!({"url": rx.url(&format!("/{f}")), "event_types": ["namespace.created"], "format": f})).await;
    }
    namespace(&admin, "chatty").await;
    let got = rx.wait_for(3, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 3);
    for g in got {
        let body = g.json();
        match g.uri.as_str() {
            "/slack" => {
                assert!(body["text"].as_str().unwrap().contains("chatty"), "{body}");
                assert_eq!(body["blocks"][0]["type"], "section");
            }
            "/discord" => {
                assert!(
                    body["embeds"][0]["title"]
                        .as_str()
                        .unwrap()
                        .contains("chatty"),
                    "{body}"
                );
                assert_eq!(body["embeds"][0]["footer"]["text"], "namespace.created");
            }
            "/teams" => {
                assert_eq!(body["type"], "message");
                let card = &body["attachments"][0];
                assert_eq!(
                    card["contentType"],
                    "application/vnd.microsoft.card.adaptive"
                );
                assert_eq!(card["content"]["type"], "AdaptiveCard");
            }
            other => panic!("unexpected path {other}"),
        }
        // Chat formats are signed too.
        assert!(g.header("webhook-signature").is_some());
    }
}

#[tokio::test]
async fn test_events_retries_and_rotation_sign_with_both_secrets() {
    let app = TestApp::with_env(FAST).await;
    let admin = app.admin("opal").await;
    let rx = Receiver::start().await;
    let other = Receiver::start().await;
    let e = endpoint(&admin, json!({"url": rx.url("/t")})).await;
    endpoint(&admin, json!({"url": other.url("/o")})).await;
    let id = e["id"].as_str().unwrap().to_owned();
    let old = secret_of(&admin, &id).await;
    let r = admin
        .post_json(
            &format!("/api/v1/webhooks/endpoints/{id}/secret/rotate"),
            json!({}),
        )
        .await;
    let new = Secret::parse(r.json()["secret"].as_str().unwrap()).unwrap();
    let r = admin
        .post_json(&format!("/api/v1/webhooks/endpoints/{id}/test"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let msg = r.json();
    assert_eq!(msg["event_type"], "webhook.test");
    // The endpoint takes every type: keep the test events (another endpoint's
    // creation is an event it gets too).
    let tests = |rx: &Receiver| -> Vec<Received> {
        rx.received()
            .into_iter()
            .filter(|g| g.json()["type"] == "webhook.test")
            .collect()
    };
    eventually("the test event arrives", || async {
        !tests(&rx).is_empty()
    })
    .await;
    let got = tests(&rx);
    let sig = got[0].header("webhook-signature").unwrap();
    assert_eq!(
        sig.split(' ').count(),
        2,
        "both secrets sign during the overlap: {sig}"
    );
    assert!(verifies(&got[0], &old) && verifies(&got[0], &new));
    // The test event went to that endpoint alone (the other, subscribed to
    // every type, got only real events: the rotation's own).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(other
        .received()
        .iter()
        .all(|g| g.json()["type"] != "webhook.test"));
    // Retry one message: it is sent again.
    let mid = msg["id"].as_str().unwrap();
    eventually("the test message is delivered", || async {
        admin
            .get(&format!("/api/v1/webhooks/messages/{mid}"))
            .await
            .json()["message"]["state"]
            == "delivered"
    })
    .await;
    let r = admin
        .post_json(&format!("/api/v1/webhooks/messages/{mid}/retry"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    eventually("the retried test event arrives", || async {
        tests(&rx).len() == 2
    })
    .await;
    let got = tests(&rx);
    assert_eq!(
        got[1].header("webhook-id"),
        got[0].header("webhook-id"),
        "same idempotency key"
    );
    eventually("two attempts recorded", || async {
        admin
            .get(&format!("/api/v1/webhooks/messages/{mid}"))
            .await
            .json()["attempts"]
            .as_array()
            .unwrap()
            .len()
            == 2
    })
    .await;
    let metrics = app.client().get("/metrics").await.text;
    assert!(
        metrics.contains("trellis_webhook_attempts_total{outcome=\"success\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("trellis_webhook_endpoints{state=\"enabled\"} 2"),
        "{metrics}"
    );
}

/// Deliveries finishing together record their attempts in one transaction; an
/// attempt that cannot be recorded (its endpoint was deleted while it was in
/// flight, and its message with it) must not cost the others their record,
/// which would send them again.
#[tokio::test]
async fn an_endpoint_deleted_mid_delivery_costs_the_other_deliveries_nothing() {
    // Held answers must not time out: a timed-out attempt is sent again.
    let mut env: Vec<(&str, &str)> = FAST
        .iter()
        .filter(|(k, _)| *k != "TRELLIS_WEBHOOKS__TIMEOUT_MS")
        .copied()
        .collect();
    env.push(("TRELLIS_WEBHOOKS__TIMEOUT_MS", "60000"));
    let app = TestApp::with_env(&env).await;
    let admin = app.admin("ines").await;
    let (gone, kept) = (Receiver::start().await, Receiver::start().await);
    // Both receivers hold every answer until the gate opens, so that the
    // attempts in flight (five to eight: the job runner claims again once half
    // its eight slots are free) finish together.
    let (open, gate) = tokio::sync::watch::channel(false);
    let held = || {
        (0..64)
            .map(|_| Reply::Until(gate.clone(), Box::new(Reply::Status(200))))
            .collect::<Vec<_>>()
    };
    gone.script(held());
    kept.script(held());
    let body = |url: String| json!({"url": url, "event_types": ["namespace.created"]});
    let a = endpoint(&admin, body(gone.url("/a"))).await;
    let b = endpoint(&admin, body(kept.url("/b"))).await;
    const N: usize = 16;
    for i in 0..N {
        namespace(&admin, &format!("mid{i}")).await;
    }
    eventually("five attempts to both endpoints are in flight", || async {
        let (a, b) = (gone.received().len(), kept.received().len());
        a > 0 && b > 0 && a + b >= 5
    })
    .await;
    let r = admin
        .delete(&format!(
            "/api/v1/webhooks/endpoints/{}",
            a["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    open.send(true).unwrap();
    let b_id = b["id"].as_str().unwrap();
    eventually("the kept endpoint's messages are delivered", || async {
        let m = messages(&admin, &format!("endpoint_id={b_id}&state=delivered")).await;
        m.len() == N
    })
    .await;
    let m = messages(&admin, &format!("endpoint_id={b_id}")).await;
    assert!(m.iter().all(|m| m["attempts"] == 1), "{m:?}");
    // Each event reached the kept endpoint once: no record was lost with the
    // deleted endpoint's (a lost record sends its event again).
    let got = kept.received();
    let ids: HashSet<&str> = got
        .iter()
        .map(|g| g.header("webhook-id").unwrap())
        .collect();
    assert_eq!((got.len(), ids.len()), (N, N));
}
