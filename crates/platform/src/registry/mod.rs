//! The registry services: namespaces and their keys and members, publishing,
//! versions (yank, deprecate, delete; a deleted plugin's artifacts go by a
//! job), downloads (what they keep in memory) and their counting, and
//! dependency resolution. The pure checks live in
//! `trellis_registry`; this module adds who may do what, storage and the
//! database.

pub mod artifact_deletion;
pub mod artifacts;
pub mod downloads;
pub mod namespaces;
pub mod plugins;
pub mod publish;
pub mod resolve;

use object_store::path::Path;
use trellis_db::namespaces::{self as ns_db, NamespaceRow};
use trellis_db::users::UserRow;
use trellis_db::AnyConnection;
use trellis_types::NamespaceRole;

use crate::{AppError, AppResult};

/// The plugin-API version this host implements (the default of `POST /resolve`).
pub const HOST_API_VERSION: &str = "1.0.0";

/// Where an artifact lives in the object store: addressed by its content.
pub fn artifact_path(sha256: &str) -> Path {
    Path::from(format!(
        "artifacts/sha256/{}/{sha256}.tar.gz",
        &sha256[..2.min(sha256.len())]
    ))
}

/// The one refusal for acting in a namespace one does not belong to (also used
/// when the namespace does not exist, so its existence is not revealed).
pub fn not_member(namespace: &str) -> AppError {
    AppError::forbidden(format!(
        "You are not a member of the namespace `{namespace}`."
    ))
}

/// The namespace, or `not_found`.
pub async fn namespace(c: &mut AnyConnection, name: &str) -> AppResult<NamespaceRow> {
    ns_db::by_name(c, name)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Namespace `{name}`")))
}

/// The user's role in the namespace, or [`not_member`].
pub async fn require_member(
    c: &mut AnyConnection,
    ns: &NamespaceRow,
    user: &UserRow,
) -> AppResult<NamespaceRole> {
    ns_db::member_role(c, ns.id, user.id)
        .await?
        .ok_or_else(|| not_member(&ns.name))
}

/// Fails with `forbidden` unless the user owns the namespace.
pub async fn require_owner(
    c: &mut AnyConnection,
    ns: &NamespaceRow,
    user: &UserRow,
) -> AppResult<()> {
    match require_member(c, ns, user).await? {
        NamespaceRole::Owner => Ok(()),
        NamespaceRole::Maintainer => Err(AppError::forbidden(format!(
            "Only owners of the namespace `{}` may do this.",
            ns.name
        ))),
    }
}
