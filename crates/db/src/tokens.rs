//! API tokens: only a SHA-256 of the secret is stored. A token minted by
//! another token records its parent; revoking a token revokes everything it
//! minted, transitively.

use sqlx::{AnyConnection, Row};

use crate::{now, opt_i64, DbError, Result};

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    /// The token that minted this one, if a token did.
    pub parent_id: Option<i64>,
    pub name: String,
    pub prefix: String,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLS: &str = "id, user_id, parent_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        parent_id: opt_i64(r, "parent_id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        scopes: r.try_get("scopes")?,
        created_at: r.try_get("created_at")?,
        expires_at: opt_i64(r, "expires_at")?,
        last_used_at: opt_i64(r, "last_used_at")?,
        revoked_at: opt_i64(r, "revoked_at")?,
    })
}

/// A new token to insert.
pub struct NewToken<'a> {
    pub user_id: i64,
    pub parent_id: Option<i64>,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: Option<i64>,
}

/// Stores a token (its hash) and returns the row.
pub async fn insert(c: &mut AnyConnection, t: NewToken<'_>) -> Result<TokenRow> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO api_tokens (user_id, parent_id, name, prefix, token_hash, scopes, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLS}"
    )))
    .bind(t.user_id)
    .bind(t.parent_id)
    .bind(t.name)
    .bind(t.prefix)
    .bind(t.token_hash)
    .bind(t.scopes)
    .bind(now())
    .bind(t.expires_at)
    .fetch_one(&mut *c)
    .await
    .map_err(DbError::from_insert)?;
    from_row(&row)
}

/// A user's tokens, newest first (revoked ones included).
pub async fn list_for_user(c: &mut AnyConnection, user_id: i64) -> Result<Vec<TokenRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    )))
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Finds a token by the hash of its secret.
pub async fn by_hash(c: &mut AnyConnection, token_hash: &str) -> Result<Option<TokenRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM api_tokens WHERE token_hash = $1"
    )))
    .bind(token_hash)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Revokes one of a user's live tokens and every live token minted from it,
/// transitively; returns each revoked token's id and name (none: no such live
/// token), by id.
pub async fn revoke_tree(
    c: &mut AnyConnection,
    user_id: i64,
    token_id: i64,
) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "WITH RECURSIVE tree(id) AS ( \
           SELECT id FROM api_tokens WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL \
           UNION ALL \
           SELECT t.id FROM api_tokens t JOIN tree ON t.parent_id = tree.id \
         ) \
         UPDATE api_tokens SET revoked_at = $3 WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL \
         RETURNING id, name",
    )
    .bind(token_id)
    .bind(user_id)
    .bind(now())
    .fetch_all(&mut *c)
    .await?;
    revoked(&rows)
}

/// Revokes every live token of a user; returns each revoked token's id and name.
pub async fn revoke_all(c: &mut AnyConnection, user_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL \
         RETURNING id, name",
    )
    .bind(now())
    .bind(user_id)
    .fetch_all(&mut *c)
    .await?;
    revoked(&rows)
}

fn revoked(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(i64, String)>> {
    use sqlx::Row;
    let mut out = rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<Vec<(i64, String)>>>()?;
    out.sort();
    Ok(out)
}

/// Records when tokens were last used (batched by the usage flusher).
pub async fn touch_many(c: &mut AnyConnection, used: &[(i64, i64)]) -> Result<()> {
    for (token_id, at) in used {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $1)",
        )
        .bind(at)
        .bind(token_id)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
