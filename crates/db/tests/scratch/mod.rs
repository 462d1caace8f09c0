//! A fresh PostgreSQL database for one test: `trellis_test_<uuid>` on the server named by
//! `TRELLIS_TEST_POSTGRES_URL` (an admin connection), dropped at the end, also when the
//! test panics.

use std::time::Duration;

use trellis_db::{sqlx, Db};

const TIMEOUT: Duration = Duration::from_secs(10);

/// Creates the database, runs `f` on its own task with a pool connected to it (one
/// connection), the admin pool and the database's name, then drops the database and
/// hands back `f`'s result, or its panic.
pub async fn with_fresh_postgres<T, F, Fut>(admin_url: &str, f: F) -> T
where
    T: Send + 'static,
    F: FnOnce(Db, Db, String) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let name = format!("trellis_test_{}", uuid::Uuid::new_v4().simple());
    let admin = Db::connect(admin_url, 1, TIMEOUT)
        .await
        .expect("TRELLIS_TEST_POSTGRES_URL is set but PostgreSQL is not reachable");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(admin.pool())
        .await
        .expect("create the test database");
    let mut url = url::Url::parse(admin_url).expect("TRELLIS_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    let db = Db::connect(url.as_str(), 1, TIMEOUT)
        .await
        .expect("connect to the test database");
    let result = tokio::spawn(f(db.clone(), admin.clone(), name.clone())).await;
    db.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(admin.pool())
    .await
    .expect("drop the test database");
    admin.close().await;
    match result {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
