//! The database: one pool and one set of queries over SQLite (the embedded
//! default) and PostgreSQL (for many nodes).
//!
//! Rules:
//! - Every query is a free function in the module of its table (`users`,
//!   `tokens`, `plugins`, …) taking `&mut AnyConnection`: a pooled connection
//!   ([`Db::conn`]) or an open transaction ([`Db::begin`]). The caller (a
//!   service in `trellis-platform`) decides where a transaction starts and
//!   ends, so several writes (and, later, their events) commit together.
//! - Every query is written once, in the SQL both engines accept (`$1`
//!   placeholders, `BIGINT` integers, unix-second timestamps, `0/1` flags), and
//!   runs through sqlx's `Any` driver. Engine-specific SQL lives only in
//!   `migrations/sqlite` and `migrations/postgres` (kept equivalent by a test),
//!   with one exception: [`jobs::claim`] adds `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL.

pub mod audit;
pub mod catalogue;
pub mod dashboard;
pub mod downloads;
pub mod events;
pub mod feeds;
pub mod idempotency;
pub mod installations;
pub mod jobs;
pub mod log_signal;
pub mod moderation;
pub mod namespaces;
pub mod plugin_data;
pub mod plugins;
pub mod rate_limit;
pub mod reviews;
pub mod search_docs;
pub mod security_log;
pub mod sessions;
pub mod stats;
pub mod tokens;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_messages;
pub mod webhooks;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor};

pub use sqlx;
pub use sqlx::AnyConnection;

/// A transaction for a change: use `&mut tx` wherever a query takes
/// `&mut AnyConnection`, then `tx.commit()`. Dropped without a commit, it rolls
/// back. On SQLite it also holds this process's write turn (see [`Db::begin`]).
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// [`log_signal::appended`] when it began: moved at commit, followers are woken.
    appended: u64,
    backend: Backend,
}

impl Tx {
    /// Commits the change; when it appended events, wakes the event-log
    /// followers of this process and, on PostgreSQL, of every node (a `NOTIFY`
    /// sent with the commit; see [`log_signal`]).
    pub async fn commit(mut self) -> std::result::Result<(), sqlx::Error> {
        let appended = log_signal::appended() != self.appended;
        if appended && self.backend == Backend::Postgres {
            // `pg_notify` returns `void`, which sqlx's Any rows cannot carry.
            sqlx::raw_sql(log_signal::NOTIFY)
                .execute(&mut *self.inner)
                .await?;
        }
        self.inner.commit().await?;
        if appended {
            log_signal::notify();
        }
        Ok(())
    }

    /// Gives the change up.
    pub async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tx(..)")
    }
}

/// A connection borrowed from the pool: pass `&mut conn` to query functions.
pub type Conn = sqlx::pool::PoolConnection<Any>;

/// A connection holding this process's write turn on SQLite ([`Db::write_conn`]).
pub struct WriteConn {
    conn: Conn,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteConn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for WriteConn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database URL is not one we support.
    #[error("unsupported database URL (expected sqlite:... or postgres://...)")]
    UnsupportedUrl,
    /// A unique constraint was violated (the row exists already).
    #[error("a row with this key exists already")]
    Conflict,
    /// A stored value does not have the shape its column promises (corrupt row).
    #[error("corrupt value in {column}: {reason}")]
    Corrupt { column: String, reason: String },
    /// Any other database error.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl DbError {
    /// Maps a unique-violation into [`DbError::Conflict`], anything else unchanged.
    pub fn from_insert(e: sqlx::Error) -> Self {
        match e.as_database_error() {
            Some(d) if d.is_unique_violation() => DbError::Conflict,
            _ => DbError::Sqlx(e),
        }
    }
}

pub type Result<T> = std::result::Result<T, DbError>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The connection pool, cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's write transactions take
    /// turns here, so a waiting one is woken when the last commits instead of
    /// sleeping in SQLite's busy handler (1, 2, 5, 10… ms at a time).
    write_turn: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// Current time in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A pooled PostgreSQL connection idle this long is pinged before it is handed out.
const PING_IDLE_AFTER: Duration = Duration::from_secs(1);

impl Db {
    /// Opens a pool. SQLite files are created if missing and run in WAL mode with
    /// foreign keys on; a PostgreSQL server must be reachable within `timeout`.
    pub async fn connect(url: &str, max_connections: u32, timeout: Duration) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(DbError::UnsupportedUrl);
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(timeout);
        if backend == Backend::Sqlite {
            // An SQLite connection is a file handle in this process, served by its
            // own thread: it cannot drop like a network connection, so the ping
            // sqlx sends before every acquire (one more round trip to that thread
            // per query) buys nothing.
            opts = opts.test_before_acquire(false);
            opts = opts.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        if backend == Backend::Postgres {
            // A PostgreSQL connection can drop while it sits idle (a restart, a
            // proxy's timeout): ping one that waited a while before handing it out,
            // as HikariCP does, instead of a round trip before every query.
            opts = opts
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= PING_IDLE_AFTER {
                            sqlx::Connection::ping(conn).await?;
                        }
                        Ok(true)
                    })
                });
        }
        let pool = opts.connect(url).await?;
        let write_turn =
            (backend == Backend::Sqlite).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())));
        Ok(Db {
            pool,
            backend,
            write_turn,
        })
    }

    /// Applies every pending migration of this engine.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction for a change. On SQLite it takes the write lock at
    /// once (`BEGIN IMMEDIATE`): a deferred transaction that reads and then
    /// writes can fail with "database is locked" when another writer commits in
    /// between, which busy_timeout cannot wait out.
    ///
    /// On SQLite the transactions of this process also take turns in memory
    /// before asking SQLite (other processes, such as `trellis import`, still
    /// meet the busy timeout). The wait for a turn is bounded like the pool's
    /// acquire: a transaction begun while the same task holds another (which
    /// the architecture forbids) fails instead of hanging.
    pub async fn begin(&self) -> Result<Tx> {
        let turn = self.write_turn().await?;
        let appended = log_signal::appended();
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            inner,
            _turn: turn,
            appended,
            backend: self.backend,
        })
    }

    /// Borrows a connection for reads (or single-statement writes).
    pub async fn conn(&self) -> Result<Conn> {
        Ok(self.pool.acquire().await?)
    }

    /// Borrows a connection for a single-statement write that runs often and
    /// must not stall (the job queue's claims and lease renewals): on SQLite it
    /// holds this process's write turn, as [`Db::begin`] does, so the statement
    /// waits in memory for the transaction in progress instead of sleeping in
    /// SQLite's busy handler (1, 2, 5, 10 ms ...) and missing the moment the
    /// lock frees.
    pub async fn write_conn(&self) -> Result<WriteConn> {
        let turn = self.write_turn().await?;
        Ok(WriteConn {
            conn: self.pool.acquire().await?,
            _turn: turn,
        })
    }

    /// This process's write turn on SQLite (none on PostgreSQL), waited for
    /// at most 30 s.
    async fn write_turn(&self) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>> {
        Ok(match &self.write_turn {
            Some(m) => Some(
                tokio::time::timeout(Duration::from_secs(30), m.clone().lock_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?,
            ),
            None => None,
        })
    }

    /// Round-trips a trivial query; used by readiness checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The raw pool (test setup and tooling only; services use [`Db::conn`] / [`Db::begin`]).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes every connection (used at shutdown so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Current time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Reads an optional i64 column.
pub(crate) fn opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>> {
    use sqlx::Row;
    Ok(row.try_get::<Option<i64>, _>(col)?)
}

/// Reads a `0/1` flag column.
pub(crate) fn flag(row: &AnyRow, col: &str) -> Result<bool> {
    use sqlx::Row;
    Ok(row.try_get::<i64, _>(col)? != 0)
}

/// `$from, $from+1, …` placeholders for an `IN (…)` list of `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A statement built at run time (a multi-row `VALUES` list, an `IN (…)` list),
/// ready for `sqlx::query` on connection `c`. On SQLite its `$1, $2, …` become
/// plain `?` when each appears once and in order: SQLite looks a numbered
/// parameter up by a linear scan of the statement's names, at parse time and
/// again when sqlx binds each value, so a statement of a few thousand `$N`
/// (the dispatcher's 200 rows of 13) cost time quadratic in their number; a
/// plain `?` is bound by position. Otherwise the text is used as it is.
pub(crate) fn dynamic(c: &AnyConnection, sql: String) -> sqlx::AssertSqlSafe<String> {
    if c.backend_name() == "SQLite" {
        if let Some(positional) = positional(&sql) {
            return sqlx::AssertSqlSafe(positional);
        }
    }
    sqlx::AssertSqlSafe(sql)
}

/// `sql` with `$1, $2, …, $n` written as `?`, when they appear in that order,
/// once each, outside quoted text; `None` otherwise.
fn positional(sql: &str) -> Option<String> {
    let mut out = String::with_capacity(sql.len());
    let mut next = 1u64;
    let mut quoted = false;
    let mut chars = sql.char_indices();
    while let Some((i, ch)) = chars.next() {
        if ch == '\'' {
            quoted = !quoted;
        }
        if ch != '$' || quoted {
            out.push(ch);
            continue;
        }
        let digits: &str = {
            let rest = &sql[i + 1..];
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            &rest[..end]
        };
        if digits.is_empty() || digits.parse::<u64>().ok()? != next {
            return None;
        }
        for _ in 0..digits.len() {
            chars.next();
        }
        out.push('?');
        next += 1;
    }
    Some(out)
}

/// `($1, …, $cols), ($cols+1, …), …`: the rows of a multi-row `VALUES` list.
pub(crate) fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|i| format!("({})", placeholders(i * cols + 1, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column list (`"a, b"`) qualified by a table alias for a join: `m.a, m.b`,
/// or with `rename`, `m.a AS x_a, m.b AS x_b` (for columns two tables share).
pub(crate) fn qualified(cols: &str, table: &str, rename: Option<&str>) -> String {
    cols.split(", ")
        .map(|c| match rename {
            Some(prefix) => format!("{table}.{c} AS {prefix}{c}"),
            None => format!("{table}.{c}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a JSON text column; a value that does not parse is [`DbError::Corrupt`],
/// never silently an empty value.
pub fn json_column<T: serde::de::DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| DbError::Corrupt {
        column: column.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_the_offset() {
        assert_eq!(super::placeholders(2, 3), "$2, $3, $4");
        assert_eq!(super::placeholders(1, 0), "");
        assert_eq!(super::value_rows(2, 2), "($1, $2), ($3, $4)");
    }

    #[test]
    fn numbered_parameters_in_order_become_positional() {
        use super::positional;
        assert_eq!(
            positional("INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)").as_deref(),
            Some("INSERT INTO t (a, b) VALUES (?, ?), (?, ?)")
        );
        let long = format!("IN ({})", super::placeholders(1, 120));
        assert_eq!(
            positional(&long),
            Some(format!("IN ({})", vec!["?"; 120].join(", ")))
        );
        assert_eq!(positional("SELECT 1").as_deref(), Some("SELECT 1"));
        // Out of order, repeated, or not starting at $1: left as written.
        assert_eq!(positional("a = $2 AND b = $1"), None);
        assert_eq!(positional("a = $1 OR b = $1"), None);
        assert_eq!(positional("a = $2"), None);
        assert_eq!(positional("a = $1 AND b = $"), None);
        // A dollar sign in quoted text is not a parameter.
        assert_eq!(
            positional("a = '$5' AND b = $1").as_deref(),
            Some("a = '$5' AND b = ?")
        );
    }

    #[test]
    fn corrupt_json_is_an_error() {
        let e = super::json_column::<Vec<String>>("plugins.keywords", "[1,").unwrap_err();
        assert!(e.to_string().contains("plugins.keywords"));
        let ok: Vec<String> = super::json_column("c", r#"["a"]"#).unwrap();
        assert_eq!(ok, ["a"]);
    }
}
