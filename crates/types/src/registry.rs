//! The registry as the API shows it: namespaces, plugins, versions, download
//! statistics and install plans.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::NamespaceRole;

/// Request to create a namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NamespaceIn {
    /// 3 to 40 of `a-z0-9-`, starting with a letter, no `--`, not ending in `-`
    /// (surrounding white space is dropped); reserved names and look-alikes are refused.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^\\s*[a-z][a-z0-9-]{1,38}[a-z0-9]\\s*$")
    )]
    pub name: String,
}

/// Changes to a namespace's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NamespacePatch {
    #[serde(default)]
    pub require_signatures: Option<bool>,
}

/// A namespace with its members and signing keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamespaceOut {
    pub name: String,
    pub require_signatures: bool,
    pub created_at: i64,
    pub members: Vec<MemberOut>,
    pub keys: Vec<SigningKeyOut>,
}

/// A namespace member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberOut {
    pub username: String,
    pub role: NamespaceRole,
}

/// Request to add a member or change their role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberIn {
    pub role: NamespaceRole,
}

/// Request to register a minisign public key (bare base64 line or whole `.pub` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SigningKeyIn {
    pub public_key: String,
}

/// A registered minisign public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SigningKeyOut {
    /// 16 upper-case hex digits, as minisign prints it.
    pub key_id: String,
    /// The base64 key line.
    pub public_key: String,
    pub added_at: i64,
}

/// What a successful publish stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishedOut {
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub download_url: String,
}

/// A plugin's `[permissions]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PermissionsOut {
    #[serde(default)]
    pub network: Vec<String>,
    #[serde(default)]
    pub host_functions: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// Why a plugin should no longer be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeprecationIn {
    /// 1 to 500 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 500))]
    pub reason: String,
    /// Id of the plugin to use instead.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[a-z][a-z0-9-]{1,38}[a-z0-9]\\.[a-z][a-z0-9-]{1,38}[a-z0-9]$")
    )]
    pub replacement: Option<String>,
}

/// A deprecation notice as shown.
pub type DeprecationOut = DeprecationIn;

/// A plugin summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PluginOut {
    pub id: String,
    pub namespace: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub kind: String,
    pub categories: Vec<String>,
    pub keywords: Vec<String>,
    pub license: String,
    pub repository: Option<String>,
    pub homepage: Option<String>,
    /// Highest version that is neither yanked nor a pre-release.
    pub latest_version: Option<String>,
    pub deprecated: Option<DeprecationOut>,
    /// Downloads of every version (flushed counts, plus what the catalogue it was
    /// imported from counted).
    pub downloads: i64,
    /// Distinct signed-in users who downloaded it.
    pub installs: i64,
    /// README of the latest version, sanitised HTML (absent in lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme_html: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Demo content a fresh instance was seeded with: show it as such.
    pub demo: bool,
    /// The catalogue it was imported from (e.g. `rockerBOO/awesome-neovim`); null
    /// for plugins published here.
    pub source: Option<String>,
    /// The author that catalogue names (null for plugins published here).
    pub author: Option<String>,
}

/// One published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionOut {
    pub plugin_id: String,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub yanked: bool,
    pub prerelease: bool,
    /// A catalogue entry imported from elsewhere: it has no package (`sha256` is
    /// empty, `size` 0, `api` empty) and cannot be downloaded or installed.
    pub imported: bool,
    /// The plugin-API range the version works with.
    pub api: String,
    pub permissions: PermissionsOut,
    /// Plugin id -> SemVer requirement.
    pub dependencies: BTreeMap<String, String>,
    pub downloads: i64,
    pub published_at: i64,
    pub published_by: Option<String>,
    pub download_url: String,
    /// Only on the single-version endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
}

/// One day's downloads of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyDownloadsOut {
    pub version: String,
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub downloads: i64,
}

/// A plugin's download statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DownloadsOut {
    pub plugin_id: String,
    /// `days` summed, plus `imported`.
    pub total: i64,
    /// Downloads the catalogue the plugin was imported from counted (not in `days`).
    pub imported: i64,
    pub installs: i64,
    pub days: Vec<DailyDownloadsOut>,
}

/// A plugin category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryOut {
    pub slug: String,
    pub name: String,
    /// How many plugins list it.
    pub plugins: i64,
    /// Whether it comes from an imported catalogue (not one of Trellis's own,
    /// which manifests may name).
    pub catalogue: bool,
}

/// One plugin to resolve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveWant {
    /// A plugin id, `namespace.name`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[a-z][a-z0-9-]{1,38}[a-z0-9]\\.[a-z][a-z0-9-]{1,38}[a-z0-9]$")
    )]
    pub id: String,
    /// SemVer requirement; absent means the newest allowed version.
    #[serde(default)]
    pub req: Option<String>,
}

/// Request to compute an install plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResolveIn {
    /// 1 to 100 plugins.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub plugins: Vec<ResolveWant>,
    /// The host's plugin-API version; defaults to this server's.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// One plugin of an install plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedOut {
    pub id: String,
    pub version: String,
    pub sha256: String,
    pub size: i64,
    pub permissions: PermissionsOut,
    /// Plugins of the plan that need it, and "your request" when asked for directly.
    pub requested_by: Vec<String>,
    pub download_url: String,
}

/// An install plan, dependencies before their dependents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanOut {
    pub plan: Vec<PlannedOut>,
}
