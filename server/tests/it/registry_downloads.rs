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

    // No database write on the download path: nothing is stored before a flush.
    assert_eq!(stored_rows(&app).await, 0);
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
    assert_eq!(stored_rows(&app).await, 1);
}

#[tokio::test]
async fn the_background_flusher_writes_the_last_counts_when_stopped() {
    let app = TestApp::with_env(&[("TRELLIS_REGISTRY__DOWNLOADS_FLUSH_SECS", "3600")]).await;
    let (_, t) = publisher(&app, "alice", "acme").await;
    publish_ok(&t, &Pkg::new("acme.hello", "0.1.0")).await;
    let flusher = trellis_platform::registry::downloads::spawn_flusher(app.state.clone());
    download(&app.client(), "acme.hello", "0.1.0").await;
    download(&app.client(), "acme.hello", "0.1.0").await;
    // What server shutdown does after the listener stops.
    flusher.stop().await;
    let stats = app
        .restart()
        .await
        .client()
        .get("/api/v1/plugins/acme.hello/downloads")
        .await
        .json();
    assert_eq!(stats["total"], 2);
}

/// Bytes nobody can compress much: a fixed xorshift sequence.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn repeated_downloads_serve_the_same_bytes_and_are_all_counted() {
    let app = TestApp::new().await;
    let (_alice, token) = publisher(&app, "alice", "acme").await;
    // A small package (kept in memory after its first download) and one of about
    // 300 KB (streamed from the store every time, in several chunks).
    let small = Pkg::new("acme.small", "0.1.0");
    let big = Pkg::new("acme.big", "0.1.0").file("assets/blob.bin", noise(300_000));
    assert!(big.bytes().len() > 256 * 1024);
    publish_ok(&token, &small).await;
    publish_ok(&token, &big).await;

    for (id, pkg) in [("acme.small", &small), ("acme.big", &big)] {
        for round in 0..3 {
            let r = download(&app.client(), id, "0.1.0").await;
            assert_eq!(r.status, 200, "{id} round {round}");
            assert_eq!(r.bytes, pkg.bytes(), "{id} round {round}");
            assert_eq!(
                r.header("content-length"),
                Some(r.bytes.len().to_string()),
                "{id} round {round}"
            );
            assert!(r.header("etag").is_some());
        }
        let etag = download(&app.client(), id, "0.1.0")
            .await
            .header("etag")
            .unwrap();
        let r = app
            .client()
            .send(
                axum::http::Request::get(format!("/api/v1/plugins/{id}/versions/0.1.0/download"))
                    .header("if-none-match", etag)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, 304, "{id}");
    }
    // Unknown versions are still unknown after the known ones were remembered.
    assert_eq!(
        download(&app.client(), "acme.small", "9.9.9").await.status,
        404
    );

    flush(&app).await;
    for id in ["acme.small", "acme.big"] {
        let stats = app
            .client()
            .get(&format!("/api/v1/plugins/{id}/downloads"))
            .await
            .json();
        assert_eq!(
            stats["total"], 4,
            "{id}: three downloads and one more for the ETag"
        );
    }
}
