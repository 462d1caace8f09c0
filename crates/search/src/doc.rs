//! The document the index holds for each plugin.

use serde::{Deserialize, Serialize};

/// One plugin as search sees it: what is matched, filtered, ranked and shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginDoc {
    /// `namespace.name`, unique in the index.
    pub id: String,
    pub namespace: String,
    pub name: String,
    pub display_name: String,
    pub summary: String,
    /// The README as plain text (no markup).
    #[serde(default)]
    pub readme_text: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Category slugs.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The categories' names for people, in the order of `categories`.
    #[serde(default)]
    pub category_labels: Vec<String>,
    /// agent, integration or tool.
    pub kind: String,
    /// SPDX expression as published.
    pub license: String,
    /// The plugin-API requirement of the latest version (a semver `VersionReq`, `^1.0`).
    #[serde(default)]
    pub api_req: Option<String>,
    #[serde(default)]
    pub latest_version: Option<String>,
    #[serde(default)]
    pub downloads_total: u64,
    /// Downloads in the last 30 days.
    #[serde(default)]
    pub downloads_recent: u64,
    /// Average stars (1-5), absent without ratings.
    #[serde(default)]
    pub rating_avg: Option<f64>,
    #[serde(default)]
    pub rating_count: u64,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: i64,
    /// Unix seconds.
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default)]
    pub deprecated: bool,
    /// Demo content imported from a public catalogue.
    #[serde(default)]
    pub demo: bool,
}
