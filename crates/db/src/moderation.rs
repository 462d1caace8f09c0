//! Moderation: reports of plugins, the resolution of every report (review and
//! plugin: who resolved it, when, how), the moderation queue (reported targets
//! grouped, with their reports), hiding reviews, delisting plugins, disabling
//! users, and the admin's user search. Times are unix seconds.
//!
//! A report is open while `resolved_at` is NULL. Resolving a target resolves
//! every open report of it at once, with one of [`RESOLUTIONS`].

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{opt_i64, placeholders, DbError, Result};

/// How a report was resolved: the review was hidden, the plugin delisted, or
/// the report dismissed.
pub const RESOLUTIONS: [&str; 3] = ["hidden", "delisted", "dismissed"];

/// What a report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Review,
    Plugin,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Review => "review",
            Kind::Plugin => "plugin",
        }
    }
}

/// Records a report of a plugin; [`DbError::Conflict`] when the user reported
/// it already (open or resolved).
pub async fn report_plugin(
    c: &mut AnyConnection,
    plugin_id: &str,
    user_id: i64,
    reason: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plugin_reports (plugin_id, user_id, reason, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(plugin_id)
    .bind(user_id)
    .bind(reason)
    .bind(detail)
    .bind(now)
    .execute(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    Ok(())
}

/// How many open reports a plugin has.
pub async fn open_plugin_reports(c: &mut AnyConnection, plugin_id: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM plugin_reports WHERE plugin_id = $1 AND resolved_at IS NULL",
    )
    .bind(plugin_id)
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get("n")?)
}

/// Whether the user has reported the plugin (open or resolved).
pub async fn reported_plugin(c: &mut AnyConnection, plugin_id: &str, user_id: i64) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM plugin_reports WHERE plugin_id = $1 AND user_id = $2")
            .bind(plugin_id)
            .bind(user_id)
            .fetch_optional(&mut *c)
            .await?
            .is_some(),
    )
}

/// Resolves every open report of a target as `resolution` by `by`; returns
/// how many were open.
pub async fn resolve(
    c: &mut AnyConnection,
    kind: Kind,
    target: &str,
    by: i64,
    resolution: &str,
    now: i64,
) -> Result<u64> {
    let sql = match kind {
        Kind::Review => {
            "UPDATE review_reports SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE review_id = $4 AND resolved_at IS NULL"
        }
        Kind::Plugin => {
            "UPDATE plugin_reports SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE plugin_id = $4 AND resolved_at IS NULL"
        }
    };
    let q = sqlx::query(sql).bind(now).bind(by).bind(resolution);
    let q = match kind {
        Kind::Review => q.bind(target.parse::<i64>().unwrap_or(-1)),
        Kind::Plugin => q.bind(target),
    };
    Ok(q.execute(&mut *c).await?.rows_affected())
}

/// One reported target of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub kind: Kind,
    /// The review id (as text) or the plugin id.
    pub target: String,
    /// Reports of it in the state asked for.
    pub reports: i64,
    pub first_at: i64,
    pub last_at: i64,
    /// The latest resolution's time (resolved reports only).
    pub resolved_at: Option<i64>,
}

/// Reported targets with open reports (`open`) or with resolved ones, of one
/// kind or both, of one plugin (itself and its reviews) or all: open ones by
/// latest report, resolved ones by latest resolution, newest first.
pub async fn queue(
    c: &mut AnyConnection,
    open: bool,
    kind: Option<Kind>,
    plugin: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<QueueRow>> {
    let state = if open {
        "resolved_at IS NULL"
    } else {
        "resolved_at IS NOT NULL"
    };
    let order = if open {
        "last_at DESC"
    } else {
        "resolved_at DESC"
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT kind, target, COUNT(*) AS n, MIN(created_at) AS first_at, \
         MAX(created_at) AS last_at, MAX(resolved_at) AS resolved_at FROM ( \
         SELECT 'review' AS kind, CAST(rr.review_id AS TEXT) AS target, r.plugin_id AS plugin, \
         rr.created_at, rr.resolved_at \
         FROM review_reports rr JOIN reviews r ON r.id = rr.review_id WHERE rr.{state} \
         UNION ALL SELECT 'plugin' AS kind, plugin_id AS target, plugin_id AS plugin, created_at, resolved_at \
         FROM plugin_reports WHERE {state}) t \
         WHERE ($1 = '' OR kind = $1) AND ($4 = '' OR plugin = $4) GROUP BY kind, target \
         ORDER BY {order}, kind, target LIMIT $2 OFFSET $3"
    )))
    .bind(kind.map_or("", Kind::as_str))
    .bind(limit)
    .bind(offset)
    .bind(plugin.unwrap_or(""))
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind")?;
            Ok(QueueRow {
                kind: if kind == "review" {
                    Kind::Review
                } else {
                    Kind::Plugin
                },
                target: r.try_get("target")?,
                reports: r.try_get("n")?,
                first_at: r.try_get("first_at")?,
                last_at: r.try_get("last_at")?,
                resolved_at: opt_i64(r, "resolved_at")?,
            })
        })
        .collect()
}

/// One report, with its reporter's and resolver's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The review id (as text) or the plugin id.
    pub target: String,
    pub reporter: String,
    pub reason: String,
    pub detail: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// The open (`open`) or resolved reports of `targets` (review ids as text, or
/// plugin ids), newest first, in one query.
pub async fn reports_of(
    c: &mut AnyConnection,
    kind: Kind,
    targets: &[String],
    open: bool,
) -> Result<Vec<ReportRow>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let (table, col, target) = match kind {
        Kind::Review => ("review_reports", "review_id", "CAST(x.review_id AS TEXT)"),
        Kind::Plugin => ("plugin_reports", "plugin_id", "x.plugin_id"),
    };
    let state = if open {
        "x.resolved_at IS NULL"
    } else {
        "x.resolved_at IS NOT NULL"
    };
    let sql = format!(
        "SELECT {target} AS target, u.username AS reporter, x.reason AS reason, \
         x.detail AS detail, x.created_at AS created_at, x.resolved_at AS resolved_at, \
         ru.username AS resolved_by, x.resolution AS resolution FROM {table} x \
         JOIN users u ON u.id = x.user_id LEFT JOIN users ru ON ru.id = x.resolved_by \
         WHERE {state} AND x.{col} IN ({}) ORDER BY x.created_at DESC, u.username",
        placeholders(1, targets.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for t in targets {
        q = match kind {
            Kind::Review => q.bind(t.parse::<i64>().unwrap_or(-1)),
            Kind::Plugin => q.bind(t.as_str()),
        };
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| {
            Ok(ReportRow {
                target: r.try_get("target")?,
                reporter: r.try_get("reporter")?,
                reason: r.try_get("reason")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
                resolved_at: opt_i64(r, "resolved_at")?,
                resolved_by: r.try_get("resolved_by")?,
                resolution: r.try_get("resolution")?,
            })
        })
        .collect()
}

/// The plugin a review belongs to, if the review exists.
pub async fn review_plugin(c: &mut AnyConnection, review_id: i64) -> Result<Option<String>> {
    let row = sqlx::query("SELECT plugin_id FROM reviews WHERE id = $1")
        .bind(review_id)
        .fetch_optional(&mut *c)
        .await?;
    Ok(row.map(|r| r.try_get("plugin_id")).transpose()?)
}

/// Hides a review with `(reason, by)`, or shows it again with `None`.
pub async fn set_review_hidden(
    c: &mut AnyConnection,
    review_id: i64,
    hidden: Option<(&str, i64)>,
    now: i64,
) -> Result<()> {
    let (reason, by) = hidden.unzip();
    sqlx::query(
        "UPDATE reviews SET hidden_at = $2, hidden_reason = $3, hidden_by = $4 WHERE id = $1",
    )
    .bind(review_id)
    .bind(hidden.map(|_| now))
    .bind(reason)
    .bind(by)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// What the moderation pages show of a plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginBrief {
    pub id: String,
    pub namespace: String,
    pub display_name: String,
    pub delisted_at: Option<i64>,
    pub delisted_reason: Option<String>,
}

fn brief(r: &AnyRow) -> Result<PluginBrief> {
    Ok(PluginBrief {
        id: r.try_get("id")?,
        namespace: r.try_get("namespace")?,
        display_name: r.try_get("display_name")?,
        delisted_at: opt_i64(r, "delisted_at")?,
        delisted_reason: r.try_get("delisted_reason")?,
    })
}

/// The plugins `ids` (unknown ones left out), in one query.
pub async fn plugin_briefs(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<PluginBrief>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id AS id, n.name AS namespace, p.display_name AS display_name, \
         p.delisted_at AS delisted_at, p.delisted_reason AS delisted_reason \
         FROM plugins p JOIN namespaces n ON n.id = p.namespace_id WHERE p.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    q.fetch_all(&mut *c).await?.iter().map(brief).collect()
}

/// Delists a plugin with `(public reason, by)`, or lists it again with `None`.
pub async fn set_delisted(
    c: &mut AnyConnection,
    plugin_id: &str,
    delisted: Option<(&str, i64)>,
    now: i64,
) -> Result<()> {
    let (reason, by) = delisted.unzip();
    sqlx::query(
        "UPDATE plugins SET delisted_at = $2, delisted_reason = $3, delisted_by = $4 WHERE id = $1",
    )
    .bind(plugin_id)
    .bind(delisted.map(|_| now))
    .bind(reason)
    .bind(by)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Disables a user with `(reason, by)`, or enables them with `None`.
pub async fn set_disabled(
    c: &mut AnyConnection,
    user_id: i64,
    disabled: Option<(&str, i64)>,
    now: i64,
) -> Result<()> {
    let (reason, by) = disabled.unzip();
    sqlx::query(
        "UPDATE users SET disabled_at = $2, disabled_reason = $3, disabled_by = $4 WHERE id = $1",
    )
    .bind(user_id)
    .bind(disabled.map(|_| now))
    .bind(reason)
    .bind(by)
    .execute(&mut *c)
    .await?;
    Ok(())
}
