//! The registry services: namespaces and their keys and members, publishing,
//! versions (yank, deprecate, delete; a deleted plugin's artifacts go by a
//! job), downloads (what they keep in memory) and their counting,
//! dependency resolution, catalogue import (`import`, `import_map`), the
//! category list and what the search index reads. The pure checks live in
//! `trellis_registry`; this module adds who may do what, storage and the
//! database.

pub mod artifact_deletion;
pub mod artifacts;
pub mod downloads;
pub mod feeds;
pub mod import;
pub mod import_map;
pub mod namespaces;
pub mod official;
pub mod plugins;
pub mod publish;
pub mod resolve;
pub mod stats;

use object_store::path::Path;
use trellis_db::namespaces::{self as ns_db, NamespaceRow};
use trellis_db::search_docs::SearchDocRow;
use trellis_db::users::UserRow;
use trellis_db::AnyConnection;
use trellis_types::{CategoryOut, NamespaceRole};

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

/// Every category: Trellis's own (always), then the catalogue categories that
/// plugins use, each with its number of plugins (two queries).
pub async fn categories(state: &AppState) -> AppResult<Vec<CategoryOut>> {
    let mut c = state.db.conn().await?;
    let counts = trellis_db::catalogue::category_counts(&mut c).await?;
    let count = |slug: &str| counts.get(slug).copied().unwrap_or(0);
    let mut out: Vec<CategoryOut> = trellis_registry::CATEGORIES
        .iter()
        .map(|(slug, name)| CategoryOut {
            slug: (*slug).into(),
            name: (*name).into(),
            plugins: count(slug),
            catalogue: false,
        })
        .collect();
    for (slug, name) in trellis_db::catalogue::categories(&mut c).await? {
        let plugins = count(&slug);
        if plugins > 0 && !out.iter().any(|o| o.slug == slug) {
            out.push(CategoryOut {
                slug,
                name,
                plugins,
                catalogue: true,
            });
        }
    }
    Ok(out)
}

/// Gives Trellis's own categories their labels in search documents (the database
/// knows only the catalogue categories' labels).
fn label_categories(rows: &mut [SearchDocRow]) {
    for r in rows {
        for (slug, label) in r.categories.iter().zip(r.category_labels.iter_mut()) {
            if let Some((_, l)) = trellis_registry::CATEGORIES.iter().find(|(s, _)| s == slug) {
                *label = (*l).to_owned();
            }
        }
    }
}

/// The search documents of `ids` (see `trellis_db::search_docs::load`), every
/// category labelled.
pub async fn search_docs(c: &mut AnyConnection, ids: &[String]) -> AppResult<Vec<SearchDocRow>> {
    let mut rows = trellis_db::search_docs::load(c, ids).await?;
    label_categories(&mut rows);
    Ok(rows)
}

/// A page of search documents after `after_id` (see `trellis_db::search_docs::page`),
/// every category labelled.
pub async fn search_docs_page(
    c: &mut AnyConnection,
    after_id: Option<&str>,
    limit: i64,
) -> AppResult<Vec<SearchDocRow>> {
    let mut rows = trellis_db::search_docs::page(c, after_id, limit).await?;
    label_categories(&mut rows);
    Ok(rows)
}
