//! The official notifiers (trellis.slack-notifier, trellis.discord-notifier,
//! trellis.teams-notifier) and their shared formatter (trellis.notify-format),
//! through the real runtime: installed in `~alice`, an event alice causes
//! reaches a loopback stand-in of the service in the shape its documented
//! webhook API expects, a test message goes out on `invoke`, and health says
//! how the last message went. Failures: `plugins_notifiers_failures`.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::official_support::{
    health, install_configured, invoke, official_app, wait_health, Official,
};
use crate::receiver::{Received, Receiver};
use crate::registry_support::send_empty;
use crate::runtime_support::{install, installation_id, package_as, publish};

pub const SLACK_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXX";
pub const DISCORD_URL: &str = "https://discord.com/api/webhooks/123456789012345678/tok_en-XYZ";
pub const TEAMS_URL: &str = "https://prod-00.westus.logic.azure.com:443/workflows/abc123/\
     triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sig=XYZ";

/// The first request `r` got whose JSON body satisfies `pred` (within 30 s).
pub async fn posted(r: &Receiver, what: &str, pred: impl Fn(&Value) -> bool) -> Received {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let got = r.received();
        if let Some(g) = got
            .iter()
            .find(|g| serde_json::from_slice::<Value>(&g.body).is_ok_and(|b| pred(&b)))
        {
            return g.clone();
        }
        if Instant::now() >= end {
            let bodies: Vec<_> = got
                .iter()
                .map(|g| String::from_utf8_lossy(&g.body).into_owned())
                .collect();
            panic!("no {what} posted; got {bodies:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Publishes echo 1.0.0 (before anything is installed), installs `plugin`
/// in `~alice` with `secret` = `url`, then publishes echo 1.0.1 as alice.
async fn install_then_publish(o: &Official, plugin: &str, secret: &str, url: &str) -> String {
    publish(&o.lab.publish, package_as("echo", "1.0.0")).await;
    let id = install_configured(
        &o.lab.plugins,
        "~alice",
        plugin,
        json!({}),
        json!({ secret: url }),
    )
    .await;
    publish(&o.lab.publish, package_as("echo", "1.0.1")).await;
    id
}

fn is_json_post(g: &Received, path_and_query: &str) {
    assert_eq!(g.method, "POST");
    assert_eq!(g.uri, path_and_query);
    assert!(
        g.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        g.headers
    );
}

/// The site's link to echo's page (`{site_url}/plugins/labs.echo`).
fn echo_page(url: &str) -> bool {
    url.starts_with("http") && url.ends_with("/plugins/labs.echo")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_gets_new_versions_as_blocks_and_a_test_message() {
    let slack = Receiver::start().await;
    let o = official_app(&[("hooks.slack.com", &slack)], &[]).await;
    let c = &o.lab.plugins;
    let id =
        install_then_publish(&o, "trellis.slack-notifier", "SLACK_WEBHOOK_URL", SLACK_URL).await;

    let got = posted(&slack, "version message", |b| {
        b["blocks"][0]["text"]["text"] == "labs.echo 1.0.1 published"
    })
    .await;
    is_json_post(&got, "/services/T000/B000/XXXX");
    let b = got.json();
    assert!(
        b["text"]
            .as_str()
            .unwrap()
            .starts_with("labs.echo 1.0.1 published: Version 1.0.1 of labs.echo"),
        "{b}"
    );
    let blocks = b["blocks"].as_array().unwrap();
    assert_eq!(
        blocks
            .iter()
            .map(|x| x["type"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["header", "section", "context"],
        "{b}"
    );
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(blocks[1]["text"]["type"], "mrkdwn");
    assert_eq!(
        blocks[1]["text"]["text"],
        "Version 1.0.1 of labs.echo is available."
    );
    let fields: Vec<&str> = blocks[1]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["type"], "mrkdwn");
            f["text"].as_str().unwrap()
        })
        .collect();
    for want in [
        "*Plugin*\nlabs.echo",
        "*Version*\n1.0.1",
        "*Signed*\nno",
        "*By*\nalice",
    ] {
        assert!(fields.contains(&want), "{want} not in {fields:?}");
    }
    // The context names the event type and links to the plugin's page.
    let context = blocks[2]["elements"][0]["text"].as_str().unwrap();
    assert!(context.contains("`plugin.version.published`"), "{context}");
    let link = context
        .split('<')
        .nth(1)
        .and_then(|l| l.split('|').next())
        .unwrap_or_default();
    assert!(echo_page(link), "{context}");
    assert!(
        context.ends_with("|View labs.echo on Trellis>"),
        "{context}"
    );

    // Health: the last message went out (recorded once Slack's answer is
    // back, a moment after the stand-in saw the request).
    wait_health(
        c,
        &id,
        |h| {
            h["reported_status"] == "ok"
                && h["reported_message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("Last message delivered"))
        },
        Duration::from_secs(20),
    )
    .await;

    // A test message on demand.
    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["output"], json!({"sent": true, "status": 200}));
    let got = posted(&slack, "test message", |b| {
        b["blocks"][0]["text"]["text"] == "Test message from Trellis"
    })
    .await;
    is_json_post(&got, "/services/T000/B000/XXXX");
    let b = got.json();
    assert!(
        b["blocks"][1]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("trellis.slack-notifier can post here"),
        "{b}"
    );

    // A preview: the body for any event, posting nothing; text is escaped for
    // Slack, so a description cannot mention the channel.
    let before = slack.received().len();
    let event = json!({
        "id": "evt_x", "type": "plugin.published", "occurred_at": "2026-12-02T09:30:00.000Z",
        "subject": {"kind": "plugin", "id": "labs.kanban"}, "namespace": "labs",
        "actor": {"type": "user", "username": "alice"},
        "data": {"plugin": "labs.kanban", "namespace": "labs", "display_name": "Kanban",
                 "description": "Boards <!channel> & more", "kind": "tool", "version": "1.0.0"}
    });
    let r = invoke(c, &id, json!({ "preview": event })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = &r.json()["output"]["body"];
    assert_eq!(body["blocks"][0]["text"]["text"], "New plugin: Kanban");
    assert_eq!(
        body["blocks"][1]["text"]["text"],
        "Kanban (labs.kanban) 1.0.0 was published: Boards &lt;!channel&gt; &amp; more"
    );
    assert_eq!(slack.received().len(), before);
    // Anything else is refused with what it expects.
    let r = invoke(c, &id, json!({"hello": 1})).await;
    assert!(r.problem(424, "plugin_failed")["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("{\"test\": true}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_gets_embeds_that_mention_nobody() {
    let discord = Receiver::start().await;
    let o = official_app(&[("discord.com", &discord)], &[]).await;
    let c = &o.lab.plugins;
    let id = install_then_publish(
        &o,
        "trellis.discord-notifier",
        "DISCORD_WEBHOOK_URL",
        DISCORD_URL,
    )
    .await;

    let got = posted(&discord, "version embed", |b| {
        b["embeds"][0]["title"] == "labs.echo 1.0.1 published"
    })
    .await;
    is_json_post(&got, "/api/webhooks/123456789012345678/tok_en-XYZ");
    let b = got.json();
    assert_eq!(b["allowed_mentions"], json!({"parse": []}), "{b}");
    assert_eq!(b["embeds"].as_array().unwrap().len(), 1);
    let e = &b["embeds"][0];
    assert_eq!(e["description"], "Version 1.0.1 of labs.echo is available.");
    assert_eq!(e["color"], 0x2563eb, "{e}");
    assert!(echo_page(e["url"].as_str().unwrap_or_default()), "{e}");
    assert!(
        e["timestamp"].as_str().is_some_and(|t| t.starts_with("20")),
        "{e}"
    );
    assert_eq!(e["footer"]["text"], "Trellis · plugin.version.published");
    let fields = e["fields"].as_array().unwrap();
    assert!(fields.len() <= 25);
    assert!(
        fields.contains(&json!({"name": "Version", "value": "1.0.1", "inline": true})),
        "{e}"
    );

    // A test message; then the documented limits hold for long text, and
    // markdown in text is escaped.
    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    posted(&discord, "test message", |b| {
        b["embeds"][0]["title"] == "Test message from Trellis"
    })
    .await;
    let event = json!({
        "id": "evt_x", "type": "plugin.deprecated", "subject": {"kind": "plugin", "id": "labs.echo"},
        "data": {"plugin": "labs.echo", "namespace": "labs", "reason": format!("**{}**", "x".repeat(5000))}
    });
    let r = invoke(c, &id, json!({ "preview": event })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = &r.json()["output"]["body"]["embeds"][0];
    let description = e["description"].as_str().unwrap();
    assert!(description.starts_with("\\*\\*xxx"), "{description:.40}");
    assert!(description.chars().count() <= 4096);
    assert!(description.ends_with('…'));
    assert_eq!(e["color"], 0xd97706, "a warning is amber");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_gets_adaptive_cards() {
    let teams = Receiver::start().await;
    let o = official_app(&[("prod-00.westus.logic.azure.com", &teams)], &[]).await;
    let c = &o.lab.plugins;
    let id =
        install_then_publish(&o, "trellis.teams-notifier", "TEAMS_WEBHOOK_URL", TEAMS_URL).await;

    let got = posted(&teams, "version card", |b| {
        b["attachments"][0]["content"]["body"][0]["text"] == "labs.echo 1.0.1 published"
    })
    .await;
    is_json_post(
        &got,
        "/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01\
         &sp=%2Ftriggers%2Fmanual%2Frun&sig=XYZ",
    );
    let b = got.json();
    assert_eq!(b["type"], "message");
    let a = &b["attachments"][0];
    assert_eq!(a["contentType"], "application/vnd.microsoft.card.adaptive");
    assert!(a["contentUrl"].is_null(), "{a}");
    let card = &a["content"];
    assert_eq!(
        card["$schema"],
        "http://adaptivecards.io/schemas/adaptive-card.json"
    );
    assert_eq!(
        (&card["type"], &card["version"]),
        (&json!("AdaptiveCard"), &json!("1.4"))
    );
    let body = card["body"].as_array().unwrap();
    assert_eq!(body[0]["type"], "TextBlock");
    assert_eq!(body[1]["text"], "Version 1.0.1 of labs.echo is available.");
    assert_eq!(body[1]["wrap"], true);
    let facts = body
        .iter()
        .find(|x| x["type"] == "FactSet")
        .expect("a FactSet")["facts"]
        .as_array()
        .unwrap();
    assert!(
        facts.contains(&json!({"title": "Version", "value": "1.0.1"})),
        "{card}"
    );
    let action = &card["actions"][0];
    assert_eq!(action["type"], "Action.OpenUrl");
    assert!(
        echo_page(action["url"].as_str().unwrap_or_default()),
        "{card}"
    );

    let r = invoke(c, &id, json!({"test": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    posted(&teams, "test card", |b| {
        b["attachments"][0]["content"]["body"][0]["text"] == "Test message from Trellis"
    })
    .await;
    assert_eq!(health(c, &id).await["reported_status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_setting_chooses_what_is_posted() {
    let slack = Receiver::start().await;
    let o = official_app(&[("hooks.slack.com", &slack)], &[]).await;
    publish(&o.lab.publish, package_as("echo", "1.0.0")).await;
    install_configured(
        &o.lab.plugins,
        "~alice",
        "trellis.slack-notifier",
        json!({"events": ["plugin.version.yanked"]}),
        json!({"SLACK_WEBHOOK_URL": SLACK_URL}),
    )
    .await;
    publish(&o.lab.publish, package_as("echo", "1.0.1")).await;
    let r = send_empty(
        &o.lab.publish,
        "PUT",
        "/api/v1/plugins/labs.echo/versions/1.0.1/yank",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = posted(&slack, "yank message", |b| {
        b["blocks"][0]["text"]["text"] == "labs.echo 1.0.1 yanked"
    })
    .await;
    let b = got.json();
    assert!(b["blocks"][2]["elements"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with(":warning:"));
    // The version itself (published before the yank) was not posted.
    assert!(
        !slack
            .received()
            .iter()
            .any(|g| g.json()["blocks"][0]["text"]["text"] == "labs.echo 1.0.1 published"),
        "only the yank is selected"
    );
}

/// Formats `event` with a notify-format installation.
async fn format(o: &Official, id: &str, event: Value) -> Value {
    let r = invoke(
        &o.lab.plugins,
        id,
        json!({"event": event, "site_url": "https://trellis.example/"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["output"].clone()
}

fn ev(kind: &str, data: Value) -> Value {
    json!({"id": "evt_1", "type": kind, "occurred_at": "2026-12-02T09:30:00.123Z",
           "subject": {"kind": "plugin", "id": "acme.kanban"}, "namespace": "acme",
           "actor": {"type": "user", "user_id": 7, "username": "bob"}, "data": data})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_format_words_each_event_type() {
    let o = official_app(&[], &[]).await;
    let id = installation_id(
        &install(&o.lab.plugins, "labs", "trellis.notify-format").await,
        "trellis.notify-format",
    );
    let kanban = json!({"plugin": "acme.kanban", "namespace": "acme"});
    let with = |extra: Value| {
        let mut d = kanban.clone();
        d.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        d
    };

    let m = format(
        &o,
        &id,
        ev("plugin.version.yanked", with(json!({"version": "1.1.0"}))),
    )
    .await;
    assert_eq!(m["title"], "acme.kanban 1.1.0 yanked");
    assert_eq!(m["url"], "https://trellis.example/plugins/acme.kanban");
    assert_eq!(
        (&m["severity"], &m["color"]),
        (&json!("warning"), &json!("#d97706"))
    );
    assert_eq!(m["timestamp"], "2026-12-02T09:30:00.123Z");
    assert!(m["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "By", "value": "bob"})));

    let m = format(
        &o,
        &id,
        ev(
            "plugin.deprecated",
            with(json!({"reason": "Superseded.", "replacement": "acme.boards"})),
        ),
    )
    .await;
    assert_eq!(m["title"], "acme.kanban is deprecated");
    assert_eq!(m["text"], "Superseded. Use acme.boards instead.");

    let m = format(
        &o,
        &id,
        ev(
            "review.created",
            with(json!({"review_id": 17, "stars": 1, "version": "1.2.0"})),
        ),
    )
    .await;
    assert_eq!(m["title"], "New 1-star review of acme.kanban");
    assert_eq!(m["text"], "bob rated acme.kanban 1.2.0 1 out of 5.");
    assert_eq!(m["severity"], "warning", "a low rating is a warning");
    assert!(m["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "Rating", "value": "★☆☆☆☆"})));

    let m = format(
        &o,
        &id,
        ev("plugin.delisted", with(json!({"reason": "Impersonation."}))),
    )
    .await;
    assert_eq!(
        (&m["severity"], &m["color"]),
        (&json!("critical"), &json!("#dc2626"))
    );

    let mut installed = ev(
        "plugin.health.changed",
        json!({"installation": "ins_1", "plugin": "acme.kanban", "workspace": "~bob",
               "from": "healthy", "to": "failing", "last_error": "timeout"}),
    );
    installed["subject"] = json!({"kind": "installation", "id": "ins_1"});
    let m = format(&o, &id, installed).await;
    assert_eq!(m["title"], "acme.kanban is failing in ~bob");
    assert_eq!(m["severity"], "critical");

    // A type it does not know: a generic message, no link without a plugin.
    let mut other = ev("labs.thing_happened", json!({"count": 3, "ok": true}));
    other["subject"] = json!({"kind": "user", "id": "bob"});
    let m = format(&o, &id, other).await;
    assert_eq!(m["title"], "Trellis event labs.thing_happened");
    assert!(m["url"].is_null(), "{m}");
    assert_eq!(m["severity"], "info");
    assert!(m["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "Count", "value": "3"})));

    // No site URL: no link. Not an envelope: refused.
    let r = invoke(
        &o.lab.plugins,
        &id,
        json!({"event": ev("plugin.published", kanban.clone())}),
    )
    .await;
    assert!(r.json()["output"]["url"].is_null(), "{}", r.text);
    invoke(&o.lab.plugins, &id, json!({"hello": 1}))
        .await
        .problem(424, "plugin_failed");
}
