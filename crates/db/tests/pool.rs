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

mod scratch;

use std::time::Duration;

use scratch::with_fresh_postgres;
use trellis_db::{sqlx, Db};

const TIMEOUT: Duration = Duration::from_secs(10);
const PID: &str = "SELECT pg_backend_pid()";

/// The one value `sql` selects, read through a connection of `db`'s pool.
async fn value<T>(db: &Db, sql: &'static str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let mut c = db.conn().await.expect("a connection");
    sqlx::query_scalar(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn count(db: &Db) -> i64 {
    value(db, "SELECT COUNT(*) FROM t").await
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
    with_fresh_postgres(&admin_url, |db, admin, db_name| async move {
        dropped_transaction_rolls_back(&db).await;
        // No session of the test database is left inside a transaction.
        let idle_in_tx: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        )
        .bind(&db_name)
        .fetch_one(admin.pool())
        .await
        .expect("read pg_stat_activity");
        assert_eq!(idle_in_tx, 0);

        // The pool's one connection dies while idle; the next caller gets a new one.
        let first: i32 = value(&db, PID).await;
        let terminated: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
            .bind(first)
            .fetch_one(admin.pool())
            .await
            .expect("terminate");
        assert!(terminated);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        let second: i32 = value(&db, PID).await;
        assert_ne!(first, second, "the dead connection was handed out again");
    })
    .await;
}
