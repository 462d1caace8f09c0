//! The agent plugins that read the public registry (plugins/official:
//! review-guard, release-notes, tag-suggester), installed in the namespace
//! workspace `labs` (which sees every event of namespace `labs`), through the
//! real runtime: what they read with `trellis_read`, what they emit (read
//! back from the event log), what `invoke` and `health` answer. Also the host
//! function's own rules: a plugin without `read_registry` is refused (a
//! violation), and a review a moderator hid is not readable.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};

use crate::harness::{eventually_within, Client, TestApp};
use crate::official_support::{health, install_configured, invoke, official_app, wait_health};
use crate::registry_support::{publish_ok, send_json, Pkg};
use crate::runtime_support::log_lines;

const README: &str = "# Kanban Boards\n\nBoards and cards for your notes. Move cards between \
    columns, give cards due dates, and get Slack notifications when a card moves.\n\n\
    ## Setup\n\nCreate a board, add columns, add cards. Notifications go to a Slack channel.\n";

const CHANGELOG: &str = "# Changelog\n\n## [Unreleased]\n### Added\n- Work in progress\n\n\
    ## [1.1.0] - 2026-11-30\n### Fixed\n- Sync no longer drops cards\n\n\
    ### Added\n- Swimlanes\n- Due dates\n- Card labels\n\n\
    ## [1.0.0] - 2026-11-01\n- First release\n";

/// `labs.kanban` at `version`: a README about boards and cards, the changelog
/// above, keyword `kanban`, no categories.
fn kanban(version: &str) -> Pkg {
    let manifest = format!(
        "schema_version = 1\n\n[plugin]\nid = \"labs.kanban\"\ndisplay_name = \"Kanban Boards\"\n\
         version = \"{version}\"\nkind = \"tool\"\n\
         description = \"Boards and cards for your notes, with Slack notifications.\"\n\
         license = \"MIT\"\nkeywords = [\"kanban\"]\napi = \"^1\"\n\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n"
    );
    Pkg::new("labs.kanban", version)
        .file("plugin.toml", manifest)
        .file("README.md", README)
        .file("CHANGELOG.md", CHANGELOG)
}

/// The envelopes (`{workspace, installation, plugin, hops, data}`) of the
/// events of type `kind` in the log, oldest first.
async fn emitted(app: &TestApp, kind: &str) -> Vec<Value> {
    let mut c = app.state.db.conn().await.unwrap();
    sqlx::query("SELECT data FROM events WHERE type = $1 ORDER BY tx, seq")
        .bind(kind)
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.get::<String, _>("data")).unwrap())
        .collect()
}

/// Waits until an event of `kind` whose data matches `pick` is in the log.
async fn wait_event(app: &TestApp, kind: &str, pick: impl Fn(&Value) -> bool) -> Value {
    eventually_within(&format!("a {kind} event"), 30, || async {
        emitted(app, kind).await.iter().any(|e| pick(&e["data"]))
    })
    .await;
    emitted(app, kind)
        .await
        .into_iter()
        .find(|e| pick(&e["data"]))
        .unwrap()
}

async fn output(c: &Client, id: &str, input: Value) -> Value {
    let r = invoke(c, id, input).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["output"].clone()
}

/// Posts a review of `labs.kanban` as `c`; returns its id.
async fn review(c: &Client, title: &str, text: &str) -> i64 {
    let r = c
        .post_json(
            "/api/v1/plugins/labs.kanban/reviews",
            json!({"stars": 1, "title": title, "text": text}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_notes_summarise_the_changelog_of_each_new_version() {
    let o = official_app(&[], &[]).await;
    let (app, lab) = (&o.app, &o.lab);
    let id = install_configured(
        &lab.plugins,
        "labs",
        "trellis.release-notes",
        json!({"max_items": 2}),
        json!({}),
    )
    .await;
    publish_ok(&lab.publish, &kanban("1.0.0")).await;
    let first = wait_event(app, "release_notes.published", |d| d["version"] == "1.0.0").await;
    assert_eq!(
        first["data"]["sections"][0]["items"],
        json!(["First release"])
    );
    publish_ok(&lab.publish, &kanban("1.1.0")).await;

    let e = wait_event(app, "release_notes.published", |d| d["version"] == "1.1.0").await;
    assert_eq!(e["workspace"], "labs", "{e}");
    assert_eq!(e["plugin"], "trellis.release-notes", "{e}");
    let d = &e["data"];
    assert_eq!(d["plugin"], "labs.kanban");
    assert_eq!(d["exact"], true, "{d}");
    assert_eq!(d["heading"], "[1.1.0] - 2026-11-30");
    // Groups in Keep a Changelog order, the first two bullets of each.
    assert_eq!(d["sections"][0]["name"], "Added", "{d}");
    assert_eq!(d["sections"][0]["items"], json!(["Swimlanes", "Due dates"]));
    assert_eq!(d["sections"][0]["more"], 1);
    assert_eq!(d["sections"][1]["name"], "Fixed");
    let summary = d["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("**labs.kanban 1.1.0**\n\n**Added**\n- Swimlanes\n- Due dates\n"),
        "{summary}"
    );
    assert!(summary.contains("- …and 1 more\n"), "{summary}");
    assert!(!summary.contains("Work in progress"), "{summary}");

    // The namespace's publisher reads it in the event log like any event of `labs`.
    let log = lab.session.get("/api/v1/events?limit=100").await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert!(
        log.json()["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "release_notes.published"),
        "{}",
        log.text
    );

    // invoke: the latest notes of a plugin, newest first; a preview of any text.
    let out = output(&lab.plugins, &id, json!({"plugin": "labs.kanban"})).await;
    let versions: Vec<&str> = out["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.1.0", "1.0.0"], "{out}");
    let out = output(&lab.plugins, &id, json!({"plugin": "labs.other"})).await;
    assert_eq!(out["notes"], json!([]));
    let out = output(
        &lab.plugins,
        &id,
        json!({"changelog": "## 2.0.0\n### Removed\n- The old API\n", "version": "2.0.0"}),
    )
    .await;
    assert_eq!(out["sections"][0]["name"], "Removed", "{out}");

    let h = wait_health(
        &lab.plugins,
        &id,
        |h| h["reported_status"] == "ok",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        h["reported_message"]
            .as_str()
            .is_some_and(|m| m.contains("labs.kanban")),
        "{h}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_guard_flags_abusive_reviews_only_and_never_reads_hidden_ones() {
    let o = official_app(&[], &[]).await;
    let (app, lab) = (&o.app, &o.lab);
    let id = install_configured(
        &lab.plugins,
        "labs",
        "trellis.review-guard",
        json!({"extra_terms": ["garbage fire"], "threshold": 3}),
        json!({}),
    )
    .await;
    publish_ok(&lab.publish, &kanban("1.0.0")).await;

    let bob = app.user("bob").await;
    let carol = app.user("carol").await;
    let bad = review(
        &bob,
        "GARBAGE FIRE",
        "THE AUTHOR IS AN 1D10T. TOTALLY USELESS!!!!!! BUY NOW AT WWW.CHEAP-DEALS.XYZ",
    )
    .await;
    let good = review(
        &carol,
        "Solid",
        "Works well with our boards; setup took five minutes.",
    )
    .await;

    let e = wait_event(app, "review.flagged", |d| d["review_id"] == bad).await;
    assert_eq!(e["workspace"], "labs", "{e}");
    let d = &e["data"];
    assert_eq!(d["plugin"], "labs.kanban");
    assert!(d["score"].as_f64().unwrap() >= 3.0, "{d}");
    let reasons = d["reasons"].to_string();
    for r in [
        "idiot",
        "garbage fire",
        "shouting",
        "repeated",
        "link",
        "buy now",
    ] {
        assert!(reasons.contains(r), "{r} not in {reasons}");
    }
    // Both were checked, only one flagged.
    eventually_within("both reviews checked", 30, || async {
        output(&lab.plugins, &id, json!({})).await["checked"] == 2
    })
    .await;
    assert!(emitted(app, "review.flagged")
        .await
        .iter()
        .all(|e| e["data"]["review_id"] != good));
    assert_eq!(output(&lab.plugins, &id, json!({})).await["flagged"], 1);

    // A moderator hides the clean one; its author edits it: the guard may not
    // read it any more (not_found), so it is skipped, not scored.
    let root = app.admin("ruth").await;
    let r = send_json(
        &root,
        "PUT",
        &format!("/api/v1/plugins/labs.kanban/reviews/{good}/hidden"),
        json!({"reason": "Testing."}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.text);
    let r = send_json(
        &carol,
        "PATCH",
        &format!("/api/v1/plugins/labs.kanban/reviews/{good}"),
        json!({"text": "You are all morons and idiots, this is shit."}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    eventually_within("the hidden review skipped", 30, || async {
        output(&lab.plugins, &id, json!({})).await["skipped"] == 1
    })
    .await;
    let counts = output(&lab.plugins, &id, json!({})).await;
    assert_eq!(
        (counts["checked"].clone(), counts["flagged"].clone()),
        (json!(2), json!(1))
    );

    // invoke scores any text with the installation's settings.
    let out = output(&lab.plugins, &id, json!({"text": "what a moooron"})).await;
    assert_eq!(out["score"], 2.0, "{out}");
    assert_eq!(out["flagged"], false);
    let out = output(
        &lab.plugins,
        &id,
        json!({"text": "a g4rbage fire by a fuck1ng idiot"}),
    )
    .await;
    assert_eq!(out["flagged"], true, "{out}");
    let out = output(
        &lab.plugins,
        &id,
        json!({"text": "Scunthorpe class assessment"}),
    )
    .await;
    assert_eq!(out["score"], 0.0, "{out}");

    let h = health(&lab.plugins, &id).await;
    assert_eq!(h["reported_status"], "ok", "{h}");
    assert!(
        h["reported_message"]
            .as_str()
            .is_some_and(|m| m.contains("2 reviews checked, 1 flagged")),
        "{h}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_suggester_suggests_what_a_new_plugin_does_not_list_yet() {
    let o = official_app(&[], &[]).await;
    let (app, lab) = (&o.app, &o.lab);
    let id = install_configured(
        &lab.plugins,
        "labs",
        "trellis.tag-suggester",
        json!({"max_suggestions": 4}),
        json!({}),
    )
    .await;
    publish_ok(&lab.publish, &kanban("1.0.0")).await;

    let e = wait_event(app, "plugin.tags_suggested", |d| {
        d["plugin"] == "labs.kanban"
    })
    .await;
    let d = &e["data"];
    assert_eq!(d["version"], "1.0.0", "{d}");
    let keywords: Vec<&str> = d["suggested_keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(keywords.len() <= 4, "{d}");
    assert!(
        keywords.contains(&"card") && keywords.contains(&"board"),
        "{d}"
    );
    // Not what it lists already, nor stopwords or its own namespace.
    for no in ["kanban", "the", "and", "labs", "plugin"] {
        assert!(!keywords.contains(&no), "{no} in {d}");
    }
    let categories = d["suggested_categories"].to_string();
    assert!(categories.contains("productivity"), "{d}");
    assert!(categories.contains("communication"), "{d}");

    // invoke: for a plugin (nothing emitted) and for any text.
    let before = emitted(app, "plugin.tags_suggested").await.len();
    let out = output(&lab.plugins, &id, json!({"plugin": "labs.kanban"})).await;
    assert_eq!(out["suggested_keywords"], d["suggested_keywords"], "{out}");
    assert_eq!(emitted(app, "plugin.tags_suggested").await.len(), before);
    let out = output(
        &lab.plugins,
        &id,
        json!({"text": "Alerts on incidents: uptime alerts, latency alerts, incident pages."}),
    )
    .await;
    assert_eq!(out["suggested_categories"][0], "monitoring", "{out}");
    assert_eq!(out["suggested_keywords"][0], "alert", "{out}");
    let out = output(&lab.plugins, &id, json!({"plugin": "labs.nothing"})).await;
    assert!(
        out["error"].as_str().unwrap().contains("not found"),
        "{out}"
    );

    let h = health(&lab.plugins, &id).await;
    assert_eq!(h["reported_status"], "ok", "{h}");
}

/// review-guard's module under another id whose manifest does not ask for
/// `read_registry`.
fn guard_without_permission() -> Pkg {
    let dir = trellis_runtime::testkit::plugins_dir().join("official/review-guard");
    let manifest = std::fs::read_to_string(dir.join("plugin.toml"))
        .unwrap()
        .replace("trellis.review-guard", "labs.guard-nop")
        .replace(", \"read_registry\"", "");
    assert!(!manifest.contains("read_registry"));
    Pkg::new("labs.guard-nop", "1.0.0")
        .file("plugin.toml", manifest)
        .file(
            "config.schema.json",
            std::fs::read(dir.join("config.schema.json")).unwrap(),
        )
        .file(
            "plugin.wasm",
            trellis_runtime::testkit::wasm("trellis-review-guard"),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_registry_needs_the_permission() {
    let o = official_app(&[], &[]).await;
    let (app, lab) = (&o.app, &o.lab);
    publish_ok(&lab.publish, &kanban("1.0.0")).await;
    publish_ok(&lab.publish, &guard_without_permission()).await;
    let id = install_configured(&lab.plugins, "labs", "labs.guard-nop", json!({}), json!({})).await;
    // invoke never reads the registry: it still works.
    let out = output(&lab.plugins, &id, json!({"text": "fine"})).await;
    assert_eq!(out["flagged"], false, "{out}");
    let bob = app.user("bob").await;
    review(&bob, "Fine", "Does the job.").await;
    eventually_within("the refused read in the log", 30, || async {
        log_lines(&lab.plugins, &id)
            .await
            .iter()
            .any(|l| l.contains("violation") && l.contains("not granted: `read_registry`"))
    })
    .await;
    assert!(emitted(app, "review.flagged").await.is_empty());
}
