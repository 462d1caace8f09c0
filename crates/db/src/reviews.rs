//! Reviews of plugins, their helpful votes and abuse reports, and the rating
//! sums read from them (per plugin, per version, for a batch of plugins, and
//! the instance's mean). Times are unix seconds. The publisher's reply lives
//! on the review's row (one per review). A review a moderator hid
//! (`hidden_at`, set by `crate::moderation`) is left out of every list, sum
//! and trend here; [`get`] and [`by_user`] still return it.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{opt_i64, placeholders, DbError, Result};

/// A review as stored, with its author's and replier's user names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: i64,
    pub plugin_id: String,
    pub user_id: i64,
    pub author: String,
    pub version: String,
    pub api_version: Option<String>,
    pub stars: i64,
    pub title: String,
    pub body: String,
    pub helpful: i64,
    pub reply_body: Option<String>,
    pub reply_by: Option<String>,
    pub reply_at: Option<i64>,
    pub reply_updated_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When a moderator hid it (`None`: visible). A hidden review is left out
    /// of every list and rating sum here; its author still sees it.
    pub hidden_at: Option<i64>,
    /// The moderator's reason, shown to the author.
    pub hidden_reason: Option<String>,
}

/// A new review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview<'a> {
    pub plugin_id: &'a str,
    pub user_id: i64,
    pub version: &'a str,
    pub api_version: Option<&'a str>,
    pub stars: i64,
    pub title: &'a str,
    pub body: &'a str,
}

/// The order of a review list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most helpful votes first, then newest.
    Helpful,
    Newest,
    /// Most stars first, then newest.
    Highest,
    /// Fewest stars first, then newest.
    Lowest,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            Sort::Helpful => "r.helpful DESC, r.created_at DESC, r.id DESC",
            Sort::Newest => "r.created_at DESC, r.id DESC",
            Sort::Highest => "r.stars DESC, r.created_at DESC, r.id DESC",
            Sort::Lowest => "r.stars ASC, r.created_at DESC, r.id DESC",
        }
    }
}

const COLS: &str =
    "r.id AS id, r.plugin_id AS plugin_id, r.user_id AS user_id, u.username AS author, \
    r.version AS version, r.api_version AS api_version, r.stars AS stars, r.title AS title, \
    r.body AS body, r.helpful AS helpful, r.reply_body AS reply_body, ru.username AS reply_by, \
    r.reply_at AS reply_at, r.reply_updated_at AS reply_updated_at, r.created_at AS created_at, \
    r.updated_at AS updated_at, r.hidden_at AS hidden_at, r.hidden_reason AS hidden_reason \
    FROM reviews r JOIN users u ON u.id = r.user_id LEFT JOIN users ru ON ru.id = r.reply_by";

fn review_row(r: &AnyRow) -> Result<ReviewRow> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        plugin_id: r.try_get("plugin_id")?,
        user_id: r.try_get("user_id")?,
        author: r.try_get("author")?,
        version: r.try_get("version")?,
        api_version: r.try_get("api_version")?,
        stars: r.try_get("stars")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        helpful: r.try_get("helpful")?,
        reply_body: r.try_get("reply_body")?,
        reply_by: r.try_get("reply_by")?,
        reply_at: opt_i64(r, "reply_at")?,
        reply_updated_at: opt_i64(r, "reply_updated_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        hidden_at: opt_i64(r, "hidden_at")?,
        hidden_reason: r.try_get("hidden_reason")?,
    })
}

/// Inserts a review; [`DbError::Conflict`] when the user already reviewed the plugin.
pub async fn insert(c: &mut AnyConnection, r: &NewReview<'_>, now: i64) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO reviews (plugin_id, user_id, version, api_version, stars, title, body, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(r.plugin_id)
    .bind(r.user_id)
    .bind(r.version)
    .bind(r.api_version)
    .bind(r.stars)
    .bind(r.title)
    .bind(r.body)
    .bind(now)
    .fetch_one(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    Ok(row.try_get("id")?)
}

/// The review `id` of plugin `plugin_id`, if any.
pub async fn get(c: &mut AnyConnection, plugin_id: &str, id: i64) -> Result<Option<ReviewRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} WHERE r.plugin_id = $1 AND r.id = $2"
    )))
    .bind(plugin_id)
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(review_row).transpose()
}

/// The reviews `ids` (hidden ones included; unknown ids left out), in one query.
pub async fn by_ids(c: &mut AnyConnection, ids: &[i64]) -> Result<Vec<ReviewRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLS} WHERE r.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql));
    for id in ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut *c).await?.iter().map(review_row).collect()
}

/// The user's review of the plugin, if any.
pub async fn by_user(
    c: &mut AnyConnection,
    plugin_id: &str,
    user_id: i64,
) -> Result<Option<ReviewRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} WHERE r.plugin_id = $1 AND r.user_id = $2"
    )))
    .bind(plugin_id)
    .bind(user_id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(review_row).transpose()
}

/// A page of a plugin's visible reviews (of one version when given).
pub async fn list(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: Option<&str>,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Vec<ReviewRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} WHERE r.plugin_id = $1 AND ($2 = '' OR r.version = $2) \
         AND r.hidden_at IS NULL ORDER BY {} LIMIT $3 OFFSET $4",
        sort.order_by()
    )))
    .bind(plugin_id)
    .bind(version.unwrap_or(""))
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(review_row).collect()
}

/// Replaces a review's own fields from `r` (its plugin and author stay).
pub async fn update(c: &mut AnyConnection, id: i64, r: &NewReview<'_>, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE reviews SET version = $2, api_version = $3, stars = $4, title = $5, body = $6, \
         updated_at = $7 WHERE id = $1",
    )
    .bind(id)
    .bind(r.version)
    .bind(r.api_version)
    .bind(r.stars)
    .bind(r.title)
    .bind(r.body)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Deletes a review (its votes and reports go with it).
pub async fn delete(c: &mut AnyConnection, id: i64) -> Result<bool> {
    // Explicit, so the outcome does not depend on SQLite's foreign-key pragma.
    sqlx::query("DELETE FROM review_votes WHERE review_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM review_reports WHERE review_id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?;
    let n = sqlx::query("DELETE FROM reviews WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Sets (or, with `None`, removes) the publisher's reply.
pub async fn set_reply(
    c: &mut AnyConnection,
    id: i64,
    reply: Option<(&str, i64)>,
    now: i64,
) -> Result<()> {
    match reply {
        Some((body, by)) => {
            sqlx::query(
                "UPDATE reviews SET reply_body = $2, reply_by = $3, \
                 reply_at = COALESCE(reply_at, $4), reply_updated_at = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(body)
            .bind(by)
            .bind(now)
            .execute(&mut *c)
            .await?;
        }
        None => {
            sqlx::query(
                "UPDATE reviews SET reply_body = NULL, reply_by = NULL, reply_at = NULL, \
                 reply_updated_at = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *c)
            .await?;
        }
    }
    Ok(())
}

async fn recount_votes(c: &mut AnyConnection, review_id: i64) -> Result<i64> {
    sqlx::query(
        "UPDATE reviews SET helpful = (SELECT COUNT(*) FROM review_votes WHERE review_id = $1) \
         WHERE id = $1",
    )
    .bind(review_id)
    .execute(&mut *c)
    .await?;
    let row = sqlx::query("SELECT helpful FROM reviews WHERE id = $1")
        .bind(review_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("helpful")?)
}

/// Records a helpful vote; [`DbError::Conflict`] when the user already voted.
/// Returns the review's new count.
pub async fn vote(c: &mut AnyConnection, review_id: i64, user_id: i64, now: i64) -> Result<i64> {
    sqlx::query("INSERT INTO review_votes (review_id, user_id, created_at) VALUES ($1, $2, $3)")
        .bind(review_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *c)
        .await
        .map_err(DbError::from_insert)?;
    recount_votes(c, review_id).await
}

/// Withdraws a helpful vote; `None` when there was none, else the new count.
pub async fn unvote(c: &mut AnyConnection, review_id: i64, user_id: i64) -> Result<Option<i64>> {
    let n = sqlx::query("DELETE FROM review_votes WHERE review_id = $1 AND user_id = $2")
        .bind(review_id)
        .bind(user_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(recount_votes(c, review_id).await?))
}

/// Records a report; [`DbError::Conflict`] when the user already reported it.
pub async fn report(
    c: &mut AnyConnection,
    review_id: i64,
    user_id: i64,
    reason: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_reports (review_id, user_id, reason, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(review_id)
    .bind(user_id)
    .bind(reason)
    .bind(detail)
    .bind(now)
    .execute(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    Ok(())
}

/// How many reports a review has.
pub async fn report_count(c: &mut AnyConnection, review_id: i64) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM review_reports WHERE review_id = $1")
        .bind(review_id)
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("n")?)
}

/// Visible reviews with 1..=5 stars, of a plugin (of one version when given).
pub async fn distribution(
    c: &mut AnyConnection,
    plugin_id: &str,
    version: Option<&str>,
) -> Result<[i64; 5]> {
    let rows = sqlx::query(
        "SELECT stars, COUNT(*) AS n FROM reviews WHERE plugin_id = $1 \
         AND ($2 = '' OR version = $2) AND hidden_at IS NULL GROUP BY stars",
    )
    .bind(plugin_id)
    .bind(version.unwrap_or(""))
    .fetch_all(&mut *c)
    .await?;
    let mut out = [0i64; 5];
    for r in rows {
        let s: i64 = r.try_get("stars")?;
        if (1..=5).contains(&s) {
            out[(s - 1) as usize] = r.try_get("n")?;
        }
    }
    Ok(out)
}

/// `(count, sum of stars)` of every visible review on the instance.
pub async fn totals(c: &mut AnyConnection) -> Result<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(stars), 0) AS BIGINT) AS s FROM reviews \
         WHERE hidden_at IS NULL",
    )
    .fetch_one(&mut *c)
    .await?;
    Ok((row.try_get("n")?, row.try_get("s")?))
}

/// `(plugin id, count, sum of stars)` for each of `ids` that has visible
/// reviews: one query per 1000 plugins.
pub async fn sums(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<(String, i64, i64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT plugin_id, COUNT(*) AS n, CAST(SUM(stars) AS BIGINT) AS s FROM reviews \
             WHERE plugin_id IN ({}) AND hidden_at IS NULL GROUP BY plugin_id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push((r.try_get("plugin_id")?, r.try_get("n")?, r.try_get("s")?));
        }
    }
    Ok(out)
}

/// `(created_at, stars)` of a plugin's reviews written at or after `since`
/// (unix seconds), oldest first: what the rating trend buckets by month.
pub async fn trend(c: &mut AnyConnection, plugin_id: &str, since: i64) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT created_at, stars FROM reviews WHERE plugin_id = $1 AND created_at >= $2 \
         AND hidden_at IS NULL ORDER BY created_at, id",
    )
    .bind(plugin_id)
    .bind(since)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("created_at")?, r.try_get("stars")?)))
        .collect()
}

/// How many reviews of each of `ids` have no publisher reply yet: `(plugin id,
/// count)` for those that have any; one query per 1000 plugins.
pub async fn unanswered_counts(
    c: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "SELECT plugin_id, COUNT(*) AS n FROM reviews WHERE reply_body IS NULL \
             AND hidden_at IS NULL AND plugin_id IN ({}) GROUP BY plugin_id",
            placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push((r.try_get("plugin_id")?, r.try_get("n")?));
        }
    }
    Ok(out)
}

/// A plugin's reviews without a publisher reply, oldest first (the ones
/// waiting longest lead), at most `limit`.
pub async fn unanswered(
    c: &mut AnyConnection,
    plugin_id: &str,
    limit: i64,
) -> Result<Vec<ReviewRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} WHERE r.plugin_id = $1 AND r.reply_body IS NULL \
         AND r.hidden_at IS NULL ORDER BY r.created_at ASC, r.id ASC LIMIT $2"
    )))
    .bind(plugin_id)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(review_row).collect()
}

/// Which of `review_ids` the user marked helpful (one query).
pub async fn voted_by(c: &mut AnyConnection, user_id: i64, review_ids: &[i64]) -> Result<Vec<i64>> {
    if review_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT review_id FROM review_votes WHERE user_id = $1 AND review_id IN ({})",
        placeholders(2, review_ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql)).bind(user_id);
    for id in review_ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("review_id")?))
        .collect()
}

/// Which of `review_ids` the user reported (one query).
pub async fn reported_by(
    c: &mut AnyConnection,
    user_id: i64,
    review_ids: &[i64],
) -> Result<Vec<i64>> {
    if review_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT review_id FROM review_reports WHERE user_id = $1 AND review_id IN ({})",
        placeholders(2, review_ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql)).bind(user_id);
    for id in review_ids {
        q = q.bind(*id);
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| Ok(r.try_get("review_id")?))
        .collect()
}
