//! The connection pool as `Db::connect` sets it up, with the vendored sqlx-core that
//! returns a connection without a ping unless something waits to be sent
//! (vendor/README.md):
//! - a transaction dropped without a commit rolls back, and the connection it held
//!   serves the next caller (SQLite; PostgreSQL too, where the `ROLLBACK` is sent as the
//!   connection goes back, so no session stays idle in a transaction holding locks);
//! - on PostgreSQL, a pooled connection that died while idle (here: terminated by the
//!   server) is noticed by the ping before acquire and replaced, so the caller never
//!   sees it.
//!
//! SQLite always runs; PostgreSQL when `TRELLIS_TEST_POSTGRES_URL` names a server (a
//! fresh database `trellis_test_<uuid>` is created there and dropped at the end).

use std::time::Duration;

use trellis_db::{sqlx, Db};

const TIMEOUT: Duration = Duration::from_secs(10);

async fn count(db: &Db) -> i64 {
    let mut c = db.conn().await.expect("a connection");
    sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM t")
            .fetch_one(&mut *c)
            .await
            .expect("count"),
        "n",
    )
}

/// With one connection in the pool: a dropped transaction's insert is gone, and the
/// connection takes and commits the next one.
async fn dropped_transaction_rolls_back(db: &Db) {
    sqlx::query("CREATE TABLE t (x BIGINT NOT NULL)")
        .execute(db.pool())
        .await
        .expect("create");
    {
        let mut tx = db.begin().await.expect("begin");
        sqlx::query("INSERT INTO t (x) VALUES (1)")
            .execute(&mut *tx)
            .await
            .expect("insert");
        // Dropped here without a commit.
    }
    assert_eq!(
        count(db).await,
        0,
        "a dropped transaction's insert was kept"
    );
    let mut tx = db.begin().await.expect("begin again");
    sqlx::query("INSERT INTO t (x) VALUES (2)")
        .execute(&mut *tx)
        .await
        .expect("insert again");
    tx.commit().await.expect("commit");
    assert_eq!(count(db).await, 1);
}

#[tokio::test]
async fn sqlite_dropped_transaction_rolls_back_and_the_connection_serves_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("t.db").display());
    let db = Db::connect(&url, 1, TIMEOUT).await.expect("open SQLite");
    dropped_transaction_rolls_back(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_pool_rolls_back_dropped_transactions_and_replaces_dead_connections() {
    let Ok(admin_url) = std::env::var("TRELLIS_TEST_POSTGRES_URL") else {
        eprintln!("TRELLIS_TEST_POSTGRES_URL not set: the PostgreSQL pool test was skipped");
        return;
    };
    let name = format!("trellis_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Db::connect(&admin_url, 1, TIMEOUT)
        .await
        .expect("TRELLIS_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .expect("create the test database");
    let mut url = url::Url::parse(&admin_url).expect("TRELLIS_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    let db = Db::connect(url.as_str(), 1, TIMEOUT)
        .await
        .expect("connect to the test database");
    let (handle, admin_handle, db_name) = (db.clone(), admin.clone(), name.clone());
    let result = tokio::spawn(async move {
        let (db, admin) = (handle, admin_handle);
        dropped_transaction_rolls_back(&db).await;
        // No session of the test database is left inside a transaction.
        let idle_in_tx: i64 = sqlx::Row::get(
            &sqlx::query(
                "SELECT COUNT(*) AS n FROM pg_stat_activity \
                 WHERE datname = $1 AND state LIKE 'idle in transaction%'",
            )
            .bind(&db_name)
            .fetch_one(admin.pool())
            .await
            .expect("read pg_stat_activity"),
            "n",
        );
        assert_eq!(idle_in_tx, 0);

        // The pool's one connection dies while idle; the next caller gets a new one.
        let pid = |db: Db| async move {
            let mut c = db.conn().await.expect("a connection");
            let pid: i32 = sqlx::Row::get(
                &sqlx::query("SELECT pg_backend_pid() AS pid")
                    .fetch_one(&mut *c)
                    .await
                    .expect("read the backend pid"),
                "pid",
            );
            pid
        };
        let first = pid(db.clone()).await;
        let terminated: bool = sqlx::Row::get(
            &sqlx::query("SELECT pg_terminate_backend($1) AS done")
                .bind(first)
                .fetch_one(admin.pool())
                .await
                .expect("terminate"),
            "done",
        );
        assert!(terminated);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let second = pid(db.clone()).await;
        assert_ne!(first, second, "the dead connection was handed out again");
    })
    .await;
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(admin.pool())
    .await
    .expect("drop the test database");
    admin.close().await;
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
