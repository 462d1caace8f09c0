//! The plugin runtime's shapes: installations in workspaces, install plans
//! with what each plugin asks for, configuration forms, calls, health and
//! log lines.

use serde::{Deserialize, Serialize};

use crate::PermissionsOut;

/// One plugin installed in a workspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallationOut {
    /// `ins_…`.
    pub id: String,
    /// `~username` (a user's workspace) or a namespace.
    pub workspace: String,
    pub plugin: String,
    pub display_name: String,
    pub version: String,
    /// The version before the last update or rollback (what a rollback returns to).
    pub previous_version: Option<String>,
    /// Asked for (false: installed because another plugin needs it).
    pub requested: bool,
    /// Updates leave a pinned installation alone.
    pub pinned: bool,
    pub enabled: bool,
    /// Why it is disabled: `user` or `breaker` (too many failed calls in a row).
    pub disabled_reason: Option<String>,
    /// What the installer consented to.
    pub granted: PermissionsOut,
    /// Event types it receives and may publish.
    pub subscribes: Vec<String>,
    pub publishes: Vec<String>,
    /// Plugins of this workspace it depends on.
    pub dependencies: Vec<String>,
    /// `healthy`, `degraded`, `failing` or `disabled`; `unknown` before any call.
    pub status: String,
    /// Unix milliseconds, as every time of the runtime's shapes.
    pub installed_at: i64,
    /// Unix milliseconds.
    pub updated_at: i64,
    /// A development build uploaded by `trellis dev` (not a registry version;
    /// update checks leave it alone).
    #[serde(default)]
    pub dev: bool,
}

/// A workspace and what is installed in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceOut {
    pub workspace: String,
    /// `user` or `namespace`.
    pub kind: String,
    /// Whether the caller may install, configure and remove here.
    pub can_manage: bool,
    pub installations: Vec<InstallationOut>,
}

/// What to install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstallIn {
    /// The plugin id, `namespace.name`.
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 81))]
    pub plugin: String,
    /// A SemVer requirement (`^1.2`); the newest version that fits by default.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub req: Option<String>,
    /// Must be true: the caller saw the plan's permissions and agrees. Without
    /// it nothing is installed and the plan is returned in the error.
    #[serde(default)]
    pub consent: bool,
}

/// One plugin of an install or update plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanStepOut {
    pub plugin: String,
    pub display_name: String,
    pub version: String,
    /// `install` (new), `update` (another version of an installed plugin),
    /// `keep` (installed already at this version).
    pub action: String,
    /// The version installed now, for `update` and `keep`.
    pub installed_version: Option<String>,
    /// Package size in bytes.
    pub size: i64,
    pub sha256: String,
    pub permissions: PermissionsOut,
    /// What it asks for beyond what was consented to before (everything, for a
    /// new install).
    pub new_permissions: PermissionsOut,
    pub subscribes: Vec<String>,
    pub publishes: Vec<String>,
    /// Plugins of the plan that need it, and "your request".
    pub requested_by: Vec<String>,
}

/// A plan: what an install or update would do, dependencies first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallPlanOut {
    pub workspace: String,
    pub steps: Vec<PlanStepOut>,
    /// Whether any step asks for permissions not consented to before.
    pub needs_consent: bool,
    /// Total bytes to download.
    pub download_size: i64,
}

/// Consent to an update or a rollback that asks for more permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    /// True when the caller agrees to the permissions the plan adds.
    #[serde(default)]
    pub consent: bool,
}

/// An update to a given version (the newest that fits by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateIn {
    #[serde(default)]
    pub consent: bool,
    /// An exact version to move to; the newest otherwise.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub version: Option<String>,
}

/// The result of an install, update, update-all or rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallResultOut {
    pub plan: InstallPlanOut,
    /// The installations created or changed.
    pub installations: Vec<InstallationOut>,
}

/// An available update of an installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateOut {
    pub installation: String,
    pub plugin: String,
    pub installed_version: String,
    pub latest_version: String,
    pub pinned: bool,
    /// Permissions the update asks for beyond what was consented to.
    pub new_permissions: PermissionsOut,
}

/// Enabling, disabling or pinning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InstallationPatchIn {
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub pinned: Option<bool>,
}

/// Uninstall options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UninstallIn {
    /// Also remove the dependencies nothing else installed needs.
    #[serde(default)]
    pub remove_unused_dependencies: bool,
}

/// What an uninstall removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UninstalledOut {
    pub removed: Vec<String>,
    /// Dependencies nothing else needs now, left installed (offer to remove them).
    pub unused_dependencies: Vec<String>,
}

/// One field of a plugin's configuration form, from its JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigFieldOut {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// `string`, `integer`, `number`, `boolean`, `enum`, `choices` (an array
    /// of strings from an enum), `list` (an array of strings), `secret`,
    /// `json`.
    pub kind: String,
    pub required: bool,
    /// Choices of an `enum` or `choices` field.
    pub choices: Vec<String>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub max_length: Option<u64>,
    /// The current value as text (never for secrets); a `list` or `choices`
    /// field's items one per line, as is its default.
    pub value: Option<String>,
    pub default: Option<String>,
    /// For secrets: whether one is stored (its value is never shown again).
    pub is_set: bool,
}

/// An installation's configuration: the form and the current values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigOut {
    pub installation: String,
    pub fields: Vec<ConfigFieldOut>,
    /// The non-secret configuration.
    pub values: serde_json::Value,
}

/// New configuration: values by field name (a secret left out keeps its stored
/// value; `null` clears it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConfigIn {
    pub values: serde_json::Map<String, serde_json::Value>,
}

/// A call of a plugin's `invoke` export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InvokeIn {
    /// Any JSON; the plugin reads it.
    pub input: serde_json::Value,
}

/// What `invoke` returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvokeOut {
    pub output: serde_json::Value,
    pub duration_ms: i64,
    /// Fuel the call burned.
    pub fuel: i64,
}

/// An installation's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthOut {
    pub installation: String,
    pub workspace: String,
    pub plugin: String,
    pub version: String,
    /// `healthy`, `degraded`, `failing`, `disabled` or `unknown` (no call yet).
    pub status: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Calls and failed calls in the recent window.
    pub calls: i64,
    pub errors: i64,
    pub p50_ms: i64,
    pub p95_ms: i64,
    /// Fuel burned in the recent window.
    pub fuel: i64,
    pub last_error: Option<String>,
    /// Unix milliseconds.
    pub last_error_at: Option<i64>,
    pub consecutive_failures: i64,
    /// When the row was last written (unix milliseconds).
    pub updated_at: Option<i64>,
    /// What the plugin's own `health` export said when this was read (one
    /// installation at a time, enabled and exporting it): `ok`, `degraded`,
    /// `failing`, or `unreachable` when the call failed.
    #[serde(default)]
    pub reported_status: Option<String>,
    #[serde(default)]
    pub reported_message: Option<String>,
}

/// Install attempts and their success rate, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallStatsOut {
    /// Days covered.
    pub days: i64,
    pub attempts: i64,
    pub succeeded: i64,
    /// Succeeded / attempts, 0 to 1 (1 with no attempts).
    pub success_rate: f64,
    /// The target people hold this to.
    pub target: f64,
    pub recent_failures: Vec<InstallFailureOut>,
}

/// A failed install attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstallFailureOut {
    pub workspace: String,
    pub plugin: String,
    pub version: Option<String>,
    pub action: String,
    pub error_code: Option<String>,
    pub detail: Option<String>,
    /// Unix milliseconds.
    pub at: i64,
}

/// A plugin's log line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogLineOut {
    pub id: i64,
    /// Unix milliseconds.
    pub at: i64,
    /// `debug`, `info`, `warn`, `error`.
    pub level: String,
    pub message: String,
}

/// A page of log lines, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPageOut {
    pub lines: Vec<LogLineOut>,
    /// Pass as `before` for older lines.
    pub next_before: Option<i64>,
}

/// Plugin ids of `all` that nothing needs once `removed` are gone: installed
/// as dependencies (not asked for) and needed by nothing that stays,
/// transitively (the rule `trellis_runtime::manage::uninstall` applies).
pub fn unused_after(all: &[InstallationOut], removed: &[String]) -> Vec<String> {
    let mut gone: Vec<String> = removed.to_vec();
    loop {
        let needed: Vec<&String> = all
            .iter()
            .filter(|i| !gone.contains(&i.plugin))
            .flat_map(|i| i.dependencies.iter())
            .collect();
        let more: Vec<String> = all
            .iter()
            .filter(|i| !i.requested && !gone.contains(&i.plugin) && !needed.contains(&&i.plugin))
            .map(|i| i.plugin.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        gone.extend(more);
    }
    let mut out: Vec<String> = gone.into_iter().filter(|g| !removed.contains(g)).collect();
    out.sort();
    out
}

/// Plugin ids of `all` (other than `plugin` itself) that depend on `plugin`.
pub fn needed_by(all: &[InstallationOut], plugin: &str) -> Vec<String> {
    all.iter()
        .filter(|i| i.plugin != plugin && i.dependencies.iter().any(|d| d == plugin))
        .map(|i| i.plugin.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PermissionsOut;

    fn inst(plugin: &str, requested: bool, deps: &[&str]) -> InstallationOut {
        InstallationOut {
            id: format!("ins_{plugin}"),
            workspace: "~a".into(),
            plugin: plugin.into(),
            display_name: plugin.into(),
            version: "1.0.0".into(),
            previous_version: None,
            requested,
            pinned: false,
            enabled: true,
            disabled_reason: None,
            granted: PermissionsOut::default(),
            subscribes: vec![],
            publishes: vec![],
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            status: "unknown".into(),
            installed_at: 0,
            updated_at: 0,
            dev: false,
        }
    }

    #[test]
    fn unused_dependencies_follow_the_runtimes_rule() {
        let all = vec![
            inst("a.app", true, &["a.mid"]),
            inst("a.mid", false, &["a.leaf"]),
            inst("a.leaf", false, &[]),
            inst("a.other", true, &[]),
        ];
        assert_eq!(
            unused_after(&all, &["a.app".into()]),
            vec!["a.leaf".to_string(), "a.mid".to_string()]
        );
        assert!(unused_after(&all, &[]).is_empty());
        assert_eq!(needed_by(&all, "a.mid"), vec!["a.app".to_string()]);
        let mut shared = all.clone();
        shared[3].dependencies = vec!["a.leaf".into()];
        assert_eq!(
            unused_after(&shared, &["a.app".into()]),
            vec!["a.mid".to_string()]
        );
    }
}
