//! Namespaces: creation (reserved and confusable names refused), members
//! (owners and maintainers; a namespace always keeps one owner), invitations
//! that the invitee accepts, minisign signing keys and the require-signatures
//! setting. Every change is for owners and needs the `publish` scope.

use trellis_db::namespaces::{self as ns_db, NamespaceRow};
use trellis_db::users;
use trellis_db::AnyConnection;
use trellis_types::{
    ErrorCode, InvitationOut, MemberOut, NamespaceIn, NamespaceOut, NamespacePatch, NamespaceRole,
    Scope, SigningKeyIn, SigningKeyOut,
};

use super::{namespace, require_owner};
use trellis_events::catalogue as ev;

use crate::events::{actor as event_actor, emit};
use crate::{Actor, AppError, AppResult, AppState};

/// How long an invitation stays open.
const INVITATION_DAYS: i64 = 14;

/// The namespace as shown, with members and keys.
async fn namespace_out(c: &mut AnyConnection, ns: &NamespaceRow) -> AppResult<NamespaceOut> {
    let members = ns_db::members(c, ns.id).await?;
    let keys = ns_db::keys(c, ns.id).await?;
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

/// Creates a namespace owned by the actor.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: &NamespaceIn,
) -> AppResult<NamespaceOut> {
    actor.require(Scope::Publish)?;
    let name = input.name.trim();
    // Syntax, reserved names and their look-alikes (`4dmin`, `trellis-official`…).
    trellis_registry::check_namespace_name(name)
        .map_err(|r| AppError::field(ErrorCode::ValidationFailed, "name", r.code, r.detail))?;
    let mut tx = state.db.begin().await?;
    let ns = ns_db::insert(&mut tx, name, actor.user.id)
        .await
        .map_err(|e| match e {
            trellis_db::DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                format!("The namespace `{name}` is taken."),
            ),
            other => other.into(),
        })?;
    let data = ev::NamespaceCreated {
        namespace: ns.name.clone(),
        owner: actor.user.username.clone(),
    };
    emit(&mut tx, &event_actor(actor), &data).await?;
    let out = namespace_out(&mut tx, &ns).await?;
    tx.commit().await?;
    Ok(out)
}

/// A namespace by name (public).
pub async fn get(state: &AppState, name: &str) -> AppResult<NamespaceOut> {
    let mut c = state.db.conn().await?;
    let ns = namespace(&mut c, name).await?;
    namespace_out(&mut c, &ns).await
}

/// Whether removing `user_id`'s ownership would leave the namespace without an owner.
async fn is_last_owner(c: &mut AnyConnection, ns: &NamespaceRow, user_id: i64) -> AppResult<bool> {
    Ok(
        ns_db::member_role(c, ns.id, user_id).await? == Some(NamespaceRole::Owner)
            && ns_db::count_owners(c, ns.id).await? <= 1,
    )
}

fn last_owner() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "A namespace must keep at least one owner. Make someone else an owner first.",
    )
}

/// What [`set_member`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberChange {
    /// An existing member's role changed.
    Updated(NamespaceOut),
    /// Anyone else was invited: they join when they accept. The same answer
    /// whether or not such a user exists, so user names cannot be probed.
    Invited(NamespaceOut),
}

/// Changes a member's role, or invites someone who is not a member yet.
pub async fn set_member(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    username: &str,
    role: NamespaceRole,
) -> AppResult<MemberChange> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let ns = namespace(&mut tx, ns).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    let target = users::by_name(&mut tx, &username.trim().to_ascii_lowercase()).await?;
    let previous = match &target {
        Some(t) => ns_db::member_role(&mut tx, ns.id, t.id).await?,
        None => None,
    };
    let who = event_actor(actor);
    let change = match (target, previous) {
        (Some(t), Some(previous)) => {
            if role != NamespaceRole::Owner && is_last_owner(&mut tx, &ns, t.id).await? {
                return Err(last_owner());
            }
            ns_db::set_member(&mut tx, ns.id, t.id, role).await?;
            if previous != role {
                let data = ev::NamespaceMemberRoleChanged {
                    namespace: ns.name.clone(),
                    username: t.username.clone(),
                    role: role.as_str().into(),
                    previous_role: previous.as_str().into(),
                };
                emit(&mut tx, &who, &data).await?;
            }
            MemberChange::Updated(namespace_out(&mut tx, &ns).await?)
        }
        (Some(t), None) => {
            let expires = trellis_db::now() + INVITATION_DAYS * 86_400;
            ns_db::invite(&mut tx, ns.id, t.id, role, actor.user.id, expires).await?;
            let data = ev::NamespaceMemberInvited {
                namespace: ns.name.clone(),
                username: t.username.clone(),
                role: role.as_str().into(),
            };
            emit(&mut tx, &who, &data).await?;
            MemberChange::Invited(namespace_out(&mut tx, &ns).await?)
        }
        (None, _) => MemberChange::Invited(namespace_out(&mut tx, &ns).await?),
    };
    tx.commit().await?;
    Ok(change)
}

/// Removes a member (never the last owner).
pub async fn remove_member(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    username: &str,
) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let ns = namespace(&mut tx, ns).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    let not_found = || AppError::not_found(format!("Member `{username}` of `{}`", ns.name));
    let target = users::by_name(&mut tx, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(not_found)?;
    if is_last_owner(&mut tx, &ns, target.id).await? {
        return Err(last_owner());
    }
    if !ns_db::remove_member(&mut tx, ns.id, target.id).await? {
        return Err(not_found());
    }
    let data = ev::NamespaceMemberRemoved {
        namespace: ns.name.clone(),
        username: target.username.clone(),
    };
    emit(&mut tx, &event_actor(actor), &data).await?;
    tx.commit().await?;
    Ok(())
}

/// The actor's open invitations.
pub async fn invitations(state: &AppState, actor: &Actor) -> AppResult<Vec<InvitationOut>> {
    actor.require(Scope::Read)?;
    Ok(
        ns_db::invitations_for_user(&mut *state.db.conn().await?, actor.user.id)
            .await?
            .into_iter()
            .map(|i| InvitationOut {
                namespace: i.namespace,
                role: i.role,
                invited_by: i.invited_by,
                created_at: i.created_at,
                expires_at: i.expires_at,
            })
            .collect(),
    )
}

/// Accepts (`true`) or declines an invitation to `ns`.
pub async fn answer_invitation(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    accept: bool,
) -> AppResult<Option<NamespaceOut>> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let not_found = || AppError::not_found(format!("An open invitation to `{ns}`"));
    let row = ns_db::by_name(&mut tx, ns).await?.ok_or_else(not_found)?;
    let inv = ns_db::take_invitation(&mut tx, row.id, actor.user.id)
        .await?
        .ok_or_else(not_found)?;
    let out = if accept {
        // An existing membership keeps the stronger of the two roles.
        let previous = ns_db::member_role(&mut tx, row.id, actor.user.id).await?;
        let role = match previous {
            Some(NamespaceRole::Owner) => NamespaceRole::Owner,
            _ => inv.role,
        };
        ns_db::set_member(&mut tx, row.id, actor.user.id, role).await?;
        let who = event_actor(actor);
        let username = actor.user.username.clone();
        match previous {
            None => {
                let data = ev::NamespaceMemberAdded {
                    namespace: row.name.clone(),
                    username,
                    role: role.as_str().into(),
                };
                emit(&mut tx, &who, &data).await?;
            }
            Some(p) if p != role => {
                let data = ev::NamespaceMemberRoleChanged {
                    namespace: row.name.clone(),
                    username,
                    role: role.as_str().into(),
                    previous_role: p.as_str().into(),
                };
                emit(&mut tx, &who, &data).await?;
            }
            Some(_) => {}
        }
        Some(namespace_out(&mut tx, &row).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok(out)
}

/// Registers a minisign public key for verifying the namespace's packages.
pub async fn add_key(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    input: &SigningKeyIn,
) -> AppResult<SigningKeyOut> {
    actor.require(Scope::Publish)?;
    let info = trellis_registry::parse_public_key(&input.public_key)
        .map_err(|p| AppError::field(ErrorCode::ValidationFailed, &p.field, &p.code, p.detail))?;
    let mut tx = state.db.begin().await?;
    let ns = namespace(&mut tx, ns).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    let row = ns_db::add_key(&mut tx, ns.id, &info.key_id, &info.base64)
        .await
        .map_err(|e| match e {
            trellis_db::DbError::Conflict => AppError::new(
                ErrorCode::Conflict,
                format!("The key {} is registered already.", info.key_id),
            ),
            other => other.into(),
        })?;
    let data = ev::NamespaceKeyAdded {
        namespace: ns.name.clone(),
        key_id: row.key_id.clone(),
    };
    emit(&mut tx, &event_actor(actor), &data).await?;
    tx.commit().await?;
    Ok(SigningKeyOut {
        key_id: row.key_id,
        public_key: row.public_key,
        added_at: row.added_at,
    })
}

/// Removes a signing key.
pub async fn delete_key(state: &AppState, actor: &Actor, ns: &str, key_id: &str) -> AppResult<()> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let ns = namespace(&mut tx, ns).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    if !ns_db::delete_key(&mut tx, ns.id, key_id).await? {
        return Err(AppError::not_found(format!(
            "Key {key_id} of `{}`",
            ns.name
        )));
    }
    let data = ev::NamespaceKeyRemoved {
        namespace: ns.name.clone(),
        key_id: key_id.to_owned(),
    };
    emit(&mut tx, &event_actor(actor), &data).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes namespace settings.
pub async fn patch(
    state: &AppState,
    actor: &Actor,
    ns: &str,
    input: &NamespacePatch,
) -> AppResult<NamespaceOut> {
    actor.require(Scope::Publish)?;
    let mut tx = state.db.begin().await?;
    let mut ns = namespace(&mut tx, ns).await?;
    require_owner(&mut tx, &ns, &actor.user).await?;
    if let Some(req) = input.require_signatures {
        if req != ns.require_signatures {
            ns_db::set_require_signatures(&mut tx, ns.id, req).await?;
            ns.require_signatures = req;
            let data = ev::NamespaceUpdated {
                namespace: ns.name.clone(),
                require_signatures: req,
            };
            emit(&mut tx, &event_actor(actor), &data).await?;
        }
    }
    let out = namespace_out(&mut tx, &ns).await?;
    tx.commit().await?;
    Ok(out)
}
