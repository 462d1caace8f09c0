//! Accounts: sign-up rules and limits, sign-in under a limiter that cannot be
//! turned into a lockout, password changes (which may revoke every token), the
//! CLI's user creation, and the user list. Password rules and hashing are in
//! [`crate::passwords`] (re-exported here).

use trellis_db::users::{self, UserRow};
use trellis_db::{namespaces, rate_limit, security_log, tokens, DbError};
use trellis_types::{ErrorCode, MembershipOut, NamespaceRole, UserOut};

use trellis_events::catalogue::{TokenRevoked, UserCreated, UserSignInFailed, UserSignedIn};

use crate::events::{self, EventActor};
use crate::passwords::dummy_hash;
pub use crate::passwords::{check_password_strength, hash_password, verify_password};
use crate::{Actor, AppError, AppResult, AppState};

/// Names nobody may take: they collide with routes or impersonate staff.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "root",
    "trellis",
    "system",
    "support",
    "settings",
    "account",
    "signin",
    "signup",
    "signout",
    "login",
    "logout",
    "new",
    "static",
    "pkg",
    "help",
    "about",
];

/// Checks and normalises a user name (lower-case).
pub fn validate_username(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_ascii_lowercase();
    let bad = |code: &str, detail: &str| {
        Err(AppError::field(
            ErrorCode::ValidationFailed,
            "username",
            code,
            detail,
        ))
    };
    if name.len() < 3 || name.len() > 32 {
        return bad("length", "User name must be 3 to 32 characters long.");
    }
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !first_ok || !chars_ok {
        return bad(
            "characters",
            "User name may hold only letters, digits, '-' and '_', and must start with a letter or digit.",
        );
    }
    if RESERVED.contains(&name.as_str()) {
        return bad("reserved", "That user name is reserved. Pick another.");
    }
    Ok(name)
}

/// Refuses with `rate_limited` (and Retry-After) once `count` passes `limit`.
fn over_limit(count: i64, limit: i64, window_end: i64, what: &str) -> AppResult<()> {
    if count <= limit {
        return Ok(());
    }
    let retry = (window_end - trellis_db::now()).max(1) as u64;
    Err(AppError::new(
        ErrorCode::RateLimited,
        format!(
            "Too many {what}. Try again in {} minute{}.",
            retry.div_ceil(60),
            if retry.div_ceil(60) == 1 { "" } else { "s" }
        ),
    )
    .with_retry_after(retry))
}

/// Creates an account. Sign-ups are limited per client address and hour.
pub async fn sign_up(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> AppResult<UserRow> {
    let name = validate_username(username)?;
    check_password_strength(&name, password)?;
    let mut c = state.db.conn().await?;
    let (n, end) = rate_limit::hit(&mut c, &format!("signup:{client}"), 3600).await?;
    over_limit(
        n,
        i64::from(state.config.max_signups_per_hour),
        end,
        "sign-ups from your address",
    )?;
    drop(c);
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let user = match users::insert(&mut tx, &name, &hash, false).await {
        Err(DbError::Conflict) => {
            return Err(AppError::field(
                ErrorCode::UsernameTaken,
                "username",
                "taken",
                format!("The user name `{name}` is taken. Pick another."),
            ))
        }
        other => other?,
    };
    security_log::record(
        &mut tx,
        user.id,
        "signed_up",
        Some(client),
        "Account created.",
    )
    .await?;
    let who = EventActor::User {
        user_id: user.id,
        username: user.username.clone(),
        token_id: None,
    };
    user_created(&mut tx, &who, &user).await?;
    tx.commit().await?;
    Ok(user)
}

/// The sign-in limiter. Every attempt is counted *before* the password is
/// checked, atomically, under `(user, address)`: past `auth.max_failed_signins`
/// that pair gets 429. Failures are also counted per user (every address) and per
/// address (every user); past four times the limit those slow attempts down
/// (a fixed delay before checking) rather than refuse them, so an attacker can
/// neither lock the real user out from elsewhere nor lock out everyone behind
/// one address.
struct SignInLimiter {
    pair: String,
    user: String,
    addr: String,
    window: i64,
    limit: i64,
}

/// The delay added to a check once an account or an address is under attack.
const SLOWDOWN: std::time::Duration = std::time::Duration::from_secs(1);

impl SignInLimiter {
    fn new(state: &AppState, name: &str, client: &str) -> Self {
        SignInLimiter {
            pair: format!("signin:{name}|{client}"),
            user: format!("signin-fail-user:{name}"),
            addr: format!("signin-fail-addr:{client}"),
            window: state.config.failed_signin_window_secs as i64,
            limit: i64::from(state.config.max_failed_signins),
        }
    }

    /// Counts the attempt; refuses it when the pair is over its limit, and waits
    /// first when the user or the address is seeing many failures.
    async fn admit(&self, state: &AppState) -> AppResult<()> {
        let mut c = state.db.conn().await?;
        let (n, end) = rate_limit::hit(&mut c, &self.pair, self.window).await?;
        over_limit(n, self.limit, end, "sign-in attempts")?;
        let (by_user, _) = rate_limit::count(&mut c, &self.user, self.window).await?;
        let (by_addr, _) = rate_limit::count(&mut c, &self.addr, self.window).await?;
        drop(c);
        if by_user >= self.limit * 4 || by_addr >= self.limit * 4 {
            tokio::time::sleep(SLOWDOWN).await;
        }
        Ok(())
    }

    async fn failed(&self, state: &AppState) -> AppResult<()> {
        let mut c = state.db.conn().await?;
        rate_limit::hit(&mut c, &self.user, self.window).await?;
        rate_limit::hit(&mut c, &self.addr, self.window).await?;
        Ok(())
    }

    async fn succeeded(&self, state: &AppState) -> AppResult<()> {
        let mut c = state.db.conn().await?;
        rate_limit::clear(&mut c, &self.pair).await?;
        Ok(())
    }
}

/// Checks credentials under the sign-in limiter.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> AppResult<UserRow> {
    let name = username.trim().to_ascii_lowercase();
    let limiter = SignInLimiter::new(state, &name, client);
    limiter.admit(state).await?;
    let user = users::by_name(&mut *state.db.conn().await?, &name).await?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash).await,
        None => {
            verify_password(password, dummy_hash()).await;
            false
        }
    };
    // One pooled connection at a time: holding one while the limiter takes
    // another lets a burst of sign-ins exhaust the pool and stall every request.
    match (ok, user) {
        (true, Some(u)) if u.disabled_at.is_some() => {
            // The right password: only now may the refusal say why.
            limiter.failed(state).await?;
            sign_in_failed(state, Some(&u), "account_disabled", client).await?;
            Err(crate::tokens::account_disabled())
        }
        (true, Some(u)) => {
            limiter.succeeded(state).await?;
            let mut tx = state.db.begin().await?;
            security_log::record(
                &mut tx,
                u.id,
                "signed_in",
                Some(client),
                "Signed in with a password.",
            )
            .await?;
            let data = UserSignedIn {
                user_id: u.id,
                username: u.username.clone(),
                address: Some(client.to_owned()),
            };
            events::emit(&mut tx, &self_actor(&u), &data).await?;
            tx.commit().await?;
            Ok(u)
        }
        (_, user) => {
            limiter.failed(state).await?;
            let reason = if user.is_some() {
                "wrong_password"
            } else {
                "unknown_user"
            };
            sign_in_failed(state, user.as_ref(), reason, client).await?;
            Err(AppError::new(
                ErrorCode::InvalidCredentials,
                "Wrong user name or password.",
            ))
        }
    }
}

/// The event actor of a user acting as themselves, through no token.
fn self_actor(u: &UserRow) -> EventActor {
    EventActor::User {
        user_id: u.id,
        username: u.username.clone(),
        token_id: None,
    }
}

/// Records a refused sign-in: in the account's security log when the name is
/// an account's, and as a `user.sign_in_failed` event (whose actor is that
/// account, or the system for a name that is none; such a name is not kept).
async fn sign_in_failed(
    state: &AppState,
    user: Option<&UserRow>,
    reason: &str,
    client: &str,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    if let Some(u) = user {
        let detail = if reason == "account_disabled" {
            "Sign-in refused: the account is disabled."
        } else {
            "Wrong password."
        };
        security_log::record(&mut tx, u.id, "sign_in_failed", Some(client), detail).await?;
    }
    let data = UserSignInFailed {
        account: user.map_or_else(|| "(unknown)".to_owned(), |u| u.username.clone()),
        user_id: user.map(|u| u.id),
        reason: reason.to_owned(),
        address: Some(client.to_owned()),
    };
    let who = user.map_or(EventActor::System, self_actor);
    events::emit(&mut tx, &who, &data).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a password after checking the current one (under the sign-in
/// limiter: it is a password check too). With `revoke_tokens`, every API token
/// of the user is revoked as well; other sessions always end.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: &str,
    new: &str,
    revoke_tokens: bool,
) -> AppResult<UserRow> {
    let user = &actor.user;
    let client = actor.ip.as_deref().unwrap_or("unknown");
    let limiter = SignInLimiter::new(state, &user.username, client);
    limiter.admit(state).await?;
    if !verify_password(current, &user.password_hash).await {
        limiter.failed(state).await?;
        security_log::record(
            &mut *state.db.conn().await?,
            user.id,
            "password_change_failed",
            Some(client),
            "Wrong current password given to change the password.",
        )
        .await?;
        return Err(AppError::field(
            ErrorCode::WrongPassword,
            "current_password",
            "wrong",
            "Your current password is wrong.",
        ));
    }
    limiter.succeeded(state).await?;
    check_password_strength(&user.username, new).map_err(|mut e| {
        for f in &mut e.errors {
            f.field = "new_password".into();
        }
        e
    })?;
    let hash = hash_password(new).await?;
    let mut tx = state.db.begin().await?;
    users::set_password_hash(&mut tx, user.id, &hash).await?;
    let revoked = if revoke_tokens {
        let revoked = tokens::revoke_all(&mut tx, user.id).await?;
        let who = EventActor::User {
            user_id: user.id,
            username: user.username.clone(),
            token_id: None,
        };
        for (token_id, name) in &revoked {
            let data = TokenRevoked {
                token_id: *token_id,
                name: name.clone(),
                username: user.username.clone(),
            };
            events::emit(&mut tx, &who, &data).await?;
        }
        revoked.len()
    } else {
        0
    };
    let detail = if revoke_tokens {
        format!("Password changed; {revoked} API token(s) revoked.")
    } else {
        "Password changed.".to_owned()
    };
    security_log::record(&mut tx, user.id, "password_changed", Some(client), &detail).await?;
    tx.commit().await?;
    Ok(UserRow {
        password_hash: hash,
        ..user.clone()
    })
}

/// Creates a user from the command line (`trellis admin create-user`),
/// optionally as admin. An existing name is refused: this never changes an
/// existing account.
pub async fn create_user_cli(
    state: &AppState,
    username: &str,
    password: &str,
    admin: bool,
) -> AppResult<UserRow> {
    let name = validate_username(username)?;
    check_password_strength(&name, password)?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let user = match users::insert(&mut tx, &name, &hash, admin).await {
        Err(DbError::Conflict) => {
            return Err(AppError::field(
                ErrorCode::UsernameTaken,
                "username",
                "taken",
                format!("The user name `{name}` is taken."),
            ))
        }
        other => other?,
    };
    let what = if admin {
        "Admin account created from the command line."
    } else {
        "Account created from the command line."
    };
    security_log::record(&mut tx, user.id, "signed_up", None, what).await?;
    user_created(&mut tx, &EventActor::System, &user).await?;
    tx.commit().await?;
    Ok(user)
}

/// The instance's own account `name` (the publisher of the official plugins),
/// created when missing. It has no usable password: nobody signs in as it.
pub async fn system_user(state: &AppState, name: &str) -> AppResult<UserRow> {
    let mut tx = state.db.begin().await?;
    if let Some(u) = users::by_name(&mut tx, name).await? {
        return Ok(u);
    }
    // "!" is no argon2 hash: every password check against it fails.
    let user = users::insert(&mut tx, name, "!", false).await?;
    security_log::record(
        &mut tx,
        user.id,
        "signed_up",
        None,
        "The instance's own account, created to publish its official plugins; it cannot sign in.",
    )
    .await?;
    user_created(&mut tx, &EventActor::System, &user).await?;
    tx.commit().await?;
    Ok(user)
}

async fn user_created(
    tx: &mut trellis_db::AnyConnection,
    who: &EventActor,
    user: &UserRow,
) -> AppResult<()> {
    let data = UserCreated {
        user_id: user.id,
        username: user.username.clone(),
    };
    events::emit(tx, who, &data).await?;
    Ok(())
}

/// Grants or removes the admin role (instance setup and tests).
pub async fn set_admin(state: &AppState, username: &str, admin: bool) -> AppResult<()> {
    let mut c = state.db.conn().await?;
    let u = users::by_name(&mut c, username)
        .await?
        .ok_or_else(|| AppError::not_found(format!("User `{username}`")))?;
    users::set_admin(&mut c, u.id, admin).await?;
    Ok(())
}

/// A user by name, or `not_found`.
pub async fn user_named(state: &AppState, username: &str) -> AppResult<UserRow> {
    users::by_name(&mut *state.db.conn().await?, username)
        .await?
        .ok_or_else(|| AppError::not_found(format!("User `{username}`")))
}

/// The public views of users, with their memberships (one query for all).
pub async fn users_out(state: &AppState, rows: &[UserRow]) -> AppResult<Vec<UserOut>> {
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let memberships = namespaces::memberships(&mut *state.db.conn().await?, &ids).await?;
    Ok(rows
        .iter()
        .map(|u| {
            let mine = memberships
                .iter()
                .filter(|(uid, _, _)| *uid == u.id)
                .map(|(_, namespace, role)| (namespace.clone(), *role));
            user_view(u, mine)
        })
        .collect())
}

/// The public view of a user, given their memberships (namespace, role).
pub fn user_view(
    u: &UserRow,
    memberships: impl IntoIterator<Item = (String, NamespaceRole)>,
) -> UserOut {
    UserOut {
        id: u.id,
        username: u.username.clone(),
        is_admin: u.is_admin,
        created_at: u.created_at,
        namespaces: memberships
            .into_iter()
            .map(|(namespace, role)| MembershipOut { namespace, role })
            .collect(),
    }
}

/// The public view of a user, with memberships.
pub async fn user_out(state: &AppState, u: &UserRow) -> AppResult<UserOut> {
    Ok(users_out(state, std::slice::from_ref(u))
        .await?
        .pop()
        .expect("one user in, one out"))
}

/// Every user, newest first (admins).
pub async fn list_users(
    state: &AppState,
    actor: &Actor,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<UserOut>> {
    actor.require_admin()?;
    let rows = users::list(
        &mut *state.db.conn().await?,
        limit.clamp(1, 500),
        offset.max(0),
    )
    .await?;
    users_out(state, &rows).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(validate_username(" Alice_1 ").unwrap(), "alice_1");
        for bad in ["ab", "-abc", "a b c", "ädam", "admin", &"x".repeat(33)] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_strength() {
        assert!(check_password_strength("alice", "correct horse battery").is_ok());
        for bad in [
            "short",
            "password123",
            "aaaaaaaaaaaaaa",
            "alice-is-great-2024",
        ] {
            let e = check_password_strength("alice", bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::WeakPassword, "{bad}");
        }
    }

    #[tokio::test]
    async fn hashes_verify() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h).await);
        assert!(!verify_password("wrong horse battery", &h).await);
    }
}
