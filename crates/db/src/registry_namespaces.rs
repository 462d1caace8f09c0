//! Registry settings of namespaces: minisign signing keys, the
//! require-signatures flag, and owner counts (a namespace keeps one owner).

use sqlx::Row;

use crate::{now, Db, DbError, Result};

/// A registered signing key.
#[derive(Debug, Clone)]
pub struct NamespaceKeyRow {
    pub key_id: String,
    pub public_key: String,
    pub added_at: i64,
}

impl Db {
    /// Registers a key; [`DbError::Conflict`] when that key id is registered already.
    pub async fn add_namespace_key(
        &self,
        namespace_id: i64,
        key_id: &str,
        public_key: &str,
    ) -> Result<NamespaceKeyRow> {
        let t = now();
        sqlx::query("INSERT INTO namespace_keys (namespace_id, key_id, public_key, added_at) VALUES ($1, $2, $3, $4)")
            .bind(namespace_id)
            .bind(key_id)
            .bind(public_key)
            .bind(t)
            .execute(self.pool())
            .await
            .map_err(DbError::from_insert)?;
        Ok(NamespaceKeyRow {
            key_id: key_id.into(),
            public_key: public_key.into(),
            added_at: t,
        })
    }

    /// The namespace's keys, oldest first.
    pub async fn namespace_keys(&self, namespace_id: i64) -> Result<Vec<NamespaceKeyRow>> {
        let rows = sqlx::query(
            "SELECT key_id, public_key, added_at FROM namespace_keys WHERE namespace_id = $1 ORDER BY added_at, key_id",
        )
        .bind(namespace_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NamespaceKeyRow {
                    key_id: r.try_get("key_id")?,
                    public_key: r.try_get("public_key")?,
                    added_at: r.try_get("added_at")?,
                })
            })
            .collect()
    }

    /// Removes a key; false when the namespace has no such key.
    pub async fn delete_namespace_key(&self, namespace_id: i64, key_id: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM namespace_keys WHERE namespace_id = $1 AND key_id = $2")
                .bind(namespace_id)
                .bind(key_id)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Sets whether publishes into the namespace must be signed.
    pub async fn set_require_signatures(&self, namespace_id: i64, required: bool) -> Result<()> {
        sqlx::query("UPDATE namespaces SET require_signatures = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(namespace_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// How many owners the namespace has.
    pub async fn count_owners(&self, namespace_id: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM namespace_members WHERE namespace_id = $1 AND role = 'owner'")
            .bind(namespace_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
