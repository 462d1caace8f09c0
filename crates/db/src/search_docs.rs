//! What the search index needs of each plugin, read in batches: [`load`] for
//! the plugins an event named, [`page`] for a full rebuild (by id, ~1000 at a
//! time). Five queries per batch whatever its size: the plugins, their latest
//! versions, their download sums, their review sums, the catalogue category labels.
//!
//! Category labels come from `catalogue_categories`; Trellis's own categories
//! (`trellis_registry::CATEGORIES`) are not stored, so their label here is the
//! slug: `trellis_platform::registry::search_docs` fills in the real labels.
//!
//! A plugin delisted by a moderator (`plugins.delisted_at`) has no document: a
//! follower that re-reads it after `plugin.delisted` finds nothing and deletes
//! it from the index, and `plugin.relisted` brings it back.

use std::collections::HashMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{json_column, Result};

/// Days counted as "recent" downloads.
pub const RECENT_DAYS: i64 = 30;

/// One plugin as the search index sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocRow {
    pub id: String,
    pub namespace: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// Sanitised README HTML of the latest version; empty when there is none.
    pub readme_html: String,
    pub keywords: Vec<String>,
    /// Category slugs.
    pub categories: Vec<String>,
    /// The label of each of `categories`, in the same order.
    pub category_labels: Vec<String>,
    pub kind: String,
    pub license: String,
    /// The latest version's plugin-API range; `None` for a catalogue entry.
    pub api_req: Option<String>,
    pub latest_version: Option<String>,
    /// Every download counted here, plus what imported catalogues counted.
    pub downloads_total: i64,
    /// Downloads counted here in the last [`RECENT_DAYS`] days.
    pub downloads_recent: i64,
    /// Reviews of the plugin (every version).
    pub rating_count: i64,
    /// Their stars, summed.
    pub rating_sum: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deprecated: bool,
    pub demo: bool,
}

const SELECT: &str = "SELECT p.id AS id, n.name AS namespace, p.name AS name, p.display_name AS display_name, \
    p.description AS description, p.keywords AS keywords, p.categories AS categories, p.kind AS kind, \
    p.license AS license, p.latest_version AS latest_version, p.created_at AS created_at, \
    p.updated_at AS updated_at, p.deprecated_reason AS deprecated_reason, p.demo AS demo \
    FROM plugins p JOIN namespaces n ON n.id = p.namespace_id";

/// The documents of `ids` (unknown and delisted ids are left out), by id.
pub async fn load(c: &mut AnyConnection, ids: &[String]) -> Result<Vec<SearchDocRow>> {
    let mut out = Vec::with_capacity(ids.len());
    // Bounded IN lists: well under both engines' limits on bind parameters.
    for chunk in ids.chunks(1000) {
        let sql = format!(
            "{SELECT} WHERE p.id IN ({}) AND p.delisted_at IS NULL ORDER BY p.id",
            crate::placeholders(1, chunk.len())
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for id in chunk {
            q = q.bind(id.as_str());
        }
        let rows = q.fetch_all(&mut *c).await?;
        out.extend(complete(c, &rows).await?);
    }
    Ok(out)
}

/// Up to `limit` documents with ids after `after_id` (from the start with `None`),
/// by id: page through every listed plugin by passing the last id of each page.
pub async fn page(
    c: &mut AnyConnection,
    after_id: Option<&str>,
    limit: i64,
) -> Result<Vec<SearchDocRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE p.id > $1 AND p.delisted_at IS NULL ORDER BY p.id LIMIT $2"
    )))
    .bind(after_id.unwrap_or(""))
    .bind(limit.clamp(1, 1000))
    .fetch_all(&mut *c)
    .await?;
    complete(c, &rows).await
}

/// The latest version's README and API range, the download sums and the category
/// labels of the plugin rows, in three more queries.
async fn complete(c: &mut AnyConnection, rows: &[AnyRow]) -> Result<Vec<SearchDocRow>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<std::result::Result<_, _>>()?;
    let list = crate::placeholders(1, ids.len());

    let sql = format!(
        "SELECT v.plugin_id AS plugin_id, v.readme_html AS readme_html, v.api_req AS api_req, \
         v.imported AS imported FROM plugin_versions v JOIN plugins p ON p.id = v.plugin_id \
         AND v.version = p.latest_version WHERE v.plugin_id IN ({list})"
    );
    let mut latest: HashMap<String, (String, Option<String>)> = HashMap::new();
    for r in bind_all(&sql, &ids, None).fetch_all(&mut *c).await? {
        let api: String = r.try_get("api_req")?;
        let api = (!crate::flag(&r, "imported")?).then_some(api);
        latest.insert(r.try_get("plugin_id")?, (r.try_get("readme_html")?, api));
    }

    let since = recent_since(RECENT_DAYS);
    let sql = format!(
        "SELECT plugin_id, CAST(SUM(n) AS BIGINT) AS total, CAST(SUM(r) AS BIGINT) AS recent FROM ( \
         SELECT plugin_id, downloads AS n, CASE WHEN day >= ${} THEN downloads ELSE 0 END AS r \
         FROM version_downloads_daily WHERE plugin_id IN ({list}) \
         UNION ALL SELECT plugin_id, imported_downloads AS n, 0 AS r FROM plugin_versions \
         WHERE plugin_id IN ({list}) AND imported_downloads > 0) t GROUP BY plugin_id",
        ids.len() + 1
    );
    let mut downloads: HashMap<String, (i64, i64)> = HashMap::new();
    for r in bind_all(&sql, &ids, Some(&since))
        .fetch_all(&mut *c)
        .await?
    {
        downloads.insert(
            r.try_get("plugin_id")?,
            (r.try_get("total")?, r.try_get("recent")?),
        );
    }

    let ratings: HashMap<String, (i64, i64)> = crate::reviews::sums(c, &ids)
        .await?
        .into_iter()
        .map(|(id, n, s)| (id, (n, s)))
        .collect();

    let labels: HashMap<String, String> =
        crate::catalogue::categories(c).await?.into_iter().collect();

    rows.iter()
        .map(|r| {
            let id: String = r.try_get("id")?;
            let categories: Vec<String> =
                json_column("plugins.categories", &r.try_get::<String, _>("categories")?)?;
            let category_labels = categories
                .iter()
                .map(|s| labels.get(s).cloned().unwrap_or_else(|| s.clone()))
                .collect();
            let (readme_html, api_req) = latest.remove(&id).unwrap_or_default();
            let (downloads_total, downloads_recent) = downloads.get(&id).copied().unwrap_or((0, 0));
            let (rating_count, rating_sum) = ratings.get(&id).copied().unwrap_or((0, 0));
            Ok(SearchDocRow {
                namespace: r.try_get("namespace")?,
                name: r.try_get("name")?,
                display_name: r.try_get("display_name")?,
                description: r.try_get("description")?,
                readme_html,
                keywords: json_column("plugins.keywords", &r.try_get::<String, _>("keywords")?)?,
                categories,
                category_labels,
                kind: r.try_get("kind")?,
                license: r.try_get("license")?,
                api_req,
                latest_version: r.try_get("latest_version")?,
                downloads_total,
                downloads_recent,
                rating_count,
                rating_sum,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                deprecated: r
                    .try_get::<Option<String>, _>("deprecated_reason")?
                    .is_some(),
                demo: crate::flag(r, "demo")?,
                id,
            })
        })
        .collect()
}

/// `sql` with the ids bound as `$1…$n` (a query may use that list more than once),
/// then `extra` as `$n+1` if given.
fn bind_all<'q>(
    sql: &'q str,
    ids: &'q [String],
    extra: Option<&'q str>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    if let Some(e) = extra {
        q = q.bind(e);
    }
    q
}

/// The first day (`YYYY-MM-DD`, UTC) of the last `days` days, today included.
pub fn recent_since(days: i64) -> String {
    let secs = crate::now() - (days - 1).max(0) * 86_400;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
    }
}
