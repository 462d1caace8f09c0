//! A plugin's outbound HTTP (`trellis_http`): only to hosts its manifest
//! declares in `permissions.network` and its installer approved, only to public
//! addresses unless `plugins.allow_networks` allows others (the webhooks' address
//! guard, checked at connect time), with its own deadline (the shorter of
//! `plugins.http_timeout_ms` and what is left of the call) and a cap on the
//! response body. `plugins.http_overrides` sends a host's requests to another
//! base URL (a local stand-in, a mirror) after the host was checked.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{json, Value};
use trellis_platform::config::PluginsConfig;
use trellis_webhooks::ssrf::{self, Cidr, Guard};

use super::functions::{require, Fail};
use super::CallCtx;

pub(crate) struct PluginHttp {
    guard: Arc<Guard>,
    client: Option<reqwest::Client>,
    timeout: Duration,
    max_bytes: usize,
    overrides: Vec<(String, url::Url)>,
}

impl PluginHttp {
    pub(crate) fn new(cfg: &PluginsConfig) -> PluginHttp {
        let allow: Vec<Cidr> = cfg
            .allow_networks
            .iter()
            .filter_map(|n| match n.parse() {
                Ok(c) => Some(c),
                Err(e) => {
                    tracing::warn!(network = %n, error = ?e, "plugins.allow_networks: not a network, ignored");
                    None
                }
            })
            .collect();
        let guard = Arc::new(Guard::new(allow));
        let client = ssrf::client(guard.clone(), cfg.http_timeout, cfg.http_timeout)
            .map_err(|e| tracing::error!(error = %e, "cannot build the plugins' HTTP client"))
            .ok();
        let overrides = cfg
            .http_overrides
            .iter()
            .filter_map(|(host, base)| match url::Url::parse(base) {
                Ok(u) => {
                    tracing::warn!(%host, %base, "plugins.http_overrides: a host's plugin requests go elsewhere");
                    Some((host.clone(), u))
                }
                Err(e) => {
                    tracing::warn!(%host, %base, error = %e, "plugins.http_overrides: not a URL, ignored");
                    None
                }
            })
            .collect();
        PluginHttp {
            guard,
            client,
            timeout: cfg.http_timeout,
            max_bytes: cfg.http_max_response_bytes,
            overrides,
        }
    }
}

/// `url` with its scheme, host and port replaced by the override's base when
/// `host` has one (path, query and fragment kept).
fn overridden(overrides: &[(String, url::Url)], host: &str, mut url: url::Url) -> url::Url {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if let Some((_, base)) = overrides.iter().find(|(h, _)| *h == host) {
        let (path, query) = (url.path().to_owned(), url.query().map(str::to_owned));
        let mut to = base.clone();
        to.set_path(&path);
        to.set_query(query.as_deref());
        url = to;
    }
    url
}

/// Whether `host:port` is covered by a `permissions.network` entry (`host`,
/// `host:port`, `*.domain` or `*.domain:port`).
pub(crate) fn host_allowed(pattern: &str, host: &str, port: u16) -> bool {
    let (p_host, p_port) = match pattern.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse::<u16>().ok()),
        _ => (pattern, None),
    };
    if p_port.is_some_and(|p| p != port) {
        return false;
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match p_host.strip_prefix("*.") {
        Some(domain) => host.ends_with(&format!(".{domain}")),
        None => host == p_host,
    }
}

pub(super) fn request(ctx: &CallCtx, input: Value) -> Result<Value, Fail> {
    require(ctx, "http_request")?;
    let url_s = input
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| Fail::Error("bad_input", "`url` must be a string".into()))?;
    let url = url::Url::parse(url_s)
        .map_err(|e| Fail::Error("bad_input", format!("`url` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Fail::Error("bad_input", "only http and https URLs".into()));
    }
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    if !ctx
        .loaded
        .granted
        .network
        .iter()
        .any(|p| host_allowed(p, &host, port))
    {
        return Err(Fail::Violation(format!(
            "{} requested a host it was not approved for: `{}`",
            ctx.loaded.plugin,
            host.chars().take(100).collect::<String>()
        )));
    }
    let http = &ctx.rt.host.http;
    let url = overridden(&http.overrides, &host, url);
    if let Err(r) = ssrf::check_url(&http.guard, &url) {
        return Err(Fail::Error("refused", format!("{}: {}", r.ip, r.reason)));
    }
    let Some(client) = http.client.clone() else {
        return Err(Fail::Error(
            "unavailable",
            "HTTP is unavailable on this host".into(),
        ));
    };
    let method = input.get("method").and_then(Value::as_str).unwrap_or("GET");
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| Fail::Error("bad_input", "`method` is not an HTTP method".into()))?;
    let mut req = client.request(method, url);
    if let Some(h) = input.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            if let Some(v) = v.as_str() {
                req = req.header(k.as_str(), v);
            }
        }
    }
    if let Some(b) = input.get("body").and_then(Value::as_str) {
        req = req.body(b.to_owned());
    }
    let left = ctx.deadline.saturating_duration_since(Instant::now());
    let deadline = http.timeout.min(left);
    let max = http.max_bytes;
    let answer = ctx.handle.block_on(async move {
        tokio::time::timeout(deadline, async move {
            let resp = req.send().await.map_err(|e| {
                let code = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connect"
                } else {
                    "request"
                };
                Fail::Error(code, format!("the request failed: {}", root(&e)))
            })?;
            let status = resp.status().as_u16();
            let headers: BTreeMap<String, String> = resp
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            let mut body = Vec::new();
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| {
                    let code = if e.is_timeout() { "timeout" } else { "request" };
                    Fail::Error(code, format!("the body failed: {}", root(&e)))
                })?;
                if body.len() + chunk.len() > max {
                    return Err(Fail::Error(
                        "too_large",
                        format!("the response is over {max} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(json!({
                "status": status,
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
            }))
        })
        .await
    });
    match answer {
        Ok(r) => r,
        Err(_) => Err(Fail::Error(
            "timeout",
            format!("no complete answer within {} ms", deadline.as_millis()),
        )),
    }
}

fn root(e: &dyn std::error::Error) -> String {
    let mut e = e;
    while let Some(s) = e.source() {
        e = s;
    }
    e.to_string().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::{host_allowed, overridden};

    #[test]
    fn overrides_keep_path_and_query() {
        let o = vec![(
            "hooks.slack.com".to_string(),
            url::Url::parse("http://127.0.0.1:9000").unwrap(),
        )];
        let u = url::Url::parse("https://hooks.slack.com/services/T0/B0/x?a=1").unwrap();
        assert_eq!(
            overridden(&o, "Hooks.Slack.com.", u).as_str(),
            "http://127.0.0.1:9000/services/T0/B0/x?a=1"
        );
        let other = url::Url::parse("https://api.github.com/repos/a/b/issues").unwrap();
        assert_eq!(overridden(&o, "api.github.com", other.clone()), other);
    }

    #[test]
    fn network_entries_match_hosts_and_ports() {
        assert!(host_allowed("api.example.com", "api.example.com", 443));
        assert!(host_allowed("api.example.com", "API.example.com.", 80));
        assert!(!host_allowed("api.example.com", "evil.com", 443));
        assert!(!host_allowed(
            "api.example.com",
            "api.example.com.evil.com",
            443
        ));
        assert!(host_allowed(
            "api.example.com:8443",
            "api.example.com",
            8443
        ));
        assert!(!host_allowed(
            "api.example.com:8443",
            "api.example.com",
            443
        ));
        assert!(host_allowed("*.cdn.example.com", "a.cdn.example.com", 443));
        assert!(!host_allowed("*.cdn.example.com", "cdn.example.com", 443));
        assert!(host_allowed("127.0.0.1", "127.0.0.1", 5000));
    }
}
