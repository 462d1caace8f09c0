//! The `plugin.toml` manifest: its typed form ([`Manifest`]) and [`parse_manifest`],
//! which walks the TOML document field by field so it can report every problem at once,
//! each with the field path and the line it is on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::de::DeTable;

use crate::manifest_tables::{
    dependencies_table, events_table, permissions_table, plugin_table, runtime_table,
};
use crate::manifest_walker::{get, Walker};

use crate::manifest_rules as rules;
use crate::package_problem::PackageProblem;
use crate::plugin_id::{PluginId, PluginKind};

/// The manifest schema version this crate understands.
pub const SCHEMA_VERSION: u32 = 1;
/// Default `runtime.memory_mb`.
pub const DEFAULT_MEMORY_MB: u32 = 64;
/// Default `runtime.timeout_ms`.
pub const DEFAULT_TIMEOUT_MS: u32 = 5000;

/// A parsed and validated `plugin.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Manifest format version (currently always 1).
    pub schema_version: u32,
    /// The `[plugin]` table: identity and catalogue metadata.
    pub plugin: PluginMeta,
    /// The `[runtime]` table: how the host runs the module.
    pub runtime: Runtime,
    /// The `[permissions]` table (everything denied when absent).
    #[serde(default)]
    pub permissions: Permissions,
    /// The `[events]` table.
    #[serde(default)]
    pub events: Events,
    /// Relative path to a JSON Schema (a JSON object) for the plugin's configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_schema: Option<String>,
    /// Plugin id → SemVer requirement.
    #[serde(default)]
    pub dependencies: BTreeMap<PluginId, semver::VersionReq>,
}

/// The `[plugin]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginMeta {
    /// `namespace.name`.
    pub id: PluginId,
    /// Human name shown in the catalogue (1..=64 characters).
    pub display_name: String,
    /// SemVer version of this release (pre-releases allowed, build metadata not).
    pub version: semver::Version,
    /// agent | integration | tool.
    pub kind: PluginKind,
    /// One-paragraph description (1..=300 characters).
    pub description: String,
    /// SPDX license expression.
    pub license: String,
    /// Source repository URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Homepage URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Relative path to a PNG or SVG icon inside the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Up to 5 slugs from [`crate::plugin_id::CATEGORIES`].
    #[serde(default)]
    pub categories: Vec<String>,
    /// Up to 10 lowercase keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The Trellis plugin-API versions this release works with (e.g. `^1.0`).
    pub api: semver::VersionReq,
}

/// The `[runtime]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    /// Relative path of the `.wasm` module.
    pub entry: String,
    /// Function names the module exports for the host to call (non-empty).
    pub exports: Vec<String>,
    /// Memory limit in MiB (1..=512, default 64).
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Per-call time limit in milliseconds (1..=60000, default 5000).
    #[serde(default = "default_timeout")]
    pub timeout_ms: u32,
}

fn default_memory() -> u32 {
    DEFAULT_MEMORY_MB
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_MS
}

/// The `[permissions]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Hosts (`host`, `host:port`, `*.domain.tld`) the plugin may reach.
    #[serde(default)]
    pub network: Vec<String>,
    /// Host functions from [`crate::plugin_id::HOST_FUNCTIONS`].
    #[serde(default)]
    pub host_functions: Vec<String>,
    /// Names of secrets the plugin may read.
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// The `[events]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Events {
    /// Event types the plugin wants to receive (`plugin.*` wildcards allowed).
    #[serde(default)]
    pub subscribe: Vec<String>,
    /// Event types the plugin may emit.
    #[serde(default)]
    pub publish: Vec<String>,
}

/// Parses and validates `plugin.toml`, returning every problem found (each naming the
/// field and, where it has one, the line).
pub fn parse_manifest(text: &str) -> Result<Manifest, Vec<PackageProblem>> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let mut w = Walker {
                text,
                problems: Vec::new(),
            };
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            w.err(
                "manifest",
                "toml_syntax",
                &span,
                format!("invalid TOML: {msg}"),
            );
            return Err(w.problems);
        }
    };
    let mut w = Walker {
        text,
        problems: Vec::new(),
    };
    let root = doc.get_ref();
    let root_span = 0..0;
    w.deny_unknown(
        root,
        "",
        &[
            "schema_version",
            "plugin",
            "runtime",
            "permissions",
            "events",
            "config_schema",
            "dependencies",
        ],
    );

    let schema_version = match get(root, "schema_version") {
        None => {
            w.missing("schema_version", &root_span);
            None
        }
        Some(v) => match w.integer("schema_version", v) {
            Some(n) if n == i64::from(SCHEMA_VERSION) => Some(SCHEMA_VERSION),
            Some(n) => {
                w.err(
                    "schema_version",
                    "unsupported_schema_version",
                    &v.span(),
                    format!("schema_version {n} is not supported (expected {SCHEMA_VERSION})"),
                );
                None
            }
            None => None,
        },
    };

    let plugin = match get(root, "plugin") {
        None => {
            w.problems.push(PackageProblem::new(
                "plugin",
                "missing_field",
                "missing required table [plugin]",
            ));
            None
        }
        Some(v) => w
            .table("plugin", v)
            .and_then(|t| plugin_table(&mut w, t, &v.span())),
    };
    let runtime = match get(root, "runtime") {
        None => {
            w.problems.push(PackageProblem::new(
                "runtime",
                "missing_field",
                "missing required table [runtime]",
            ));
            None
        }
        Some(v) => w
            .table("runtime", v)
            .and_then(|t| runtime_table(&mut w, t, &v.span())),
    };
    let permissions = match get(root, "permissions") {
        None => Some(Permissions::default()),
        Some(v) => w
            .table("permissions", v)
            .map(|t| permissions_table(&mut w, t)),
    };
    let events = match get(root, "events") {
        None => Some(Events::default()),
        Some(v) => w.table("events", v).map(|t| events_table(&mut w, t)),
    };
    let config_schema = get(root, "config_schema").and_then(|v| {
        let s = w.string("config_schema", v)?;
        let res = rules::check_relative_path(&s).and_then(|_| {
            if rules::extension(&s) == "json" {
                Ok(())
            } else {
                Err(format!("`{s}` must be a .json file"))
            }
        });
        match res {
            Ok(()) => Some(s),
            Err(e) => {
                w.err("config_schema", "invalid_path", &v.span(), e);
                None
            }
        }
    });
    let dependencies = match get(root, "dependencies") {
        None => BTreeMap::new(),
        Some(v) => match w.table("dependencies", v) {
            Some(t) => dependencies_table(&mut w, t, plugin.as_ref().map(|p| &p.id)),
            None => BTreeMap::new(),
        },
    };

    match (schema_version, plugin, runtime, permissions, events) {
        (Some(schema_version), Some(plugin), Some(runtime), Some(permissions), Some(events))
            if w.problems.is_empty() =>
        {
            Ok(Manifest {
                schema_version,
                plugin,
                runtime,
                permissions,
                events,
                config_schema,
                dependencies,
            })
        }
        _ => Err(w.problems),
    }
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
