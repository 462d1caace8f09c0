//! Namespaces and their members (owners and maintainers).

use sqlx::Row;
use trellis_types::NamespaceRole;

use crate::{now, Db, DbError, Result};

/// A namespace row.
#[derive(Debug, Clone)]
pub struct NamespaceRow {
    pub id: i64,
    pub name: String,
    pub require_signatures: bool,
    pub created_at: i64,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<NamespaceRow> {
    Ok(NamespaceRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        require_signatures: r.try_get::<i64, _>("require_signatures")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

impl Db {
    /// Creates a namespace with `owner_id` as its first owner, in one transaction.
    pub async fn create_namespace(&self, name: &str, owner_id: i64) -> Result<NamespaceRow> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "INSERT INTO namespaces (name, created_at) VALUES ($1, $2) \
             RETURNING id, name, require_signatures, created_at",
        )
        .bind(name)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(DbError::from_insert)?;
        let ns = from_row(&row)?;
        sqlx::query("INSERT INTO namespace_members (namespace_id, user_id, role, added_at) VALUES ($1, $2, 'owner', $3)")
            .bind(ns.id)
            .bind(owner_id)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(ns)
    }

    /// Finds a namespace by name.
    pub async fn namespace_by_name(&self, name: &str) -> Result<Option<NamespaceRow>> {
        let row = sqlx::query(
            "SELECT id, name, require_signatures, created_at FROM namespaces WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The user's role in a namespace, if a member.
    pub async fn member_role(
        &self,
        namespace_id: i64,
        user_id: i64,
    ) -> Result<Option<NamespaceRole>> {
        let row = sqlx::query(
            "SELECT role FROM namespace_members WHERE namespace_id = $1 AND user_id = $2",
        )
        .bind(namespace_id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => NamespaceRole::parse(&r.try_get::<String, _>("role")?),
            None => None,
        })
    }

    /// Namespaces a user belongs to, by name.
    pub async fn memberships(&self, user_id: i64) -> Result<Vec<(String, NamespaceRole)>> {
        let rows = sqlx::query(
            "SELECT n.name AS name, m.role AS role FROM namespace_members m \
             JOIN namespaces n ON n.id = m.namespace_id WHERE m.user_id = $1 ORDER BY n.name",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok((
                    r.try_get("name")?,
                    NamespaceRole::parse(&role).unwrap_or(NamespaceRole::Maintainer),
                ))
            })
            .collect()
    }

    /// Members of a namespace: (user id, user name, role).
    pub async fn namespace_members(
        &self,
        namespace_id: i64,
    ) -> Result<Vec<(i64, String, NamespaceRole)>> {
        let rows = sqlx::query(
            "SELECT u.id AS id, u.username AS username, m.role AS role FROM namespace_members m \
             JOIN users u ON u.id = m.user_id WHERE m.namespace_id = $1 ORDER BY u.username",
        )
        .bind(namespace_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let role: String = r.try_get("role")?;
                Ok((
                    r.try_get("id")?,
                    r.try_get("username")?,
                    NamespaceRole::parse(&role).unwrap_or(NamespaceRole::Maintainer),
                ))
            })
            .collect()
    }

    /// Adds or changes a member's role.
    pub async fn set_member(
        &self,
        namespace_id: i64,
        user_id: i64,
        role: NamespaceRole,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO namespace_members (namespace_id, user_id, role, added_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (namespace_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(namespace_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Removes a member; false if they were not one.
    pub async fn remove_member(&self, namespace_id: i64, user_id: i64) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM namespace_members WHERE namespace_id = $1 AND user_id = $2")
                .bind(namespace_id)
                .bind(user_id)
                .execute(self.pool())
                .await?;
        Ok(done.rows_affected() == 1)
    }
}
