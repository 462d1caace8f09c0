//! The publisher dashboard's reads: the overview (the user's namespaces and
//! their plugins, open invitations), one plugin as its publishers see it
//! (versions, rating and its monthly trend, reviews waiting for a reply and
//! those answered), one namespace (members, signing keys, plugins), and the
//! problems of a package refused by the browser upload (kept in the session
//! by the upload route until the publish page reads them once).
//!
//! Every read needs a signed-in user (`unauthenticated` otherwise, which the
//! pages turn into a redirect to the sign-in page); a plugin or namespace the
//! user is not a member of answers `forbidden`, an unknown one `not_found`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{
    DashboardOut, FieldError, InvitationOut, NamespaceOut, NamespaceRole, PluginOut, RatingOut,
    RatingTrendOut, ReviewOut, VersionOut,
};

use crate::error::UiError;

/// The session key under which the upload route leaves a refused package's
/// problems for the publish page.
pub const PUBLISH_PROBLEMS_KEY: &str = "dashboard.publish_problems";

/// Months the dashboard's rating trend covers.
pub const TREND_MONTHS: i64 = 12;

/// Answered reviews shown on a plugin's dashboard page, newest first.
pub const ANSWERED_SHOWN: i64 = 20;

/// What `/dashboard` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewData {
    pub username: String,
    pub overview: DashboardOut,
    pub invitations: Vec<InvitationOut>,
}

/// What `/dashboard/plugins/:id` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginDashData {
    pub plugin: PluginOut,
    /// The viewer's role in the plugin's namespace.
    pub role: NamespaceRole,
    /// Highest first.
    pub versions: Vec<VersionOut>,
    pub rating: RatingOut,
    pub trend: RatingTrendOut,
    /// Downloads and unique installs over the last 90 days.
    pub stats: trellis_types::PluginStatsOut,
    /// Open reports against the plugin and its reviews.
    pub reports: Vec<trellis_types::ReportedOut>,
    /// Oldest first.
    pub awaiting: Vec<ReviewOut>,
    /// Newest first, at most [`ANSWERED_SHOWN`].
    pub answered: Vec<ReviewOut>,
}

/// What `/dashboard/namespaces/:ns` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamespaceDashData {
    pub namespace: NamespaceOut,
    pub role: NamespaceRole,
    pub username: String,
    /// `(id, display name, latest version)`, by id.
    pub plugins: Vec<(String, String, Option<String>)>,
}

/// A refused upload's problems, as the upload route kept them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishProblems {
    /// The file name the browser sent, if any.
    pub file: Option<String>,
    /// The main sentence.
    pub detail: String,
    /// One per problem found in the package.
    pub problems: Vec<FieldError>,
}

/// The signed-in actor's role in `ns`, from their memberships.
#[cfg(feature = "ssr")]
async fn role_in(
    state: &trellis_platform::AppState,
    user: &trellis_db::users::UserRow,
    ns: &str,
) -> Result<Option<NamespaceRole>, UiError> {
    let out = trellis_platform::accounts::user_out(state, user).await?;
    Ok(out
        .namespaces
        .into_iter()
        .find(|m| m.namespace == ns)
        .map(|m| m.role))
}

/// The dashboard's overview.
#[server]
pub async fn dashboard_overview() -> Result<OverviewData, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let overview = trellis_reviews::dashboard::overview(&state, &actor).await?;
    let invitations = trellis_platform::registry::namespaces::invitations(&state, &actor).await?;
    Ok(OverviewData {
        username: actor.user.username.clone(),
        overview,
        invitations,
    })
}

/// One plugin as its publishers see it.
#[server]
pub async fn dashboard_plugin(id: String) -> Result<PluginDashData, UiError> {
    use super::ssr::*;
    use trellis_platform::registry::plugins;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let plugin = plugins::get_plugin(&state, &id).await?;
    let Some(role) = role_in(&state, &actor.user, &plugin.namespace).await? else {
        return Err(trellis_platform::registry::not_member(&plugin.namespace).into());
    };
    let awaiting = trellis_reviews::dashboard::awaiting_reply(&state, &actor, &id).await?;
    let answered = trellis_reviews::list(
        &state,
        &id,
        None,
        trellis_db::reviews::Sort::Newest,
        0,
        trellis_reviews::MAX_PAGE,
    )
    .await?
    .into_iter()
    .filter(|r| r.reply.is_some())
    .take(ANSWERED_SHOWN as usize)
    .collect();
    Ok(PluginDashData {
        versions: plugins::list_versions(&state, &id).await?,
        rating: trellis_reviews::rating(&state, &id, None).await?,
        trend: trellis_reviews::trend(&state, &id, TREND_MONTHS).await?,
        stats: trellis_platform::registry::stats::plugin_stats(
            &state,
            &id,
            trellis_types::StatsRange::Days90,
        )
        .await?,
        reports: trellis_moderation::reports_against(&state, &actor, &id).await?,
        plugin,
        role,
        awaiting,
        answered,
    })
}

/// One namespace as its members see it.
#[server]
pub async fn dashboard_namespace(ns: String) -> Result<NamespaceDashData, UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let actor = require_actor(&state, &s).await?;
    let namespace = trellis_platform::registry::namespaces::get(&state, &ns).await?;
    let Some(role) = role_in(&state, &actor.user, &namespace.name).await? else {
        return Err(trellis_platform::registry::not_member(&namespace.name).into());
    };
    let overview = trellis_reviews::dashboard::overview(&state, &actor).await?;
    let plugins = overview
        .namespaces
        .into_iter()
        .find(|n| n.name == namespace.name)
        .map(|n| {
            n.plugins
                .into_iter()
                .map(|p| (p.id, p.display_name, p.latest_version))
                .collect()
        })
        .unwrap_or_default();
    Ok(NamespaceDashData {
        username: actor.user.username.clone(),
        namespace,
        role,
        plugins,
    })
}

/// The namespaces the user may publish into (for the publish page), and the
/// problems of their last refused upload, once (reading them forgets them).
#[server]
pub async fn publish_page_data() -> Result<(Vec<String>, Option<PublishProblems>), UiError> {
    use super::ssr::*;
    let state = state()?;
    let s = session().await?;
    let user = require_user(&state, &s).await?;
    let out = trellis_platform::accounts::user_out(&state, &user).await?;
    let problems = s
        .remove::<PublishProblems>(PUBLISH_PROBLEMS_KEY)
        .await
        .ok()
        .flatten();
    Ok((
        out.namespaces.into_iter().map(|m| m.namespace).collect(),
        problems,
    ))
}
