//! The official notifiers when things go wrong: no webhook URL, a URL for
//! the wrong service, and each service answering 4xx, 429, 5xx or nothing
//! in time. Every outcome shows in the installation's health (what the
//! plugin reports, and the runtime's error count for failed deliveries) with
//! a message a user can act on; a failed delivery of an event is retried.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::Client;
use crate::official_support::{health, install_configured, invoke, official_app, wait_health};
use crate::plugins_notifiers::{DISCORD_URL, SLACK_URL, TEAMS_URL};
use crate::receiver::{Receiver, Reply};
use crate::runtime_support::{package_as, publish};

/// A short HTTP deadline, and a circuit breaker that lets a run of failures be.
const TIMEOUT: &[(&str, &str)] = &[
    ("TRELLIS_PLUGINS__HTTP_TIMEOUT_MS", "500"),
    ("TRELLIS_PLUGINS__BREAKER_FAILURES", "50"),
];

/// Sends a test message expecting it to fail; returns the problem's detail.
async fn test_fails(c: &Client, id: &str) -> String {
    let r = invoke(c, id, json!({"test": true})).await;
    r.problem(424, "plugin_failed")["detail"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The plugin's own report: `(status, message)`.
async fn reported(c: &Client, id: &str) -> (String, String) {
    let h = health(c, id).await;
    let s = |k: &str| h[k].as_str().unwrap_or_default().to_owned();
    (s("reported_status"), s("reported_message"))
}

fn has(haystack: &str, needles: &[&str]) -> bool {
    needles.iter().all(|n| haystack.contains(n))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_failures_show_in_health_with_what_to_do() {
    let slack = Receiver::start().await;
    let o = official_app(&[("hooks.slack.com", &slack)], TIMEOUT).await;
    let c = &o.lab.plugins;

    // Installed without its secret: degraded, saying what to set; events are skipped.
    let id = install_configured(c, "~alice", "trellis.slack-notifier", json!({}), json!({})).await;
    let (s, m) = reported(c, &id).await;
    assert_eq!(s, "degraded");
    assert!(has(&m, &["Not configured", "SLACK_WEBHOOK_URL"]), "{m}");
    assert!(test_fails(c, &id).await.contains("Not configured"));

    // A URL that is not Slack's: failing, and nothing is requested.
    set_secret(c, &id, "SLACK_WEBHOOK_URL", "https://example.com/hook").await;
    let (s, m) = reported(c, &id).await;
    assert_eq!(s, "failing");
    assert!(has(&m, &["not a Slack incoming-webhook URL"]), "{m}");

    // The real URL; Slack answers 404, 410, 403, 429, 500, then nothing in time.
    set_secret(c, &id, "SLACK_WEBHOOK_URL", SLACK_URL).await;
    let (s, m) = reported(c, &id).await;
    assert_eq!(
        (s.as_str(), m.as_str()),
        ("ok", "Configured; no message sent to this webhook yet.")
    );
    slack.script([
        Reply::Status(404),
        Reply::Status(410),
        Reply::Status(403),
        Reply::WithHeaders(429, vec![("retry-after", "30".into())]),
        Reply::Status(500),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(200))),
    ]);
    let cases: [(&str, &[&str]); 6] = [
        (
            "failing",
            &[
                "Slack answered 404",
                "wrong or was revoked",
                "SLACK_WEBHOOK_URL",
            ],
        ),
        ("failing", &["Slack answered 410", "unarchive"]),
        ("failing", &["Slack answered 403", "restricted posting"]),
        ("degraded", &["Slack answered 429", "retry after 30 s"]),
        ("degraded", &["Slack answered 500", "retried"]),
        ("degraded", &["did not answer in time"]),
    ];
    for (status, words) in cases {
        let detail = test_fails(c, &id).await;
        assert!(has(&detail, words), "{words:?}: {detail}");
        let (s, m) = reported(c, &id).await;
        assert_eq!(s, status, "{m}");
        assert!(has(&m, words), "{m}");
    }
    let h = health(c, &id).await;
    assert!(h["errors"].as_i64().unwrap() >= 6, "{h}");
    assert!(
        h["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("did not answer")),
        "{h}"
    );

    // Back to normal: ok again.
    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(reported(c, &id).await.0, "ok");
}

/// Sets one secret of an installation (its configuration unchanged).
async fn set_secret(c: &Client, id: &str, name: &str, value: &str) {
    let r = crate::registry_support::send_json(
        c,
        "PUT",
        &format!("/api/v1/installations/{id}/config"),
        json!({"values": {name: value}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_of_an_event_is_an_error_and_is_retried() {
    let slack = Receiver::start().await;
    let o = official_app(&[("hooks.slack.com", &slack)], &[]).await;
    let c = &o.lab.plugins;
    let id = install_configured(
        c,
        "~alice",
        "trellis.slack-notifier",
        json!({"events": ["plugin.version.published"]}),
        json!({"SLACK_WEBHOOK_URL": SLACK_URL}),
    )
    .await;
    // echo's first version: `plugin.published` (not selected) and
    // `plugin.version.published`, whose first delivery gets a 503.
    slack.script([Reply::Status(503)]);
    publish(&o.lab.publish, package_as("echo", "1.0.1")).await;
    // The failure is counted by the runtime and reported by the plugin (until
    // the retry, about 5 s later).
    let h = wait_health(
        c,
        &id,
        |h| h["errors"].as_i64().unwrap_or(0) >= 1,
        Duration::from_secs(30),
    )
    .await;
    if h["reported_status"] != "ok" {
        assert_eq!(h["reported_status"], "degraded", "{h}");
        assert!(
            has(
                h["reported_message"].as_str().unwrap(),
                &["Slack answered 503"]
            ),
            "{h}"
        );
        assert!(
            has(h["last_error"].as_str().unwrap_or_default(), &["503"]),
            "{h}"
        );
    }
    // The retry (about 5 s later) goes through: the same message, twice in all.
    let got = slack.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 2, "one 503, one delivery");
    assert!(
        got.iter()
            .all(|g| g.json()["blocks"][0]["text"]["text"] == "labs.echo 1.0.1 published"),
        "only the version is selected"
    );
    assert_eq!(got[1].body, got[0].body);
    wait_health(
        c,
        &id,
        |h| h["reported_status"] == "ok",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(slack.received().len(), 2, "posted once after the 503");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_failures_show_in_health_with_what_to_do() {
    let discord = Receiver::start().await;
    let o = official_app(&[("discord.com", &discord)], TIMEOUT).await;
    let c = &o.lab.plugins;
    let id = install_configured(
        c,
        "~alice",
        "trellis.discord-notifier",
        json!({}),
        json!({"DISCORD_WEBHOOK_URL": "https://canary.discord.com/api/webhooks/1/x"}),
    )
    .await;
    let (s, m) = reported(c, &id).await;
    assert_eq!(s, "failing");
    assert!(has(&m, &["not a Discord webhook URL"]), "{m}");

    set_secret(c, &id, "DISCORD_WEBHOOK_URL", DISCORD_URL).await;
    discord.script([
        Reply::Status(404),
        Reply::Status(401),
        Reply::WithHeaders(429, vec![("retry-after", "2".into())]),
        Reply::Status(502),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(204))),
    ]);
    let cases: [(&str, &[&str]); 5] = [
        (
            "failing",
            &[
                "Discord answered 404",
                "webhook was deleted",
                "DISCORD_WEBHOOK_URL",
            ],
        ),
        ("failing", &["Discord answered 401", "token"]),
        ("degraded", &["Discord answered 429", "retry after 2 s"]),
        ("degraded", &["Discord answered 502", "retried"]),
        ("degraded", &["did not answer in time"]),
    ];
    for (status, words) in cases {
        let detail = test_fails(c, &id).await;
        assert!(has(&detail, words), "{words:?}: {detail}");
        let (s, m) = reported(c, &id).await;
        assert_eq!(s, status, "{m}");
        assert!(has(&m, words), "{m}");
    }
    discord.script([Reply::Status(204)]);
    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(
        r.json()["output"],
        json!({"sent": true, "status": 204}),
        "{}",
        r.text
    );
    assert_eq!(reported(c, &id).await.0, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_failures_show_in_health_with_what_to_do() {
    let teams = Receiver::start().await;
    let o = official_app(&[("prod-00.westus.logic.azure.com", &teams)], TIMEOUT).await;
    let c = &o.lab.plugins;
    let id = install_configured(c, "~alice", "trellis.teams-notifier", json!({}), json!({})).await;
    let (s, m) = reported(c, &id).await;
    assert_eq!(s, "degraded");
    assert!(has(&m, &["Not configured", "TEAMS_WEBHOOK_URL"]), "{m}");

    set_secret(c, &id, "TEAMS_WEBHOOK_URL", TEAMS_URL).await;
    teams.script([
        Reply::Status(404),
        Reply::Status(401),
        Reply::Status(400),
        Reply::Status(503),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(202))),
    ]);
    let cases: [(&str, &[&str]); 5] = [
        (
            "failing",
            &[
                "Teams answered 404",
                "no longer exists",
                "TEAMS_WEBHOOK_URL",
            ],
        ),
        ("failing", &["Teams answered 401", "signature"]),
        ("failing", &["Teams answered 400", "refused the card"]),
        ("degraded", &["Teams answered 503", "retried"]),
        ("degraded", &["did not answer in time"]),
    ];
    for (status, words) in cases {
        let detail = test_fails(c, &id).await;
        assert!(has(&detail, words), "{words:?}: {detail}");
        let (s, m) = reported(c, &id).await;
        assert_eq!(s, status, "{m}");
        assert!(has(&m, words), "{m}");
    }
    teams.script([Reply::Status(202)]);
    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(
        r.json()["output"],
        json!({"sent": true, "status": 202}),
        "{}",
        r.text
    );
    assert_eq!(reported(c, &id).await.0, "ok");
}
