//! User accounts: create, look up (alone or with their memberships), change
//! password or role, list.

use sqlx::{AnyConnection, Row};

use crate::{now, DbError, Result};
use trellis_types::NamespaceRole;

/// A user row, with the password hash (never leaves the server).
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub created_at: i64,
    /// When an admin disabled the account (`None`: enabled). A disabled user's
    /// sessions and tokens are refused (`crate::moderation` sets it).
    pub disabled_at: Option<i64>,
    /// Why, as the admin wrote it (shown to admins only).
    pub disabled_reason: Option<String>,
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        password_hash: r.try_get("password_hash")?,
        is_admin: crate::flag(r, "is_admin")?,
        created_at: r.try_get("created_at")?,
        disabled_at: crate::opt_i64(r, "disabled_at")?,
        disabled_reason: r.try_get("disabled_reason")?,
    })
}

const COLS: &str =
    "id, username, password_hash, is_admin, created_at, disabled_at, disabled_reason";

/// Inserts a user; [`DbError::Conflict`] when the name is taken.
pub async fn insert(
    c: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    is_admin: bool,
) -> Result<UserRow> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (username, password_hash, is_admin, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {COLS}"
    )))
    .bind(username)
    .bind(password_hash)
    .bind(is_admin as i64)
    .bind(now())
    .fetch_one(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    from_row(&row)
}

/// Finds a user by (lower-case) name.
pub async fn by_name(c: &mut AnyConnection, username: &str) -> Result<Option<UserRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM users WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Finds a user by id.
pub async fn by_id(c: &mut AnyConnection, id: i64) -> Result<Option<UserRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A user with their memberships (namespace name and role, by name) in one
/// read: what a signed-in request needs to know who is asking.
pub async fn with_memberships(
    c: &mut AnyConnection,
    id: i64,
) -> Result<Option<(UserRow, Vec<(String, NamespaceRole)>)>> {
    let cols = crate::qualified(COLS, "u", None);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {cols}, n.name AS namespace, m.role AS role FROM users u \
         LEFT JOIN namespace_members m ON m.user_id = u.id \
         LEFT JOIN namespaces n ON n.id = m.namespace_id WHERE u.id = $1 ORDER BY n.name"
    )))
    .bind(id)
    .fetch_all(&mut *c)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut memberships = Vec::new();
    for r in &rows {
        if let Some(namespace) = r.try_get::<Option<String>, _>("namespace")? {
            memberships.push((namespace, crate::namespaces::role(r)?));
        }
    }
    Ok(Some((from_row(first)?, memberships)))
}

/// Replaces a user's password hash.
pub async fn set_password_hash(c: &mut AnyConnection, id: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Grants or removes the admin role; false when there is no such user.
pub async fn set_admin(c: &mut AnyConnection, id: i64, is_admin: bool) -> Result<bool> {
    let done = sqlx::query("UPDATE users SET is_admin = $1 WHERE id = $2")
        .bind(is_admin as i64)
        .bind(id)
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Lists users, newest first.
pub async fn list(c: &mut AnyConnection, limit: i64, offset: i64) -> Result<Vec<UserRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM users ORDER BY id DESC LIMIT $1 OFFSET $2"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Users whose name contains `q` (case-insensitive; every user when empty),
/// newest first.
pub async fn search(
    c: &mut AnyConnection,
    q: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserRow>> {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM users WHERE username LIKE $1 ESCAPE '\\' \
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(format!("%{escaped}%"))
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Counts users.
pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *c)
        .await?;
    Ok(row.try_get("n")?)
}
