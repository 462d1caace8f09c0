//! The publisher dashboard's shapes: the namespaces a user belongs to with
//! their plugins (latest version, downloads, rating, reviews waiting for a
//! reply), and the rating trend of a plugin (average stars per month, also
//! served by `GET /api/v1/plugins/{id}/rating/trend`).

use serde::{Deserialize, Serialize};

use crate::NamespaceRole;

/// One plugin in the dashboard's overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardPluginOut {
    pub id: String,
    pub display_name: String,
    pub latest_version: Option<String>,
    /// Every download (imported catalogue counts included).
    pub downloads: i64,
    /// Reviews, and their mean stars (none without reviews).
    pub reviews: i64,
    pub average: Option<f64>,
    /// Reviews that have no reply from the publisher yet.
    pub awaiting_reply: i64,
    pub deprecated: bool,
}

/// A namespace the user belongs to, with their role and its plugins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardNamespaceOut {
    pub name: String,
    pub role: NamespaceRole,
    pub plugins: Vec<DashboardPluginOut>,
}

/// The dashboard's overview: every namespace of the user, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardOut {
    pub namespaces: Vec<DashboardNamespaceOut>,
}

/// One month of a rating trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrendMonthOut {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Reviews written that month.
    pub count: i64,
    /// Their mean stars; none in a month without reviews.
    pub average: Option<f64>,
    /// Mean stars of every review written up to the end of that month (within
    /// the trend's window and before it); none while there is none.
    pub cumulative_average: Option<f64>,
}

/// A plugin's average rating per month, oldest month first, every month of
/// the window listed (months without reviews have `count` 0). Reviews are
/// counted in the month they were written; a later edit of the stars counts
/// in that same month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingTrendOut {
    pub plugin: String,
    pub months: Vec<TrendMonthOut>,
}
