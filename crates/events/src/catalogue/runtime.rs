//! Event types of the plugin runtime: installations in workspaces (installed,
//! updated or rolled back, uninstalled, enabled, disabled, configured) and
//! their health. The subject is the installation (`ins_…`); a namespace's
//! workspace gives the events its namespace (its members read them), a
//! user's workspace none (the user and admins read them).
//!
//! Events that installed plugins emit themselves are not in this catalogue:
//! their type is the one the plugin declares in `events.publish`, their subject
//! the emitting installation, their data `{workspace, installation, plugin,
//! hops, data}` (docs/plugin-api.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{EventData, Subject};

event_type! {
    PluginInstalled = "plugin.installed", subject "installation" (installation),
    namespace (optional),
    "A plugin was installed in a workspace (asked for, or as a dependency of one that was).",
    {
        installation: String,
        /// `~username` or a namespace.
        workspace: String,
        plugin: String,
        version: String,
        /// Whether it was asked for (false: a dependency).
        requested: bool,
        /// The workspace's namespace, for a namespace's workspace.
        namespace: Option<String>
    },
    example PluginInstalled {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        version: "1.2.0".into(),
        requested: true,
        namespace: None,
    }
}

event_type! {
    PluginUpdated = "plugin.updated", subject "installation" (installation),
    namespace (optional),
    "An installed plugin moved to another version: an update, or a rollback to the version before.",
    {
        installation: String,
        workspace: String,
        plugin: String,
        from_version: String,
        to_version: String,
        /// True for a rollback.
        rollback: bool,
        namespace: Option<String>
    },
    example PluginUpdated {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "acme".into(),
        plugin: "acme.kanban".into(),
        from_version: "1.2.0".into(),
        to_version: "1.3.0".into(),
        rollback: false,
        namespace: Some("acme".into()),
    }
}

event_type! {
    PluginUninstalled = "plugin.uninstalled", subject "installation" (installation),
    namespace (optional),
    "A plugin was removed from a workspace, with its configuration, store and log.",
    {
        installation: String,
        workspace: String,
        plugin: String,
        version: String,
        namespace: Option<String>
    },
    example PluginUninstalled {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        version: "1.2.0".into(),
        namespace: None,
    }
}

event_type! {
    PluginEnabled = "plugin.enabled", subject "installation" (installation),
    namespace (optional),
    "An installed plugin was enabled: it runs and receives events again.",
    { installation: String, workspace: String, plugin: String, namespace: Option<String> },
    example PluginEnabled {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        namespace: None,
    }
}

event_type! {
    PluginDisabled = "plugin.disabled", subject "installation" (installation),
    namespace (optional),
    "An installed plugin was disabled, by a user or by the circuit breaker after repeated failures.",
    {
        installation: String,
        workspace: String,
        plugin: String,
        /// `user` or `breaker`.
        reason: String,
        namespace: Option<String>
    },
    example PluginDisabled {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        reason: "user".into(),
        namespace: None,
    }
}

event_type! {
    PluginConfigured = "plugin.configured", subject "installation" (installation),
    namespace (optional),
    "An installed plugin's configuration was changed (the names of the fields sent; never values).",
    {
        installation: String,
        workspace: String,
        plugin: String,
        fields: Vec<String>,
        namespace: Option<String>
    },
    example PluginConfigured {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        fields: vec!["greeting".into()],
        namespace: None,
    }
}

event_type! {
    PluginHealthChanged = "plugin.health.changed", subject "installation" (installation),
    namespace (optional),
    "An installation's health changed status (`healthy`, `degraded`, `failing`, `disabled`: the circuit breaker tripped).",
    {
        installation: String,
        workspace: String,
        plugin: String,
        from: String,
        to: String,
        /// The last error, when failing.
        last_error: Option<String>,
        namespace: Option<String>
    },
    example PluginHealthChanged {
        installation: "ins_01JD5A3J8Q4M2V7N9W0XYZABCD".into(),
        workspace: "~alice".into(),
        plugin: "acme.kanban".into(),
        from: "healthy".into(),
        to: "disabled".into(),
        last_error: Some("timeout: the call ran over 5000 ms".into()),
        namespace: None,
    }
}
