//! API tokens: `trls_` + 40 random base62 characters, shown once; only the
//! SHA-256 is stored. Tokens carry scopes and an optional expiry.

use rand::Rng;
use sha2::{Digest, Sha256};
use trellis_db::tokens::{NewToken, TokenRow};
use trellis_db::users::UserRow;
use trellis_types::{ErrorCode, FieldError, Scope, TokenCreated, TokenIn, TokenOut};

use crate::{AppError, AppResult, AppState};

/// Every Trellis token starts with this, so leaked ones are easy to recognise.
pub const TOKEN_PREFIX: &str = "trls_";
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A caller authenticated by token.
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub user: UserRow,
    pub token_id: i64,
    pub scopes: Vec<Scope>,
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{TOKEN_PREFIX}{body}")
}

fn scopes_to_string(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_scopes(s: &str) -> Vec<Scope> {
    s.split_whitespace().filter_map(Scope::parse).collect()
}

/// The listed form of a token row.
pub fn token_out(r: &TokenRow) -> TokenOut {
    TokenOut {
        id: r.id,
        name: r.name.clone(),
        prefix: r.prefix.clone(),
        scopes: parse_scopes(&r.scopes),
        created_at: r.created_at,
        expires_at: r.expires_at,
        last_used_at: r.last_used_at,
        revoked_at: r.revoked_at,
    }
}

/// Creates a token for `user`.
pub async fn create_token(
    state: &AppState,
    user: &UserRow,
    input: &TokenIn,
) -> AppResult<TokenCreated> {
    let name = input.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 64 {
        errors.push(FieldError {
            field: "name".into(),
            code: "length".into(),
            detail: "Give the token a name of 1 to 64 characters.".into(),
        });
    }
    if input.scopes.is_empty() {
        errors.push(FieldError {
            field: "scopes".into(),
            code: "required".into(),
            detail: "Choose at least one scope.".into(),
        });
    }
    if input.scopes.contains(&Scope::Admin) && !user.is_admin {
        errors.push(FieldError {
            field: "scopes".into(),
            code: "admin_only".into(),
            detail: "Only admins can create tokens with the admin scope.".into(),
        });
    }
    if let Some(d) = input.expires_in_days {
        if d == 0 || d > 366 {
            errors.push(FieldError {
                field: "expires_in_days".into(),
                code: "range".into(),
                detail: "Expiry must be 1 to 366 days, or none.".into(),
            });
        }
    }
    if !errors.is_empty() {
        let detail = errors
            .iter()
            .map(|e| e.detail.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        return Err(AppError::validation(detail, errors));
    }
    let mut scopes = input.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let secret = new_secret();
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 4).collect();
    let row = state
        .db
        .create_token(NewToken {
            user_id: user.id,
            name,
            prefix: &prefix,
            token_hash: &hash(&secret),
            scopes: &scopes_to_string(&scopes),
            expires_at: input
                .expires_in_days
                .map(|d| trellis_db::now() + i64::from(d) * 86_400),
        })
        .await?;
    Ok(TokenCreated {
        token: token_out(&row),
        secret,
    })
}

/// A user's tokens.
pub async fn list_tokens(state: &AppState, user: &UserRow) -> AppResult<Vec<TokenOut>> {
    Ok(state
        .db
        .list_tokens(user.id)
        .await?
        .iter()
        .map(token_out)
        .collect())
}

/// Revokes one of the user's tokens.
pub async fn revoke_token(state: &AppState, user: &UserRow, id: i64) -> AppResult<()> {
    if state.db.revoke_token(user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("A live token with id {id}")))
    }
}

/// Authenticates an `Authorization: Bearer` secret.
pub async fn authenticate(state: &AppState, secret: &str) -> AppResult<TokenAuth> {
    let invalid = || {
        AppError::new(
            ErrorCode::InvalidToken,
            "The API token is not valid. Check it was copied whole, or create a new one.",
        )
    };
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 40 {
        return Err(invalid());
    }
    let row = state
        .db
        .token_by_hash(&hash(secret))
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() {
        return Err(AppError::new(
            ErrorCode::TokenRevoked,
            "This API token was revoked. Create a new one.",
        ));
    }
    if row.expires_at.is_some_and(|t| t <= trellis_db::now()) {
        return Err(AppError::new(
            ErrorCode::TokenExpired,
            "This API token has expired. Create a new one.",
        ));
    }
    let user = state
        .db
        .user_by_id(row.user_id)
        .await?
        .ok_or_else(invalid)?;
    // "Last used" is bookkeeping: never make a request wait on that write.
    let db = state.db.clone();
    let token_id = row.id;
    tokio::spawn(async move {
        if let Err(e) = db.touch_token(token_id).await {
            tracing::warn!(error = %e, "could not record token use");
        }
    });
    Ok(TokenAuth {
        user,
        token_id: row.id,
        scopes: parse_scopes(&row.scopes),
    })
}

impl TokenAuth {
    /// Fails with `insufficient_scope` unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(AppError::new(
                ErrorCode::InsufficientScope,
                format!(
                    "This endpoint needs a token with the `{}` scope.",
                    scope.as_str()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_recognisable_and_random() {
        let a = new_secret();
        let b = new_secret();
        assert!(a.starts_with("trls_") && a.len() == 45);
        assert_ne!(a, b);
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(
            parse_scopes("read publish bogus"),
            vec![Scope::Read, Scope::Publish]
        );
    }
}
