//! A small REST client for the publisher CLI: stored credentials, bearer
//! auth, and problem+json errors turned into readable messages.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where `trellis login` keeps the registry URL and token.
pub fn credentials_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TRELLIS_CREDENTIALS") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("trellis").join("credentials.toml")
}

/// Stored credentials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credentials {
    pub registry: String,
    pub token: String,
}

impl Credentials {
    pub fn load() -> Option<Credentials> {
        let text = std::fs::read_to_string(credentials_path()).ok()?;
        toml::from_str(&text).ok()
    }

    pub fn save(&self) -> Result<PathBuf, String> {
        let path = credentials_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let text = toml::to_string(self).map_err(|e| e.to_string())?;
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(path)
    }
}

/// A registry client.
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: Option<String>) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            token,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, self.url(path));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    /// Sends and returns the JSON body, or a readable error.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, String> {
        let res = req
            .send()
            .await
            .map_err(|e| format!("cannot reach the registry at {}: {e}", self.base))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| format!("reading the response failed: {e}"))?;
        if status.is_success() {
            if bytes.is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_slice(&bytes)
                .map_err(|e| format!("the registry sent something that is not JSON: {e}"));
        }
        Err(describe_problem(status.as_u16(), &bytes))
    }
}

/// Turns a problem+json body into lines a person can act on.
pub fn describe_problem(status: u16, body: &[u8]) -> String {
    let Ok(p) = serde_json::from_slice::<Value>(body) else {
        return format!("the registry answered {status}");
    };
    let mut out = format!(
        "{} ({}): {}",
        p["title"].as_str().unwrap_or("error"),
        p["code"].as_str().unwrap_or("unknown"),
        p["detail"].as_str().unwrap_or("")
    );
    if let Some(errors) = p["errors"].as_array() {
        for e in errors {
            out.push_str(&format!(
                "\n  - {}: {} [{}]",
                e["field"].as_str().unwrap_or("?"),
                e["detail"].as_str().unwrap_or(""),
                e["code"].as_str().unwrap_or("")
            ));
        }
    }
    if let Some(text) = p["explanation"].as_str() {
        out.push_str(&format!("\n{text}"));
    }
    if let Some(id) = p["request_id"].as_str() {
        out.push_str(&format!("\n  (request id {id})"));
    }
    out
}
