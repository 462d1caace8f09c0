//! The event log (`events`), the horizon followers read up to, and durable
//! follower cursors (`event_cursors`).
//!
//! Log order is `(tx, seq)`. On SQLite `tx` is always 0 and `seq` is commit
//! order (writers are serialised). On PostgreSQL `tx` is the writing
//! transaction's id, which is taken in start order, not commit order; so
//! [`read_after`] reads only below `event_horizon` (the oldest transaction still
//! running), where the log can no longer change. A reader that resumes after a
//! position therefore never skips an event that committed late.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{placeholders, Result};

/// A place in the log: the event at `(tx, seq)`. Positions compare in log order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub tx: i64,
    pub seq: i64,
}

/// An event as stored. `actor` and `data` are JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub position: Position,
    pub id: String,
    pub kind: String,
    /// Unix milliseconds.
    pub occurred_at: i64,
    pub actor: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub namespace: Option<String>,
    pub data: String,
}

/// An event to write (its position is assigned by the database).
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub occurred_at: i64,
    pub actor: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: &'a str,
    pub namespace: Option<&'a str>,
    pub data: &'a str,
}

const COLUMNS: &str =
    "tx, seq, id, type, occurred_at, actor, subject_kind, subject_id, namespace, data";

fn position(row: &AnyRow) -> Result<Position> {
    Ok(Position {
        tx: row.try_get("tx")?,
        seq: row.try_get("seq")?,
    })
}

fn event(row: &AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        position: position(row)?,
        id: row.try_get("id")?,
        kind: row.try_get("type")?,
        occurred_at: row.try_get("occurred_at")?,
        actor: row.try_get("actor")?,
        subject_kind: row.try_get("subject_kind")?,
        subject_id: row.try_get("subject_id")?,
        namespace: row.try_get("namespace")?,
        data: row.try_get("data")?,
    })
}

/// Appends an event, in the caller's transaction. The acting user's id is
/// copied out of `actor` into `actor_user_id`, which the audit log filters on
/// (`crate::audit`).
pub async fn insert(c: &mut AnyConnection, e: &NewEvent<'_>) -> Result<()> {
    let actor_user_id = serde_json::from_str::<serde_json::Value>(e.actor)
        .ok()
        .and_then(|a| a.get("user_id").and_then(serde_json::Value::as_i64));
    sqlx::query(
        "INSERT INTO events (id, type, occurred_at, actor, subject_kind, subject_id, namespace, data, \
         actor_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.id)
    .bind(e.kind)
    .bind(e.occurred_at)
    .bind(e.actor)
    .bind(e.subject_kind)
    .bind(e.subject_id)
    .bind(e.namespace)
    .bind(e.data)
    .bind(actor_user_id)
    .execute(&mut *c)
    .await?;
    crate::log_signal::note_append();
    Ok(())
}

/// Up to `limit` events after `after` (from the start when `None`), in log order,
/// never past the horizon.
///
/// Every predicate on a log position in this module (after it here and in
/// [`behind`], before it in [`list`]) starts with a plain range on `tx`
/// (`tx >= $1`, `tx <= $1`) before the exact test: statements are prepared, and
/// PostgreSQL's generic plan for `tx > $1 OR (tx = $1 AND seq > $2)` alone
/// walks the `events_log` index from the start of the log and filters, a
/// cost that grows with the log (28 ms a read at 60,000 events, against 0.09 ms
/// with the range).
pub async fn read_after(
    c: &mut AnyConnection,
    after: Option<Position>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let after = after.unwrap_or(Position { tx: -1, seq: -1 });
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM events \
         WHERE tx >= $1 AND (tx > $1 OR seq > $2) AND tx < (SELECT tx FROM event_horizon) \
         ORDER BY tx, seq LIMIT $3"
    )))
    .bind(after.tx)
    .bind(after.seq)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(event).collect()
}

/// The position of the last event readable now (the log's head), if any.
pub async fn head(c: &mut AnyConnection) -> Result<Option<Position>> {
    let row = sqlx::query(
        "SELECT tx, seq FROM events WHERE tx < (SELECT tx FROM event_horizon) \
         ORDER BY tx DESC, seq DESC LIMIT 1",
    )
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(position).transpose()
}

/// The first event still kept (older ones were pruned), if any.
pub async fn oldest(c: &mut AnyConnection) -> Result<Option<Position>> {
    let row = sqlx::query("SELECT tx, seq FROM events ORDER BY tx, seq LIMIT 1")
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(position).transpose()
}

/// How many events lie after `after` (at most `cap` are counted), and when the
/// first of them happened.
pub async fn behind(
    c: &mut AnyConnection,
    after: Option<Position>,
    cap: i64,
) -> Result<(i64, Option<i64>)> {
    let after = after.unwrap_or(Position { tx: -1, seq: -1 });
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(occurred_at) AS first FROM (SELECT occurred_at FROM events \
         WHERE tx >= $1 AND (tx > $1 OR seq > $2) LIMIT $3) AS pending",
    )
    .bind(after.tx)
    .bind(after.seq)
    .bind(cap)
    .fetch_one(&mut *c)
    .await?;
    Ok((row.try_get("n")?, crate::opt_i64(&row, "first")?))
}

/// Whether the event at `p` is still in the log.
pub async fn exists_at(c: &mut AnyConnection, p: Position) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM events WHERE tx = $1 AND seq = $2")
            .bind(p.tx)
            .bind(p.seq)
            .fetch_optional(&mut *c)
            .await?
            .is_some(),
    )
}

/// One event by id.
pub async fn by_id(c: &mut AnyConnection, id: &str) -> Result<Option<EventRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM events WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(event).transpose()
}

/// What [`list`] selects. Every field narrows; `None` does not.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Exact types, or prefixes when they end in `.` (`plugin.` = every `plugin.*`).
    pub types: Vec<String>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    /// Only events of these namespaces (`Some(vec![])` selects nothing).
    pub namespaces: Option<Vec<String>>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
}

/// Events matching `f`, newest first, strictly before `before` when given. For
/// browsing: an event that commits late may land on a page already read.
pub async fn list(
    c: &mut AnyConnection,
    f: &Filter,
    before: Option<Position>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    if matches!(&f.namespaces, Some(n) if n.is_empty()) {
        return Ok(Vec::new());
    }
    // Browsing, not following: every committed event shows at once (a follower
    // resuming by position uses `read_after`, which stops at the horizon).
    let mut sql = format!("SELECT {COLUMNS} FROM events WHERE 1 = 1");
    let mut binds: Vec<Bind> = Vec::new();
    let next = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    if !f.types.is_empty() {
        let mut alts = Vec::new();
        for t in &f.types {
            if let Some(prefix) = t.strip_suffix('.') {
                let lo = next(&mut binds, Bind::Text(format!("{prefix}.")));
                let hi = next(&mut binds, Bind::Text(format!("{prefix}/")));
                alts.push(format!("(type >= {lo} AND type < {hi})"));
            } else {
                alts.push(format!(
                    "type = {}",
                    next(&mut binds, Bind::Text(t.clone()))
                ));
            }
        }
        sql += &format!(" AND ({})", alts.join(" OR "));
    }
    if let Some(k) = &f.subject_kind {
        sql += &format!(
            " AND subject_kind = {}",
            next(&mut binds, Bind::Text(k.clone()))
        );
    }
    if let Some(id) = &f.subject_id {
        sql += &format!(
            " AND subject_id = {}",
            next(&mut binds, Bind::Text(id.clone()))
        );
    }
    if let Some(ns) = &f.namespaces {
        let first = binds.len() + 1;
        for v in ns {
            next(&mut binds, Bind::Text(v.clone()));
        }
        sql += &format!(" AND namespace IN ({})", placeholders(first, ns.len()));
    }
    if let Some(t) = f.since {
        sql += &format!(" AND occurred_at >= {}", next(&mut binds, Bind::Int(t)));
    }
    if let Some(t) = f.until {
        sql += &format!(" AND occurred_at < {}", next(&mut binds, Bind::Int(t)));
    }
    if let Some(p) = before {
        let a = next(&mut binds, Bind::Int(p.tx));
        let b = next(&mut binds, Bind::Int(p.seq));
        sql += &format!(" AND tx <= {a} AND (tx < {a} OR seq < {b})");
    }
    sql += &format!(
        " ORDER BY tx DESC, seq DESC LIMIT {}",
        next(&mut binds, Bind::Int(limit))
    );
    let mut q = sqlx::query(crate::dynamic(c, sql));
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(event).collect()
}

enum Bind {
    Text(String),
    Int(i64),
}

/// A durable follower's cursor, if it has one.
pub async fn cursor(c: &mut AnyConnection, follower: &str) -> Result<Option<Position>> {
    let row = sqlx::query("SELECT tx, seq FROM event_cursors WHERE follower = $1")
        .bind(follower)
        .fetch_optional(&mut *c)
        .await?;
    row.as_ref().map(position).transpose()
}

/// Stores a follower's cursor (in the transaction that applied the events). A
/// cursor only moves forward: saving a position behind the stored one (a
/// follower shared by several nodes, one of which got further) changes nothing.
pub async fn save_cursor(c: &mut AnyConnection, follower: &str, at: Position) -> Result<()> {
    sqlx::query(
        "INSERT INTO event_cursors (follower, tx, seq, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (follower) DO UPDATE SET tx = $2, seq = $3, updated_at = $4 \
         WHERE event_cursors.tx < $2 OR (event_cursors.tx = $2 AND event_cursors.seq <= $3)",
    )
    .bind(follower)
    .bind(at.tx)
    .bind(at.seq)
    .bind(crate::now())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Moves a shared follower's cursor from `from` (`None`: it has none yet) to
/// `to`, only if it still stands at `from`; false when another node moved it
/// first. Run first in the transaction that applies the batch: on PostgreSQL
/// the row lock makes a second node wait and then see the cursor moved.
pub async fn advance_cursor(
    c: &mut AnyConnection,
    follower: &str,
    from: Option<Position>,
    to: Position,
) -> Result<bool> {
    let done = match from {
        None => {
            sqlx::query(
                "INSERT INTO event_cursors (follower, tx, seq, updated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (follower) DO NOTHING",
            )
            .bind(follower)
            .bind(to.tx)
            .bind(to.seq)
            .bind(crate::now())
            .execute(&mut *c)
            .await?
        }
        Some(f) => {
            sqlx::query(
                "UPDATE event_cursors SET tx = $2, seq = $3, updated_at = $4 \
                 WHERE follower = $1 AND tx = $5 AND seq = $6",
            )
            .bind(follower)
            .bind(to.tx)
            .bind(to.seq)
            .bind(crate::now())
            .bind(f.tx)
            .bind(f.seq)
            .execute(&mut *c)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// A durable cursor as listed for the admin page.
#[derive(Debug, Clone)]
pub struct CursorRow {
    pub follower: String,
    pub position: Position,
    pub updated_at: i64,
}

/// How many events are committed but not yet readable by followers (above the
/// horizon); 0 once every transaction that wrote before now has finished.
pub async fn above_horizon(c: &mut AnyConnection) -> Result<i64> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM events WHERE tx >= (SELECT tx FROM event_horizon)")
            .fetch_one(&mut *c)
            .await?;
    Ok(row.try_get("n")?)
}

/// Every durable cursor.
pub async fn cursors(c: &mut AnyConnection) -> Result<Vec<CursorRow>> {
    let rows =
        sqlx::query("SELECT follower, tx, seq, updated_at FROM event_cursors ORDER BY follower")
            .fetch_all(&mut *c)
            .await?;
    rows.iter().map(cursor_row).collect()
}

/// The durable cursors updated at or after `since` (unix seconds), at most
/// `limit`, most recently updated first (for metrics and the admin page).
pub async fn cursors_updated_since(
    c: &mut AnyConnection,
    since: i64,
    limit: i64,
) -> Result<Vec<CursorRow>> {
    let rows = sqlx::query(
        "SELECT follower, tx, seq, updated_at FROM event_cursors WHERE updated_at >= $1 \
         ORDER BY updated_at DESC, follower LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(cursor_row).collect()
}

fn cursor_row(r: &AnyRow) -> Result<CursorRow> {
    Ok(CursorRow {
        follower: r.try_get("follower")?,
        position: position(r)?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Deletes events older than `before_ms` that every follower whose cursor was
/// updated since `cursor_since` has gone past (the event at a cursor is kept,
/// so a follower can tell a gap from a pruned past) and no unfinished job
/// refers to; returns how many. Cursors not updated since `cursor_since` (a node gone for good) no
/// longer hold the log back: such a follower finds a gap when it returns.
pub async fn prune(c: &mut AnyConnection, before_ms: i64, cursor_since: i64) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM events WHERE occurred_at < $1 \
         AND tx < (SELECT tx FROM event_horizon) \
         AND NOT EXISTS (SELECT 1 FROM event_cursors k WHERE k.updated_at >= $2 \
                         AND (k.tx < events.tx OR (k.tx = events.tx AND k.seq <= events.seq))) \
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.event_id = events.id \
                         AND j.state IN ('queued', 'running'))",
    )
    .bind(before_ms)
    .bind(cursor_since)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected())
}

/// Events per type in the log (for the admin page).
pub async fn count_by_type(c: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT type, COUNT(*) AS n FROM events GROUP BY type ORDER BY type")
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("type")?, r.try_get("n")?)))
        .collect()
}
