//! The publisher dashboard's actions, each a server function an `ActionForm`
//! posts to, calling the same services as the REST API and the CLI: create a
//! namespace; yank and un-yank a version (a yank needs its confirmation box),
//! deprecate a plugin (reason, optional replacement) and withdraw it, delete a
//! plugin nobody downloaded yet (owners); invite a member or change a role,
//! remove a member, add and remove signing keys, require signatures or not.
//!
//! Each ends with a redirect to the dashboard page that shows its outcome,
//! with a `done=` marker; a refusal answers with the service's error and
//! changes nothing.

use leptos::prelude::*;

use crate::components::query::enc;
use crate::error::UiError;

/// A plugin's dashboard page with `done=` (and an anchor).
pub fn plugin_dash_href(id: &str, done: &str, anchor: &str) -> String {
    format!("/dashboard/plugins/{}?done={done}#{anchor}", enc(id))
}

/// A namespace's dashboard page with `done=` (and an anchor).
pub fn namespace_dash_href(ns: &str, done: &str, anchor: &str) -> String {
    format!("/dashboard/namespaces/{}?done={done}#{anchor}", enc(ns))
}

/// A `validation_failed` error on one field.
#[cfg(feature = "ssr")]
fn field_error(field: &str, code: &str, detail: &str) -> UiError {
    trellis_platform::AppError::field(
        trellis_types::ErrorCode::ValidationFailed,
        field,
        code,
        detail,
    )
    .into()
}

/// Creates a namespace owned by the user and opens its dashboard page.
#[server]
pub async fn create_namespace(name: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let ns = trellis_platform::registry::namespaces::create(
        &state,
        &actor,
        &trellis_types::NamespaceIn { name },
    )
    .await?;
    super::reviews::go(&namespace_dash_href(&ns.name, "created", "members"));
    Ok(())
}

/// Yanks (`yanked = true`, once `confirm` is ticked) or un-yanks a version.
#[server]
pub async fn set_version_yanked(
    plugin: String,
    version: String,
    yanked: bool,
    confirm: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    if yanked && confirm.is_none() {
        return Err(field_error(
            "confirm",
            "required",
            "Tick the box to confirm the yank.",
        ));
    }
    trellis_platform::registry::plugins::set_yanked(&state, &actor, &plugin, &version, yanked)
        .await?;
    let done = if yanked { "yanked" } else { "unyanked" };
    super::reviews::go(&plugin_dash_href(&plugin, done, "versions"));
    Ok(())
}

/// Deprecates a plugin with a reason and an optional replacement.
#[server]
pub async fn deprecate_plugin(
    plugin: String,
    reason: String,
    replacement: Option<String>,
) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let input = trellis_types::DeprecationIn {
        reason,
        replacement: replacement
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    };
    trellis_platform::registry::plugins::set_deprecation(&state, &actor, &plugin, Some(&input))
        .await?;
    super::reviews::go(&plugin_dash_href(&plugin, "deprecated", "deprecation"));
    Ok(())
}

/// Withdraws a plugin's deprecation.
#[server]
pub async fn undeprecate_plugin(plugin: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::plugins::set_deprecation(&state, &actor, &plugin, None).await?;
    super::reviews::go(&plugin_dash_href(&plugin, "undeprecated", "deprecation"));
    Ok(())
}

/// Deletes a plugin nobody has downloaded yet (owners), once `confirm` holds its id.
#[server]
pub async fn delete_plugin(plugin: String, confirm: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    if confirm.trim() != plugin {
        return Err(field_error(
            "confirm",
            "mismatch",
            "Type the plugin's id to confirm the deletion.",
        ));
    }
    trellis_platform::registry::plugins::delete_plugin(&state, &actor, &plugin).await?;
    super::reviews::go("/dashboard?done=plugin_deleted");
    Ok(())
}

/// Invites `username` to `ns` with `role`, or changes the role of a member.
#[server]
pub async fn set_namespace_member(
    ns: String,
    username: String,
    role: String,
) -> Result<(), UiError> {
    use super::ssr::*;
    use trellis_platform::registry::namespaces::{set_member, MemberChange};
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let Some(role) = trellis_types::NamespaceRole::parse(role.trim()) else {
        return Err(field_error(
            "role",
            "unknown",
            "Choose owner or maintainer.",
        ));
    };
    if username.trim().is_empty() {
        return Err(field_error("username", "required", "Give a user name."));
    }
    let done = match set_member(&state, &actor, &ns, &username, role).await? {
        MemberChange::Updated(_) => "role_changed",
        MemberChange::Invited(_) => "invited",
    };
    super::reviews::go(&namespace_dash_href(&ns, done, "members"));
    Ok(())
}

/// Removes `username` from `ns`.
#[server]
pub async fn remove_namespace_member(ns: String, username: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::remove_member(&state, &actor, &ns, &username).await?;
    // Removing oneself leaves the namespace: its page is no longer theirs.
    if username.trim().eq_ignore_ascii_case(&actor.user.username) {
        super::reviews::go("/dashboard?done=left");
    } else {
        super::reviews::go(&namespace_dash_href(&ns, "removed", "members"));
    }
    Ok(())
}

/// Registers a minisign public key for `ns`.
#[server]
pub async fn add_signing_key(ns: String, public_key: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::add_key(
        &state,
        &actor,
        &ns,
        &trellis_types::SigningKeyIn { public_key },
    )
    .await?;
    super::reviews::go(&namespace_dash_href(&ns, "key_added", "keys"));
    Ok(())
}

/// Removes signing key `key_id` of `ns`.
#[server]
pub async fn remove_signing_key(ns: String, key_id: String) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::delete_key(&state, &actor, &ns, &key_id).await?;
    super::reviews::go(&namespace_dash_href(&ns, "key_removed", "keys"));
    Ok(())
}

/// Requires (or stops requiring) signed packages in `ns`.
#[server]
pub async fn set_require_signatures(ns: String, require: bool) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::patch(
        &state,
        &actor,
        &ns,
        &trellis_types::NamespacePatch {
            require_signatures: Some(require),
        },
    )
    .await?;
    let done = if require {
        "signatures_required"
    } else {
        "signatures_optional"
    };
    super::reviews::go(&namespace_dash_href(&ns, done, "keys"));
    Ok(())
}

/// Accepts or declines an invitation from the dashboard, and comes back to it.
#[server]
pub async fn answer_dashboard_invitation(namespace: String, accept: bool) -> Result<(), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    trellis_platform::registry::namespaces::answer_invitation(&state, &actor, &namespace, accept)
        .await?;
    let done = if accept { "joined" } else { "declined" };
    super::reviews::go(&format!("/dashboard?done={done}"));
    Ok(())
}
