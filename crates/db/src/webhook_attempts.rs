//! Webhook delivery attempts: every attempt recorded (time, status, latency,
//! truncated response, error kind), and the analytics read from them over a
//! window: totals, latency percentiles, failures by reason and a time series.
//!
//! Percentiles are read with `ORDER BY latency_ms LIMIT 1 OFFSET k` (one indexed
//! range scan of the window each), which both engines run the same way; the
//! retention setting bounds how many rows a window can hold.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{opt_i64, placeholders, Result};

/// An attempt to record.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRow {
    /// Set by the database (0 when recording).
    pub id: i64,
    pub message_id: String,
    pub endpoint_id: String,
    /// Unix ms.
    pub attempted_at: i64,
    pub success: bool,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// `http_status`, `gone`, `redirect`, `timeout`, `connect`, `dns`, `refused_address`, `body`, `request`.
    pub error_kind: Option<String>,
    pub error: Option<String>,
    /// JSON object: the request headers sent (signatures included).
    pub request_headers: String,
    /// JSON object, when a response came.
    pub response_headers: Option<String>,
    /// The response body, truncated.
    pub response_body: Option<String>,
}

const COLS: &str = "id, message_id, endpoint_id, attempted_at, success, status_code, latency_ms, \
    error_kind, error, request_headers, response_headers, response_body";

fn attempt_row(r: &AnyRow) -> Result<AttemptRow> {
    Ok(AttemptRow {
        id: r.try_get("id")?,
        message_id: r.try_get("message_id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        attempted_at: r.try_get("attempted_at")?,
        success: crate::flag(r, "success")?,
        status_code: opt_i64(r, "status_code")?,
        latency_ms: r.try_get("latency_ms")?,
        error_kind: r.try_get("error_kind")?,
        error: r.try_get("error")?,
        request_headers: r.try_get("request_headers")?,
        response_headers: r.try_get("response_headers")?,
        response_body: r.try_get("response_body")?,
    })
}

/// Records attempts, in statements of up to [`INSERT_CHUNK`] rows (one round
/// trip for a batch instead of one per attempt).
pub async fn insert_many(c: &mut AnyConnection, rows: &[AttemptRow]) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = format!(
            "INSERT INTO webhook_attempts (message_id, endpoint_id, attempted_at, success, \
             status_code, latency_ms, error_kind, error, request_headers, response_headers, \
             response_body) VALUES {}",
            crate::value_rows(chunk.len(), 11)
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for a in chunk {
            q = q
                .bind(&a.message_id)
                .bind(&a.endpoint_id)
                .bind(a.attempted_at)
                .bind(a.success as i64)
                .bind(a.status_code)
                .bind(a.latency_ms)
                .bind(&a.error_kind)
                .bind(&a.error)
                .bind(&a.request_headers)
                .bind(&a.response_headers)
                .bind(&a.response_body);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Rows per statement in [`insert_many`] (11 parameters each: well under
/// SQLite's 32,766 and PostgreSQL's 65,535).
pub const INSERT_CHUNK: usize = 200;

/// A message's attempts, oldest first.
pub async fn of_message(c: &mut AnyConnection, message_id: &str) -> Result<Vec<AttemptRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM webhook_attempts WHERE message_id = $1 ORDER BY id"
    )))
    .bind(message_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(attempt_row).collect()
}

/// Deletes attempts made before `before_ms`.
pub async fn prune(c: &mut AnyConnection, before_ms: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM webhook_attempts WHERE attempted_at < $1")
        .bind(before_ms)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

/// What the analytics cover: attempts from `since` (unix ms) to now, of these
/// endpoints (`None`: all).
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub since: i64,
    pub endpoints: Option<&'a [String]>,
}

impl Window<'_> {
    /// `WHERE` over `webhook_attempts` (or messages, `time_col`), `$1` = since,
    /// endpoint ids from `$from`.
    fn condition(&self, time_col: &str, from: usize) -> String {
        let eps = match self.endpoints {
            None => String::new(),
            Some([]) => " AND 1 = 0".into(),
            Some(e) => format!(" AND endpoint_id IN ({})", placeholders(from, e.len())),
        };
        format!("{time_col} >= $1{eps}")
    }

    fn bind_endpoints<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        if let Some(eps) = self.endpoints {
            for e in eps {
                q = q.bind(e.clone());
            }
        }
        q
    }
}

/// Totals over a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub attempts: i64,
    pub successes: i64,
    /// Messages created in the window, and how many of them were delivered.
    pub messages: i64,
    pub delivered: i64,
    pub failed: i64,
    /// Attempts made for messages created in the window.
    pub message_attempts: i64,
}

/// Counts over a window.
pub async fn totals(c: &mut AnyConnection, w: &Window<'_>) -> Result<Totals> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(success), 0) AS BIGINT) AS ok FROM webhook_attempts WHERE {}",
        w.condition("attempted_at", 2)
    )))
    .bind(w.since);
    let a = w.bind_endpoints(q).fetch_one(&mut *c).await?;
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n, \
         CAST(COALESCE(SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END), 0) AS BIGINT) AS delivered, \
         CAST(COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS failed, \
         CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS attempts FROM webhook_messages WHERE {}",
        w.condition("created_at", 2)
    )))
    .bind(w.since);
    let m = w.bind_endpoints(q).fetch_one(&mut *c).await?;
    Ok(Totals {
        attempts: a.try_get("n")?,
        successes: a.try_get("ok")?,
        messages: m.try_get("n")?,
        delivered: m.try_get("delivered")?,
        failed: m.try_get("failed")?,
        message_attempts: m.try_get("attempts")?,
    })
}

/// The latency (ms) at each quantile of `qs` (0..1) among the window's attempts
/// that got a response or timed out; `None` when there were none.
pub async fn latency_quantiles(
    c: &mut AnyConnection,
    w: &Window<'_>,
    qs: &[f64],
) -> Result<Vec<Option<i64>>> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM webhook_attempts WHERE {}",
        w.condition("attempted_at", 2)
    )))
    .bind(w.since);
    let n: i64 = w.bind_endpoints(q).fetch_one(&mut *c).await?.try_get("n")?;
    let mut out = Vec::with_capacity(qs.len());
    for &quantile in qs {
        if n == 0 {
            out.push(None);
            continue;
        }
        // Nearest rank: the ceil(q * n)-th smallest.
        let rank = ((quantile * n as f64).ceil() as i64).clamp(1, n);
        let q = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT latency_ms FROM webhook_attempts WHERE {} ORDER BY latency_ms \
             LIMIT 1 OFFSET {}",
            w.condition("attempted_at", 2),
            rank - 1
        )))
        .bind(w.since);
        let row = w.bind_endpoints(q).fetch_optional(&mut *c).await?;
        out.push(row.map(|r| r.try_get("latency_ms")).transpose()?);
    }
    Ok(out)
}

/// Failed attempts by error kind, most frequent first.
pub async fn failures_by_kind(c: &mut AnyConnection, w: &Window<'_>) -> Result<Vec<(String, i64)>> {
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COALESCE(error_kind, 'unknown') AS kind, COUNT(*) AS n FROM webhook_attempts \
         WHERE {} AND success = 0 GROUP BY COALESCE(error_kind, 'unknown') ORDER BY n DESC, kind",
        w.condition("attempted_at", 2)
    )))
    .bind(w.since);
    let rows = w.bind_endpoints(q).fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
        .collect()
}

/// One bucket of the time series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Start of the bucket (unix ms).
    pub start: i64,
    pub attempts: i64,
    pub successes: i64,
    pub avg_latency_ms: f64,
    pub max_latency_ms: i64,
}

/// Attempts over the window in buckets of `bucket_ms` (only buckets with attempts).
pub async fn series(c: &mut AnyConnection, w: &Window<'_>, bucket_ms: i64) -> Result<Vec<Bucket>> {
    let bucket_ms = bucket_ms.max(1);
    let q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT (attempted_at / {bucket_ms}) * {bucket_ms} AS start, COUNT(*) AS n, \
         CAST(COALESCE(SUM(success), 0) AS BIGINT) AS ok, CAST(COALESCE(SUM(latency_ms), 0) AS BIGINT) AS total, \
         COALESCE(MAX(latency_ms), 0) AS worst FROM webhook_attempts WHERE {} \
         GROUP BY (attempted_at / {bucket_ms}) ORDER BY 1",
        w.condition("attempted_at", 2)
    )))
    .bind(w.since);
    let rows = w.bind_endpoints(q).fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| {
            let n: i64 = r.try_get("n")?;
            let total: i64 = r.try_get("total")?;
            Ok(Bucket {
                start: r.try_get("start")?,
                attempts: n,
                successes: r.try_get("ok")?,
                avg_latency_ms: if n > 0 { total as f64 / n as f64 } else { 0.0 },
                max_latency_ms: r.try_get("worst")?,
            })
        })
        .collect()
}

/// Health at a glance of each endpoint of `ids`: attempts and successes since
/// `since` (unix ms), the last attempt (time, status) and pending messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    pub attempts: i64,
    pub successes: i64,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub pending: i64,
}

/// [`Health`] of each endpoint of `ids` (endpoints without any keep the default).
pub async fn health(
    c: &mut AnyConnection,
    ids: &[String],
    since: i64,
) -> Result<Vec<(String, Health)>> {
    let mut out: Vec<(String, Health)> =
        ids.iter().map(|i| (i.clone(), Health::default())).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = placeholders(2, ids.len());
    let bind_all = |mut q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>| {
        for i in ids {
            q = q.bind(i.clone());
        }
        q
    };
    let at = |id: &str| ids.iter().position(|i| i == id);
    let rows = bind_all(
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT endpoint_id, COUNT(*) AS n, CAST(COALESCE(SUM(success), 0) AS BIGINT) AS ok \
             FROM webhook_attempts WHERE attempted_at >= $1 AND endpoint_id IN ({list}) \
             GROUP BY endpoint_id"
        )))
        .bind(since),
    )
    .fetch_all(&mut *c)
    .await?;
    let mut found = Vec::new();
    for r in &rows {
        let id: String = r.try_get("endpoint_id")?;
        found.push((id, r.try_get::<i64, _>("n")?, r.try_get::<i64, _>("ok")?));
    }
    let list1 = placeholders(1, ids.len());
    let last = bind_all(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT endpoint_id, attempted_at, status_code FROM webhook_attempts WHERE id IN \
         (SELECT MAX(id) FROM webhook_attempts WHERE endpoint_id IN ({list1}) \
         GROUP BY endpoint_id)"
    ))))
    .fetch_all(&mut *c)
    .await?;
    let pending = bind_all(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT endpoint_id, COUNT(*) AS n FROM webhook_messages \
         WHERE state = 'pending' AND endpoint_id IN ({list1}) GROUP BY endpoint_id"
    ))))
    .fetch_all(&mut *c)
    .await?;
    for (id, n, ok) in found {
        if let Some(i) = at(&id) {
            out[i].1.attempts = n;
            out[i].1.successes = ok;
        }
    }
    for r in &last {
        let id: String = r.try_get("endpoint_id")?;
        if let Some(i) = at(&id) {
            out[i].1.last_attempt_at = Some(r.try_get("attempted_at")?);
            out[i].1.last_status = opt_i64(r, "status_code")?;
        }
    }
    for r in &pending {
        let id: String = r.try_get("endpoint_id")?;
        if let Some(i) = at(&id) {
            out[i].1.pending = r.try_get("n")?;
        }
    }
    Ok(out)
}
