//! The registry services: namespaces and their keys, publishing, versions
//! (yank, deprecate, delete), downloads and their counting, and dependency
//! resolution. The pure checks live in `trellis_registry`; this module adds
//! who may do what, storage and the database.

pub mod artifacts;
pub mod downloads;
pub mod namespaces;
pub mod plugins;
pub mod publish;
pub mod resolve;

use object_store::path::Path;
use trellis_db::namespaces::NamespaceRow;
use trellis_db::users::UserRow;
use trellis_types::NamespaceRole;

use crate::{AppError, AppResult, AppState};

/// The plugin-API version this host implements (the default of `POST /resolve`).
pub const HOST_API_VERSION: &str = "1.0.0";

/// Where an artifact lives in the object store: addressed by its content.
pub fn artifact_path(sha256: &str) -> Path {
    Path::from(format!(
        "artifacts/sha256/{}/{sha256}.tar.gz",
        &sha256[..2.min(sha256.len())]
    ))
}

/// The public URL that downloads one version.
pub fn download_url(state: &AppState, plugin_id: &str, version: &str) -> String {
    let base = state.config.public_url.as_str().trim_end_matches('/');
    format!("{base}/api/v1/plugins/{plugin_id}/versions/{version}/download")
}

/// The namespace, or `not_found`.
pub async fn namespace(state: &AppState, name: &str) -> AppResult<NamespaceRow> {
    state
        .db
        .namespace_by_name(name)
        .await?
        .ok_or_else(|| AppError::not_found(format!("Namespace `{name}`")))
}

/// The user's role in the namespace, or `forbidden` when they are not a member.
pub async fn require_member(
    state: &AppState,
    ns: &NamespaceRow,
    user: &UserRow,
) -> AppResult<NamespaceRole> {
    state.db.member_role(ns.id, user.id).await?.ok_or_else(|| {
        AppError::forbidden(format!(
            "You are not a member of the namespace `{}`.",
            ns.name
        ))
    })
}

/// Fails with `forbidden` unless the user owns the namespace.
pub async fn require_owner(state: &AppState, ns: &NamespaceRow, user: &UserRow) -> AppResult<()> {
    match require_member(state, ns, user).await? {
        NamespaceRole::Owner => Ok(()),
        NamespaceRole::Maintainer => Err(AppError::forbidden(format!(
            "Only owners of the namespace `{}` may do this.",
            ns.name
        ))),
    }
}
