//! Accounts as admins manage them: the user list with a search by name, and
//! disabling and enabling an account.
//!
//! Disabling deletes every session of the account in the same transaction (so
//! its next request is signed out) and leaves its API tokens in place but
//! refused (`trellis_platform::tokens::authenticate` checks the account on every
//! use); enabling lets the account sign in again and its tokens that are still
//! valid work again.

use trellis_db::{moderation as db, security_log, sessions, users};
use trellis_events::catalogue as ev;
use trellis_platform::events::{actor as event_actor, emit};
use trellis_platform::{accounts, Actor, AppError, AppResult, AppState};
use trellis_types::{AdminUserOut, ModerationIn, UserDisabledOut};

use crate::reason;

/// Users per page, at most.
pub const MAX_USERS: i64 = 500;

/// Users whose name contains `q` (every user when empty), newest first, with
/// whether each is disabled (admins).
pub async fn list_users(
    state: &AppState,
    actor: &Actor,
    q: &str,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<AdminUserOut>> {
    actor.require_admin()?;
    let rows = users::search(
        &mut *state.db.conn().await?,
        q.trim(),
        limit.clamp(1, MAX_USERS),
        offset.max(0),
    )
    .await?;
    let outs = accounts::users_out(state, &rows).await?;
    Ok(rows
        .iter()
        .zip(outs)
        .map(|(r, u)| admin_out(r, u))
        .collect())
}

fn admin_out(r: &users::UserRow, u: trellis_types::UserOut) -> AdminUserOut {
    AdminUserOut {
        id: u.id,
        username: u.username,
        is_admin: u.is_admin,
        created_at: u.created_at,
        namespaces: u.namespaces,
        disabled: r.disabled_at.map(|at| UserDisabledOut {
            reason: r.disabled_reason.clone().unwrap_or_default(),
            disabled_at: at,
        }),
    }
}

async fn target(state: &AppState, username: &str) -> AppResult<users::UserRow> {
    users::by_name(
        &mut *state.db.conn().await?,
        &username.trim().to_ascii_lowercase(),
    )
    .await?
    .ok_or_else(|| AppError::not_found(format!("User `{username}`")))
}

/// Disables an account (admins, never their own) with a reason: its sessions
/// end at once, its tokens and sign-ins are refused. Disabling it again with
/// another reason replaces the reason; with the same one it changes nothing.
pub async fn disable_user(
    state: &AppState,
    actor: &Actor,
    username: &str,
    input: ModerationIn,
) -> AppResult<AdminUserOut> {
    actor.require_admin()?;
    let why = reason(&input.reason, "account was not disabled")?;
    let u = target(state, username).await?;
    if u.id == actor.user.id {
        return Err(AppError::forbidden(
            "You cannot disable your own account: ask another admin.",
        ));
    }
    let mut tx = state.db.begin().await?;
    let u = users::by_id(&mut tx, u.id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("User `{username}`")))?;
    if u.disabled_at.is_none() || u.disabled_reason.as_deref() != Some(why.as_str()) {
        db::set_disabled(
            &mut tx,
            u.id,
            Some((&why, actor.user.id)),
            trellis_db::now(),
        )
        .await?;
        let ended = sessions::delete_others(&mut tx, u.id, None).await? as i64;
        security_log::record(
            &mut tx,
            u.id,
            "account_disabled",
            None,
            "An administrator disabled this account.",
        )
        .await?;
        emit(
            &mut tx,
            &event_actor(actor),
            &ev::UserDisabled {
                user_id: u.id,
                username: u.username.clone(),
                reason: why,
                sessions_ended: ended,
            },
        )
        .await?;
    }
    let after = users::by_id(&mut tx, u.id)
        .await?
        .ok_or_else(|| AppError::internal("disabled user vanished"))?;
    tx.commit().await?;
    let out = accounts::user_out(state, &after).await?;
    Ok(admin_out(&after, out))
}

/// Enables a disabled account (admins); one that is enabled stays as it is.
pub async fn enable_user(
    state: &AppState,
    actor: &Actor,
    username: &str,
) -> AppResult<AdminUserOut> {
    actor.require_admin()?;
    let u = target(state, username).await?;
    let mut tx = state.db.begin().await?;
    let u = users::by_id(&mut tx, u.id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("User `{username}`")))?;
    if u.disabled_at.is_some() {
        db::set_disabled(&mut tx, u.id, None, trellis_db::now()).await?;
        security_log::record(
            &mut tx,
            u.id,
            "account_enabled",
            None,
            "An administrator enabled this account again.",
        )
        .await?;
        emit(
            &mut tx,
            &event_actor(actor),
            &ev::UserEnabled {
                user_id: u.id,
                username: u.username.clone(),
            },
        )
        .await?;
    }
    let after = users::by_id(&mut tx, u.id)
        .await?
        .ok_or_else(|| AppError::internal("enabled user vanished"))?;
    tx.commit().await?;
    let out = accounts::user_out(state, &after).await?;
    Ok(admin_out(&after, out))
}
