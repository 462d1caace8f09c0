//! Plugin identifiers (`namespace.name`) and the fixed vocabularies a manifest may use:
//! plugin kinds, categories and host functions.

use std::fmt;
use std::str::FromStr;

/// Categories a plugin may list in `plugin.categories`: `(slug, label)`.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("ai-agents", "AI agents"),
    ("automation", "Automation"),
    ("communication", "Communication"),
    ("data", "Data & analytics"),
    ("developer-tools", "Developer tools"),
    ("monitoring", "Monitoring & observability"),
    ("productivity", "Productivity"),
    ("search", "Search"),
    ("security", "Security"),
    ("storage", "Storage"),
    ("testing", "Testing"),
    ("other", "Other"),
];

/// The versions of the Trellis plugin API this build offers, oldest first (a
/// manifest's `api` requirement is matched against them: search's compatibility
/// facet now, the runtime's install check later).
pub const PLUGIN_API_VERSIONS: &[&str] = &["1.0.0"];

/// Host functions a plugin may ask for in `permissions.host_functions`:
/// `(name, what it grants)`.
pub const HOST_FUNCTIONS: &[(&str, &str)] = &[
    ("log", "write to the plugin log"),
    ("config_get", "read the plugin's configuration"),
    ("kv_get", "read from the plugin's key-value store"),
    ("kv_set", "write to the plugin's key-value store"),
    ("kv_delete", "delete from the plugin's key-value store"),
    (
        "http_request",
        "make outbound HTTP requests to the hosts in permissions.network",
    ),
    ("emit_event", "publish the events listed in events.publish"),
    (
        "secret_get",
        "read the secrets listed in permissions.secrets",
    ),
    (
        "invoke",
        "call the invoke export of a plugin listed in dependencies",
    ),
    ("read_registry", "read public plugins, versions and reviews"),
];

/// `namespace.name`, both parts lowercase ASCII: a letter, then letters, digits or
/// single hyphens, ending in a letter or digit, 3 to 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PluginId {
    /// The publisher's namespace (e.g. `acme`).
    pub namespace: String,
    /// The plugin name inside the namespace (e.g. `tools`).
    pub name: String,
}

/// Checks one part (namespace or name) of a plugin id, explaining what is wrong.
pub fn check_id_part(part: &str) -> Result<(), String> {
    let len = part.len();
    if !(3..=40).contains(&len) {
        return Err(format!(
            "`{part}` must be 3 to 40 characters long (it has {len})"
        ));
    }
    let bytes = part.as_bytes();
    if !bytes[0].is_ascii_lowercase() {
        return Err(format!("`{part}` must start with a lowercase letter"));
    }
    if !bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    {
        return Err(format!(
            "`{part}` may only contain lowercase letters, digits and `-`"
        ));
    }
    if bytes[len - 1] == b'-' {
        return Err(format!("`{part}` must not end with `-`"));
    }
    if part.contains("--") {
        return Err(format!("`{part}` must not contain `--`"));
    }
    Ok(())
}

impl PluginId {
    /// Builds an id from its two parts, validating both.
    pub fn new(namespace: &str, name: &str) -> Result<Self, String> {
        check_id_part(namespace)?;
        check_id_part(name)?;
        Ok(PluginId {
            namespace: namespace.into(),
            name: name.into(),
        })
    }
}

impl fmt::Display for PluginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.namespace, self.name)
    }
}

impl FromStr for PluginId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let Some((ns, name)) = s.split_once('.') else {
            return Err(format!(
                "plugin id `{s}` must have the form `namespace.name`"
            ));
        };
        if name.contains('.') {
            return Err(format!("plugin id `{s}` must contain exactly one `.`"));
        }
        PluginId::new(ns, name).map_err(|e| format!("plugin id `{s}`: {e}"))
    }
}

impl serde::Serialize for PluginId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PluginId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What kind of plugin this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginKind {
    /// An autonomous agent.
    Agent,
    /// A connector to an outside service.
    Integration,
    /// A tool agents can call.
    Tool,
}

impl PluginKind {
    /// All kinds, in the order shown to users.
    pub const ALL: [PluginKind; 3] = [PluginKind::Agent, PluginKind::Integration, PluginKind::Tool];

    /// The lowercase name used in manifests and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Agent => "agent",
            PluginKind::Integration => "integration",
            PluginKind::Tool => "tool",
        }
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PluginKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PluginKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a plugin kind (expected agent, integration or tool)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let id: PluginId = "acme.web-search2".parse().unwrap();
        assert_eq!(id.namespace, "acme");
        assert_eq!(id.name, "web-search2");
        assert_eq!(id.to_string(), "acme.web-search2");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"acme.web-search2\"");
        assert_eq!(serde_json::from_str::<PluginId>(&json).unwrap(), id);
    }

    #[test]
    fn bad_ids() {
        for bad in [
            "acme",
            "acme.",
            ".tools",
            "Acme.tools",
            "acme.to",
            "acme.tools.x",
            "acme.-tools",
            "acme.tools-",
            "acme.to--ols",
            "acme.tö0ls",
            "1acme.tools",
            "acme.tools_x",
        ] {
            assert!(bad.parse::<PluginId>().is_err(), "{bad}");
        }
        let long = format!("acme.{}", "a".repeat(41));
        assert!(long.parse::<PluginId>().is_err());
        assert!(format!("acme.{}", "a".repeat(40))
            .parse::<PluginId>()
            .is_ok());
    }

    #[test]
    fn kinds() {
        assert_eq!("tool".parse::<PluginKind>(), Ok(PluginKind::Tool));
        assert!("Tool".parse::<PluginKind>().is_err());
        assert_eq!(PluginKind::Integration.to_string(), "integration");
    }
}
