//! Webhook messages: one event for one endpoint, holding the envelope sent,
//! its state (`pending`, `delivered`, `failed`) and its attempt count; written
//! one by one or many rows per statement (the dispatcher's batches, a batch
//! of recorded attempts), read with their endpoints for delivery, listed for
//! the message log, and pruned past retention. The endpoints are in
//! [`crate::webhooks`], the attempts in [`crate::webhook_attempts`].

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::webhooks::{endpoint_row_as, EndpointRow, EP_COLS};
use crate::{opt_i64, placeholders, Result};

/// A message as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    /// `msg_` and a ULID.
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    /// The event's envelope (JSON).
    pub payload: String,
    /// `pending`, `delivered` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

const MSG_COLS: &str = "id, endpoint_id, event_id, event_type, payload, state, attempts, \
    last_status, last_error, created_at, last_attempt_at, next_attempt_at, delivered_at";

fn message_row(r: &AnyRow) -> Result<MessageRow> {
    Ok(MessageRow {
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("event_type")?,
        payload: r.try_get("payload")?,
        state: r.try_get("state")?,
        attempts: r.try_get("attempts")?,
        last_status: opt_i64(r, "last_status")?,
        last_error: r.try_get("last_error")?,
        created_at: r.try_get("created_at")?,
        last_attempt_at: opt_i64(r, "last_attempt_at")?,
        next_attempt_at: opt_i64(r, "next_attempt_at")?,
        delivered_at: opt_i64(r, "delivered_at")?,
    })
}

/// Stores new messages, in statements of up to 200 rows; returns the ids of
/// those that were new (an endpoint already having a message for the event,
/// because a second dispatcher got there first, gets no second one).
pub async fn insert_messages(c: &mut AnyConnection, all: &[MessageRow]) -> Result<Vec<String>> {
    let mut fresh = Vec::with_capacity(all.len());
    for chunk in all.chunks(200) {
        let sql = format!(
            "INSERT INTO webhook_messages ({MSG_COLS}) VALUES {} \
             ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id",
            crate::value_rows(chunk.len(), 13)
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for m in chunk {
            q = q
                .bind(&m.id)
                .bind(&m.endpoint_id)
                .bind(&m.event_id)
                .bind(&m.event_type)
                .bind(&m.payload)
                .bind(&m.state)
                .bind(m.attempts)
                .bind(m.last_status)
                .bind(&m.last_error)
                .bind(m.created_at)
                .bind(m.last_attempt_at)
                .bind(m.next_attempt_at)
                .bind(m.delivered_at);
        }
        for r in q.fetch_all(&mut *c).await? {
            fresh.push(r.try_get("id")?);
        }
    }
    Ok(fresh)
}

/// A message by id.
pub async fn message(c: &mut AnyConnection, id: &str) -> Result<Option<MessageRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MSG_COLS} FROM webhook_messages WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(message_row).transpose()
}

/// Messages with their endpoints, by id, for a batch of deliveries: one query
/// for them all. Ids not found (deleted with their endpoint) are left out.
pub async fn messages_and_endpoints(
    c: &mut AnyConnection,
    ids: &[&str],
) -> Result<Vec<(MessageRow, Option<EndpointRow>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let m_cols = crate::qualified(MSG_COLS, "m", None);
    let e_cols = crate::qualified(EP_COLS, "e", Some("ep_"));
    let sql = format!(
        "SELECT {m_cols}, {e_cols} FROM webhook_messages m \
         LEFT JOIN webhook_endpoints e ON e.id = m.endpoint_id WHERE m.id IN ({})",
        crate::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql));
    for id in ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| {
            let endpoint = match r.try_get::<Option<String>, _>("ep_id")? {
                Some(_) => Some(endpoint_row_as(r, "ep_")?),
                None => None,
            };
            Ok((message_row(r)?, endpoint))
        })
        .collect()
}

/// What a message listing shows.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter<'a> {
    /// Only these endpoints (`None`: every endpoint; an empty list: none).
    pub endpoints: Option<&'a [String]>,
    pub event_id: Option<&'a str>,
    /// An exact type, or a `prefix.*` pattern.
    pub event_type: Option<&'a str>,
    pub state: Option<&'a str>,
    /// Messages created at or after (unix ms).
    pub since: Option<i64>,
    /// Paging: ids below this one.
    pub before: Option<&'a str>,
}

/// Messages matching `f`, newest first.
pub async fn list_messages(
    c: &mut AnyConnection,
    f: &MessageFilter<'_>,
    limit: i64,
) -> Result<Vec<MessageRow>> {
    let mut cond = vec!["1 = 1".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    let mut next = 3;
    let mut bind = |cond: &mut Vec<String>, sql: &str, v: String| {
        cond.push(sql.replace('?', &format!("${next}")));
        binds.push(v);
        next += 1;
    };
    if let Some(id) = f.event_id {
        bind(&mut cond, "event_id = ?", id.to_owned());
    }
    if let Some(t) = f.event_type {
        match t.strip_suffix('*') {
            Some(prefix) => bind(&mut cond, "event_type LIKE ?", format!("{prefix}%")),
            None => bind(&mut cond, "event_type = ?", t.to_owned()),
        }
    }
    if let Some(s) = f.state {
        bind(&mut cond, "state = ?", s.to_owned());
    }
    if let Some(b) = f.before {
        bind(&mut cond, "id < ?", b.to_owned());
    }
    if let Some(eps) = f.endpoints {
        if eps.is_empty() {
            cond.push("1 = 0".into());
        } else {
            cond.push(format!(
                "endpoint_id IN ({})",
                placeholders(next, eps.len())
            ));
            binds.extend(eps.iter().cloned());
        }
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MSG_COLS} FROM webhook_messages WHERE {} AND created_at >= $1 \
         ORDER BY id DESC LIMIT $2",
        cond.join(" AND ")
    )))
    .bind(f.since.unwrap_or(0))
    .bind(limit);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(message_row).collect()
}

/// Ids of an endpoint's failed messages created at or after `since` (unix ms),
/// oldest first, at most `limit`.
pub async fn failed_since(
    c: &mut AnyConnection,
    endpoint_id: &str,
    since: i64,
    limit: i64,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT id FROM webhook_messages WHERE endpoint_id = $1 AND state = 'failed' \
         AND created_at >= $2 ORDER BY id LIMIT $3",
    )
    .bind(endpoint_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok(r.try_get::<String, _>("id")?))
        .collect()
}

/// Records the outcome of an attempt on the message.
pub async fn message_attempted(
    c: &mut AnyConnection,
    id: &str,
    state: &str,
    status: Option<i64>,
    error: Option<&str>,
    at: i64,
    next_attempt_at: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_messages SET state = $2, attempts = attempts + 1, last_status = $3, \
         last_error = $4, last_attempt_at = $5, next_attempt_at = $6, \
         delivered_at = CASE WHEN $2 = 'delivered' THEN $5 ELSE delivered_at END WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(status)
    .bind(error)
    .bind(at)
    .bind(next_attempt_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// One attempt's effect on its message, for [`messages_attempted`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttempt<'a> {
    pub id: &'a str,
    pub state: &'a str,
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub at: i64,
    pub next_attempt_at: Option<i64>,
}

/// [`message_attempted`] for many messages in one statement per 500 (an
/// `UPDATE … FROM (VALUES …)`, which both engines run). A message named twice
/// (a delivery whose lease ran out, claimed again and finished in the same
/// batch) is updated once per attempt, one statement each.
pub async fn messages_attempted(c: &mut AnyConnection, all: &[MessageAttempt<'_>]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    let (once, again): (Vec<&MessageAttempt>, Vec<&MessageAttempt>) =
        all.iter().partition(|m| seen.insert(m.id));
    for chunk in once.chunks(500) {
        // VALUES columns are named column1, column2, … on both engines.
        let sql = format!(
            "UPDATE webhook_messages SET state = v.column2, attempts = attempts + 1, \
             last_status = v.column3, last_error = v.column4, last_attempt_at = v.column5, \
             next_attempt_at = v.column6, \
             delivered_at = CASE WHEN v.column2 = 'delivered' THEN v.column5 ELSE delivered_at END \
             FROM (VALUES {}) AS v WHERE webhook_messages.id = v.column1",
            crate::value_rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for m in chunk {
            q = q
                .bind(m.id)
                .bind(m.state)
                .bind(m.status)
                .bind(m.error)
                .bind(m.at)
                .bind(m.next_attempt_at);
        }
        q.execute(&mut *c).await?;
    }
    for m in again {
        message_attempted(c, m.id, m.state, m.status, m.error, m.at, m.next_attempt_at).await?;
    }
    Ok(())
}

/// Sets a message's state without an attempt (queued again by a retry or a
/// replay: `pending`; given up because its endpoint is disabled: `failed`).
pub async fn set_message_state(
    c: &mut AnyConnection,
    id: &str,
    state: &str,
    error: Option<&str>,
    next_attempt_at: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_messages SET state = $2, last_error = COALESCE($3, last_error), \
         next_attempt_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(error)
    .bind(next_attempt_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Messages by state, for metrics: (pending, delivered, failed), and the age of
/// the oldest pending one's creation (unix ms), if any.
pub async fn message_counts(c: &mut AnyConnection) -> Result<(i64, i64, i64, Option<i64>)> {
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM webhook_messages GROUP BY state")
        .fetch_all(&mut *c)
        .await?;
    let (mut p, mut d, mut f) = (0, 0, 0);
    for r in &rows {
        let n: i64 = r.try_get("n")?;
        match r.try_get::<String, _>("state")?.as_str() {
            "pending" => p = n,
            "delivered" => d = n,
            _ => f = n,
        }
    }
    let oldest =
        sqlx::query("SELECT MIN(created_at) AS t FROM webhook_messages WHERE state = 'pending'")
            .fetch_one(&mut *c)
            .await?;
    Ok((p, d, f, opt_i64(&oldest, "t")?))
}

/// Deletes finished messages (and their attempts) created before `before_ms`.
pub async fn prune_messages(c: &mut AnyConnection, before_ms: i64) -> Result<u64> {
    sqlx::query(
        "DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages \
         WHERE created_at < $1 AND state <> 'pending')",
    )
    .bind(before_ms)
    .execute(&mut *c)
    .await?;
    let done =
        sqlx::query("DELETE FROM webhook_messages WHERE created_at < $1 AND state <> 'pending'")
            .bind(before_ms)
            .execute(&mut *c)
            .await?;
    Ok(done.rows_affected())
}
