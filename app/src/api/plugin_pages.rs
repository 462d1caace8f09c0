//! The plugin page's and the namespace page's data, read from the registry's
//! services (public reads: no session needed).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use trellis_types::{CategoryOut, NamespaceOut, PluginOut, VersionOut};

use crate::components::chart::DayCount;
use crate::error::UiError;

/// Days the download chart covers, ending today (UTC).
pub const CHART_DAYS: i64 = 90;

/// What `/plugins/{id}` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginPageData {
    /// With the README of its latest version (sanitised HTML).
    pub plugin: PluginOut,
    /// Highest first.
    pub versions: Vec<VersionOut>,
    /// The plugin's categories with their names.
    pub categories: Vec<CategoryOut>,
    /// The last [`CHART_DAYS`] days, oldest first, days without downloads as 0.
    pub chart: Vec<DayCount>,
    /// Where demo content was imported from, for plugins not published on this
    /// instance (none for published plugins).
    pub demo_source: Option<String>,
}

/// Sums per-version daily counts into one count per day over the `days` days
/// ending on the day of `now` (unix seconds, UTC), oldest first.
pub fn daily_totals(
    counts: impl IntoIterator<Item = (String, i64)>,
    now: i64,
    days: i64,
) -> Vec<DayCount> {
    let mut by_day = std::collections::HashMap::<String, i64>::new();
    for (day, n) in counts {
        *by_day.entry(day).or_default() += n;
    }
    (0..days)
        .rev()
        .map(|back| {
            let day = crate::components::time::date(now - back * 86_400);
            DayCount {
                downloads: by_day.get(&day).copied().unwrap_or(0),
                day,
            }
        })
        .collect()
}

/// A plugin with its versions and 90 days of downloads; `not_found` when there is none.
#[server]
pub async fn plugin_page(id: String) -> Result<PluginPageData, UiError> {
    use trellis_platform::registry::plugins;
    let state = super::ssr::state()?;
    let plugin = plugins::get_plugin(&state, &id).await?;
    let versions = plugins::list_versions(&state, &id).await?;
    let downloads = plugins::downloads(&state, &id).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let chart = daily_totals(
        downloads.days.into_iter().map(|d| (d.day, d.downloads)),
        now,
        CHART_DAYS,
    );
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
    })
}

/// A namespace with its members; `not_found` when there is none.
#[server]
pub async fn namespace_info(name: String) -> Result<NamespaceOut, UiError> {
    let state = super::ssr::state()?;
    Ok(trellis_platform::registry::namespaces::get(&state, &name).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_summed_and_zero_filled() {
        // 2026-01-10 12:00 UTC
        let now = 1_768_046_400;
        let days = daily_totals(
            [
                ("2026-01-10".to_owned(), 2),
                ("2026-01-10".to_owned(), 3),
                ("2026-01-08".to_owned(), 1),
                ("2025-01-01".to_owned(), 99),
            ],
            now,
            90,
        );
        assert_eq!(days.len(), 90);
        assert_eq!(days[89].day, "2026-01-10");
        assert_eq!(days[89].downloads, 5);
        assert_eq!(days[88].downloads, 0);
        assert_eq!(days[87].downloads, 1);
        assert_eq!(days.iter().map(|d| d.downloads).sum::<i64>(), 6);
        assert_eq!(days[0].day, "2025-10-13");
    }
}
