//! The integration's logic, with no host calls, so `cargo test` runs it
//! natively. src/lib.rs does the calls (configuration, secret, HTTP, key-value
//! store) around it.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where releases go unless the configuration says otherwise.
pub const DEFAULT_ENDPOINT: &str = "https://api.example.com/v1/releases";

/// The body sent for a release.
pub fn payload(plugin: &str, version: &str) -> Value {
    json!({
        "text": format!("{plugin} {version} was published"),
        "plugin": plugin,
        "version": version,
    })
}

/// The endpoint must be https on the one host the manifest declares (the host
/// refuses any other as a violation; this says so before trying).
pub fn check_endpoint(url: &str) -> Result<(), String> {
    if url.starts_with("https://api.example.com/") {
        Ok(())
    } else {
        Err(format!(
            "the endpoint `{url}` is not on https://api.example.com/: fix it in the settings"
        ))
    }
}

/// The outcome of the last call, kept in the key-value store; `health`
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `ok`, `degraded` or `failing`.
    pub status: String,
    pub message: String,
}

/// What an HTTP status means for the user.
pub fn outcome_of_status(status: u16) -> Outcome {
    let (s, message) = match status {
        200..=299 => ("ok", format!("the service answered {status}")),
        401 | 403 => (
            "failing",
            format!("the service answered {status}: the API token is wrong or was revoked"),
        ),
        404 => (
            "failing",
            "the service answered 404: the endpoint URL is wrong".to_owned(),
        ),
        400..=499 => (
            "failing",
            format!("the service refused the request ({status})"),
        ),
        _ => (
            "degraded",
            format!("the service answered {status}: it may be down, the host will try again"),
        ),
    };
    Outcome {
        status: s.into(),
        message,
    }
}

/// What a failed request (the host's error code) means for the user.
pub fn outcome_of_error(code: &str, message: &str) -> Outcome {
    let message = match code {
        "timeout" => "the service did not answer in time".to_owned(),
        "connect" => "the service could not be reached".to_owned(),
        _ => format!("the request failed ({code}): {message}"),
    };
    Outcome {
        status: "degraded".into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_errors_become_outcomes() {
        assert_eq!(outcome_of_status(204).status, "ok");
        assert!(outcome_of_status(401).message.contains("API token"));
        assert_eq!(outcome_of_status(404).status, "failing");
        assert_eq!(outcome_of_status(503).status, "degraded");
        assert!(outcome_of_error("timeout", "").message.contains("in time"));
    }

    #[test]
    fn endpoints_stay_on_the_declared_host() {
        assert!(check_endpoint(DEFAULT_ENDPOINT).is_ok());
        assert!(check_endpoint("https://evil.example.org/x").is_err());
        assert_eq!(payload("acme.kanban", "1.0.0")["version"], "1.0.0");
    }
}
