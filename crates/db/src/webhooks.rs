//! Webhook endpoints and their messages (one event for one endpoint). The
//! delivery attempts and the analytics read from them are in
//! [`crate::webhook_attempts`].
//!
//! Secrets are stored sealed; this module never sees them in clear. JSON
//! columns (`event_types`, `filter`, `headers`) are written by the webhooks
//! crate, which validated them; a value that does not parse on the way back is
//! `DbError::Corrupt`.

use std::borrow::Cow;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{flag, opt_i64, placeholders, Result};

/// An endpoint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointRow {
    /// `ep_` and a ULID.
    pub id: String,
    /// `None`: instance-wide (every event); else only that namespace's events.
    pub namespace: Option<String>,
    pub url: String,
    pub description: String,
    /// JSON array of patterns (`plugin.*`, `*`, exact types).
    pub event_types: String,
    /// JSON array of conditions, if any.
    pub filter: Option<String>,
    /// JSON object of header names to values.
    pub headers: String,
    pub rate_limit_per_sec: Option<i64>,
    pub format: String,
    pub enabled: bool,
    /// `manual`, `gone` (the receiver answered 410) or `failing`.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<i64>,
    /// Sealed `whsec_…`.
    pub secret: String,
    /// Sealed; signs too until `previous_secret_until` (unix ms).
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<i64>,
    /// Since when every attempt failed (unix ms); `None` after a success.
    pub failing_since: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const EP_COLS: &str = "id, namespace, url, description, event_types, filter, headers, \
    rate_limit_per_sec, format, enabled, disabled_reason, disabled_at, secret, previous_secret, \
    previous_secret_until, failing_since, created_by, created_at, updated_at";

fn endpoint_row(r: &AnyRow) -> Result<EndpointRow> {
    endpoint_row_as(r, "")
}

/// An endpoint from columns named with `prefix` (a join's aliases; no
/// allocation for the plain names).
fn endpoint_row_as(r: &AnyRow, prefix: &str) -> Result<EndpointRow> {
    let n = |c: &'static str| -> Cow<'static, str> {
        match prefix {
            "" => Cow::Borrowed(c),
            _ => Cow::Owned(format!("{prefix}{c}")),
        }
    };
    Ok(EndpointRow {
        id: r.try_get(&*n("id"))?,
        namespace: r.try_get(&*n("namespace"))?,
        url: r.try_get(&*n("url"))?,
        description: r.try_get(&*n("description"))?,
        event_types: r.try_get(&*n("event_types"))?,
        filter: r.try_get(&*n("filter"))?,
        headers: r.try_get(&*n("headers"))?,
        rate_limit_per_sec: opt_i64(r, &n("rate_limit_per_sec"))?,
        format: r.try_get(&*n("format"))?,
        enabled: flag(r, &n("enabled"))?,
        disabled_reason: r.try_get(&*n("disabled_reason"))?,
        disabled_at: opt_i64(r, &n("disabled_at"))?,
        secret: r.try_get(&*n("secret"))?,
        previous_secret: r.try_get(&*n("previous_secret"))?,
        previous_secret_until: opt_i64(r, &n("previous_secret_until"))?,
        failing_since: opt_i64(r, &n("failing_since"))?,
        created_by: opt_i64(r, &n("created_by"))?,
        created_at: r.try_get(&*n("created_at"))?,
        updated_at: r.try_get(&*n("updated_at"))?,
    })
}

/// Stores a new endpoint.
pub async fn insert_endpoint(c: &mut AnyConnection, e: &EndpointRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO webhook_endpoints ({EP_COLS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    )))
    .bind(&e.id)
    .bind(&e.namespace)
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.event_types)
    .bind(&e.filter)
    .bind(&e.headers)
    .bind(e.rate_limit_per_sec)
    .bind(&e.format)
    .bind(e.enabled as i64)
    .bind(&e.disabled_reason)
    .bind(e.disabled_at)
    .bind(&e.secret)
    .bind(&e.previous_secret)
    .bind(e.previous_secret_until)
    .bind(e.failing_since)
    .bind(e.created_by)
    .bind(e.created_at)
    .bind(e.updated_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Writes every column of an existing endpoint (the webhooks crate reads, changes
/// and writes back in one transaction); false when it no longer exists.
pub async fn update_endpoint(c: &mut AnyConnection, e: &EndpointRow) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET namespace = $2, url = $3, description = $4, \
         event_types = $5, filter = $6, headers = $7, rate_limit_per_sec = $8, format = $9, \
         enabled = $10, disabled_reason = $11, disabled_at = $12, secret = $13, \
         previous_secret = $14, previous_secret_until = $15, failing_since = $16, \
         updated_at = $17 WHERE id = $1",
    )
    .bind(&e.id)
    .bind(&e.namespace)
    .bind(&e.url)
    .bind(&e.description)
    .bind(&e.event_types)
    .bind(&e.filter)
    .bind(&e.headers)
    .bind(e.rate_limit_per_sec)
    .bind(&e.format)
    .bind(e.enabled as i64)
    .bind(&e.disabled_reason)
    .bind(e.disabled_at)
    .bind(&e.secret)
    .bind(&e.previous_secret)
    .bind(e.previous_secret_until)
    .bind(e.failing_since)
    .bind(e.updated_at)
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records an attempt's outcome on its endpoint's `failing_since` in one
/// conditional write, without reading it: a success clears it, a failure sets
/// it to `at` unless it is already set (the first failure of a run counts).
pub async fn mark_failing_since(
    c: &mut AnyConnection,
    id: &str,
    success: bool,
    at: i64,
) -> Result<()> {
    let q = match success {
        true => sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL \
             WHERE id = $1 AND failing_since IS NOT NULL",
        )
        .bind(id),
        false => sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = $2 \
             WHERE id = $1 AND failing_since IS NULL",
        )
        .bind(id)
        .bind(at),
    };
    q.execute(&mut *c).await?;
    Ok(())
}

/// An endpoint by id.
pub async fn endpoint(c: &mut AnyConnection, id: &str) -> Result<Option<EndpointRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EP_COLS} FROM webhook_endpoints WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(endpoint_row).transpose()
}

/// Deletes an endpoint with its messages and attempts; false when it did not exist.
pub async fn delete_endpoint(c: &mut AnyConnection, id: &str) -> Result<bool> {
    // Attempts reference messages (cascade); deleting the messages first keeps
    // this explicit on both engines.
    sqlx::query(
        "DELETE FROM webhook_attempts WHERE message_id IN \
         (SELECT id FROM webhook_messages WHERE endpoint_id = $1)",
    )
    .bind(id)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM webhook_messages WHERE endpoint_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Which endpoints a listing covers.
#[derive(Debug, Clone)]
pub enum Scope<'a> {
    /// Every endpoint (admins).
    All,
    /// Endpoints of these namespaces (a publisher's).
    Namespaces(&'a [String]),
}

impl Scope<'_> {
    /// The SQL condition on an endpoint's `namespace` column (alias `col`),
    /// binding from `$from`; and the values to bind.
    fn condition(&self, col: &str, from: usize) -> (String, Vec<String>) {
        match self {
            Scope::All => ("1 = 1".into(), Vec::new()),
            Scope::Namespaces([]) => ("1 = 0".into(), Vec::new()),
            Scope::Namespaces(ns) => (
                format!("{col} IN ({})", placeholders(from, ns.len())),
                ns.to_vec(),
            ),
        }
    }
}

/// Endpoints in `scope`, newest first, after `before` (an id) when paging.
pub async fn list_endpoints(
    c: &mut AnyConnection,
    scope: &Scope<'_>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<EndpointRow>> {
    let (cond, binds) = scope.condition("namespace", 3);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EP_COLS} FROM webhook_endpoints WHERE {cond} AND ($1 = '' OR id < $1) \
         ORDER BY id DESC LIMIT $2"
    )))
    .bind(before.unwrap_or(""))
    .bind(limit);
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(endpoint_row).collect()
}

/// Every enabled endpoint (what the dispatcher matches events against).
pub async fn enabled_endpoints(c: &mut AnyConnection) -> Result<Vec<EndpointRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {EP_COLS} FROM webhook_endpoints WHERE enabled = 1 ORDER BY id"
    )))
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(endpoint_row).collect()
}

/// Endpoints by state, for metrics: (enabled, disabled).
pub async fn endpoint_counts(c: &mut AnyConnection) -> Result<(i64, i64)> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(SUM(enabled), 0) AS BIGINT) AS on_, COUNT(*) - CAST(COALESCE(SUM(enabled), 0) AS BIGINT) AS off \
         FROM webhook_endpoints",
    )
    .fetch_one(&mut *c)
    .await?;
    Ok((r.try_get("on_")?, r.try_get("off")?))
}

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

/// Stores a new message; false when the endpoint already has one for this event
/// (a second dispatcher got there first).
pub async fn insert_message(c: &mut AnyConnection, m: &MessageRow) -> Result<bool> {
    Ok(!insert_messages(c, std::slice::from_ref(m))
        .await?
        .is_empty())
}

/// [`insert_message`] for many messages, in statements of up to 200 rows;
/// returns the ids of those that were new (an endpoint's second message for
/// one event is not inserted).
pub async fn insert_messages(c: &mut AnyConnection, all: &[MessageRow]) -> Result<Vec<String>> {
    let mut fresh = Vec::with_capacity(all.len());
    for chunk in all.chunks(200) {
        let values = crate::value_rows(chunk.len(), 13);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO webhook_messages ({MSG_COLS}) VALUES {values} \
             ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id"
        )));
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

/// A message and its endpoint in one read (what a delivery starts from);
/// `None` when the message is gone, an endpoint of `None` when it is.
pub async fn message_and_endpoint(
    c: &mut AnyConnection,
    id: &str,
) -> Result<Option<(MessageRow, Option<EndpointRow>)>> {
    let m_cols = crate::qualified(MSG_COLS, "m", None);
    let e_cols = crate::qualified(EP_COLS, "e", Some("ep_"));
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {m_cols}, {e_cols} FROM webhook_messages m \
         LEFT JOIN webhook_endpoints e ON e.id = m.endpoint_id WHERE m.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let endpoint = match r.try_get::<Option<String>, _>("ep_id")? {
        Some(_) => Some(endpoint_row_as(&r, "ep_")?),
        None => None,
    };
    Ok(Some((message_row(&r)?, endpoint)))
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
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {m_cols}, {e_cols} FROM webhook_messages m \
         LEFT JOIN webhook_endpoints e ON e.id = m.endpoint_id WHERE m.id IN ({})",
        crate::placeholders(1, ids.len())
    )));
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
        let values = crate::value_rows(chunk.len(), 6);
        // VALUES columns are named column1, column2, … on both engines.
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE webhook_messages SET state = v.column2, attempts = attempts + 1, \
             last_status = v.column3, last_error = v.column4, last_attempt_at = v.column5, \
             next_attempt_at = v.column6, \
             delivered_at = CASE WHEN v.column2 = 'delivered' THEN v.column5 ELSE delivered_at END \
             FROM (VALUES {values}) AS v WHERE webhook_messages.id = v.column1"
        )));
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
