//! The audit log's reads of the event log: a page of events of the audited
//! types, by who acted (`events.actor_user_id`, indexed with the log order)
//! and when, newest first; and what the token-usage flush needs to write a
//! `token.used` event only for a token's first use of a day and for each scope
//! it exercises for the first time that day (`token_scope_uses`).

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::events::{EventRow, Position};
use crate::{placeholders, Result};

/// What [`list`] selects.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact event types (never empty: the caller names the audited ones).
    pub types: Vec<String>,
    /// Only events this user caused.
    pub actor_user_id: Option<i64>,
    /// Unix milliseconds, inclusive.
    pub since: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub until: Option<i64>,
}

fn event(r: &AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        position: Position {
            tx: r.try_get("tx")?,
            seq: r.try_get("seq")?,
        },
        id: r.try_get("id")?,
        kind: r.try_get("type")?,
        occurred_at: r.try_get("occurred_at")?,
        actor: r.try_get("actor")?,
        subject_kind: r.try_get("subject_kind")?,
        subject_id: r.try_get("subject_id")?,
        namespace: r.try_get("namespace")?,
        data: r.try_get("data")?,
    })
}

/// Events matching `f`, newest first, strictly before `before` when given.
/// Like `events::list`, for browsing: every committed event shows at once.
pub async fn list(
    c: &mut AnyConnection,
    f: &AuditFilter,
    before: Option<Position>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    if f.types.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = format!(
        "SELECT tx, seq, id, type, occurred_at, actor, subject_kind, subject_id, namespace, data \
         FROM events WHERE type IN ({})",
        placeholders(1, f.types.len())
    );
    let mut n = f.types.len();
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    let mut ints = Vec::new();
    if let Some(id) = f.actor_user_id {
        sql += &format!(" AND actor_user_id = {}", next());
        ints.push(id);
    }
    if let Some(t) = f.since {
        sql += &format!(" AND occurred_at >= {}", next());
        ints.push(t);
    }
    if let Some(t) = f.until {
        sql += &format!(" AND occurred_at < {}", next());
        ints.push(t);
    }
    if let Some(p) = before {
        // The plain range first, so that the index is entered at the cursor
        // (see `events::read_after`).
        let (a, b, c2) = (next(), next(), next());
        sql += &format!(" AND tx <= {a} AND (tx < {b} OR seq < {c2})");
        ints.extend([p.tx, p.tx, p.seq]);
    }
    sql += &format!(" ORDER BY tx DESC, seq DESC LIMIT {}", next());
    ints.push(limit);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for t in &f.types {
        q = q.bind(t.as_str());
    }
    for i in ints {
        q = q.bind(i);
    }
    q.fetch_all(&mut *c).await?.iter().map(event).collect()
}

/// Records the `(token id, scope)` uses of `day` (`YYYY-MM-DD`; scope `""`
/// is "any use") and returns those not recorded before, in the order given.
pub async fn mark_token_uses(
    c: &mut AnyConnection,
    day: &str,
    uses: &[(i64, String)],
) -> Result<Vec<(i64, String)>> {
    let mut fresh = Vec::new();
    for (token_id, scope) in uses {
        let done = sqlx::query(
            "INSERT INTO token_scope_uses (day, token_id, scope) VALUES ($1, $2, $3) \
             ON CONFLICT (day, token_id, scope) DO NOTHING",
        )
        .bind(day)
        .bind(token_id)
        .bind(scope)
        .execute(&mut *c)
        .await?;
        if done.rows_affected() == 1 {
            fresh.push((*token_id, scope.clone()));
        }
    }
    Ok(fresh)
}

/// Deletes the recorded token uses of days before `day` (`YYYY-MM-DD`).
pub async fn prune_token_uses(c: &mut AnyConnection, day: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM token_scope_uses WHERE day < $1")
        .bind(day)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

/// A token as the `token.used` event names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFacts {
    pub id: i64,
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
    pub user_id: i64,
    pub username: String,
}

/// The tokens `ids` with their owners' names, in one query.
pub async fn token_facts(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<TokenFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT t.id AS id, t.name AS name, t.scopes AS scopes, t.user_id AS user_id, \
         u.username AS username FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| {
            Ok(TokenFacts {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                scopes: r.try_get("scopes")?,
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
            })
        })
        .collect()
}
