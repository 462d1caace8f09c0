//! The parts of the configuration: one type per section or setting with more
//! than a scalar value (storage, registry limits, the process role, the event
//! bus, metrics access, the log format, demo content). `config` builds them; everything else
//! reads them from `Config`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Where artifacts are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageConfig {
    /// A directory on the local filesystem.
    File { root: PathBuf },
    /// An S3-compatible bucket.
    S3 {
        bucket: String,
        region: String,
        endpoint: Option<String>,
        access_key_id: String,
        secret_access_key: String,
        allow_http: bool,
    },
}

/// Registry settings (`[registry]`).
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryConfig {
    /// Size limits applied to uploads.
    pub limits: trellis_registry::PublishLimits,
    /// Download count above which a plugin's name is protected against typosquatting.
    pub typosquat_min_downloads: u64,
    /// Seconds between flushes of the download counter.
    pub downloads_flush_secs: u64,
}

/// What a process runs (`server.role`): the HTTP API and pages, the shared
/// background workers, or both. API processes always run the workers that
/// flush their own in-memory counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    All,
    Api,
    Worker,
}

impl Role {
    /// Parses `all`, `api` or `worker`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "all" => Some(Role::All),
            "api" => Some(Role::Api),
            "worker" => Some(Role::Worker),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Api => "api",
            Role::Worker => "worker",
        }
    }

    /// Whether this process serves the API and pages.
    pub fn serves_api(self) -> bool {
        matches!(self, Role::All | Role::Api)
    }

    /// Whether this process runs the shared background workers.
    pub fn runs_workers(self) -> bool {
        matches!(self, Role::All | Role::Worker)
    }
}

/// The event bus (`[events]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsConfig {
    /// Days events and finished jobs are kept (never what a follower or a
    /// pending job still needs).
    pub retention_days: u32,
    /// Seconds between retention passes over events and finished jobs.
    pub prune_every_secs: u64,
    /// Jobs one process runs at once.
    pub job_concurrency: usize,
    /// Milliseconds between polls of the log and the queue when idle.
    pub poll_ms: u64,
    /// Seconds a claimed job is held without renewal: a job of a process that
    /// died runs again after at most this long.
    pub job_lease_secs: u64,
    /// When set, every node appends the event log, in order, to this file as
    /// JSON Lines (for log shippers).
    pub log_file: Option<PathBuf>,
}

/// Webhook delivery (`[webhooks]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhooksConfig {
    /// Deliveries one process makes at once (their own job runner).
    pub concurrency: usize,
    /// The delay before each attempt of a message: the first attempt after
    /// `retry_schedule[0]`, retry n after `retry_schedule[n]`.
    pub retry_schedule: Vec<Duration>,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    /// An endpoint failing this long is disabled (`None`: never).
    pub disable_after_failing: Option<Duration>,
    /// Networks deliveries may reach although the SSRF guard denies them (CIDR
    /// text, checked by the webhooks crate at start).
    pub allow_networks: Vec<String>,
    pub attempt_retention_days: u32,
    pub response_body_bytes: usize,
    pub secret_rotation_overlap: Duration,
}

/// A duration in the config's short form: `0`, `500ms`, `5s`, `5m`, `2h`, `1d`.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let (n, unit) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1u64)
    } else {
        let unit = match s.chars().last()? {
            's' => 1000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => return None,
        };
        (&s[..s.len() - 1], unit)
    };
    let n: u64 = n.trim().parse().ok()?;
    Some(Duration::from_millis(n.checked_mul(unit)?))
}

/// Who may read `/metrics` (`[metrics]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetricsConfig {
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// When set, `/metrics` is served only on this separate address.
    pub listen: Option<SocketAddr>,
}

/// Discovery (`[search]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchConfig {
    /// Search answers each process keeps until its index next changes (0: none).
    pub results_cache_entries: usize,
}

/// The plugin runtime (`[plugins]`): the limits every installed plugin runs
/// under, beside the memory and time its manifest asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginsConfig {
    /// Instances kept ready per installation.
    pub pool_size: usize,
    /// Plugin calls running at once in this process (each on a blocking thread).
    pub max_concurrent_calls: usize,
    /// Fuel (WebAssembly instructions, roughly) one call may burn.
    pub fuel_per_call: u64,
    /// Deadline of one outbound HTTP request of a plugin.
    pub http_timeout: Duration,
    /// The largest response body a plugin may receive.
    pub http_max_response_bytes: usize,
    /// Networks plugin requests may reach although the address guard denies
    /// them (CIDR text), as `webhooks.allow_networks`.
    pub allow_networks: Vec<String>,
    /// `plugins.http_overrides`: requests to a host (the key, lowercase) go to
    /// this base URL instead (`http://127.0.0.1:9000`, no trailing slash).
    pub http_overrides: Vec<(String, String)>,
    /// Key-value store quota per installation: bytes of keys and values, keys.
    pub kv_max_bytes: i64,
    pub kv_max_keys: i64,
    /// Log lines kept per installation, and kept from one call.
    pub log_lines_kept: i64,
    pub log_lines_per_call: usize,
    /// Failed calls in a row that trip the circuit breaker (disable the
    /// installation).
    pub breaker_failures: u32,
    /// Hops after which an event emitted by a plugin is no longer delivered to
    /// plugins.
    pub max_hops: u32,
    /// Whether developers may upload development builds (`trellis dev`) into
    /// the workspaces they manage.
    pub dev_installs: bool,
}

/// Demo content (`[demo]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConfig {
    /// Seed the demo catalogue into a fresh instance at `trellis serve`.
    pub seed: bool,
    /// A checkout's `plugins/` directory (modules built): `trellis serve`
    /// publishes its official plugins into the namespace `trellis`.
    pub plugins_dir: Option<std::path::PathBuf>,
}

/// `plugins.http_overrides`: comma-separated `host=base-url` pairs, the host
/// lowercase without a port, the base an `http(s)://` URL without a path
/// (its trailing slash dropped).
pub(crate) fn parse_http_overrides(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (host, base) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not `host=base-url`"))?;
        let host = host.trim().to_ascii_lowercase();
        let base = base.trim().trim_end_matches('/');
        if host.is_empty() || host.contains(['/', ':', ' ']) {
            return Err(format!("`{host}` is not a host name"));
        }
        let rest = base
            .strip_prefix("http://")
            .or_else(|| base.strip_prefix("https://"))
            .ok_or_else(|| format!("`{base}` must start with http:// or https://"))?;
        if rest.is_empty() || rest.contains(['/', '?', '#']) {
            return Err(format!(
                "`{base}` must be a scheme and an authority, no path"
            ));
        }
        out.push((host, base.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::parse_http_overrides;

    #[test]
    fn http_overrides_parse_and_refuse_what_they_cannot_use() {
        assert_eq!(
            parse_http_overrides(
                " Hooks.Slack.com = http://127.0.0.1:9000/ , api.github.com=https://mirror:8443"
            )
            .unwrap(),
            vec![
                (
                    "hooks.slack.com".to_string(),
                    "http://127.0.0.1:9000".to_string()
                ),
                (
                    "api.github.com".to_string(),
                    "https://mirror:8443".to_string()
                ),
            ]
        );
        assert!(parse_http_overrides("").unwrap().is_empty());
        for bad in [
            "hooks.slack.com",
            "x=ftp://a",
            "x=http://a/path",
            "a:1=http://b",
            "=http://b",
        ] {
            assert!(parse_http_overrides(bad).is_err(), "{bad}");
        }
    }
}
