//! Typed configuration, built once at start from three layers: the embedded,
//! commented defaults (`defaults.toml`) -> an optional TOML file -> `TRELLIS_*`
//! environment variables. Every problem names the key, where its value came
//! from and what is wrong. The result is passed around in state; nothing reads
//! the environment after this. This module merges the layers and holds the
//! types; `config_build` reads the merged keys into them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use url::Url;

use crate::redact::redact_url;

pub use crate::config_sections::{
    DemoConfig, EventsConfig, LogFormat, MetricsConfig, PluginsConfig, RegistryConfig, Role,
    SearchConfig, StorageConfig, WebhooksConfig,
};

/// The defaults, with comments, as shipped in the binary.
pub const DEFAULTS_TOML: &str = include_str!("defaults.toml");

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Defaults,
    File(PathBuf),
    Env(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Defaults => write!(f, "built-in defaults"),
            Source::File(p) => write!(f, "config file {}", p.display()),
            Source::Env(v) => write!(f, "environment variable {v}"),
        }
    }
}

/// A configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("config file {path} is not valid TOML: {reason}")]
    Syntax { path: PathBuf, reason: String },
    #[error("unknown config key `{key}` (from {origin}){hint}")]
    UnknownKey {
        key: String,
        origin: Source,
        hint: String,
    },
    #[error("config key `{key}` (from {origin}): {problem}")]
    Invalid {
        key: String,
        origin: Source,
        problem: String,
    },
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub role: Role,
    pub listen: SocketAddr,
    pub public_url: Url,
    pub data_dir: PathBuf,
    pub site_root: PathBuf,
    /// How long a page rendered for a visitor who is not signed in is reused (0: never).
    pub page_cache_ms: u64,
    pub database_url: String,
    pub database_max_connections: u32,
    pub database_connect_timeout_secs: u64,
    pub storage: StorageConfig,
    /// Empty means "generate and keep one in the data directory".
    pub session_secret: String,
    pub session_ttl_hours: u64,
    pub max_failed_signins: u32,
    pub failed_signin_window_secs: u64,
    /// Sign-ups allowed per client address per hour.
    pub max_signups_per_hour: u32,
    /// Days the per-user security log is kept.
    pub security_log_days: u32,
    /// REST writes each user may make per minute (0: unlimited).
    pub api_writes_per_minute: u32,
    pub log_format: LogFormat,
    pub log_level: String,
    pub registry: RegistryConfig,
    pub metrics: MetricsConfig,
    pub events: EventsConfig,
    pub demo: DemoConfig,
    pub search: SearchConfig,
    pub webhooks: WebhooksConfig,
    pub plugins: PluginsConfig,
}

/// Every key with its value and the layer it came from.
pub(crate) type Flat = BTreeMap<String, (toml::Value, Source)>;

fn flatten(prefix: &str, table: &toml::Table, source: &Source, out: &mut Flat) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, source, out),
            other => {
                out.insert(key, (other.clone(), source.clone()));
            }
        }
    }
}

/// Builds the configuration from the three layers. `file` is the optional
/// config file; `env` is the process environment (passed in so tests control it).
pub fn load(file: Option<&Path>, env: &[(String, String)]) -> Result<Config, ConfigError> {
    let defaults: toml::Table =
        toml::from_str(DEFAULTS_TOML).expect("embedded defaults are valid TOML");
    let mut flat = Flat::new();
    flatten("", &defaults, &Source::Defaults, &mut flat);
    let known: Vec<String> = flat.keys().cloned().collect();

    if let Some(path) = file {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            reason: e.message().to_owned(),
        })?;
        let mut layer = Flat::new();
        let src = Source::File(path.to_owned());
        flatten("", &table, &src, &mut layer);
        for (k, v) in layer {
            if !known.contains(&k) {
                return Err(unknown(&k, src, &known));
            }
            flat.insert(k, v);
        }
    }

    for (name, value) in env {
        let Some(rest) = name.strip_prefix("TRELLIS_") else {
            continue;
        };
        if rest == "CONFIG" {
            continue;
        }
        let key = rest.to_ascii_lowercase().replace("__", ".");
        let src = Source::Env(name.clone());
        if !known.contains(&key) {
            return Err(unknown(&key, src, &known));
        }
        // Environment values are text; keep them as strings and convert per key below.
        flat.insert(key, (toml::Value::String(value.clone()), src));
    }

    crate::config_build::build(&flat)
}

fn unknown(key: &str, source: Source, known: &[String]) -> ConfigError {
    let close = known
        .iter()
        .min_by_key(|k| strsim::levenshtein(k, key))
        .filter(|k| strsim::levenshtein(k, key) <= 2);
    let hint = match close {
        Some(k) => format!("; did you mean `{k}`?"),
        None => String::new(),
    };
    ConfigError::UnknownKey {
        key: key.to_owned(),
        origin: source,
        hint,
    }
}

impl Config {
    /// Whether cookies must be marked Secure (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The public origin (`scheme://host[:port]`) used for CSRF checks.
    pub fn public_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// The database URL with any password replaced, for logs and messages: the
    /// user-info password and every secret-looking query parameter
    /// (`password=`, `sslpassword=`, `secret=`, `token=`, …).
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }

    /// Where and to whom `/metrics` is served, for `trellis config` (never the token).
    fn metrics_summary(&self) -> String {
        let place = match self.metrics.listen {
            Some(a) => format!("on {a} only"),
            None => "on the main listener".to_owned(),
        };
        let who = if self.metrics.token.is_some() {
            "with the bearer token (hidden)"
        } else if self.metrics.listen.is_some() {
            "to anyone who reaches it"
        } else {
            "to anyone if listen and public_url are loopback, else not at all"
        };
        format!("{place}, {who}")
    }

    /// A human summary with secrets hidden (for `trellis config`).
    pub fn describe(&self) -> String {
        let storage = match &self.storage {
            StorageConfig::File { root } => format!("file {}", root.display()),
            StorageConfig::S3 {
                bucket,
                region,
                endpoint,
                ..
            } => {
                format!(
                    "s3 bucket {bucket} ({region}, endpoint {})",
                    endpoint
                        .as_deref()
                        .map(redact_url)
                        .unwrap_or_else(|| "AWS".to_owned())
                )
            }
        };
        format!(
            "role = {}\nlisten = {}\npublic_url = {}\ndata_dir = {}\nsite_root = {}\ndatabase = {}\nstorage = {}\nlog = {:?} {}\nmetrics = {}\n",
            self.role.as_str(),
            self.listen,
            self.public_url,
            self.data_dir.display(),
            self.site_root.display(),
            self.database_url_redacted(),
            storage,
            self.log_format,
            self.log_level,
            self.metrics_summary()
        )
    }
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
