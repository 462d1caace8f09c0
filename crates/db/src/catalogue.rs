//! Plugins imported from outside catalogues (`trellis import`): finding them
//! again by their catalogue id, writing them in batches (multi-row statements,
//! never a query per row), their versions (catalogue entries without a
//! package: `imported = 1`, sha256 `''`, size 0), the categories catalogues
//! bring (`catalogue_categories`), and the category counts the category list
//! shows.

use std::collections::{HashMap, HashSet};

use sqlx::{AnyConnection, Row};

use crate::namespaces::NamespaceRow;
use crate::{now, DbError, Result};

/// Rows per multi-row statement (well under both engines' limits on bind parameters).
const CHUNK: usize = 200;

/// A plugin as an import writes it.
#[derive(Debug, Clone)]
pub struct ImportedPlugin {
    pub id: String,
    pub namespace_id: i64,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub kind: String,
    /// Category slugs (stored as a JSON array).
    pub categories: Vec<String>,
    /// Stored as a JSON array.
    pub keywords: Vec<String>,
    pub license: String,
    pub repository: Option<String>,
    pub latest_version: Option<String>,
    pub source: String,
    pub external_id: String,
    /// Hash of everything the import writes for it: equal means unchanged.
    pub digest: String,
    pub demo: bool,
    pub author: Option<String>,
}

/// A catalogue version of an imported plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedVersion {
    pub plugin_id: String,
    pub version: String,
    pub parts: (i64, i64, i64),
    pub prerelease: bool,
    pub downloads: i64,
}

/// An imported plugin found by its catalogue id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    pub id: String,
    pub digest: Option<String>,
}

/// Creates a namespace without members (an import's, when no owner is named).
pub async fn insert_namespace(c: &mut AnyConnection, name: &str) -> Result<NamespaceRow> {
    let row = sqlx::query(
        "INSERT INTO namespaces (name, created_at) VALUES ($1, $2) \
         RETURNING id, name, require_signatures, created_at",
    )
    .bind(name)
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    Ok(NamespaceRow {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        require_signatures: crate::flag(&row, "require_signatures")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Whether the instance holds no namespace and no plugin (a fresh instance).
pub async fn is_fresh(c: &mut AnyConnection) -> Result<bool> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM namespaces) + (SELECT COUNT(*) FROM plugins) AS n",
    )
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get::<i64, _>("n")? == 0)
}

/// Every plugin name taken in a namespace.
pub async fn names_in(c: &mut AnyConnection, namespace_id: i64) -> Result<HashSet<String>> {
    let rows = sqlx::query("SELECT name FROM plugins WHERE namespace_id = $1")
        .bind(namespace_id)
        .fetch_all(&mut *c)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("name")?)).collect()
}

/// The plugins of a namespace imported under the given catalogue ids:
/// `external id -> (plugin id, digest)`, in one query per [`CHUNK`] ids.
pub async fn known(
    c: &mut AnyConnection,
    namespace_id: i64,
    external_ids: &[&str],
) -> Result<HashMap<String, Known>> {
    let mut out = HashMap::new();
    for chunk in external_ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT id, external_id, import_digest FROM plugins \
             WHERE namespace_id = $1 AND external_id IN ({})",
            crate::placeholders(2, chunk.len())
        );
        let mut q = sqlx::query(crate::dynamic(c, sql)).bind(namespace_id);
        for e in chunk {
            q = q.bind(*e);
        }
        for r in q.fetch_all(&mut *c).await? {
            out.insert(
                r.try_get("external_id")?,
                Known {
                    id: r.try_get("id")?,
                    digest: r.try_get("import_digest")?,
                },
            );
        }
    }
    Ok(out)
}

/// Plugin id -> catalogue id for every imported plugin of the namespace `name`
/// (benchmarks map search hits back to the catalogue they judge).
pub async fn external_ids(c: &mut AnyConnection, name: &str) -> Result<HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT p.id, p.external_id FROM plugins p JOIN namespaces n ON n.id = p.namespace_id \
         WHERE n.name = $1 AND p.external_id IS NOT NULL",
    )
    .bind(name)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("external_id")?)))
        .collect()
}

/// Registers catalogue categories (`(slug, label)`); a slug known already keeps its label.
pub async fn add_categories(c: &mut AnyConnection, cats: &[(String, String)]) -> Result<()> {
    for chunk in cats.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO catalogue_categories (slug, label) VALUES {values} \
             ON CONFLICT (slug) DO NOTHING"
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for (slug, label) in chunk {
            q = q.bind(slug.as_str()).bind(label.as_str());
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}

/// Every catalogue category, `(slug, label)`, by slug.
pub async fn categories(c: &mut AnyConnection) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT slug, label FROM catalogue_categories ORDER BY slug")
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("slug")?, r.try_get("label")?)))
        .collect()
}

/// How many plugins list each category: `slug -> count`, from one grouped scan
/// (plugins sharing a category list are counted together in SQL). Plugins
/// delisted by a moderator are not counted.
pub async fn category_counts(c: &mut AnyConnection) -> Result<HashMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT categories, COUNT(*) AS n FROM plugins WHERE delisted_at IS NULL \
         GROUP BY categories",
    )
    .fetch_all(&mut *c)
    .await?;
    let mut out: HashMap<String, i64> = HashMap::new();
    for r in rows {
        let list: Vec<String> =
            crate::json_column("plugins.categories", &r.try_get::<String, _>("categories")?)?;
        let n: i64 = r.try_get("n")?;
        for slug in list {
            *out.entry(slug).or_default() += n;
        }
    }
    Ok(out)
}

/// Which of `ids` are catalogue entries with no packaged version: `(id, source)`.
pub async fn without_package(
    c: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id AS id, p.source AS source FROM plugins p WHERE p.id IN ({}) \
         AND p.source IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plugin_versions v \
         WHERE v.plugin_id = p.id AND v.imported = 0) ORDER BY p.id",
        crate::placeholders(1, ids.len())
    );
    let mut q = sqlx::query(crate::dynamic(c, sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("source")?)))
        .collect()
}

/// The columns an import writes, new plugin or not, in [`bind_meta`]'s order.
const META_COLS: [&str; 13] = [
    "display_name",
    "description",
    "kind",
    "categories",
    "keywords",
    "license",
    "repository",
    "latest_version",
    "source",
    "external_id",
    "import_digest",
    "demo",
    "author",
];

/// A list of strings as a JSON array (cannot fail).
fn json_list(list: &[String]) -> String {
    serde_json::Value::from(list).to_string()
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the [`META_COLS`] of `p`, in order.
fn bind_meta<'q>(q: Query<'q>, p: &'q ImportedPlugin) -> Query<'q> {
    q.bind(p.display_name.as_str())
        .bind(p.description.as_str())
        .bind(p.kind.as_str())
        .bind(json_list(&p.categories))
        .bind(json_list(&p.keywords))
        .bind(p.license.as_str())
        .bind(p.repository.as_deref())
        .bind(p.latest_version.as_deref())
        .bind(p.source.as_str())
        .bind(p.external_id.as_str())
        .bind(p.digest.as_str())
        .bind(i64::from(p.demo))
        .bind(p.author.as_deref())
}

/// Inserts new imported plugins, [`CHUNK`] to a statement.
pub async fn insert_plugins(c: &mut AnyConnection, plugins: &[ImportedPlugin]) -> Result<()> {
    // id, namespace_id, name, the metadata, and the time (created_at = updated_at).
    let binds = 3 + META_COLS.len() + 1;
    let t = now();
    for chunk in plugins.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| {
                let cols: Vec<String> =
                    (1..=binds).map(|k| format!("${}", i * binds + k)).collect();
                format!("({}, ${})", cols.join(", "), (i + 1) * binds)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO plugins (id, namespace_id, name, {}, created_at, updated_at) VALUES {values}",
            META_COLS.join(", ")
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for p in chunk {
            q = q
                .bind(p.id.as_str())
                .bind(p.namespace_id)
                .bind(p.name.as_str());
            q = bind_meta(q, p).bind(t);
        }
        q.execute(&mut *c).await.map_err(DbError::from_insert)?;
    }
    Ok(())
}

/// Rewrites an imported plugin's metadata (its id, name and creation time stay).
pub async fn update_plugin(c: &mut AnyConnection, p: &ImportedPlugin) -> Result<()> {
    let sets: Vec<String> = META_COLS
        .iter()
        .enumerate()
        .map(|(i, col)| format!("{col} = ${}", i + 1))
        .collect();
    let n = META_COLS.len();
    let sql = format!(
        "UPDATE plugins SET {}, updated_at = ${} WHERE id = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    );
    bind_meta(sqlx::query(crate::dynamic(c, sql)), p)
        .bind(now())
        .bind(p.id.as_str())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Deletes the catalogue versions of `plugin_id` that are not in `keep`
/// (packaged versions are never touched).
pub async fn prune_versions(c: &mut AnyConnection, plugin_id: &str, keep: &[&str]) -> Result<()> {
    let mut sql = String::from("DELETE FROM plugin_versions WHERE plugin_id = $1 AND imported = 1");
    if !keep.is_empty() {
        sql += &format!(
            " AND version NOT IN ({})",
            crate::placeholders(2, keep.len())
        );
    }
    let mut q = sqlx::query(crate::dynamic(c, sql)).bind(plugin_id);
    for v in keep {
        q = q.bind(*v);
    }
    q.execute(&mut *c).await?;
    Ok(())
}

const VERSION_BINDS: usize = 8;

/// Inserts catalogue versions, or refreshes the download counts of those stored
/// already; a packaged version of the same number is left alone. `published_at`
/// applies to new rows only.
pub async fn upsert_versions(
    c: &mut AnyConnection,
    versions: &[ImportedVersion],
    published_at: i64,
) -> Result<()> {
    for chunk in versions.chunks(CHUNK) {
        let values = (0..chunk.len())
            .map(|i| {
                let b = i * VERSION_BINDS;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, '{{}}', '', 0, '', NULL, '', '{{}}', '{{}}', 0, ${}, ${}, NULL, 1, ${})",
                    b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO plugin_versions (plugin_id, version, major, minor, patch, manifest, sha256, size, \
             readme_html, changelog, api_req, permissions, dependencies, yanked, prerelease, published_at, \
             published_by, imported, imported_downloads) VALUES {values} \
             ON CONFLICT (plugin_id, version) DO UPDATE SET imported_downloads = excluded.imported_downloads \
             WHERE plugin_versions.imported = 1"
        );
        let mut q = sqlx::query(crate::dynamic(c, sql));
        for v in chunk {
            q = q
                .bind(v.plugin_id.as_str())
                .bind(v.version.as_str())
                .bind(v.parts.0)
                .bind(v.parts.1)
                .bind(v.parts.2)
                .bind(i64::from(v.prerelease))
                .bind(published_at)
                .bind(v.downloads);
        }
        q.execute(&mut *c).await?;
    }
    Ok(())
}
