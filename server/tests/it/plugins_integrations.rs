//! The official ticketing and alerting integrations against loopback stand-ins
//! of their services: `trellis.pagerduty-alerts` (Events API v2),
//! `trellis.github-issues` (REST issues) and `trellis.jira-tickets` (Jira Cloud
//! REST v3, its fields built by its dependency `trellis.json-transform`). Each
//! test checks what the stand-in received against the service's documented API
//! and that 4xx, 5xx and timeouts show in the plugin's own health.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::harness::Client;
use crate::official_support::{health, install_configured, invoke, official_app, wait_health};
use crate::receiver::{Received, Receiver, Reply};
use crate::registry_support::send_empty;
use crate::runtime_support::{package_as, publish, Lab};

const WAIT: Duration = Duration::from_secs(20);
/// For the failure matrices: a short HTTP deadline, and a breaker that does not
/// trip on the failures the test causes on purpose.
const FAILURE_ENV: &[(&str, &str)] = &[
    ("TRELLIS_PLUGINS__HTTP_TIMEOUT_MS", "500"),
    ("TRELLIS_PLUGINS__BREAKER_FAILURES", "100"),
];

/// Alice publishes labs.echo 1.0.1 and yanks it (`plugin.version.yanked`).
async fn publish_and_yank(lab: &Lab) {
    publish(&lab.publish, package_as("echo", "1.0.1")).await;
    let r = send_empty(
        &lab.publish,
        "PUT",
        "/api/v1/plugins/labs.echo/versions/1.0.1/yank",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// Waits for a request the predicate accepts.
async fn wait_match(rx: &Receiver, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
    let end = std::time::Instant::now() + WAIT;
    loop {
        if let Some(r) = rx.received().into_iter().find(|r| pred(r)) {
            return r;
        }
        assert!(
            std::time::Instant::now() < end,
            "no {what} among {:?}",
            rx.received()
                .iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Invokes, expecting the call to fail, then checks the plugin's own health.
async fn fails_with(c: &Client, id: &str, input: Value, status: &str, needle: &str) {
    let r = invoke(c, id, input).await;
    assert_eq!(r.status, StatusCode::FAILED_DEPENDENCY, "{}", r.text);
    let h = health(c, id).await;
    assert_eq!(h["reported_status"], status, "{needle}: {h}");
    let msg = h["reported_message"].as_str().unwrap_or_default();
    assert!(msg.contains(needle), "{needle}: {h}");
}

fn json_headers(r: &Received) {
    assert_eq!(r.method, "POST");
    assert_eq!(r.header("content-type"), Some("application/json"));
}

const ROUTING_KEY: &str = "R0UT1NGKEY0123456789abcdefABCDEF";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_pages_a_yank_then_triggers_and_resolves_on_health() {
    let rx = Receiver::start().await;
    let o = official_app(&[("events.pagerduty.com", &rx)], &[]).await;
    let c = &o.lab.plugins;
    let pd = install_configured(
        c,
        "~alice",
        "trellis.pagerduty-alerts",
        json!({
            "events": ["plugin.version.yanked", "plugin.health.changed"],
            "min_severity": "warning",
            "source": "trellis-test",
            "instance_url": "https://trellis.example.com/"
        }),
        json!({ "PAGERDUTY_ROUTING_KEY": ROUTING_KEY }),
    )
    .await;
    let h = health(c, &pd).await;
    assert_eq!(h["reported_status"], "ok", "{h}");

    publish_and_yank(&o.lab).await;
    let r = wait_match(&rx, "yank alert", |r| {
        r.body.windows(4).any(|w| w == b"yank")
    })
    .await;
    json_headers(&r);
    assert_eq!(r.uri, "/v2/enqueue");
    let b = r.json();
    assert_eq!(b["routing_key"], ROUTING_KEY);
    assert_eq!(b["event_action"], "trigger");
    assert_eq!(b["dedup_key"], "trellis/yank/labs.echo@1.0.1");
    let p = &b["payload"];
    assert_eq!(p["summary"], "Version 1.0.1 of labs.echo was yanked");
    assert_eq!(p["source"], "trellis-test");
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["component"], "labs.echo");
    assert_eq!(p["group"], "labs");
    assert_eq!(p["class"], "plugin.version.yanked");
    assert!(
        p["timestamp"].as_str().is_some_and(|t| t.starts_with("20")),
        "{p}"
    );
    assert_eq!(p["custom_details"]["actor"], "alice");
    assert_eq!(p["custom_details"]["data"]["version"], "1.0.1");
    assert_eq!(
        b["links"],
        json!([{"href": "https://trellis.example.com/plugins/labs.echo", "text": "labs.echo on Trellis"}])
    );

    // Another installation goes failing (three bad calls in a row), then
    // healthy again (enough good calls): a trigger, then a resolve of the
    // same dedup key.
    let jt = install_configured(c, "~alice", "trellis.json-transform", json!({}), json!({})).await;
    for _ in 0..3 {
        let r = invoke(c, &jt, json!({"data": 1, "spec": "{{ nope"})).await;
        assert_eq!(r.status, StatusCode::FAILED_DEPENDENCY, "{}", r.text);
    }
    let key = format!("trellis/health/{jt}");
    let trigger = wait_match(&rx, "health trigger", |r| {
        r.json()["dedup_key"] == key.as_str() && r.json()["event_action"] == "trigger"
    })
    .await
    .json();
    assert_eq!(trigger["payload"]["severity"], "error");
    assert_eq!(trigger["payload"]["class"], "plugin.health.changed");
    assert_eq!(trigger["payload"]["component"], "trellis.json-transform");
    assert!(
        trigger["payload"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("trellis.json-transform in ~alice is failing")),
        "{trigger}"
    );
    for _ in 0..40 {
        let r = invoke(c, &jt, json!({"data": 1, "spec": "$"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let resolve = wait_match(&rx, "health resolve", |r| {
        r.json()["dedup_key"] == key.as_str() && r.json()["event_action"] == "resolve"
    })
    .await
    .json();
    assert_eq!(
        resolve,
        json!({"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": key})
    );

    // On demand.
    let r = invoke(
        c,
        &pd,
        json!({"summary": "Test alert", "severity": "critical"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["output"]["status"], "success", "{}", r.text);
    let manual = wait_match(&rx, "manual alert", |r| {
        r.json()["payload"]["class"] == "manual"
    })
    .await;
    assert_eq!(manual.json()["payload"]["severity"], "critical");
    assert_eq!(manual.json()["payload"]["summary"], "Test alert");
    let h = health(c, &pd).await;
    assert_eq!(h["reported_status"], "ok", "{h}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pagerduty_failures_show_in_its_health() {
    let rx = Receiver::start().await;
    let o = official_app(&[("events.pagerduty.com", &rx)], FAILURE_ENV).await;
    let c = &o.lab.plugins;
    let pd = install_configured(
        c,
        "~alice",
        "trellis.pagerduty-alerts",
        json!({"events": []}),
        json!({}),
    )
    .await;
    let h = health(c, &pd).await;
    assert_eq!(h["reported_status"], "degraded", "{h}");
    assert!(
        h["reported_message"]
            .as_str()
            .unwrap()
            .contains("PAGERDUTY_ROUTING_KEY"),
        "{h}"
    );
    configure_with_secret(
        c,
        &pd,
        json!({"events": []}),
        "PAGERDUTY_ROUTING_KEY",
        ROUTING_KEY,
    )
    .await;

    rx.script([
        Reply::Status(400),
        Reply::Status(404),
        Reply::WithHeaders(429, vec![("retry-after", "30".into())]),
        Reply::Status(503),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(202))),
    ]);
    let alert = json!({"summary": "x"});
    fails_with(c, &pd, alert.clone(), "failing", "400 invalid event").await;
    fails_with(c, &pd, alert.clone(), "failing", "routing key is wrong").await;
    fails_with(c, &pd, alert.clone(), "degraded", "429").await;
    fails_with(c, &pd, alert.clone(), "degraded", "503").await;
    fails_with(c, &pd, alert.clone(), "degraded", "timeout").await;
    let r = invoke(c, &pd, alert).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_health(c, &pd, |h| h["reported_status"] == "ok", WAIT).await;
    assert_eq!(rx.received().len(), 6);
}

/// Sets the configuration again with a secret.
async fn configure_with_secret(c: &Client, id: &str, config: Value, name: &str, value: &str) {
    let mut values = config.as_object().cloned().unwrap_or_default();
    values.insert(name.into(), json!(value));
    let r = crate::registry_support::send_json(
        c,
        "PUT",
        &format!("/api/v1/installations/{id}/config"),
        json!({ "values": values }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

const GITHUB_TOKEN: &str = "test-github-token-1234";

fn github_config(events: &[&str]) -> Value {
    json!({"owner": "acme", "repo": "widgets", "labels": ["trellis", "registry"], "events": events})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_files_an_issue_for_a_yank_and_on_demand() {
    let rx = Receiver::start().await;
    let o = official_app(&[("api.github.com", &rx)], &[]).await;
    let c = &o.lab.plugins;
    let gh = install_configured(
        c,
        "~alice",
        "trellis.github-issues",
        github_config(&["plugin.version.yanked"]),
        json!({ "GITHUB_TOKEN": GITHUB_TOKEN }),
    )
    .await;
    rx.script([Reply::Status(201), Reply::Status(201)]);
    publish_and_yank(&o.lab).await;
    let got = rx.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.uri, "/repos/acme/widgets/issues");
    assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {GITHUB_TOKEN}").as_str())
    );
    assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(r.header("user-agent"), Some("trellis-github-issues"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let b = r.json();
    assert_eq!(b["title"], "Version 1.0.1 of labs.echo was yanked");
    assert_eq!(b["labels"], json!(["trellis", "registry"]));
    let body = b["body"].as_str().unwrap();
    for want in [
        "`plugin.version.yanked`",
        "| `plugin` | labs.echo |",
        "| `version` | 1.0.1 |",
        "@alice",
    ] {
        assert!(body.contains(want), "{want} not in {body}");
    }
    wait_health(c, &gh, |h| h["reported_status"] == "ok", WAIT).await;

    let r = invoke(
        c,
        &gh,
        json!({"title": "Broken link", "body": "The **docs** link 404s.", "labels": ["docs"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let out = &r.json()["output"];
    assert!(
        out.get("number").is_some() && out.get("html_url").is_some(),
        "{out}"
    );
    let got = rx.wait_for(2, WAIT).await;
    assert_eq!(
        got[1].json(),
        json!({"title": "Broken link", "body": "The **docs** link 404s.", "labels": ["docs"]})
    );
    // Not an issue: an empty title.
    let r = invoke(c, &gh, json!({"title": " "})).await;
    assert_eq!(r.status, StatusCode::FAILED_DEPENDENCY, "{}", r.text);
    assert_eq!(rx.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_failures_show_in_its_health() {
    let rx = Receiver::start().await;
    let o = official_app(&[("api.github.com", &rx)], FAILURE_ENV).await;
    let c = &o.lab.plugins;
    let gh = install_configured(
        c,
        "~alice",
        "trellis.github-issues",
        github_config(&[]),
        json!({ "GITHUB_TOKEN": GITHUB_TOKEN }),
    )
    .await;
    rx.script([
        Reply::Status(401),
        Reply::WithHeaders(
            403,
            vec![
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", "1798761600".into()),
            ],
        ),
        Reply::Status(403),
        Reply::Status(404),
        Reply::Status(410),
        Reply::Status(422),
        Reply::Status(502),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(201))),
    ]);
    let issue = json!({"title": "x"});
    fails_with(c, &gh, issue.clone(), "failing", "GITHUB_TOKEN is wrong").await;
    fails_with(c, &gh, issue.clone(), "degraded", "rate limit is used up").await;
    fails_with(c, &gh, issue.clone(), "failing", "Issues read and write").await;
    fails_with(
        c,
        &gh,
        issue.clone(),
        "failing",
        "acme/widgets does not exist",
    )
    .await;
    fails_with(c, &gh, issue.clone(), "failing", "issues are disabled").await;
    fails_with(c, &gh, issue.clone(), "failing", "422 validation failed").await;
    fails_with(c, &gh, issue.clone(), "degraded", "502").await;
    fails_with(c, &gh, issue.clone(), "degraded", "timeout").await;
    let r = invoke(c, &gh, issue).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_health(c, &gh, |h| h["reported_status"] == "ok", WAIT).await;
}

const JIRA_AUTH: &str = "Basic b3BzQGFjbWUuZXhhbXBsZTp0b2stMTIz"; // ops@acme.example:tok-123

fn jira_config(template: Value) -> Value {
    json!({
        "site": "acme", "email": "ops@acme.example", "project_key": "OPS",
        "labels": ["trellis"], "events": ["plugin.version.yanked"],
        "fields_template": template
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_opens_an_issue_with_fields_from_its_template() {
    let rx = Receiver::start().await;
    let o = official_app(&[("acme.atlassian.net", &rx)], &[]).await;
    let c = &o.lab.plugins;
    let template = json!({
        "summary": "{{ data.plugin }} {{ data.version }} was yanked",
        "description": "Yanked by {{ actor.username }}.\n\nNamespace: {{ data.namespace | upper }}",
        "priority": {"name": "High"}
    });
    let jira = install_configured(
        c,
        "~alice",
        "trellis.jira-tickets",
        jira_config(template.clone()),
        json!({ "JIRA_API_TOKEN": "tok-123" }),
    )
    .await;
    // The dependency came along.
    let ws = c.get("/api/v1/workspaces/~alice").await;
    assert!(ws.text.contains("trellis.json-transform"), "{}", ws.text);

    rx.script([Reply::Status(201), Reply::Status(201)]);
    publish_and_yank(&o.lab).await;
    let got = rx.wait_for(1, WAIT).await;
    let r = &got[0];
    json_headers(r);
    assert_eq!(r.uri, "/rest/api/3/issue");
    assert_eq!(r.header("authorization"), Some(JIRA_AUTH));
    assert_eq!(r.header("accept"), Some("application/json"));
    let f = &r.json()["fields"];
    assert_eq!(f["project"], json!({"key": "OPS"}));
    assert_eq!(f["issuetype"], json!({"name": "Task"}));
    assert_eq!(f["labels"], json!(["trellis"]));
    assert_eq!(f["summary"], "labs.echo 1.0.1 was yanked");
    assert_eq!(f["priority"], json!({"name": "High"}));
    let para = |t: &str| json!({"type": "paragraph", "content": [{"type": "text", "text": t}]});
    assert_eq!(
        f["description"],
        json!({"type": "doc", "version": 1, "content": [para("Yanked by alice."), para("Namespace: LABS")]})
    );
    wait_health(c, &jira, |h| h["reported_status"] == "ok", WAIT).await;

    // On demand, with line breaks.
    let r = invoke(
        c,
        &jira,
        json!({"summary": "On demand", "description": "one\ntwo"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = rx.wait_for(2, WAIT).await;
    let f = &got[1].json()["fields"];
    assert_eq!(f["summary"], "On demand");
    assert_eq!(
        f["description"]["content"][0]["content"],
        json!([{"type": "text", "text": "one"}, {"type": "hardBreak"}, {"type": "text", "text": "two"}])
    );

    // A preview calls the template only.
    let event = json!({"type": "plugin.version.yanked", "data": {"plugin": "acme.x", "version": "2.0.0", "namespace": "acme"}, "actor": {"username": "bob"}});
    let r = invoke(c, &jira, json!({ "preview": event })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["output"]["summary"], "acme.x 2.0.0 was yanked");

    // A broken template: the transform's error, in the call and the health.
    configure_with_secret(
        c,
        &jira,
        jira_config(json!({"summary": "{{ data.plugin | shout }}"})),
        "JIRA_API_TOKEN",
        "tok-123",
    )
    .await;
    let r = invoke(c, &jira, json!({ "preview": event })).await;
    assert_eq!(r.status, StatusCode::FAILED_DEPENDENCY, "{}", r.text);
    assert!(
        r.text.contains("unknown_filter at spec/summary"),
        "{}",
        r.text
    );
    let h = health(c, &jira).await;
    assert_eq!(h["reported_status"], "failing", "{h}");
    assert!(
        h["reported_message"]
            .as_str()
            .unwrap()
            .contains("fields_template"),
        "{h}"
    );
    assert_eq!(rx.received().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jira_failures_show_in_its_health() {
    let rx = Receiver::start().await;
    let o = official_app(&[("acme.atlassian.net", &rx)], FAILURE_ENV).await;
    let c = &o.lab.plugins;
    let mut config = jira_config(json!({"summary": "{{ type }}"}));
    config["events"] = json!([]);
    let jira = install_configured(
        c,
        "~alice",
        "trellis.jira-tickets",
        config,
        json!({ "JIRA_API_TOKEN": "tok-123" }),
    )
    .await;
    rx.script([
        Reply::Status(400),
        Reply::Status(401),
        Reply::Status(403),
        Reply::Status(404),
        Reply::WithHeaders(429, vec![("retry-after", "5".into())]),
        Reply::Status(500),
        Reply::After(Duration::from_secs(2), Box::new(Reply::Status(201))),
    ]);
    let issue = json!({"summary": "x"});
    fails_with(
        c,
        &jira,
        issue.clone(),
        "failing",
        "check project_key, issue_type",
    )
    .await;
    fails_with(
        c,
        &jira,
        issue.clone(),
        "failing",
        "JIRA_API_TOKEN is wrong",
    )
    .await;
    fails_with(
        c,
        &jira,
        issue.clone(),
        "failing",
        "Create issues permission",
    )
    .await;
    fails_with(
        c,
        &jira,
        issue.clone(),
        "failing",
        "project OPS was not found",
    )
    .await;
    fails_with(c, &jira, issue.clone(), "degraded", "429").await;
    fails_with(c, &jira, issue.clone(), "degraded", "500").await;
    fails_with(c, &jira, issue.clone(), "degraded", "timeout").await;
    let r = invoke(c, &jira, issue).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    wait_health(c, &jira, |h| h["reported_status"] == "ok", WAIT).await;
    assert_eq!(rx.received().len(), 8);
}
