//! A plugin's download and install statistics (`GET /api/v1/plugins/{id}/stats`):
//! totals, a series of downloads and unique installs per bucket (day, week or
//! month) over a range, per-version totals and series of the top versions.
//!
//! A unique install is a download deduplicated per installer per UTC day: a
//! signed-in user (session or token) counts once a day per plugin, anyone else
//! once per address and browser (User-Agent), matched through a daily key that
//! is never an address. Over a bucket or a range, unique installs are the sum
//! of their days' counts.

use serde::{Deserialize, Serialize};

/// The span of a statistics answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StatsRange {
    /// The last 90 days, today (UTC) included, by day.
    #[default]
    #[serde(rename = "90d")]
    Days90,
    /// The last year, by week (weeks start on Monday).
    #[serde(rename = "1y")]
    Year,
    /// Since the plugin's first counted day or its creation: by day up to 120
    /// days, by week up to two years, by month beyond.
    #[serde(rename = "all")]
    All,
}

impl StatsRange {
    /// Every range, in the order pages offer them.
    pub const EVERY: [StatsRange; 3] = [StatsRange::Days90, StatsRange::Year, StatsRange::All];

    /// As it is written in `?range=`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatsRange::Days90 => "90d",
            StatsRange::Year => "1y",
            StatsRange::All => "all",
        }
    }

    /// The range `?range=` names, if it names one.
    pub fn parse(s: &str) -> Option<StatsRange> {
        Self::EVERY.into_iter().find(|r| r.as_str() == s)
    }

    /// For people: `90 days`, `1 year`, `All time`.
    pub fn label(self) -> &'static str {
        match self {
            StatsRange::Days90 => "90 days",
            StatsRange::Year => "1 year",
            StatsRange::All => "All time",
        }
    }
}

/// What one point of a series covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StatsBucketSize {
    /// One UTC day.
    Day,
    /// A week from Monday to Sunday (UTC).
    Week,
    /// A calendar month (UTC).
    Month,
}

impl StatsBucketSize {
    pub fn as_str(self) -> &'static str {
        match self {
            StatsBucketSize::Day => "day",
            StatsBucketSize::Week => "week",
            StatsBucketSize::Month => "month",
        }
    }
}

/// Downloads and unique installs in one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsPointOut {
    /// The bucket's first day, `YYYY-MM-DD` (UTC); the first bucket starts at
    /// the range's `from`.
    pub start: String,
    /// The bucket's last day counted (the range's `to` for the current bucket).
    pub end: String,
    pub downloads: i64,
    /// The sum of the bucket's daily unique installs.
    pub unique_installs: i64,
}

/// One version's downloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionTotalOut {
    pub version: String,
    /// Every download of the version, what an imported catalogue counted included.
    pub downloads: i64,
    /// Downloads within the range.
    pub range_downloads: i64,
}

/// One version's downloads per bucket, aligned with `series`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionSeriesOut {
    pub version: String,
    pub downloads: Vec<i64>,
}

/// A plugin's statistics over a range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PluginStatsOut {
    pub plugin_id: String,
    pub range: StatsRange,
    /// What each point of `series` (and of each `top_versions` entry) covers.
    pub bucket: StatsBucketSize,
    /// The first day covered, `YYYY-MM-DD` (UTC), the start of the first bucket.
    pub from: String,
    /// The last day covered: today (UTC). Counts reach the database every few
    /// seconds, so today's are partial.
    pub to: String,
    /// Every download, what an imported catalogue counted included.
    pub downloads: i64,
    /// Downloads the catalogue the plugin was imported from counted (in
    /// `downloads`, in no series).
    pub imported_downloads: i64,
    /// Unique installs over every day counted (the sum of daily counts).
    pub unique_installs: i64,
    /// Downloads within the range.
    pub range_downloads: i64,
    /// Unique installs within the range (the sum of daily counts).
    pub range_unique_installs: i64,
    /// The first day this instance counted unique installs (of any plugin);
    /// earlier days have none. `null` until something was counted.
    pub unique_installs_since: Option<String>,
    /// One point per bucket, oldest first, empty buckets as zeros.
    pub series: Vec<StatsPointOut>,
    /// Every version with downloads: most downloaded within the range first,
    /// then most downloaded ever.
    pub versions: Vec<VersionTotalOut>,
    /// Per-bucket downloads of the (at most five) versions most downloaded
    /// within the range, in the order of `versions`.
    pub top_versions: Vec<VersionSeriesOut>,
    /// Per-bucket downloads of every other version together, aligned with
    /// `series` (zeros when `top_versions` holds every version).
    pub other_versions: Vec<i64>,
}
