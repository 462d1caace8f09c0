//! API tokens: only a SHA-256 of the secret is stored.

use sqlx::Row;

use crate::{now, opt_i64, Db, DbError, Result};

/// A token row.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLS: &str =
    "id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
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
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a str,
    pub scopes: &'a str,
    pub expires_at: Option<i64>,
}

impl Db {
    /// Stores a token (its hash) and returns the row.
    pub async fn create_token(&self, t: NewToken<'_>) -> Result<TokenRow> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLS}"
        )))
        .bind(t.user_id)
        .bind(t.name)
        .bind(t.prefix)
        .bind(t.token_hash)
        .bind(t.scopes)
        .bind(now())
        .bind(t.expires_at)
        .fetch_one(self.pool())
        .await
        .map_err(DbError::from_insert)?;
        from_row(&row)
    }

    /// A user's tokens, newest first (revoked ones included).
    pub async fn list_tokens(&self, user_id: i64) -> Result<Vec<TokenRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
        )))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Finds a token by the hash of its secret.
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLS} FROM api_tokens WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Revokes one of a user's tokens; false when no such live token exists.
    pub async fn revoke_token(&self, user_id: i64, token_id: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(token_id)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records that a token was used (at most once a minute, to spare writes).
    pub async fn touch_token(&self, token_id: i64) -> Result<()> {
        let t = now();
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(t)
        .bind(token_id)
        .bind(t - 60)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
