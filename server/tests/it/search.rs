//! Discovery through the router: `GET /api/v1/search` and `/search/suggest` over
//! the index this process keeps current by following the event log. Publishing,
//! yanking, deprecating, deleting and downloads show in search; typos, prefixes,
//! facets, filters and sorts work; bad input is a clear 400; the index resumes
//! after a restart and is rebuilt when it is corrupt or missing.

use std::time::Instant;

use serde_json::{json, Value};

use crate::harness::{eventually, TestApp};
use crate::registry_support::{download, flush, publish_ok, publisher, send_empty, send_json, Pkg};

/// A package of `id` with a display name, description, kind and keywords.
fn pkg(
    id: &str,
    version: &str,
    display: &str,
    description: &str,
    kind: &str,
    keywords: &[&str],
) -> Pkg {
    let kw: Vec<String> = keywords.iter().map(|k| format!("\"{k}\"")).collect();
    let manifest = format!(
        "schema_version = 1\n\n[plugin]\nid = \"{id}\"\ndisplay_name = \"{display}\"\nversion = \"{version}\"\n\
         kind = \"{kind}\"\ndescription = \"{description}\"\nlicense = \"MIT\"\napi = \"^1\"\n\
         categories = [\"productivity\"]\nkeywords = [{}]\n\n\
         [runtime]\nentry = \"plugin.wasm\"\nexports = [\"run\"]\n",
        kw.join(", ")
    );
    Pkg::new(id, version).file("plugin.toml", manifest)
}

async fn search(app: &TestApp, query: &str) -> Value {
    let r = app.client().get(&format!("/api/v1/search?{query}")).await;
    assert_eq!(r.status, 200, "search {query}: {}", r.text);
    r.json()
}

fn ids(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until the search `query` satisfies `check`; returns the last answer.
async fn until(app: &TestApp, query: &str, check: impl Fn(&Value) -> bool) -> Value {
    let last = std::sync::Mutex::new(Value::Null);
    eventually(&format!("search `{query}`"), || async {
        let v = search(app, query).await;
        let ok = check(&v);
        *last.lock().unwrap() = v;
        ok
    })
    .await;
    last.into_inner().unwrap()
}

async fn seed(app: &TestApp) -> crate::harness::Client {
    let (_, t) = publisher(app, "alice", "acme").await;
    publish_ok(
        &t,
        &pkg(
            "acme.kanban-board",
            "1.0.0",
            "Kanban Board",
            "Plan work on boards with cards and lanes.",
            "tool",
            &["kanban", "tasks"],
        ),
    )
    .await;
    publish_ok(
        &t,
        &pkg(
            "acme.calendar",
            "1.0.0",
            "Calendar",
            "A calendar view of your daily notes.",
            "integration",
            &["calendar", "dates"],
        ),
    )
    .await;
    publish_ok(
        &t,
        &pkg(
            "acme.mind-map",
            "1.0.0",
            "Mind Map",
            "Draw mind maps from outlines.",
            "agent",
            &["diagram"],
        ),
    )
    .await;
    t
}

#[tokio::test]
async fn published_plugins_are_found_with_typos_prefixes_and_splits() {
    let app = TestApp::new().await;
    let started = Instant::now();
    seed(&app).await;
    until(&app, "q=kanbn", |v| {
        ids(v).first().map(String::as_str) == Some("acme.kanban-board")
    })
    .await;
    println!("published to searchable: {:?}", started.elapsed());
    // The index follows the log in batches: the later plugins may come a moment after.
    until(&app, "", |v| v["total"] == 3).await;
    let v = search(&app, "q=calender").await;
    assert_eq!(ids(&v)[0], "acme.calendar");
    assert_eq!(v["did_you_mean"], "calendar");
    assert_eq!(ids(&search(&app, "q=kanb").await)[0], "acme.kanban-board");
    assert_eq!(ids(&search(&app, "q=mindmap").await)[0], "acme.mind-map");
    // Highlights are plain text pieces, the matched words marked.
    let v = search(&app, "q=calendar").await;
    let parts = v["hits"][0]["highlights"]["display_name"]
        .as_array()
        .unwrap();
    assert!(
        parts
            .iter()
            .any(|p| p["hit"] == true && p["text"] == "Calendar"),
        "{parts:?}"
    );
    // Explain: the components add up to the score.
    let v = search(&app, "q=calendar&explain=true").await;
    let e = &v["hits"][0]["explain"];
    let sum: f64 = e["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_f64().unwrap())
        .sum();
    assert!((sum - e["score"].as_f64().unwrap()).abs() < 1e-3, "{e}");
    // Autocomplete.
    let s = app
        .client()
        .get("/api/v1/search/suggest?q=kan")
        .await
        .json();
    assert_eq!(s["suggestions"][0]["id"], "acme.kanban-board", "{s}");
    let s = app
        .client()
        .get("/api/v1/search/suggest?q=kanbn")
        .await
        .json();
    assert_eq!(s["suggestions"][0]["id"], "acme.kanban-board", "{s}");
    app.stop().await;
}

#[tokio::test]
async fn facets_filters_and_sorts() {
    let app = TestApp::new().await;
    seed(&app).await;
    until(&app, "", |v| v["total"] == 3).await;
    let v = search(&app, "kind=tool").await;
    assert_eq!(ids(&v), ["acme.kanban-board"]);
    // The kind facet still counts the other kinds (disjunctive counts).
    let kinds = v["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "kind")
        .unwrap();
    let count = |k: &str| {
        kinds["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["value"] == k)
            .map(|x| x["count"].as_u64().unwrap())
    };
    assert_eq!(
        (count("tool"), count("agent"), count("integration")),
        (Some(1), Some(1), Some(1)),
        "{kinds}"
    );
    assert_eq!(search(&app, "kind=tool&kind=agent").await["total"], 2);
    assert_eq!(search(&app, "keyword=calendar").await["total"], 1);
    assert_eq!(
        search(&app, "namespace=acme&category=productivity").await["total"],
        3
    );
    assert_eq!(search(&app, "namespace=nobody").await["total"], 0);
    assert_eq!(search(&app, "license=MIT").await["total"], 3);
    assert_eq!(search(&app, "api=1.0").await["total"], 3);
    assert_eq!(
        ids(&search(&app, "sort=name").await),
        ["acme.calendar", "acme.kanban-board", "acme.mind-map"]
    );
    for sort in [
        "relevance",
        "downloads",
        "recent_downloads",
        "rating",
        "updated",
        "newest",
        "name",
    ] {
        assert_eq!(
            search(&app, &format!("sort={sort}")).await["total"],
            3,
            "{sort}"
        );
    }
    // Paging: linkable pages, an empty page past the end.
    let p2 = search(&app, "sort=name&limit=2&page=2").await;
    assert_eq!(ids(&p2), ["acme.mind-map"]);
    let p9 = search(&app, "sort=name&limit=2&page=9").await;
    assert!(ids(&p9).is_empty() && p9["total"] == 3);
    app.stop().await;
}

#[tokio::test]
async fn changes_show_in_search() {
    let app = TestApp::new().await;
    let t = seed(&app).await;
    until(&app, "q=calendar", |v| {
        ids(v).contains(&"acme.calendar".into())
    })
    .await;
    // Deprecated: still found, marked.
    send_json(
        &t,
        "PUT",
        "/api/v1/plugins/acme.calendar/deprecation",
        json!({"reason": "use another"}),
    )
    .await;
    until(&app, "q=calendar", |v| v["hits"][0]["deprecated"] == true).await;
    // A new version: the latest version changes; yanking it changes it back.
    publish_ok(
        &t,
        &pkg(
            "acme.calendar",
            "1.1.0",
            "Calendar",
            "A calendar view of your daily notes.",
            "integration",
            &["calendar"],
        ),
    )
    .await;
    until(&app, "q=calendar", |v| {
        v["hits"][0]["latest_version"] == "1.1.0"
    })
    .await;
    send_empty(
        &t,
        "PUT",
        "/api/v1/plugins/acme.calendar/versions/1.1.0/yank",
    )
    .await;
    until(&app, "q=calendar", |v| {
        v["hits"][0]["latest_version"] == "1.0.0"
    })
    .await;
    // Downloads, once flushed, count.
    download(&app.client(), "acme.kanban-board", "1.0.0").await;
    flush(&app).await;
    until(&app, "q=kanban", |v| v["hits"][0]["downloads"] == 1).await;
    // Deleted (never downloaded): gone.
    let r = send_empty(&t, "DELETE", "/api/v1/plugins/acme.mind-map").await;
    assert_eq!(r.status, 204, "{}", r.text);
    until(&app, "", |v| v["total"] == 2).await;
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_clear_400_and_odd_input_a_result() {
    let app = TestApp::new().await;
    seed(&app).await;
    let c = app.client();
    for q in [
        format!("q={}", "x".repeat(201)),
        "sort=best".into(),
        "sort=".into(),
        "page=".into(),
        "kind=theme".into(),
        "page=0".into(),
        "limit=1000".into(),
        "page=1000&limit=100".into(),
        "explain=maybe".into(),
        "colour=red".into(),
        "api=banana".into(),
    ] {
        let r = c.get(&format!("/api/v1/search?{q}")).await;
        let p = r.problem(400, "bad_request");
        assert!(p["detail"].as_str().unwrap().len() > 10, "{q}: {p}");
    }
    for q in [
        "%22kanban",
        "a%3Ab",
        "%5B%5D%7B%7D",
        "%5C%5C",
        "%F0%9F%A6%80",
        "%E6%97%A5%E6%9C%AC",
        "AND%20OR%20NOT",
        "-",
        "*",
        "%22%22",
    ] {
        let r = c.get(&format!("/api/v1/search?q={q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text);
        let r = c.get(&format!("/api/v1/search/suggest?q={q}")).await;
        assert_eq!(r.status, 200, "{q}: {}", r.text);
    }
    c.get(&format!("/api/v1/search/suggest?q={}", "y".repeat(101)))
        .await
        .problem(400, "bad_request");
    c.get("/api/v1/search/suggest")
        .await
        .problem(400, "bad_request");
    app.stop().await;
}

#[tokio::test]
async fn the_index_resumes_after_a_restart_and_is_rebuilt_when_corrupt() {
    let app = TestApp::new().await;
    let t = seed(&app).await;
    until(&app, "", |v| v["total"] == 3).await;
    drop(t);
    let saved = app.saved();
    let index = saved.dir.path().join("search-index");
    app.stop().await;
    // Resumes: what is published while it is down is found after the restart.
    let app = TestApp::again(&saved).await;
    assert_eq!(search(&app, "").await["total"], 3);
    let (_, t) = publisher(&app, "bob", "bobs").await;
    publish_ok(
        &t,
        &pkg(
            "bobs.timer",
            "1.0.0",
            "Pomodoro Timer",
            "Focus in intervals.",
            "tool",
            &[],
        ),
    )
    .await;
    until(&app, "q=pomodoro", |v| v["total"] == 1).await;
    drop(t);
    app.stop().await;
    // Corrupt: the index is rebuilt from the database at start.
    for f in std::fs::read_dir(&index).unwrap().flatten() {
        if f.path().extension().is_some_and(|e| e == "json") {
            std::fs::write(f.path(), b"{ not json").unwrap();
        }
    }
    let app = TestApp::again(&saved).await;
    assert_eq!(search(&app, "").await["total"], 4);
    app.stop().await;
    // Missing: the same.
    std::fs::remove_dir_all(&index).unwrap();
    let app = TestApp::again(&saved).await;
    assert_eq!(search(&app, "q=pomodoro").await["total"], 1);
    app.stop().await;
}

#[tokio::test]
async fn two_nodes_on_one_database_each_keep_their_index_current() {
    let a = TestApp::new().await;
    // A second node on the same database and data directory: the first holds the
    // index directory, so this one keeps its own index in memory.
    let b = a.restart().await;
    let (_, t) = publisher(&a, "alice", "acme").await;
    publish_ok(
        &t,
        &pkg(
            "acme.pdf-tools",
            "1.0.0",
            "PDF Tools",
            "Annotate PDF files.",
            "tool",
            &["pdf"],
        ),
    )
    .await;
    until(&a, "q=pdf", |v| v["total"] == 1).await;
    until(&b, "q=pdf", |v| v["total"] == 1).await;
    // A change written through the second node shows on the first.
    let tb = b.bearer(t.bearer.as_deref().expect("a token client"));
    send_json(
        &tb,
        "PUT",
        "/api/v1/plugins/acme.pdf-tools/deprecation",
        json!({"reason": "merged"}),
    )
    .await;
    until(&a, "q=pdf", |v| v["hits"][0]["deprecated"] == true).await;
    until(&b, "q=pdf", |v| v["hits"][0]["deprecated"] == true).await;
    b.stop().await;
    a.stop().await;
}
