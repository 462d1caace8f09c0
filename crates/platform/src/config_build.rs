//! Reading the merged configuration layers into a typed [`Config`]: a checked
//! read per key (text, whole number in a range, boolean) whose refusal names
//! the key and the layer its value came from, and one reader per section with
//! more than scalars (database URL, storage, metrics). `config::load` merges
//! the layers and calls [`build`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::config::{Config, ConfigError, Flat, Source};
use crate::config_sections::{
    DemoConfig, EventsConfig, LogFormat, MetricsConfig, PluginsConfig, RegistryConfig, Role,
    SearchConfig, StorageConfig, WebhooksConfig,
};

/// Typed reads of the merged layers.
pub(crate) struct Reader<'a>(pub(crate) &'a Flat);

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

    /// Comma-separated text, each item trimmed, empty items dropped.
    fn list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        Ok(self
            .string(key)?
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect())
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

pub(crate) fn build(flat: &Flat) -> Result<Config, ConfigError> {
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

    let database_url = database_url(&r, &data_dir)?;

    let storage = storage(&r, &data_dir)?;

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

    let metrics = metrics(&r, listen)?;

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
    let allow_networks = r.list("webhooks.allow_networks")?;
    let disable_after = r.int("webhooks.disable_after_failing_secs", 0, 365 * 86_400)? as u64;
    let plugin_networks = r.list("plugins.allow_networks")?;
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
        metrics,
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
            concurrency: r.int("webhooks.concurrency", 1, 1024)? as usize,
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

/// `database.url`, with SQLite paths made absolute under the data directory.
fn database_url(r: &Reader, data_dir: &Path) -> Result<String, ConfigError> {
    let db_s = r.string("database.url")?;
    Ok(if db_s == "sqlite:" || db_s.is_empty() {
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
    })
}

/// `storage.*`: a directory (by default under the data directory) or an S3 bucket.
fn storage(r: &Reader, data_dir: &Path) -> Result<StorageConfig, ConfigError> {
    let storage_s = r.string("storage.url")?;
    Ok(if storage_s == "file:" || storage_s.is_empty() {
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
    })
}

/// `metrics.*`: the bearer token and the separate listener, if any.
fn metrics(r: &Reader, listen: SocketAddr) -> Result<MetricsConfig, ConfigError> {
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

    Ok(MetricsConfig {
        token: (!metrics_token.is_empty()).then_some(metrics_token),
        listen: metrics_listen,
    })
}
