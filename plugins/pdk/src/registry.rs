//! Read-only access to public registry data (host function `trellis_read`, permission
//! `read_registry`): plugins, versions and reviews exactly as an anonymous visitor sees
//! them on the API. A review a moderator hid and a plugin a moderator delisted are
//! [`NOT_FOUND`], like a plugin, version or review that does not exist.
//!
//! ```ignore
//! let p = trellis_pdk::registry::plugin("acme.kanban")?;
//! if let Some(v) = &p.latest_version {
//!     let v = trellis_pdk::registry::version(&p.id, v)?;
//!     trellis_pdk::log::info(format!("{} {}: {} bytes of changelog", p.id, v.version,
//!         v.changelog.as_deref().unwrap_or("").len()))?;
//! }
//! ```

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::calls::from_json;
use crate::error::HostError;
use crate::ffi::{call, Host};

/// The error code of a plugin, version or review that does not exist or is not public.
pub const NOT_FOUND: &str = "not_found";

/// A plugin's public summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// `namespace.name`.
    pub id: String,
    pub namespace: String,
    #[serde(default)]
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// `agent`, `integration` or `tool`.
    pub kind: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Category slugs (`ai-agents`, `communication`, …).
    #[serde(default)]
    pub categories: Vec<String>,
    /// The highest published version, when there is one.
    #[serde(default)]
    pub latest_version: Option<String>,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub plugin: String,
    pub version: String,
    /// The README as plain text (tags removed, one block a line).
    #[serde(default)]
    pub readme: String,
    /// The package's CHANGELOG.md as published (Markdown), when it had one.
    #[serde(default)]
    pub changelog: Option<String>,
    /// Unix time of the publish, as the API gives it.
    #[serde(default)]
    pub published_at: i64,
    #[serde(default)]
    pub yanked: bool,
}

/// One public review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInfo {
    pub id: i64,
    /// The reviewed plugin's id.
    pub plugin: String,
    /// 1 to 5.
    pub stars: i64,
    pub title: String,
    pub text: String,
    /// The reviewer's user name.
    pub author: String,
    /// The version reviewed.
    pub version: String,
    #[serde(default)]
    pub created_at: i64,
    #[serde(default)]
    pub updated_at: i64,
}

/// The public summary of plugin `id`.
pub fn plugin(id: &str) -> Result<PluginInfo, HostError> {
    from_json(call(
        Host::Read,
        &json!({ "what": "plugin", "plugin": id }),
    )?)
}

/// Version `version` of plugin `id`, with its README text and changelog.
pub fn version(id: &str, version: &str) -> Result<VersionInfo, HostError> {
    from_json(call(
        Host::Read,
        &json!({ "what": "version", "plugin": id, "version": version }),
    )?)
}

/// Review `id` (the `review_id` of `review.*` events).
pub fn review(id: i64) -> Result<ReviewInfo, HostError> {
    from_json(call(Host::Read, &json!({ "what": "review", "id": id }))?)
}
