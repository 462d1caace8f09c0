//! What the publisher dashboard and the plugin page read about the signed-in
//! user: the overview of their namespaces and plugins (latest version,
//! downloads, rating, reviews waiting for a reply), a plugin's reviews waiting
//! for a reply (members only), and what the viewer has done among a page of
//! reviews (their own review, their helpful votes and reports).

use std::collections::HashMap;

use trellis_types::{DashboardNamespaceOut, DashboardOut, DashboardPluginOut};

use super::*;
use crate::rules::*;

/// Reviews waiting for a reply shown at most on a plugin's dashboard page.
pub const MAX_AWAITING: i64 = 100;

/// The namespaces the actor belongs to, with their role and every plugin of
/// each (a few queries whatever the number of plugins).
pub async fn overview(state: &AppState, actor: &Actor) -> AppResult<DashboardOut> {
    actor.require(Scope::Read)?;
    let mut c = state.db.conn().await?;
    let memberships = trellis_db::namespaces::memberships(&mut c, &[actor.user.id]).await?;
    let names: Vec<String> = memberships.iter().map(|(_, n, _)| n.clone()).collect();
    let plugins = trellis_db::dashboard::plugins_in(&mut c, &names).await?;
    let ids: Vec<String> = plugins.iter().map(|p| p.id.clone()).collect();
    let downloads = trellis_db::downloads::totals(&mut c, &ids).await?;
    let sums: HashMap<String, (i64, i64)> = db::sums(&mut c, &ids)
        .await?
        .into_iter()
        .map(|(id, n, s)| (id, (n, s)))
        .collect();
    let waiting: HashMap<String, i64> = db::unanswered_counts(&mut c, &ids)
        .await?
        .into_iter()
        .collect();
    let mut by_ns: HashMap<String, Vec<DashboardPluginOut>> = HashMap::new();
    for p in plugins {
        let (n, s) = sums.get(&p.id).copied().unwrap_or((0, 0));
        let out = DashboardPluginOut {
            downloads: downloads.get(&p.id).map(|d| d.0).unwrap_or(0),
            reviews: n,
            average: (n > 0).then(|| s as f64 / n as f64),
            awaiting_reply: waiting.get(&p.id).copied().unwrap_or(0),
            deprecated: p.deprecated,
            latest_version: p.latest_version,
            display_name: p.display_name,
            id: p.id,
        };
        by_ns.entry(p.namespace).or_default().push(out);
    }
    Ok(DashboardOut {
        namespaces: memberships
            .into_iter()
            .map(|(_, name, role)| DashboardNamespaceOut {
                plugins: by_ns.remove(&name).unwrap_or_default(),
                name,
                role,
            })
            .collect(),
    })
}

/// A plugin's reviews without a reply, oldest first (at most
/// [`MAX_AWAITING`]): for members of its namespace only.
pub async fn awaiting_reply(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
) -> AppResult<Vec<ReviewOut>> {
    actor.require(Scope::Read)?;
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    if !is_member(&mut c, &p, actor.user.id).await? {
        return Err(trellis_platform::registry::not_member(&p.namespace));
    }
    Ok(db::unanswered(&mut c, &p.id, MAX_AWAITING)
        .await?
        .into_iter()
        .map(to_out)
        .collect())
}

/// What the viewer has to do with a plugin's reviews.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Viewer {
    /// A member of the plugin's namespace (may reply, may not review).
    pub publisher: bool,
    /// Their own review of the plugin, if any.
    pub own: Option<ReviewOut>,
    /// Which of the given reviews they marked helpful.
    pub voted: Vec<i64>,
    /// Which of the given reviews they reported.
    pub reported: Vec<i64>,
}

/// The actor's standing towards plugin `plugin_id` and the reviews `shown`.
pub async fn viewer(
    state: &AppState,
    actor: &Actor,
    plugin_id: &str,
    shown: &[i64],
) -> AppResult<Viewer> {
    let mut c = state.db.conn().await?;
    let p = plugin(&mut c, plugin_id).await?;
    let uid = actor.user.id;
    Ok(Viewer {
        publisher: is_member(&mut c, &p, uid).await?,
        own: db::by_user(&mut c, &p.id, uid).await?.map(to_out),
        voted: db::voted_by(&mut c, uid, shown).await?,
        reported: db::reported_by(&mut c, uid, shown).await?,
    })
}

/// The plugin API versions a reviewer may name.
pub fn api_versions() -> &'static [&'static str] {
    trellis_registry::PLUGIN_API_VERSIONS
}
