//! Accounts: sign-up rules, argon2id password hashing, sign-in with rate
//! limiting of failures, password changes, and the first admin.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use trellis_db::users::UserRow;
use trellis_db::DbError;
use trellis_types::{ErrorCode, MembershipOut, UserOut};

use crate::{AppError, AppResult, AppState};

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

/// Passwords too common to allow whatever their length.
const COMMON: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "1234567890",
    "12345678910",
    "qwertyuiop",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "administrator",
    "passw0rd123",
    "trustno1234",
    "abc1234567",
    "qwerty1234",
    "1q2w3e4r5t",
    "football12",
    "monkey1234",
    "dragon1234",
    "sunshine12",
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

/// Refuses weak passwords with a reason a person can act on.
pub fn check_password_strength(username: &str, password: &str) -> AppResult<()> {
    let weak = |detail: &str| {
        Err(AppError::field(
            ErrorCode::WeakPassword,
            "password",
            "weak",
            detail,
        ))
    };
    let n = password.chars().count();
    if n < 10 {
        return weak("Password must be at least 10 characters long.");
    }
    if n > 128 {
        return weak("Password must be at most 128 characters long.");
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return weak("That password is one of the most common ones. Pick another.");
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return weak("Password must not contain your user name.");
    }
    let distinct: std::collections::HashSet<char> = password.chars().collect();
    if distinct.len() < 5 {
        return weak("Password needs more variety: use at least 5 different characters.");
    }
    Ok(())
}

/// Hashes a password with argon2id (off the async threads).
pub async fn hash_password(password: &str) -> AppResult<String> {
    let pw = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await
    .map_err(AppError::internal)?
}

/// Checks a password against a stored PHC hash (off the async threads).
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let pw = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, checked when the user does not exist so that
/// timing does not tell which user names are taken.
fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        Argon2::default()
            .hash_password(b"not-a-real-password-at-all")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Creates an account.
pub async fn sign_up(state: &AppState, username: &str, password: &str) -> AppResult<UserRow> {
    let name = validate_username(username)?;
    check_password_strength(&name, password)?;
    let hash = hash_password(password).await?;
    match state.db.create_user(&name, &hash, false).await {
        Err(DbError::Conflict) => Err(AppError::field(
            ErrorCode::UsernameTaken,
            "username",
            "taken",
            format!("The user name `{name}` is taken. Pick another."),
        )),
        other => Ok(other?),
    }
}

/// Checks credentials, rate limiting failures per user name and per client address.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
    client: &str,
) -> AppResult<UserRow> {
    let name = username.trim().to_ascii_lowercase();
    let window = state.config.failed_signin_window_secs as i64;
    let max = state.config.max_failed_signins as i64;
    let user_key = format!("user:{name}");
    let ip_key = format!("ip:{client}");
    for (key, limit) in [(&user_key, max), (&ip_key, max * 4)] {
        let (n, oldest) = state.db.login_failures_since(key, window).await?;
        if n >= limit {
            let retry = oldest
                .map(|o| (o + window - trellis_db::now()).max(1))
                .unwrap_or(window) as u64;
            return Err(AppError::new(
                ErrorCode::RateLimited,
                format!(
                    "Too many failed sign-ins. Try again in {} minutes.",
                    retry.div_ceil(60)
                ),
            )
            .with_retry_after(retry));
        }
    }
    let user = state.db.user_by_name(&name).await?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash).await,
        None => {
            verify_password(password, dummy_hash()).await;
            false
        }
    };
    match (ok, user) {
        (true, Some(u)) => {
            state.db.clear_login_failures(&user_key).await?;
            Ok(u)
        }
        _ => {
            state.db.record_login_failure(&user_key).await?;
            state.db.record_login_failure(&ip_key).await?;
            Err(AppError::new(
                ErrorCode::InvalidCredentials,
                "Wrong user name or password.",
            ))
        }
    }
}

/// Changes a password after checking the current one.
pub async fn change_password(
    state: &AppState,
    user: &UserRow,
    current: &str,
    new: &str,
) -> AppResult<UserRow> {
    if !verify_password(current, &user.password_hash).await {
        return Err(AppError::field(
            ErrorCode::WrongPassword,
            "current_password",
            "wrong",
            "Your current password is wrong.",
        ));
    }
    check_password_strength(&user.username, new).map_err(|mut e| {
        for f in &mut e.errors {
            f.field = "new_password".into();
        }
        e
    })?;
    let hash = hash_password(new).await?;
    state.db.set_password_hash(user.id, &hash).await?;
    Ok(UserRow {
        password_hash: hash,
        ..user.clone()
    })
}

/// Creates a user from the command line, optionally as admin; an existing user
/// is promoted instead when `admin` is set and the name exists.
pub async fn create_user_cli(
    state: &AppState,
    username: &str,
    password: &str,
    admin: bool,
) -> AppResult<UserRow> {
    let name = validate_username(username)?;
    check_password_strength(&name, password)?;
    let hash = hash_password(password).await?;
    match state.db.create_user(&name, &hash, admin).await {
        Err(DbError::Conflict) => Err(AppError::field(
            ErrorCode::UsernameTaken,
            "username",
            "taken",
            format!("The user name `{name}` is taken."),
        )),
        other => Ok(other?),
    }
}

/// The public view of a user, with memberships.
pub async fn user_out(state: &AppState, u: &UserRow) -> AppResult<UserOut> {
    let namespaces = state
        .db
        .memberships(u.id)
        .await?
        .into_iter()
        .map(|(namespace, role)| MembershipOut { namespace, role })
        .collect();
    Ok(UserOut {
        id: u.id,
        username: u.username.clone(),
        is_admin: u.is_admin,
        created_at: u.created_at,
        namespaces,
    })
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
