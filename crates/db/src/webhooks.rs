//! Webhook endpoints. Their messages (one event for one endpoint) are in
//! [`crate::webhook_messages`]; the delivery attempts and the analytics read
//! from them in [`crate::webhook_attempts`].
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

pub(crate) const EP_COLS: &str = "id, namespace, url, description, event_types, filter, headers, \
    rate_limit_per_sec, format, enabled, disabled_reason, disabled_at, secret, previous_secret, \
    previous_secret_until, failing_since, created_by, created_at, updated_at";

fn endpoint_row(r: &AnyRow) -> Result<EndpointRow> {
    endpoint_row_as(r, "")
}

/// An endpoint from columns named with `prefix` (a join's aliases; no
/// allocation for the plain names).
pub(crate) fn endpoint_row_as(r: &AnyRow, prefix: &str) -> Result<EndpointRow> {
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
