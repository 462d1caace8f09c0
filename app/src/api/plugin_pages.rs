//! The plugin page's and the namespace page's data, read from the registry's
//! services (public reads: no session needed).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{CategoryOut, NamespaceOut, PluginOut, VersionOut};

use crate::components::chart::DayCount;
use crate::error::UiError;

/// What `/plugins/{id}` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginPageData {
    /// With the README of its latest version (sanitised HTML).
    pub plugin: PluginOut,
    /// Highest first.
    pub versions: Vec<VersionOut>,
    /// The plugin's categories with their names.
    pub categories: Vec<CategoryOut>,
    /// The last 90 days, oldest first, days without downloads as 0.
    pub chart: Vec<DayCount>,
    /// Unique installs in those 90 days (see `api::stats`).
    pub recent_unique_installs: i64,
    /// Where demo content was imported from, for plugins not published on this
    /// instance (none for published plugins).
    pub demo_source: Option<String>,
}

/// A plugin with its versions and 90 days of downloads; `not_found` when there is none.
#[server]
pub async fn plugin_page(id: String) -> Result<PluginPageData, UiError> {
    use trellis_platform::registry::plugins;
    let state = super::ssr::state()?;
    let plugin = plugins::get_plugin(&state, &id).await?;
    let versions = plugins::list_versions(&state, &id).await?;
    let recent = trellis_platform::registry::stats::plugin_stats(
        &state,
        &id,
        trellis_types::StatsRange::Days90,
    )
    .await?;
    let chart = recent
        .series
        .into_iter()
        .map(|p| DayCount {
            day: p.start,
            downloads: p.downloads,
        })
        .collect();
    let categories = trellis_platform::registry::categories(&state)
        .await?
        .into_iter()
        .filter(|c| plugin.categories.contains(&c.slug))
        .collect();
    let demo_source = if plugin.demo {
        plugin.source.clone()
    } else {
        None
    };
    Ok(PluginPageData {
        demo_source,
        categories,
        plugin,
        versions,
        chart,
        recent_unique_installs: recent.range_unique_installs,
    })
}

/// A namespace with its members; `not_found` when there is none.
#[server]
pub async fn namespace_info(name: String) -> Result<NamespaceOut, UiError> {
    let state = super::ssr::state()?;
    Ok(trellis_platform::registry::namespaces::get(&state, &name).await?)
}
