//! The outcome of the last call to the service a plugin talks to, kept in the key-value store under
//! `last_call` (`{"status", "code", "message", "time"}`) and reported by `health`.
//! [`send`] makes a request, classifies the answer, records it and returns the
//! response of a success or the message of a failure.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use trellis_pdk::http::{self, Request, Response};
use trellis_pdk::{kv, log, Health, HealthStatus};

const KEY: &str = "last_call";

/// This installation's id, from `init`.
static SELF_ID: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Remembers this installation's id (call from `init`).
pub fn init(input: &Value) {
    if let Some(id) = input.get("installation").and_then(Value::as_str) {
        *SELF_ID.lock().unwrap_or_else(|e| e.into_inner()) = id.to_owned();
    }
}

/// Whether a `plugin.health.changed` event is about this installation itself (it is
/// not reported through itself: a failing integration would report its own failure).
pub fn about_self(data: &Value) -> bool {
    let me = SELF_ID.lock().unwrap_or_else(|e| e.into_inner());
    !me.is_empty() && data.get("installation").and_then(Value::as_str) == Some(me.as_str())
}

/// What happened the last time the plugin called the service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    /// `ok`, `degraded` or `failing`.
    pub status: Health,
    /// The HTTP status, or the host's error code (`timeout`, `connect`, …).
    pub code: Value,
    /// What a user can do about it (empty after a success).
    pub message: String,
    /// When: the service's `Date` header, else the time of the event handled.
    pub time: String,
}

/// Stores the outcome (a failure to store is logged, not fatal).
pub fn record(outcome: &Outcome) {
    if let Err(e) = kv::set(KEY, outcome) {
        let _ = log::warn(format!("could not record the outcome: {e}"));
    }
}

/// The last recorded outcome.
pub fn last() -> Option<Outcome> {
    kv::get_as(KEY).ok().flatten()
}

/// A failure that is not about an HTTP answer (missing settings, a bad template …).
pub fn record_problem(status: Health, code: &str, message: String, time: &str) {
    record(&Outcome {
        status,
        code: Value::from(code),
        message,
        time: time.to_owned(),
    });
}

/// The health export: the missing secret first, then the last outcome.
pub fn health(secret: &str, missing: &str) -> HealthStatus {
    if !matches!(trellis_pdk::secret(secret), Ok(Some(s)) if !s.is_empty()) {
        return HealthStatus::degraded(missing);
    }
    match last() {
        None => HealthStatus::ok(),
        Some(o) => {
            let message = if o.time.is_empty() {
                o.message
            } else {
                format!("{} (last call: {})", o.message, o.time)
            };
            match o.status {
                Health::Ok => HealthStatus::ok(),
                Health::Degraded => HealthStatus::degraded(message),
                Health::Failing => HealthStatus::failing(message),
            }
        }
    }
}

/// Sends `req`; `explain` turns a non-2xx answer into a status and a message. The
/// outcome is recorded and logged; `Err` carries the message.
pub fn send(
    req: &Request,
    service: &str,
    when: &str,
    explain: impl Fn(&Response) -> (Health, String),
) -> Result<Response, String> {
    let (outcome, result) = match http::request(req) {
        Ok(res) => {
            let time = res
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("date"))
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| when.to_owned());
            if (200..300).contains(&res.status) {
                let o = Outcome {
                    status: Health::Ok,
                    code: Value::from(res.status),
                    message: String::new(),
                    time,
                };
                (o, Ok(res))
            } else {
                let (status, message) = explain(&res);
                let o = Outcome {
                    status,
                    code: Value::from(res.status),
                    message: message.clone(),
                    time,
                };
                (o, Err(message))
            }
        }
        Err(e) => {
            // The host's deadline, or its HTTP client's own (reported as `request`).
            let timed_out = e.is(http::TIMEOUT) || e.message.contains("timed out");
            let (status, message) = match e.code.as_str() {
                _ if timed_out => (
                    Health::Degraded,
                    format!("{service} did not answer in time (timeout); the call is retried"),
                ),
                http::CONNECT => (
                    Health::Degraded,
                    format!(
                        "could not connect to {service} ({}); the call is retried",
                        e.message
                    ),
                ),
                _ => (
                    Health::Failing,
                    format!("the request to {service} failed ({e})"),
                ),
            };
            let o = Outcome {
                status,
                code: Value::from(e.code.clone()),
                message: message.clone(),
                time: when.to_owned(),
            };
            (o, Err(message))
        }
    };
    record(&outcome);
    match &result {
        Ok(res) => {
            let _ = log::info(format!("{service} answered {}", res.status));
        }
        Err(m) => {
            let _ = log::warn(m.clone());
        }
    }
    result
}

/// The text of a body, cut for a message.
pub fn snippet(body: &str) -> String {
    let t: String = body.trim().chars().take(300).collect();
    if t.is_empty() {
        "no details".into()
    } else {
        t
    }
}
