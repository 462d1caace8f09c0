//! Namespaces: creation, members (owners and maintainers; a namespace always
//! keeps one owner), minisign signing keys and the require-signatures setting.
//! Every change is for owners only.

use trellis_db::namespaces::NamespaceRow;
use trellis_db::users::UserRow;
use trellis_types::{
    ErrorCode, MemberOut, NamespaceIn, NamespaceOut, NamespacePatch, NamespaceRole, SigningKeyIn,
    SigningKeyOut,
};

use super::{namespace, require_owner};
use crate::{AppError, AppResult, AppState};

/// The namespace as shown, with members and keys.
pub async fn namespace_out(state: &AppState, ns: &NamespaceRow) -> AppResult<NamespaceOut> {
    let members = state.db.namespace_members(ns.id).await?;
    let keys = state.db.namespace_keys(ns.id).await?;
    Ok(NamespaceOut {
        name: ns.name.clone(),
        require_signatures: ns.require_signatures,
        created_at: ns.created_at,
        members: members
            .into_iter()
            .map(|(_, username, role)| MemberOut { username, role })
            .collect(),
        keys: keys
            .into_iter()
            .map(|k| SigningKeyOut {
                key_id: k.key_id,
                public_key: k.public_key,
                added_at: k.added_at,
            })
            .collect(),
    })
}

/// Creates a namespace owned by `user`.
pub async fn create(
    state: &AppState,
    user: &UserRow,
    input: &NamespaceIn,
) -> AppResult<NamespaceOut> {
    let name = input.name.trim();
    trellis_registry::plugin_id::check_id_part(name).map_err(|why| {
        AppError::field(
            ErrorCode::ValidationFailed,
            "name",
            "invalid_name",
            format!("Namespace name {why}."),
        )
    })?;
    let ns = state
        .db
        .create_namespace(name, user.id)
        .await
        .map_err(|e| match e {
            trellis_db::DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                format!("The namespace `{name}` is taken."),
            ),
            other => other.into(),
        })?;
    namespace_out(state, &ns).await
}

/// A namespace by name.
pub async fn get(state: &AppState, name: &str) -> AppResult<NamespaceOut> {
    namespace_out(state, &namespace(state, name).await?).await
}

async fn user_named(state: &AppState, username: &str) -> AppResult<UserRow> {
    state
        .db
        .user_by_name(username)
        .await?
        .ok_or_else(|| AppError::not_found(format!("User `{username}`")))
}

/// Whether removing `target`'s ownership would leave the namespace without an owner.
async fn is_last_owner(state: &AppState, ns: &NamespaceRow, target: &UserRow) -> AppResult<bool> {
    Ok(
        state.db.member_role(ns.id, target.id).await? == Some(NamespaceRole::Owner)
            && state.db.count_owners(ns.id).await? <= 1,
    )
}

fn last_owner() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "A namespace must keep at least one owner. Make someone else an owner first.",
    )
}

/// Adds a member or changes their role.
pub async fn set_member(
    state: &AppState,
    caller: &UserRow,
    ns: &str,
    username: &str,
    role: NamespaceRole,
) -> AppResult<NamespaceOut> {
    let ns = namespace(state, ns).await?;
    require_owner(state, &ns, caller).await?;
    let target = user_named(state, username).await?;
    if role != NamespaceRole::Owner && is_last_owner(state, &ns, &target).await? {
        return Err(last_owner());
    }
    state.db.set_member(ns.id, target.id, role).await?;
    namespace_out(state, &ns).await
}

/// Removes a member.
pub async fn remove_member(
    state: &AppState,
    caller: &UserRow,
    ns: &str,
    username: &str,
) -> AppResult<()> {
    let ns = namespace(state, ns).await?;
    require_owner(state, &ns, caller).await?;
    let target = user_named(state, username).await?;
    if is_last_owner(state, &ns, &target).await? {
        return Err(last_owner());
    }
    if !state.db.remove_member(ns.id, target.id).await? {
        return Err(AppError::not_found(format!(
            "Member `{username}` of `{}`",
            ns.name
        )));
    }
    Ok(())
}

/// Registers a minisign public key for verifying the namespace's packages.
pub async fn add_key(
    state: &AppState,
    caller: &UserRow,
    ns: &str,
    input: &SigningKeyIn,
) -> AppResult<SigningKeyOut> {
    let ns = namespace(state, ns).await?;
    require_owner(state, &ns, caller).await?;
    let info = trellis_registry::parse_public_key(&input.public_key)
        .map_err(|p| AppError::field(ErrorCode::ValidationFailed, &p.field, &p.code, p.detail))?;
    let row = state
        .db
        .add_namespace_key(ns.id, &info.key_id, &info.base64)
        .await
        .map_err(|e| match e {
            trellis_db::DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                format!("The key {} is registered already.", info.key_id),
            ),
            other => other.into(),
        })?;
    Ok(SigningKeyOut {
        key_id: row.key_id,
        public_key: row.public_key,
        added_at: row.added_at,
    })
}

/// Removes a signing key.
pub async fn delete_key(
    state: &AppState,
    caller: &UserRow,
    ns: &str,
    key_id: &str,
) -> AppResult<()> {
    let ns = namespace(state, ns).await?;
    require_owner(state, &ns, caller).await?;
    if !state.db.delete_namespace_key(ns.id, key_id).await? {
        return Err(AppError::not_found(format!(
            "Key {key_id} of `{}`",
            ns.name
        )));
    }
    Ok(())
}

/// Changes namespace settings.
pub async fn patch(
    state: &AppState,
    caller: &UserRow,
    ns: &str,
    input: &NamespacePatch,
) -> AppResult<NamespaceOut> {
    let mut ns = namespace(state, ns).await?;
    require_owner(state, &ns, caller).await?;
    if let Some(req) = input.require_signatures {
        state.db.set_require_signatures(ns.id, req).await?;
        ns.require_signatures = req;
    }
    namespace_out(state, &ns).await
}
