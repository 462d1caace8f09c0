//! What the publisher dashboard lists: the plugins of a set of namespaces,
//! with the few columns its table shows, in one query.

use sqlx::{AnyConnection, Row};

use crate::{placeholders, Result};

/// A plugin as the dashboard's overview lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardPluginRow {
    pub id: String,
    pub namespace: String,
    pub display_name: String,
    pub latest_version: Option<String>,
    pub deprecated: bool,
}

/// Every plugin of the namespaces named `names`, by namespace then id.
pub async fn plugins_in(
    c: &mut AnyConnection,
    names: &[String],
) -> Result<Vec<DashboardPluginRow>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id AS id, n.name AS namespace, p.display_name AS display_name, \
         p.latest_version AS latest_version, \
         CAST(CASE WHEN p.deprecated_reason IS NULL THEN 0 ELSE 1 END AS BIGINT) AS deprecated \
         FROM plugins p JOIN namespaces n ON n.id = p.namespace_id \
         WHERE n.name IN ({}) ORDER BY n.name, p.id",
        placeholders(1, names.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for n in names {
        q = q.bind(n.as_str());
    }
    q.fetch_all(&mut *c)
        .await?
        .iter()
        .map(|r| {
            let deprecated: i64 = r.try_get("deprecated")?;
            Ok(DashboardPluginRow {
                id: r.try_get("id")?,
                namespace: r.try_get("namespace")?,
                display_name: r.try_get("display_name")?,
                latest_version: r.try_get("latest_version")?,
                deprecated: deprecated != 0,
            })
        })
        .collect()
}
