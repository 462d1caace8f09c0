//! Typed configuration, built once at start from three layers: the embedded,
//! commented defaults (`defaults.toml`) -> an optional TOML file -> `TRELLIS_*`
//! environment variables. Every problem names the key, where its value came
//! from and what is wrong. The result is passed around in state; nothing reads
//! the environment after this.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

type Flat = BTreeMap<String, (toml::Value, Source)>;

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

    build(&flat)
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

struct Reader<'a>(&'a Flat);

impl Reader<'_> {
    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        let source = self
            .0
            .get(key)
            .map(|(_, s)| s.clone())
            .unwrap_or(Source::Defaults);
        ConfigError::Invalid {
            key: key.to_owned(),
            origin: source,
            problem: problem.into(),
        }
    }

    fn string(&self, key: &str) -> Result<String, ConfigError> {
        match self.0.get(key).map(|(v, _)| v) {
            Some(toml::Value::String(s)) => Ok(s.trim().to_owned()),
            Some(other) => Err(self.invalid(key, format!("expected text, got `{other}`"))),
            None => Err(self.invalid(key, "missing")),
        }
    }

    fn int(&self, key: &str, min: i64, max: i64) -> Result<i64, ConfigError> {
        let n = match self.0.get(key).map(|(v, _)| v) {
            Some(toml::Value::Integer(n)) => *n,
            Some(toml::Value::String(s)) => s.trim().parse::<i64>().map_err(|_| {
                self.invalid(
                    key,
                    format!("expected a whole number from {min} to {max}, got \"{s}\""),
                )
            })?,
            Some(other) => {
                return Err(self.invalid(key, format!("expected a whole number, got `{other}`")))
            }
            None => return Err(self.invalid(key, "missing")),
        };
        if n < min || n > max {
            return Err(self.invalid(key, format!("must be from {min} to {max}, got {n}")));
        }
        Ok(n)
    }

    fn bool(&self, key: &str) -> Result<bool, ConfigError> {
        match self.0.get(key).map(|(v, _)| v) {
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(toml::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(self.invalid(key, format!("expected true or false, got \"{s}\""))),
            },
            Some(other) => Err(self.invalid(key, format!("expected true or false, got `{other}`"))),
            None => Err(self.invalid(key, "missing")),
        }
    }
}

fn build(flat: &Flat) -> Result<Config, ConfigError> {
    let r = Reader(flat);

    let listen_s = r.string("listen")?;
    let listen: SocketAddr = listen_s.parse().map_err(|_| {
        r.invalid(
            "listen",
            format!("expected an address like 127.0.0.1:3000, got \"{listen_s}\""),
        )
    })?;

    let public_s = r.string("public_url")?;
    let public_url = Url::parse(&public_s)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            r.invalid(
                "public_url",
                format!("expected an http:// or https:// URL, got \"{public_s}\""),
            )
        })?;

    let data_s = r.string("data_dir")?;
    if data_s.is_empty() {
        return Err(r.invalid("data_dir", "must not be empty"));
    }
    let data_dir = PathBuf::from(&data_s);
    let site_root = PathBuf::from(r.string("site_root")?);

    let db_s = r.string("database.url")?;
    let database_url = if db_s == "sqlite:" || db_s.is_empty() {
        format!(
            "sqlite://{}?mode=rwc",
            data_dir.join("trellis.db").display()
        )
    } else if let Some(rest) = db_s.strip_prefix("sqlite:") {
        let rest = rest.trim_start_matches("//");
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err(r.invalid(
                "database.url",
                "sqlite URL needs a file path, e.g. sqlite:trellis.db",
            ));
        }
        let p = Path::new(path);
        let p = if p.is_absolute() {
            p.to_owned()
        } else {
            data_dir.join(p)
        };
        let query = if query.is_empty() {
            "mode=rwc".to_owned()
        } else {
            query.to_owned()
        };
        format!("sqlite://{}?{query}", p.display())
    } else if db_s.starts_with("postgres://") || db_s.starts_with("postgresql://") {
        Url::parse(&db_s)
            .map_err(|e| r.invalid("database.url", format!("not a valid PostgreSQL URL: {e}")))?;
        db_s
    } else {
        return Err(r.invalid(
            "database.url",
            "expected sqlite:PATH or postgres://user:password@host:port/dbname",
        ));
    };

    let storage_s = r.string("storage.url")?;
    let storage = if storage_s == "file:" || storage_s.is_empty() {
        StorageConfig::File {
            root: data_dir.join("artifacts"),
        }
    } else if let Some(path) = storage_s.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(r.invalid(
                "storage.url",
                "file:// URLs need an absolute path, e.g. file:///srv/trellis",
            ));
        }
        StorageConfig::File {
            root: PathBuf::from(path),
        }
    } else if let Some(bucket) = storage_s.strip_prefix("s3://") {
        let bucket = bucket.trim_end_matches('/').to_owned();
        if bucket.is_empty() || bucket.contains('/') {
            return Err(r.invalid(
                "storage.url",
                "expected s3://BUCKET (a bucket name, no path)",
            ));
        }
        let endpoint = r.string("storage.s3_endpoint")?;
        if !endpoint.is_empty() && Url::parse(&endpoint).is_err() {
            return Err(r.invalid("storage.s3_endpoint", format!("not a URL: \"{endpoint}\"")));
        }
        let access_key_id = r.string("storage.s3_access_key_id")?;
        let secret_access_key = r.string("storage.s3_secret_access_key")?;
        if access_key_id.is_empty() != secret_access_key.is_empty() {
            return Err(r.invalid(
                "storage.s3_secret_access_key",
                "set both s3_access_key_id and s3_secret_access_key, or neither",
            ));
        }
        StorageConfig::S3 {
            bucket,
            region: r.string("storage.s3_region")?,
            endpoint: (!endpoint.is_empty()).then_some(endpoint),
            access_key_id,
            secret_access_key,
            allow_http: r.bool("storage.s3_allow_http")?,
        }
    } else {
        return Err(r.invalid(
            "storage.url",
            format!("expected file:, file:///PATH or s3://BUCKET, got \"{storage_s}\""),
        ));
    };

    let session_secret = r.string("session.secret")?;
    if !session_secret.is_empty() && session_secret.chars().count() < 32 {
        return Err(r.invalid(
            "session.secret",
            "must be at least 32 characters (or empty to generate one)",
        ));
    }

    let log_format = match r.string("log.format")?.as_str() {
        "pretty" => LogFormat::Pretty,
        "json" => LogFormat::Json,
        other => {
            return Err(r.invalid(
                "log.format",
                format!("expected pretty or json, got \"{other}\""),
            ))
        }
    };

    let role_s = r.string("server.role")?;
    let role = Role::parse(&role_s).ok_or_else(|| {
        r.invalid(
            "server.role",
            format!("expected all, api or worker, got \"{role_s}\""),
        )
    })?;

    let metrics_token = r.string("metrics.token")?;
    if !metrics_token.is_empty()
        && (metrics_token.chars().count() < 16
            || !metrics_token.chars().all(|c| c.is_ascii_graphic()))
    {
        return Err(r.invalid(
            "metrics.token",
            "must be at least 16 printable characters without spaces (or empty for none)",
        ));
    }
    let metrics_listen_s = r.string("metrics.listen")?;
    let metrics_listen = if metrics_listen_s.is_empty() {
        None
    } else {
        let addr: SocketAddr = metrics_listen_s.parse().map_err(|_| {
            r.invalid(
                "metrics.listen",
                format!("expected an address like 127.0.0.1:9100, got \"{metrics_listen_s}\""),
            )
        })?;
        if addr == listen {
            return Err(r.invalid("metrics.listen", "must differ from `listen`"));
        }
        Some(addr)
    };

    let events_log_file = Some(r.string("events.log_file")?)
        .filter(|s| !s.is_empty())
        .map(|s| data_dir.join(s));

    let schedule_s = r.string("webhooks.retry_schedule")?;
    let retry_schedule: Vec<Duration> = schedule_s
        .split(',')
        .map(crate::config_sections::parse_duration)
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty() && v.len() <= 50 && v.iter().all(|d| *d <= Duration::from_secs(7 * 86_400)))
        .ok_or_else(|| {
            r.invalid(
                "webhooks.retry_schedule",
                format!("expected 1 to 50 comma-separated delays such as \"0s, 5s, 5m, 2h\" (each at most 7d), got \"{schedule_s}\""),
            )
        })?;
    let allow_networks: Vec<String> = r
        .string("webhooks.allow_networks")?
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let disable_after = r.int("webhooks.disable_after_failing_secs", 0, 365 * 86_400)? as u64;
    let plugin_networks: Vec<String> = r
        .string("plugins.allow_networks")?
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    let http_overrides =
        crate::config_sections::parse_http_overrides(&r.string("plugins.http_overrides")?)
            .map_err(|e| r.invalid("plugins.http_overrides", e))?;

    Ok(Config {
        role,
        listen,
        public_url,
        data_dir,
        site_root,
        page_cache_ms: r.int("server.page_cache_ms", 0, 60_000)? as u64,
        database_url,
        database_max_connections: r.int("database.max_connections", 1, 1000)? as u32,
        database_connect_timeout_secs: r.int("database.connect_timeout_secs", 1, 600)? as u64,
        storage,
        session_secret,
        session_ttl_hours: r.int("session.ttl_hours", 1, 24 * 365)? as u64,
        max_failed_signins: r.int("auth.max_failed_signins", 1, 1000)? as u32,
        failed_signin_window_secs: r.int("auth.failed_signin_window_secs", 1, 86_400)? as u64,
        max_signups_per_hour: r.int("auth.max_signups_per_hour", 1, 1_000_000)? as u32,
        security_log_days: r.int("auth.security_log_days", 1, 36_500)? as u32,
        api_writes_per_minute: r.int("api.writes_per_minute", 0, 1_000_000_000)? as u32,
        log_format,
        log_level: r.string("log.level")?,
        registry: RegistryConfig {
            limits: trellis_registry::PublishLimits {
                max_compressed_bytes: r.int("registry.max_compressed_bytes", 1, i64::MAX)? as u64,
                max_uncompressed_bytes: r.int("registry.max_uncompressed_bytes", 1, i64::MAX)?
                    as u64,
                max_entries: r.int("registry.max_entries", 1, 1_000_000)? as usize,
                max_file_bytes: r.int("registry.max_file_bytes", 1, i64::MAX)? as u64,
                ..trellis_registry::PublishLimits::default()
            },
            typosquat_min_downloads: r.int("registry.typosquat_min_downloads", 0, i64::MAX)? as u64,
            downloads_flush_secs: r.int("registry.downloads_flush_secs", 1, 86_400)? as u64,
        },
        metrics: MetricsConfig {
            token: (!metrics_token.is_empty()).then_some(metrics_token),
            listen: metrics_listen,
        },
        events: EventsConfig {
            retention_days: r.int("events.retention_days", 1, 36_500)? as u32,
            prune_every_secs: r.int("events.prune_every_secs", 10, 7 * 86_400)? as u64,
            job_concurrency: r.int("events.job_concurrency", 1, 256)? as usize,
            poll_ms: r.int("events.poll_ms", 10, 60_000)? as u64,
            job_lease_secs: r.int("events.job_lease_secs", 1, 3600)? as u64,
            log_file: events_log_file,
        },
        demo: DemoConfig {
            seed: r.bool("demo.seed")?,
            plugins_dir: Some(r.string("demo.plugins_dir")?)
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        },
        search: SearchConfig {
            results_cache_entries: r.int("search.results_cache_entries", 0, 100_000)? as usize,
        },
        webhooks: WebhooksConfig {
            retry_schedule,
            connect_timeout: Duration::from_millis(r.int(
                "webhooks.connect_timeout_ms",
                100,
                120_000,
            )? as u64),
            timeout: Duration::from_millis(r.int("webhooks.timeout_ms", 100, 300_000)? as u64),
            disable_after_failing: (disable_after > 0).then(|| Duration::from_secs(disable_after)),
            allow_networks,
            attempt_retention_days: r.int("webhooks.attempt_retention_days", 1, 36_500)? as u32,
            response_body_bytes: r.int("webhooks.response_body_bytes", 0, 1_048_576)? as usize,
            secret_rotation_overlap: Duration::from_secs(r.int(
                "webhooks.secret_rotation_overlap_secs",
                0,
                30 * 86_400,
            )? as u64),
        },
        plugins: PluginsConfig {
            pool_size: r.int("plugins.pool_size", 1, 64)? as usize,
            max_concurrent_calls: r.int("plugins.max_concurrent_calls", 1, 1024)? as usize,
            fuel_per_call: r.int("plugins.fuel_per_call", 1_000, 1_000_000_000_000)? as u64,
            http_timeout: Duration::from_millis(
                r.int("plugins.http_timeout_ms", 100, 60_000)? as u64
            ),
            http_max_response_bytes: r.int("plugins.http_max_response_bytes", 1, 64 << 20)?
                as usize,
            allow_networks: plugin_networks,
            http_overrides,
            kv_max_bytes: r.int("plugins.kv_max_bytes", 1, 1 << 30)?,
            kv_max_keys: r.int("plugins.kv_max_keys", 1, 1_000_000)?,
            log_lines_kept: r.int("plugins.log_lines_kept", 10, 1_000_000)?,
            log_lines_per_call: r.int("plugins.log_lines_per_call", 1, 100_000)? as usize,
            breaker_failures: r.int("plugins.breaker_failures", 1, 1000)? as u32,
            max_hops: r.int("plugins.max_hops", 1, 64)? as u32,
            dev_installs: r.bool("plugins.dev_installs")?,
        },
    })
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
