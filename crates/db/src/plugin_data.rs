//! What installed plugins keep: each installation's key-value store, its log
//! lines (bounded by the runtime) and its last flushed health.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{opt_i64, Result};

/// A stored value (JSON text), if any.
pub async fn kv_get(
    c: &mut AnyConnection,
    installation: &str,
    key: &str,
) -> Result<Option<String>> {
    let r = sqlx::query("SELECT value FROM plugin_kv WHERE installation_id = $1 AND key = $2")
        .bind(installation)
        .bind(key)
        .fetch_optional(&mut *c)
        .await?;
    Ok(r.map(|r| r.try_get("value")).transpose()?)
}

/// `(keys, bytes of keys and values)` an installation stores, without `except`
/// (the key about to be replaced).
pub async fn kv_usage(
    c: &mut AnyConnection,
    installation: &str,
    except: &str,
) -> Result<(i64, i64)> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) AS bytes \
         FROM plugin_kv WHERE installation_id = $1 AND key <> $2",
    )
    .bind(installation)
    .bind(except)
    .fetch_one(&mut *c)
    .await?;
    Ok((r.try_get("n")?, r.try_get("bytes")?))
}

/// Stores a value (JSON text) under a key, replacing what was there.
pub async fn kv_set(
    c: &mut AnyConnection,
    installation: &str,
    key: &str,
    value: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plugin_kv (installation_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (installation_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(installation)
    .bind(key)
    .bind(value)
    .bind(at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Stores a value under a key only while the stored text is still `current`
/// (what the caller read; `None`: the key is not set), in one statement, so of
/// two callers that read the same value only one replaces it. `true` when
/// stored.
pub async fn kv_replace(
    c: &mut AnyConnection,
    installation: &str,
    key: &str,
    current: Option<&str>,
    value: &str,
    at: i64,
) -> Result<bool> {
    let done = match current {
        None => {
            sqlx::query(
                "INSERT INTO plugin_kv (installation_id, key, value, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (installation_id, key) DO NOTHING",
            )
            .bind(installation)
            .bind(key)
            .bind(value)
            .bind(at)
            .execute(&mut *c)
            .await?
        }
        Some(current) => {
            sqlx::query(
                "UPDATE plugin_kv SET value = $3, updated_at = $4 \
                 WHERE installation_id = $1 AND key = $2 AND value = $5",
            )
            .bind(installation)
            .bind(key)
            .bind(value)
            .bind(at)
            .bind(current)
            .execute(&mut *c)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Deletes a key.
pub async fn kv_delete(c: &mut AnyConnection, installation: &str, key: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM plugin_kv WHERE installation_id = $1 AND key = $2")
        .bind(installation)
        .bind(key)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A log line.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRow {
    pub id: i64,
    pub installation_id: String,
    /// Unix ms.
    pub at: i64,
    /// `debug`, `info`, `warn`, `error`.
    pub level: String,
    pub message: String,
}

fn log_row(r: &AnyRow) -> Result<LogRow> {
    Ok(LogRow {
        id: r.try_get("id")?,
        installation_id: r.try_get("installation_id")?,
        at: r.try_get("at")?,
        level: r.try_get("level")?,
        message: r.try_get("message")?,
    })
}

/// Appends log lines `(at, level, message)` of one installation in one
/// statement per 100 lines.
pub async fn append_logs(
    c: &mut AnyConnection,
    installation: &str,
    lines: &[(i64, String, String)],
) -> Result<()> {
    for chunk in lines.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${}, ${})", 2 + i * 3, 3 + i * 3, 4 + i * 3))
            .collect();
        let sql = format!(
            "INSERT INTO plugin_logs (installation_id, at, level, message) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(installation.to_owned());
        for (at, level, message) in chunk {
            q = q.bind(*at).bind(level.clone()).bind(message.clone());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Keeps the newest `keep` lines of an installation, deleting older ones.
pub async fn trim_logs(c: &mut AnyConnection, installation: &str, keep: i64) -> Result<u64> {
    let cut = sqlx::query(
        "SELECT id FROM plugin_logs WHERE installation_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2",
    )
    .bind(installation)
    .bind(keep)
    .fetch_optional(&mut *c)
    .await?;
    let Some(cut) = cut else { return Ok(0) };
    let cut: i64 = cut.try_get("id")?;
    let done = sqlx::query("DELETE FROM plugin_logs WHERE installation_id = $1 AND id <= $2")
        .bind(installation)
        .bind(cut)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected())
}

/// An installation's log lines at these levels, newest first, older than
/// `before` (an id) when given.
pub async fn logs(
    c: &mut AnyConnection,
    installation: &str,
    levels: &[&str],
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<LogRow>> {
    let levels_sql: Vec<String> = (0..levels.len()).map(|i| format!("${}", 4 + i)).collect();
    let level_cond = if levels.is_empty() {
        String::new()
    } else {
        format!(" AND level IN ({})", levels_sql.join(", "))
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT id, installation_id, at, level, message FROM plugin_logs \
         WHERE installation_id = $1 AND id < $2{level_cond} ORDER BY id DESC LIMIT $3"
    )))
    .bind(installation.to_owned())
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit);
    for l in levels {
        q = q.bind(l.to_string());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(log_row).collect()
}

/// An installation's health as last flushed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HealthRow {
    pub installation_id: String,
    /// `healthy`, `degraded`, `failing`.
    pub status: String,
    pub calls: i64,
    pub errors: i64,
    pub p50_ms: i64,
    pub p95_ms: i64,
    pub fuel: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub consecutive_failures: i64,
    pub updated_at: i64,
}

const HEALTH_COLS: &str = "installation_id, status, calls, errors, p50_ms, p95_ms, fuel, \
    last_error, last_error_at, consecutive_failures, updated_at";

fn health_row(r: &AnyRow) -> Result<HealthRow> {
    Ok(HealthRow {
        installation_id: r.try_get("installation_id")?,
        status: r.try_get("status")?,
        calls: r.try_get("calls")?,
        errors: r.try_get("errors")?,
        p50_ms: r.try_get("p50_ms")?,
        p95_ms: r.try_get("p95_ms")?,
        fuel: r.try_get("fuel")?,
        last_error: r.try_get("last_error")?,
        last_error_at: opt_i64(r, "last_error_at")?,
        consecutive_failures: r.try_get("consecutive_failures")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Writes an installation's health (insert or replace), unless the stored row
/// is newer (a flush that read the figures before a call wrote its own).
pub async fn save_health(c: &mut AnyConnection, h: &HealthRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO plugin_health (installation_id, status, calls, errors, p50_ms, p95_ms, fuel, \
         last_error, last_error_at, consecutive_failures, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (installation_id) DO UPDATE SET status = excluded.status, \
         calls = excluded.calls, errors = excluded.errors, p50_ms = excluded.p50_ms, \
         p95_ms = excluded.p95_ms, fuel = excluded.fuel, last_error = excluded.last_error, \
         last_error_at = excluded.last_error_at, \
         consecutive_failures = excluded.consecutive_failures, updated_at = excluded.updated_at \
         WHERE plugin_health.updated_at <= excluded.updated_at",
    )
    .bind(&h.installation_id)
    .bind(&h.status)
    .bind(h.calls)
    .bind(h.errors)
    .bind(h.p50_ms)
    .bind(h.p95_ms)
    .bind(h.fuel)
    .bind(&h.last_error)
    .bind(h.last_error_at)
    .bind(h.consecutive_failures)
    .bind(h.updated_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The stored health of these installations.
pub async fn health_of(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<HealthRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {HEALTH_COLS} FROM plugin_health WHERE installation_id IN ({})",
        crate::placeholders(1, ids.len())
    )));
    for id in ids {
        q = q.bind(id.clone());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter().map(health_row).collect()
}
