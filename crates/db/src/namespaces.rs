//! Namespaces: the rows, their members (owners and maintainers), pending
//! invitations to join, minisign signing keys and the require-signatures
//! setting.

use sqlx::{AnyConnection, Row};
use trellis_types::NamespaceRole;

use crate::{now, DbError, Result};

/// A namespace row.
#[derive(Debug, Clone)]
pub struct NamespaceRow {
    pub id: i64,
    pub name: String,
    pub require_signatures: bool,
    pub created_at: i64,
}

const NS_COLS: &str = "id, name, require_signatures, created_at";

fn ns_from_row(r: &sqlx::any::AnyRow) -> Result<NamespaceRow> {
    Ok(NamespaceRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        require_signatures: crate::flag(r, "require_signatures")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) fn role(r: &sqlx::any::AnyRow) -> Result<NamespaceRole> {
    let s: String = r.try_get("role")?;
    NamespaceRole::parse(&s).ok_or_else(|| DbError::Corrupt {
        column: "namespace_members.role".into(),
        reason: format!("unknown role `{s}`"),
    })
}

/// Creates a namespace with `owner_id` as its first owner.
pub async fn insert(c: &mut AnyConnection, name: &str, owner_id: i64) -> Result<NamespaceRow> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO namespaces (name, created_at) VALUES ($1, $2) RETURNING {NS_COLS}"
    )))
    .bind(name)
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    let ns = ns_from_row(&row)?;
    set_member(c, ns.id, owner_id, NamespaceRole::Owner).await?;
    Ok(ns)
}

/// Finds a namespace by name.
pub async fn by_name(c: &mut AnyConnection, name: &str) -> Result<Option<NamespaceRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NS_COLS} FROM namespaces WHERE name = $1"
    )))
    .bind(name)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(ns_from_row).transpose()
}

/// The user's role in a namespace, if a member.
pub async fn member_role(
    c: &mut AnyConnection,
    namespace_id: i64,
    user_id: i64,
) -> Result<Option<NamespaceRole>> {
    let row =
        sqlx::query("SELECT role FROM namespace_members WHERE namespace_id = $1 AND user_id = $2")
            .bind(namespace_id)
            .bind(user_id)
            .fetch_optional(&mut *c)
            .await?;
    row.as_ref().map(role).transpose()
}

/// Namespaces each of `user_ids` belongs to: `(user id, namespace name, role)`,
/// by user then namespace name. One query for any number of users.
pub async fn memberships(
    c: &mut AnyConnection,
    user_ids: &[i64],
) -> Result<Vec<(i64, String, NamespaceRole)>> {
    if user_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT m.user_id AS user_id, n.name AS name, m.role AS role FROM namespace_members m \
         JOIN namespaces n ON n.id = m.namespace_id WHERE m.user_id IN ({}) ORDER BY m.user_id, n.name",
        crate::placeholders(1, user_ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in user_ids {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(&mut *c).await?;
    rows.iter()
        .map(|r| Ok((r.try_get("user_id")?, r.try_get("name")?, role(r)?)))
        .collect()
}

/// Members of a namespace: (user id, user name, role), by name.
pub async fn members(
    c: &mut AnyConnection,
    namespace_id: i64,
) -> Result<Vec<(i64, String, NamespaceRole)>> {
    let rows = sqlx::query(
        "SELECT u.id AS id, u.username AS username, m.role AS role FROM namespace_members m \
         JOIN users u ON u.id = m.user_id WHERE m.namespace_id = $1 ORDER BY u.username",
    )
    .bind(namespace_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("username")?, role(r)?)))
        .collect()
}

/// Adds a member or changes a member's role.
pub async fn set_member(
    c: &mut AnyConnection,
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
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Removes a member; false if they were not one.
pub async fn remove_member(c: &mut AnyConnection, namespace_id: i64, user_id: i64) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM namespace_members WHERE namespace_id = $1 AND user_id = $2")
            .bind(namespace_id)
            .bind(user_id)
            .execute(&mut *c)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// How many owners the namespace has.
pub async fn count_owners(c: &mut AnyConnection, namespace_id: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM namespace_members WHERE namespace_id = $1 AND role = 'owner'",
    )
    .bind(namespace_id)
    .fetch_one(&mut *c)
    .await?;
    Ok(row.try_get("n")?)
}

/// A pending invitation to join a namespace.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub namespace: String,
    pub namespace_id: i64,
    pub user_id: i64,
    pub role: NamespaceRole,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Invites a user (replacing an earlier invitation of the same user to the namespace).
pub async fn invite(
    c: &mut AnyConnection,
    namespace_id: i64,
    user_id: i64,
    role: NamespaceRole,
    invited_by: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO namespace_invitations (namespace_id, user_id, role, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (namespace_id, user_id) DO UPDATE SET \
         role = excluded.role, invited_by = excluded.invited_by, created_at = excluded.created_at, \
         expires_at = excluded.expires_at",
    )
    .bind(namespace_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(invited_by)
    .bind(now())
    .bind(expires_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}

const INV_SELECT: &str = "SELECT n.name AS namespace, i.namespace_id AS namespace_id, i.user_id AS user_id, \
    i.role AS role, u.username AS invited_by, i.created_at AS created_at, i.expires_at AS expires_at \
    FROM namespace_invitations i JOIN namespaces n ON n.id = i.namespace_id \
    JOIN users u ON u.id = i.invited_by";

fn inv_from_row(r: &sqlx::any::AnyRow) -> Result<InvitationRow> {
    Ok(InvitationRow {
        namespace: r.try_get("namespace")?,
        namespace_id: r.try_get("namespace_id")?,
        user_id: r.try_get("user_id")?,
        role: role(r)?,
        invited_by: r.try_get("invited_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

/// A user's unexpired invitations, newest first.
pub async fn invitations_for_user(
    c: &mut AnyConnection,
    user_id: i64,
) -> Result<Vec<InvitationRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{INV_SELECT} WHERE i.user_id = $1 AND i.expires_at > $2 ORDER BY i.created_at DESC"
    )))
    .bind(user_id)
    .bind(now())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(inv_from_row).collect()
}

/// Takes (deletes and returns) a user's unexpired invitation to a namespace.
pub async fn take_invitation(
    c: &mut AnyConnection,
    namespace_id: i64,
    user_id: i64,
) -> Result<Option<InvitationRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{INV_SELECT} WHERE i.namespace_id = $1 AND i.user_id = $2 AND i.expires_at > $3"
    )))
    .bind(namespace_id)
    .bind(user_id)
    .bind(now())
    .fetch_optional(&mut *c)
    .await?;
    sqlx::query("DELETE FROM namespace_invitations WHERE namespace_id = $1 AND user_id = $2")
        .bind(namespace_id)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    row.as_ref().map(inv_from_row).transpose()
}

/// A registered signing key.
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub key_id: String,
    pub public_key: String,
    pub added_at: i64,
}

/// Registers a key; [`DbError::Conflict`] when that key id is registered already.
pub async fn add_key(
    c: &mut AnyConnection,
    namespace_id: i64,
    key_id: &str,
    public_key: &str,
) -> Result<KeyRow> {
    let t = now();
    sqlx::query("INSERT INTO namespace_keys (namespace_id, key_id, public_key, added_at) VALUES ($1, $2, $3, $4)")
        .bind(namespace_id)
        .bind(key_id)
        .bind(public_key)
        .bind(t)
        .execute(&mut *c)
        .await
        .map_err(DbError::from_insert)?;
    Ok(KeyRow {
        key_id: key_id.into(),
        public_key: public_key.into(),
        added_at: t,
    })
}

/// The namespace's keys, oldest first.
pub async fn keys(c: &mut AnyConnection, namespace_id: i64) -> Result<Vec<KeyRow>> {
    let rows = sqlx::query(
        "SELECT key_id, public_key, added_at FROM namespace_keys WHERE namespace_id = $1 ORDER BY added_at, key_id",
    )
    .bind(namespace_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(KeyRow {
                key_id: r.try_get("key_id")?,
                public_key: r.try_get("public_key")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
}

/// Removes a key; false when the namespace has no such key.
pub async fn delete_key(c: &mut AnyConnection, namespace_id: i64, key_id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM namespace_keys WHERE namespace_id = $1 AND key_id = $2")
        .bind(namespace_id)
        .bind(key_id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets whether publishes into the namespace must be signed.
pub async fn set_require_signatures(
    c: &mut AnyConnection,
    namespace_id: i64,
    required: bool,
) -> Result<()> {
    sqlx::query("UPDATE namespaces SET require_signatures = $1 WHERE id = $2")
        .bind(i64::from(required))
        .bind(namespace_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}
