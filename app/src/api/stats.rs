//! A plugin's statistics for the statistics page (a public read: no session
//! needed). An unknown range reads as the
//! default (90 days), as a page's bad query parameter is dropped elsewhere.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{PluginStatsOut, StatsRange};

use crate::error::UiError;

/// What `/plugins/{id}/stats` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginStatsData {
    pub id: String,
    pub namespace: String,
    pub name: String,
    pub display_name: String,
    pub stats: PluginStatsOut,
}

/// The range `?range=` names, else the default.
pub fn range_or_default(range: Option<&str>) -> StatsRange {
    range.and_then(StatsRange::parse).unwrap_or_default()
}

/// The statistics page's data: the plugin's names and its statistics.
#[server]
pub async fn plugin_stats_page(
    id: String,
    range: Option<String>,
) -> Result<PluginStatsData, UiError> {
    let state = super::ssr::state()?;
    let range = range_or_default(range.as_deref());
    let plugin = trellis_platform::registry::plugins::get_plugin(&state, &id).await?;
    let stats = trellis_platform::registry::stats::plugin_stats(&state, &id, range).await?;
    Ok(PluginStatsData {
        id: plugin.id,
        namespace: plugin.namespace,
        name: plugin.name,
        display_name: plugin.display_name,
        stats,
    })
}
