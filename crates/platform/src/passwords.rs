//! Passwords: the strength rules (length, variety, not the user name, not one
//! of the most common ones) and argon2id hashing and checking, off the async
//! threads; a dummy hash checked for unknown users so timing does not tell
//! which names exist.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use trellis_types::ErrorCode;

use crate::{AppError, AppResult};

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
pub(crate) fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        Argon2::default()
            .hash_password(b"not-a-real-password-at-all")
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}
