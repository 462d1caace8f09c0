//! [`InitInput`]: the input of a plugin's optional `init` export, called once per new
//! instance before any other call (and again after a config change or a hot reload).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the host tells a new instance about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InitInput {
    /// The host's plugin API version (`1.0.0`).
    #[serde(default)]
    pub api: String,
    /// This plugin's id (`ns.name`).
    #[serde(default)]
    pub plugin: String,
    /// This release's version.
    #[serde(default)]
    pub version: String,
    /// The workspace it is installed in (`~alice` for a user, or a namespace).
    #[serde(default)]
    pub workspace: String,
    /// The installation id (`ins_…`).
    #[serde(default)]
    pub installation: String,
    /// The installation's non-secret configuration.
    #[serde(default)]
    pub config: Value,
    /// The Trellis instance's public URL (`https://plugins.example.com`, no
    /// trailing slash): where a plugin's page is `{site_url}/plugins/{id}`.
    #[serde(default)]
    pub site_url: String,
}
