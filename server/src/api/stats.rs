//! A plugin's download and install statistics over a range
//! (`GET /api/v1/plugins/{id}/stats?range=90d|1y|all`): public, like the
//! download counts. An unknown `range` is a `bad_request` problem naming it.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use trellis_platform::registry::stats;
use trellis_platform::AppState;
use trellis_types::{PluginStatsOut, StatsRange};
use utoipa::IntoParams;

use super::extract::{ApiPath, ApiQuery};
use super::problem::ApiError;

/// The range of a statistics answer.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `90d` (default: the last 90 days, by day), `1y` (the last 53 weeks, by
    /// week) or `all` (since the plugin's first day: by day, week or month).
    #[serde(default)]
    range: Option<StatsRange>,
}

/// Get a plugin's statistics: downloads and unique installs per day, week or month, per version.
#[utoipa::path(
    get,
    path = "/api/v1/plugins/{id}/stats",
    operation_id = "v1.plugin.stats",
    tag = "plugins",
    params(("id" = String, Path, description = "The plugin id, `namespace.name`."), StatsQuery),
    responses((status = 200, description = "Totals, a zero-filled series over the range (the bucket is named), \
        per-version totals and the series of the top versions.", body = PluginStatsOut))
)]
pub async fn plugin_stats(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<StatsQuery>,
) -> Result<Json<PluginStatsOut>, ApiError> {
    let range = q.range.unwrap_or_default();
    Ok(Json(stats::plugin_stats(&state, &id, range).await?))
}
