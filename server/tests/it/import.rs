//! Catalogue import (`trellis import`, the demo seed): plugins and their catalogue
//! versions as the API shows them, idempotency (no change, no event), bad lines
//! reported by number, the mapping of awkward catalogue ids, catalogue entries that
//! cannot be downloaded or installed, the seed of a fresh instance, the
//! `plugin.stats.updated` events of a download flush, and the search documents.

use serde_json::{json, Value};
use trellis_db::sqlx::{self, Row};
use trellis_platform::registry::import::{self, ImportOptions, ImportSummary};

use crate::cli::run;
use crate::harness::{fresh_env, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, Pkg};

const SOURCE: &str = "example/awesome-list";

/// A catalogue line.
fn line(id: &str, summary: &str, versions: Value) -> String {
    json!({
        "id": id, "name": id, "summary": summary, "author": "someone",
        "categories": ["Editing Support", "Search"], "tags": ["Lua", "lua", "UI"],
        "repository": format!("https://github.com/{id}"), "downloads_total": null,
        "versions": versions, "source": SOURCE,
    })
    .to_string()
}

fn fixture() -> Vec<String> {
    vec![
        line(
            "folke/lazy.nvim",
            "A plugin manager.",
            json!([{"version": "1.0.0", "downloads": 10}, {"version": "v1.1", "downloads": 5},
                   {"version": "2.0.0-rc.1", "downloads": 1}, {"version": "latest", "downloads": 7}]),
        ),
        line("nvim-tree/nvim-tree.lua", "A file explorer.", json!([])),
    ]
}

async fn import_lines(app: &TestApp, lines: &[String], demo: bool) -> ImportSummary {
    let text = lines.join("\n");
    let opts = ImportOptions {
        namespace: "catalogue".into(),
        demo,
        owner: None,
    };
    import::import(&app.state, text.as_bytes(), &opts)
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get::<i64, _>("n")
}

async fn events_of(app: &TestApp, kind: &str) -> i64 {
    count(
        app,
        &format!("SELECT COUNT(*) AS n FROM events WHERE type = '{kind}'"),
    )
    .await
}

#[tokio::test]
async fn imported_plugins_show_their_origin_versions_and_downloads() {
    let app = TestApp::new().await;
    let s = import_lines(&app, &fixture(), true).await;
    assert!(s.namespace_created);
    assert_eq!((s.created, s.updated, s.unchanged, s.skipped), (2, 0, 0, 0));
    assert_eq!((s.versions_normalised, s.versions_skipped), (1, 1));

    let p = app
        .client()
        .get("/api/v1/plugins/catalogue.folke-lazy-nvim")
        .await
        .json();
    assert_eq!(p["demo"], true);
    assert_eq!(p["source"], SOURCE);
    assert_eq!(p["author"], "someone");
    assert_eq!(p["display_name"], "folke/lazy.nvim");
    assert_eq!(p["description"], "A plugin manager.");
    assert_eq!(p["kind"], "integration");
    assert_eq!(p["license"], "NOASSERTION");
    assert_eq!(p["categories"], json!(["editing-support", "search"]));
    assert_eq!(p["keywords"], json!(["lua", "ui"]));
    assert_eq!(
        p["latest_version"], "1.1.0",
        "pre-releases are never latest"
    );
    assert_eq!(p["downloads"], 16);

    let versions = app
        .client()
        .get("/api/v1/plugins/catalogue.folke-lazy-nvim/versions")
        .await
        .json();
    let got: Vec<(String, i64, bool)> = versions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_owned(),
                v["downloads"].as_i64().unwrap(),
                v["imported"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2.0.0-rc.1".into(), 1, true),
            ("1.1.0".into(), 5, true),
            ("1.0.0".into(), 10, true)
        ]
    );
    let stats = app
        .client()
        .get("/api/v1/plugins/catalogue.folke-lazy-nvim/downloads")
        .await
        .json();
    assert_eq!(
        (stats["total"].as_i64(), stats["imported"].as_i64()),
        (Some(16), Some(16))
    );

    let empty = app
        .client()
        .get("/api/v1/plugins/catalogue.nvim-tree-nvim-tree-lua")
        .await
        .json();
    assert_eq!(empty["latest_version"], Value::Null);
    assert_eq!(events_of(&app, "plugin.imported").await, 2);
    assert_eq!(events_of(&app, "namespace.created").await, 1);

    // The catalogue category is listed with its plugins; Trellis's own stay listed.
    let cats = app.client().get("/api/v1/categories").await.json();
    let items = cats["data"].as_array().unwrap();
    let find = |slug: &str| items.iter().find(|c| c["slug"] == slug).cloned();
    let editing = find("editing-support").expect("catalogue category listed");
    assert_eq!(
        (
            editing["name"].clone(),
            editing["plugins"].clone(),
            editing["catalogue"].clone()
        ),
        (json!("Editing Support"), json!(2), json!(true))
    );
    assert_eq!(find("search").unwrap()["plugins"], 2);
    assert_eq!(find("automation").unwrap()["plugins"], 0);
}

#[tokio::test]
async fn a_second_import_changes_nothing_and_a_changed_line_updates() {
    let app = TestApp::new().await;
    import_lines(&app, &fixture(), false).await;
    let events = count(&app, "SELECT COUNT(*) AS n FROM events").await;

    let again = import_lines(&app, &fixture(), false).await;
    assert!(!again.namespace_created);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM events").await,
        events
    );

    let mut changed = fixture();
    changed[0] = line(
        "folke/lazy.nvim",
        "A modern plugin manager.",
        json!([{"version": "1.0.0", "downloads": 12}, {"version": "3.0.0", "downloads": 1}]),
    );
    let s = import_lines(&app, &changed, false).await;
    assert_eq!((s.created, s.updated, s.unchanged), (0, 1, 1));
    assert_eq!(events_of(&app, "plugin.imported").await, 3);
    let p = app
        .client()
        .get("/api/v1/plugins/catalogue.folke-lazy-nvim")
        .await
        .json();
    assert_eq!(p["description"], "A modern plugin manager.");
    assert_eq!(p["latest_version"], "3.0.0");
    assert_eq!(p["downloads"], 13, "versions gone from the catalogue go");
    let last: String =
        sqlx::query("SELECT data FROM events WHERE type = 'plugin.imported' ORDER BY seq DESC")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap()
            .get("data");
    let data: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(
        data,
        json!({"plugin": "catalogue.folke-lazy-nvim", "namespace": "catalogue", "source": SOURCE,
               "external_id": "folke/lazy.nvim", "versions": 2, "created": false})
    );
}

#[tokio::test]
async fn bad_lines_are_reported_by_number_and_the_rest_is_imported() {
    let app = TestApp::new().await;
    let lines = vec![
        line("good/one", "First.", json!([])),
        "{not json".to_owned(),
        String::new(),
        json!({"id": "no-source"}).to_string(),
        line("good/one", "Twice.", json!([])),
        line("good/two", "Second.", json!([])),
    ];
    let s = import_lines(&app, &lines, false).await;
    assert_eq!((s.created, s.skipped), (2, 3));
    let lines: Vec<usize> = s.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [2, 4, 5]);
    assert!(
        s.problems[0].message.contains("not a catalogue entry"),
        "{:?}",
        s.problems
    );
    assert!(s.problems[1].message.contains("source"));
    assert!(s.problems[2].message.contains("earlier line"));
    assert_eq!(
        app.client()
            .get("/api/v1/plugins/catalogue.good-two")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn awkward_ids_map_to_valid_names_that_stay_put() {
    let app = TestApp::new().await;
    let ids = [
        "Foo",
        "foo",
        "a/b.c",
        "3d-Graph",
        "ObsidianAnkiSync",
        "x",
        "FOO",
    ];
    let lines: Vec<String> = ids.iter().map(|id| line(id, "", json!([]))).collect();
    import_lines(&app, &lines, false).await;
    let names = || async {
        let rows = sqlx::query("SELECT external_id, id FROM plugins ORDER BY external_id")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
        rows.iter()
            .map(|r| (r.get::<String, _>("external_id"), r.get::<String, _>("id")))
            .collect::<Vec<_>>()
    };
    let want: Vec<(String, String)> = [
        ("3d-Graph", "catalogue.p-3d-graph"),
        ("FOO", "catalogue.foo-3"),
        ("Foo", "catalogue.foo"),
        ("ObsidianAnkiSync", "catalogue.obsidian-anki-sync"),
        ("a/b.c", "catalogue.a-b-c"),
        ("foo", "catalogue.foo-2"),
        ("x", "catalogue.x-plugin"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(names().await, want);
    for (_, id) in &want {
        id.parse::<trellis_registry::PluginId>().unwrap();
    }
    // In another order, and changed: found by catalogue id, never renamed.
    let lines: Vec<String> = ids
        .iter()
        .rev()
        .map(|id| line(id, "changed", json!([])))
        .collect();
    let s = import_lines(&app, &lines, false).await;
    assert_eq!((s.created, s.updated), (0, 7));
    assert_eq!(names().await, want);
}

#[tokio::test]
async fn catalogue_versions_cannot_be_downloaded_or_installed() {
    let app = TestApp::new().await;
    import_lines(&app, &fixture(), false).await;
    let r = download(&app.client(), "catalogue.folke-lazy-nvim", "1.0.0").await;
    let p = r.problem(404, "not_found");
    assert_eq!(p["errors"][0]["code"], "no_package");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("catalogue entry imported from example/awesome-list")
            && detail.contains("no package to download"),
        "{detail}"
    );
    let r = app
        .client()
        .post_json(
            "/api/v1/resolve",
            json!({"plugins": [{"id": "catalogue.folke-lazy-nvim"}]}),
        )
        .await;
    let p = r.problem(422, "resolution_failed");
    assert_eq!(p["errors"][0]["code"], "no_package");
    // Never counted, never marked as downloaded.
    flush(&app).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM version_downloads_daily").await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM plugins WHERE first_download_at IS NOT NULL"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_fresh_instance_is_seeded_once_and_only_when_enabled() {
    let off = TestApp::new().await;
    trellis_server::startup::seed_demo(&off.state).await;
    assert_eq!(count(&off, "SELECT COUNT(*) AS n FROM plugins").await, 0);

    let app = TestApp::with_env(&[("TRELLIS_DEMO__SEED", "true")]).await;
    trellis_server::startup::seed_demo(&app.state).await;
    let n = count(&app, "SELECT COUNT(*) AS n FROM plugins WHERE demo = 1").await;
    assert_eq!(n, 1419, "the whole demo catalogue");
    let p = app
        .client()
        .get("/api/v1/plugins/neovim.folke-lazy-nvim")
        .await
        .json();
    assert_eq!(p["demo"], true);
    assert_eq!(p["source"], "rockerBOO/awesome-neovim");
    assert_eq!(p["author"], "folke");

    // Not fresh any more: a restart seeds nothing, and writes no event.
    let events = count(&app, "SELECT COUNT(*) AS n FROM events").await;
    trellis_server::startup::seed_demo(&app.restart().await.state).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM events").await,
        events
    );

    // An instance with a namespace of its own is not fresh either.
    let used = TestApp::with_env(&[("TRELLIS_DEMO__SEED", "true")]).await;
    used.publisher("alice", "acme").await;
    trellis_server::startup::seed_demo(&used.state).await;
    assert_eq!(count(&used, "SELECT COUNT(*) AS n FROM plugins").await, 0);
}

#[tokio::test]
async fn a_download_flush_writes_plugin_stats_updated() {
    let app = TestApp::new().await;
    let (_, token) = publisher(&app, "alice", "acme").await;
    publish_ok(&token, &Pkg::new("acme.hello", "0.1.0")).await;
    publish_ok(&token, &Pkg::new("acme.hello", "0.2.0")).await;
    for v in ["0.1.0", "0.2.0", "0.2.0"] {
        assert_eq!(download(&app.client(), "acme.hello", v).await.status, 200);
    }
    flush(&app).await;
    let rows = sqlx::query(
        "SELECT subject_id, namespace, data FROM events WHERE type = 'plugin.stats.updated'",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one event per plugin per flush");
    assert_eq!(rows[0].get::<String, _>("subject_id"), "acme.hello");
    assert_eq!(
        rows[0].get::<Option<String>, _>("namespace").as_deref(),
        Some("acme")
    );
    let data: Value = serde_json::from_str(&rows[0].get::<String, _>("data")).unwrap();
    assert_eq!(
        data,
        json!({"plugin": "acme.hello", "namespace": "acme", "downloads": 3})
    );
    flush(&app).await;
    assert_eq!(
        events_of(&app, "plugin.stats.updated").await,
        1,
        "an empty flush writes none"
    );
}

#[tokio::test]
async fn search_documents_sum_imported_daily_and_recent_downloads() {
    let app = TestApp::new().await;
    import_lines(&app, &fixture(), true).await;
    let (_, token) = publisher(&app, "alice", "acme").await;
    publish_ok(
        &token,
        &Pkg::new("acme.hello", "0.1.0").file("README.md", "# Hello\n\nWorld."),
    )
    .await;
    download(&app.client(), "acme.hello", "0.1.0").await;
    flush(&app).await;
    // An old day: in the total, not in the recent downloads.
    sqlx::query("INSERT INTO version_downloads_daily (plugin_id, version, day, downloads) VALUES ('acme.hello', '0.1.0', '2001-01-01', 40)")
        .execute(app.state.db.pool())
        .await
        .unwrap();

    let mut c = app.state.db.conn().await.unwrap();
    let ids = vec![
        "catalogue.folke-lazy-nvim".to_owned(),
        "acme.hello".to_owned(),
        "nobody.nothing".to_owned(),
    ];
    let docs = trellis_platform::registry::search_docs(&mut c, &ids)
        .await
        .unwrap();
    assert_eq!(docs.len(), 2);
    let (hello, lazy) = (&docs[0], &docs[1]);
    assert_eq!(hello.id, "acme.hello");
    assert_eq!((hello.downloads_total, hello.downloads_recent), (41, 1));
    assert_eq!(hello.api_req.as_deref(), Some("^1"));
    assert!(
        hello.readme_html.contains("World."),
        "{}",
        hello.readme_html
    );
    assert!(!hello.demo && !hello.deprecated);
    assert_eq!(lazy.namespace, "catalogue");
    assert_eq!((lazy.downloads_total, lazy.downloads_recent), (16, 0));
    assert_eq!(lazy.api_req, None, "catalogue entries have no API range");
    assert_eq!(lazy.readme_html, "");
    assert_eq!(lazy.categories, ["editing-support", "search"]);
    assert_eq!(lazy.category_labels, ["Editing Support", "Search"]);
    assert_eq!(lazy.keywords, ["lua", "ui"]);
    assert_eq!(lazy.latest_version.as_deref(), Some("1.1.0"));
    assert!(lazy.demo);

    // Paging walks every plugin once, by id.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = trellis_platform::registry::search_docs_page(&mut c, after.as_deref(), 2)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        seen.extend(page.into_iter().map(|d| d.id));
    }
    assert_eq!(
        seen,
        [
            "acme.hello",
            "catalogue.folke-lazy-nvim",
            "catalogue.nvim-tree-nvim-tree-lua"
        ]
    );
}

#[tokio::test]
async fn the_import_command_reports_what_it_did_and_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let env = fresh_env(dir.path()).await;
    let file = dir.path().join("catalogue.jsonl");
    std::fs::write(&file, fixture().join("\n") + "\n{oops\n").unwrap();
    let f = file.to_str().unwrap();

    let out = run(
        &env,
        &["import", f, "--namespace", "catalogue", "--demo"],
        None,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("2 created, 0 updated, 0 unchanged, 1 lines skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: skipped"), "{stdout}");
    let out = run(&env, &["import", f, "--namespace", "catalogue"], None);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 created, 2 updated"),
        "demo off: updated"
    );

    let missing = run(
        &env,
        &["import", "/nonexistent/x.jsonl", "--namespace", "catalogue"],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("Cannot open `/nonexistent/x.jsonl`"));
    let reserved = run(&env, &["import", f, "--namespace", "admin"], None);
    assert_eq!(reserved.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&reserved.stderr).contains("is reserved"));
}
