//! Download counting: nothing is written on the request path; the in-memory
//! counter is flushed (by `flush`, the periodic task or shutdown) into per-day
//! counts and distinct installs that survive a restart.

use trellis_db::sqlx::{self, Row};

use crate::harness::TestApp;
use crate::registry_support::{download, flush, publish_ok, publisher, Pkg};

async fn stored_rows(app: &TestApp) -> i64 {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM version_downloads_daily")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    row.get::<i64, _>("n")
}

#[tokio::test]
async fn downloads_are_counted_in_memory_flushed_and_survive_a_restart() {
    let app = TestApp::new().await;
    let (alice, alice_token) = publisher(&app, "alice", "acme").await;
    let bob = app.user("bob").await;
    publish_ok(&alice_token, &Pkg::new("acme.hello", "0.1.0")).await;
    publish_ok(&alice_token, &Pkg::new("acme.hello", "0.2.0")).await;

    for c in [&alice, &alice, &bob, &app.client()] {
        assert_eq!(download(c, "acme.hello", "0.1.0").await.status, 200);
    }
    assert_eq!(
        download(&alice_token, "acme.hello", "0.2.0").await.status,
        200
    );

    // No database write on the download path: nothing is stored before a flush
    // (but the day's salt for installer keys, made by the day's first download).
    assert_eq!(stored_rows(&app).await, 0);
    for table in ["plugin_installs", "install_keys", "plugin_installs_daily"] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table}"
        )))
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
        .get("n");
        assert_eq!(n, 0, "{table}");
    }
    let before = app
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(before["total"], 0);

    flush(&app).await;
    assert_eq!(stored_rows(&app).await, 2);
    let today = trellis_platform::registry::downloads::today();
    let stats = app
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(stats["total"], 5);
    assert_eq!(
        stats["installs"], 2,
        "alice (session and token) and bob; anonymous downloads are not installs"
    );
    assert_eq!(
        stats["days"][0],
        serde_json::json!({"version": "0.1.0", "day": today, "downloads": 4})
    );
    assert_eq!(stats["days"][1]["downloads"], 1);

    // A second flush adds to what is stored.
    download(&bob, "acme.hello", "0.1.0").await;
    flush(&app).await;
    flush(&app).await;

    let again = app.restart().await;
    let stats = again
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(stats["total"], 6);
    assert_eq!(stats["installs"], 2);
    let p = again
        .client()
        .get("/api/v1/plugins/acme.hello")
        .await
        .json();
    assert_eq!(p["downloads"], 6);
    assert_eq!(p["installs"], 2);
    let vs = again
        .client()
        .get("/api/v1/plugins/acme.hello/versions")
        .await
        .json();
    assert_eq!(vs["data"][0]["version"], "0.2.0");
    assert_eq!(vs["data"][0]["downloads"], 1);
    assert_eq!(vs["data"][1]["downloads"], 5);
    again
        .client()
        .get("/api/v1/plugins/acme.nope/downloads")
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn a_download_streams_while_the_database_is_locked_for_writing() {
    let app = TestApp::new().await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    let bytes = publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    // The very first download of a plugin marks it as downloaded (once in its
    // life, so no node may delete it any more); every later one writes nothing.
    assert_eq!(
        download(&app.client(), "acme.hello", "0.1.0").await.status,
        200
    );
    // Hold what any counting write would need: SQLite's single write lock, or
    // exclusive locks on PostgreSQL's statistics tables.
    let mut lock = app.state.db.pool().acquire().await.unwrap();
    if app.state.db.backend() == trellis_db::Backend::Sqlite {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *lock)
            .await
            .unwrap();
    } else {
        sqlx::query("BEGIN").execute(&mut *lock).await.unwrap();
        sqlx::query("LOCK TABLE version_downloads_daily, plugin_installs IN ACCESS EXCLUSIVE MODE")
            .execute(&mut *lock)
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let r = download(&app.client(), "acme.hello", "0.1.0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.bytes.len() as i64, bytes["size"].as_i64().unwrap());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the download waited for the write lock"
    );
    sqlx::query("ROLLBACK").execute(&mut *lock).await.unwrap();
    drop(lock);
    flush(&app).await;
    let stats = app
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(stats["total"], 2);
}

#[tokio::test]
async fn the_background_flusher_writes_the_last_counts_when_stopped() {
    let app = TestApp::with_env(&[("TRELLIS_REGISTRY__DOWNLOADS_FLUSH_SECS", "3600")]).await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    let mut workers = trellis_worker::Supervisor::new();
    trellis_worker::workers::download_flusher(&mut workers, app.state.clone());
    download(&app.client(), "acme.hello", "0.1.0").await;
    download(&app.client(), "acme.hello", "0.1.0").await;
    // What server shutdown does after the listener stops.
    let aborted = workers.shutdown(std::time::Duration::from_secs(10)).await;
    assert!(aborted.is_empty());
    let stats = app
        .restart()
        .await
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(stats["total"], 2);
}

#[tokio::test]
async fn a_plugin_downloaded_on_another_node_cannot_be_deleted() {
    // Two nodes on one database: counts on node A are not flushed yet.
    let a = TestApp::with_env(&[("TRELLIS_REGISTRY__DOWNLOADS_FLUSH_SECS", "3600")]).await;
    let b = a.restart().await;
    let (owner, t) = publisher(&a, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    assert_eq!(
        download(&a.client(), "acme.hello", "0.1.0").await.status,
        200
    );
    let owner_on_b = b.bearer(t.bearer.as_deref().unwrap());
    let _ = owner;
    owner_on_b
        .delete("/api/v1/plugins/acme.hello")
        .await
        .problem(409, "conflict");
    // Still there, on both nodes.
    assert_eq!(
        b.client().get("/api/v1/plugins/acme.hello").await.status,
        200
    );
}

#[tokio::test]
async fn a_plugin_never_downloaded_can_be_deleted_from_any_node() {
    let a = TestApp::new().await;
    let b = a.restart().await;
    let (_, t) = publisher(&a, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    let r = b
        .bearer(t.bearer.as_deref().unwrap())
        .delete("/api/v1/plugins/acme.hello")
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    a.client()
        .get("/api/v1/plugins/acme.hello")
        .await
        .problem(404, "not_found");
}
