//! API tokens: `trls_` + 40 random base62 characters, shown once; only the
//! SHA-256 is stored. Tokens carry scopes and an optional expiry; a token
//! minted by a token is bounded by its parent. Uses are counted in memory and
//! written by a worker.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use rand::Rng;
use sha2::{Digest, Sha256};
use trellis_db::tokens::{self, NewToken, TokenRow};
use trellis_db::{security_log, users, Db};
use trellis_types::{ErrorCode, FieldError, Scope, TokenCreated, TokenIn, TokenOut};

use trellis_events::catalogue;

use crate::events;
use crate::{Actor, AppError, AppResult, AppState, Via};

/// Every Trellis token starts with this, so leaked ones are easy to recognise.
pub const TOKEN_PREFIX: &str = "trls_";
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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

/// Creates a token for the actor's user. A token minted by a token never
/// outranks or outlives its parent: its scopes are a subset of the parent's,
/// its expiry is no later (a parent that expires makes the child expire with
/// it), and revoking the parent revokes it.
pub async fn create_token(
    state: &AppState,
    actor: &Actor,
    input: &TokenIn,
) -> AppResult<TokenCreated> {
    let user = &actor.user;
    let name = input.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || input.name.chars().count() > 64 {
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
    // A token may only mint narrower tokens.
    if let Some(s) = input.scopes.iter().find(|s| !actor.has(**s)) {
        actor.require(*s)?;
    }
    let requested = input
        .expires_in_days
        .map(|d| trellis_db::now() + i64::from(d) * 86_400);
    let (parent_id, expires_at) = match &actor.via {
        Via::Session => (None, requested),
        Via::Token { id, expires_at, .. } => (
            Some(*id),
            match (requested, *expires_at) {
                (Some(r), Some(p)) => Some(r.min(p)),
                (None, Some(p)) => Some(p),
                (r, None) => r,
            },
        ),
    };
    let mut scopes = input.scopes.clone();
    scopes.sort();
    scopes.dedup();
    let secret = new_secret();
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 4).collect();
    let mut tx = state.db.begin().await?;
    let row = tokens::insert(
        &mut tx,
        NewToken {
            user_id: user.id,
            parent_id,
            name,
            prefix: &prefix,
            token_hash: &hash(&secret),
            scopes: &scopes_to_string(&scopes),
            expires_at,
        },
    )
    .await?;
    let how = match parent_id {
        Some(p) => format!(" by token {p}"),
        None => String::new(),
    };
    security_log::record(
        &mut tx,
        user.id,
        "token_created",
        actor.ip.as_deref(),
        &format!(
            "Token “{name}” ({prefix}…) created{how} with scopes {}.",
            scopes_to_string(&scopes)
        ),
    )
    .await?;
    let data = catalogue::TokenCreated {
        token_id: row.id,
        name: name.to_owned(),
        username: user.username.clone(),
        scopes: scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        expires_at,
    };
    events::emit(&mut tx, &events::actor(actor), &data).await?;
    tx.commit().await?;
    Ok(TokenCreated {
        token: token_out(&row),
        secret,
    })
}

/// The actor's tokens (never their secrets).
pub async fn list_tokens(state: &AppState, actor: &Actor) -> AppResult<Vec<TokenOut>> {
    actor.require(Scope::Read)?;
    Ok(
        tokens::list_for_user(&mut *state.db.conn().await?, actor.user.id)
            .await?
            .iter()
            .map(token_out)
            .collect(),
    )
}

/// Revokes one of the actor's tokens and every token minted from it. Needs a
/// browser session or a token with a write scope: a read-only token cannot
/// revoke the user's other tokens.
pub async fn revoke_token(state: &AppState, actor: &Actor, id: i64) -> AppResult<()> {
    if !matches!(actor.via, Via::Session) && !actor.scopes().iter().any(|s| *s != Scope::Read) {
        return Err(AppError::new(
            ErrorCode::InsufficientScope,
            "Revoking a token needs a browser session or a token with a write scope (publish, webhooks or admin).",
        ));
    }
    let mut tx = state.db.begin().await?;
    let revoked = tokens::revoke_tree(&mut tx, actor.user.id, id).await?;
    if revoked.is_empty() {
        return Err(AppError::not_found(format!("A live token with id {id}")));
    }
    let n = revoked.len();
    for (token_id, name) in revoked {
        let data = catalogue::TokenRevoked {
            token_id,
            name,
            username: actor.user.username.clone(),
        };
        events::emit(&mut tx, &events::actor(actor), &data).await?;
    }
    security_log::record(
        &mut tx,
        actor.user.id,
        "token_revoked",
        actor.ip.as_deref(),
        &if n > 1 {
            format!("Token {id} revoked, with {} token(s) it minted.", n - 1)
        } else {
            format!("Token {id} revoked.")
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Authenticates an `Authorization: Bearer` secret. The use is noted in memory
/// ([`TokenUsage`]) and written by a background worker, never on the request path.
pub async fn authenticate(state: &AppState, secret: &str, ip: Option<String>) -> AppResult<Actor> {
    let invalid = || {
        AppError::new(
            ErrorCode::InvalidToken,
            "The API token is not valid. Check it was copied whole, or create a new one.",
        )
    };
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 40 {
        return Err(invalid());
    }
    let mut c = state.db.conn().await?;
    let row = tokens::by_hash(&mut c, &hash(secret))
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
    let user = users::by_id(&mut c, row.user_id)
        .await?
        .ok_or_else(invalid)?;
    if user.disabled_at.is_some() {
        return Err(account_disabled());
    }
    state.token_usage.record(row.id, user.id, ip.as_deref());
    Ok(Actor {
        user,
        via: Via::Token {
            id: row.id,
            scopes: parse_scopes(&row.scopes),
            expires_at: row.expires_at,
        },
        ip,
        usage: Some(state.token_usage.clone()),
    })
}

/// The refusal of a disabled account's credentials (its tokens, and a
/// sign-in with the right password).
pub fn account_disabled() -> AppError {
    AppError::new(
        ErrorCode::AccountDisabled,
        "This account has been disabled by the administrators of this Trellis: \
         its API tokens and sign-ins are refused.",
    )
}

#[derive(Debug, Default)]
struct Use {
    user_id: i64,
    last_at: i64,
    count: u64,
    ip: Option<String>,
    /// Scopes the uses needed (`Actor::require`).
    scopes: BTreeSet<Scope>,
}

/// Token uses not yet written: `token id -> (user, last use, count, address,
/// scopes exercised)`. A worker flushes them as `last_used_at` and one
/// security-log line per token, and, for a token's first use of a UTC day or
/// its first use of a scope that day, a `token.used` event (what the audit
/// log shows of token use).
#[derive(Debug, Default)]
pub struct TokenUsage {
    pending: Mutex<HashMap<i64, Use>>,
}

impl TokenUsage {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Use>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes one use of a token.
    pub fn record(&self, token_id: i64, user_id: i64, ip: Option<&str>) {
        let mut p = self.lock();
        let u = p.entry(token_id).or_default();
        u.user_id = user_id;
        u.last_at = trellis_db::now();
        u.count += 1;
        if let Some(ip) = ip {
            u.ip = Some(ip.to_owned());
        }
    }

    /// Notes that a use of a token needed `scope` (called by [`Actor::require`]).
    pub fn record_scope(&self, token_id: i64, user_id: i64, scope: Scope) {
        let mut p = self.lock();
        let u = p.entry(token_id).or_default();
        u.user_id = user_id;
        u.last_at = u.last_at.max(trellis_db::now());
        u.scopes.insert(scope);
    }

    /// Writes what is pending in one transaction; on failure it is put back.
    pub async fn flush(&self, db: &Db) -> AppResult<()> {
        let taken = std::mem::take(&mut *self.lock());
        if taken.is_empty() {
            return Ok(());
        }
        let result = async {
            let mut tx = db.begin().await?;
            let used: Vec<(i64, i64)> = taken.iter().map(|(id, u)| (*id, u.last_at)).collect();
            tokens::touch_many(&mut tx, &used).await?;
            used_today(&mut tx, &taken).await?;
            for (id, u) in &taken {
                security_log::record(
                    &mut tx,
                    u.user_id,
                    "token_used",
                    u.ip.as_deref(),
                    &format!("Token {id} used {} time(s).", u.count),
                )
                .await?;
            }
            tx.commit().await?;
            Ok::<_, AppError>(())
        }
        .await;
        if let Err(e) = result {
            let mut p = self.lock();
            for (id, u) in taken {
                let e = p.entry(id).or_default();
                e.user_id = u.user_id;
                e.last_at = e.last_at.max(u.last_at);
                e.count += u.count;
                e.scopes.extend(u.scopes);
                if e.ip.is_none() {
                    e.ip = u.ip;
                }
            }
            return Err(e);
        }
        Ok(())
    }
}

/// Writes a `token.used` event for each token of `taken` used for the first
/// time today (UTC) or exercising a scope for the first time today, on the
/// flush's transaction.
async fn used_today(
    tx: &mut trellis_db::AnyConnection,
    taken: &HashMap<i64, Use>,
) -> AppResult<()> {
    let mut keys: Vec<(i64, String)> = Vec::new();
    for (id, u) in taken {
        keys.push((*id, String::new()));
        keys.extend(u.scopes.iter().map(|s| (*id, s.as_str().to_owned())));
    }
    let day = crate::registry::downloads::today();
    let fresh = trellis_db::audit::mark_token_uses(tx, &day, &keys).await?;
    let mut news: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, scope) in fresh {
        let list = news.entry(id).or_default();
        if !scope.is_empty() {
            list.push(scope);
        }
    }
    let ids: Vec<i64> = news.keys().copied().collect();
    for t in trellis_db::audit::token_facts(tx, &ids).await? {
        let who = events::EventActor::User {
            user_id: t.user_id,
            username: t.username.clone(),
            token_id: Some(t.id),
        };
        let data = catalogue::TokenUsed {
            token_id: t.id,
            name: t.name,
            username: t.username,
            scopes: parse_scopes(&t.scopes)
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            scopes_used: news.remove(&t.id).unwrap_or_default(),
            uses: taken.get(&t.id).map_or(0, |u| u.count as i64),
        };
        events::emit(tx, &who, &data).await?;
    }
    Ok(())
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
