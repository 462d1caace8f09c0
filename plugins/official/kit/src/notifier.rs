//! The three chat notifiers (Slack, Discord, Teams) in one place: each is a
//! [`Service`] (its secret, how its webhook URL looks, the body it posts, how
//! it reads the answer) and its four exports call [`init`], [`on_event`],
//! [`invoke`] and [`health`] here.
//!
//! * `on_event` (for the event types chosen in the `events` setting) asks the
//!   dependency `trellis.notify-format` for a neutral message, renders it with
//!   [`Service::body`] and POSTs it as JSON to the webhook URL in the secret. A
//!   failed delivery is recorded and returned as an error, so the host retries
//!   it; the ids of the last 50 events posted are kept so a redelivered event is
//!   not posted twice.
//! * `invoke` with `{"test": true}` posts a test message; `{"preview": <event
//!   envelope>}` answers the JSON body it would post, without posting.
//! * `health` is `degraded` while the secret is missing, `failing` when it is not
//!   a webhook URL of the service, and otherwise the outcome of the last message
//!   (kv `last_delivery`; a new URL starts with a clean slate).

use std::sync::Mutex;

use extism_pdk::FnResult;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trellis_pdk::{http, kv, log, Event, Health, HealthStatus, HostError};

const FORMATTER: &str = "trellis.notify-format";
/// kv key of the last delivery's [`Outcome`].
const LAST: &str = "last_delivery";
/// kv key of the ids of the last events delivered.
const SENT: &str = "sent_events";

/// A chat service a notifier posts to.
pub trait Service {
    /// The plugin id (`trellis.slack-notifier`).
    const PLUGIN: &'static str;
    /// The secret holding the webhook URL.
    const SECRET: &'static str;
    /// The service's name in messages (`Slack`).
    const NAME: &'static str;
    /// Where a connection failure went, for its message (` (hooks.slack.com)`, or empty).
    const WHERE: &'static str;
    /// What to do while the secret is not set.
    fn not_configured() -> String;
    /// Whether the secret is a webhook URL of the service (`Err` says why not).
    fn check_url(url: &str) -> Result<(), String>;
    /// The JSON body for a neutral message of `trellis.notify-format`.
    fn body(message: &Value) -> Value;
    /// The health and message of an HTTP answer.
    fn classify(res: &http::Response) -> (Health, String);
}

/// The instance's public URL and this installation's workspace and id, from `init`.
static INSTANCE: Mutex<(String, String, String)> =
    Mutex::new((String::new(), String::new(), String::new()));

/// The settings (`config.schema.json`).
#[derive(Debug, Default, Deserialize)]
struct Config {
    /// The event types to post; `None` means every subscribed type.
    #[serde(default)]
    events: Option<Vec<String>>,
}

/// The outcome of one delivery, kept in kv for `health`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Outcome {
    /// `ok`, `degraded` or `failing`.
    status: Health,
    /// The HTTP status, or the host's error code (`timeout`, `connect`, …).
    code: String,
    message: String,
    /// When (the response's `Date`, else the event's time).
    at: String,
    /// The event delivered (`test` for a test message).
    event: String,
    /// A fingerprint of the webhook URL used, so a new URL starts with a clean slate.
    url: String,
}

/// `init`: keeps the instance's public URL (for links to plugin pages) and
/// this installation's workspace and id.
pub fn init(input: Value) -> FnResult<Value> {
    let s = |k: &str| {
        input
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    *INSTANCE.lock().unwrap_or_else(|e| e.into_inner()) =
        (s("site_url"), s("workspace"), s("installation"));
    Ok(json!({}))
}

/// `on_event`: posts the event when its type is chosen.
pub fn on_event<S: Service>(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input.clone())?;
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    if let Some(events) = &config.events {
        if !events.iter().any(|e| e == &event.kind) {
            return Ok(json!({"skipped": "event type not selected"}));
        }
    }
    let url = match webhook_url::<S>()? {
        None => {
            log::warn(format!(
                "{} not posted: the secret {} is not set",
                event.kind,
                S::SECRET
            ))?;
            return Ok(json!({"skipped": "not configured"}));
        }
        Some(Err(problem)) => {
            record(&failure(Health::Failing, "config", &problem, &event, ""))?;
            return Err(extism_pdk::Error::msg(problem).into());
        }
        Some(Ok(url)) => url,
    };
    let mut sent: Vec<String> = kv::get_as(SENT)?.unwrap_or_default();
    if sent.contains(&event.id) {
        return Ok(json!({"skipped": "already posted"}));
    }
    let message = format(input)?;
    let outcome = deliver::<S>(&url, &S::body(&message), &event.id, &event.occurred_at);
    record(&outcome)?;
    if outcome.status != Health::Ok {
        log::error(format!("{} not posted: {}", event.kind, outcome.message))?;
        return Err(extism_pdk::Error::msg(outcome.message).into());
    }
    sent.push(event.id.clone());
    let excess = sent.len().saturating_sub(50);
    sent.drain(..excess);
    kv::set(SENT, &sent)?;
    log::info(format!("posted {} {} to {}", event.kind, event.id, S::NAME))?;
    Ok(json!({"sent": true}))
}

/// `invoke`: `{"test": true}` posts a test message, `{"preview": <event>}`
/// answers the body an event would post.
pub fn invoke<S: Service>(input: Value) -> FnResult<Value> {
    if let Some(envelope) = input.get("preview") {
        return Ok(json!({"body": S::body(&format(envelope.clone())?)}));
    }
    if input.get("test") != Some(&Value::Bool(true)) {
        return Err(extism_pdk::Error::msg(
            "expected {\"test\": true} (post a test message) or {\"preview\": <event>} \
             (show the message an event would post)",
        )
        .into());
    }
    let url = match webhook_url::<S>()? {
        None => return Err(extism_pdk::Error::msg(S::not_configured()).into()),
        Some(Err(problem)) => return Err(extism_pdk::Error::msg(problem).into()),
        Some(Ok(url)) => url,
    };
    let (_, workspace, installation) = instance();
    let event = json!({
        "id": "test", "type": "trellis.test", "occurred_at": "",
        "subject": {"kind": "plugin", "id": S::PLUGIN}, "namespace": "trellis",
        "actor": {"type": "system"},
        "data": {"plugin": S::PLUGIN, "workspace": workspace, "installation": installation},
    });
    let outcome = deliver::<S>(&url, &S::body(&format(event)?), "test", "");
    record(&outcome)?;
    if outcome.status != Health::Ok {
        return Err(extism_pdk::Error::msg(outcome.message).into());
    }
    Ok(json!({"sent": true, "status": outcome.code.parse::<u16>().unwrap_or(200)}))
}

/// `health`: the secret's state, then the last delivery's outcome.
pub fn health<S: Service>() -> FnResult<Value> {
    let url = match webhook_url::<S>()? {
        None => return Ok(HealthStatus::degraded(S::not_configured()).to_json()),
        Some(Err(problem)) => return Ok(HealthStatus::failing(problem).to_json()),
        Some(Ok(url)) => url,
    };
    let last: Option<Outcome> = kv::get_as(LAST)?;
    let status = match last {
        Some(o) if o.url == fingerprint(&url) => {
            let when = if o.at.is_empty() {
                String::new()
            } else {
                format!(" ({})", o.at)
            };
            match o.status {
                Health::Ok => HealthStatus {
                    status: Health::Ok,
                    message: Some(format!("Last message delivered{when}.")),
                },
                s => HealthStatus {
                    status: s,
                    message: Some(format!("{}{when}", o.message)),
                },
            }
        }
        _ => HealthStatus {
            status: Health::Ok,
            message: Some("Configured; no message sent to this webhook yet.".into()),
        },
    };
    Ok(status.to_json())
}

/// The instance's `(site_url, workspace, installation)`.
fn instance() -> (String, String, String) {
    INSTANCE.lock().map(|i| i.clone()).unwrap_or_default()
}

/// The webhook URL: `None` when the secret is not set, `Some(Err(why))` when it is not
/// a webhook URL of the service.
fn webhook_url<S: Service>() -> Result<Option<Result<String, String>>, HostError> {
    let Some(url) = trellis_pdk::secret(S::SECRET)? else {
        return Ok(None);
    };
    let url = url.trim().to_owned();
    if url.is_empty() {
        return Ok(None);
    }
    Ok(Some(S::check_url(&url).map(|()| url)))
}

/// Asks `trellis.notify-format` for the neutral message of an event envelope.
fn format(envelope: Value) -> Result<Value, HostError> {
    let (site_url, _, _) = instance();
    trellis_pdk::invoke(FORMATTER, &json!({"event": envelope, "site_url": site_url}))
}

/// POSTs the body and classifies the answer.
fn deliver<S: Service>(url: &str, body: &Value, event: &str, when: &str) -> Outcome {
    let req = http::Request::new("POST", url)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    let mut o = Outcome {
        status: Health::Ok,
        code: String::new(),
        message: String::new(),
        at: when.to_owned(),
        event: event.to_owned(),
        url: fingerprint(url),
    };
    let name = S::NAME;
    match http::request(&req) {
        Ok(res) => {
            if let Some(date) = header(&res, "date") {
                o.at = date;
            }
            o.code = res.status.to_string();
            (o.status, o.message) = S::classify(&res);
        }
        Err(e) => {
            o.code = e.code.clone();
            (o.status, o.message) = match e.code.as_str() {
                http::TIMEOUT => (
                    Health::Degraded,
                    format!("{name} did not answer in time; deliveries are retried."),
                ),
                http::CONNECT => (
                    Health::Degraded,
                    format!(
                        "Could not connect to {name}{}: {}; deliveries are retried.",
                        S::WHERE,
                        e.message
                    ),
                ),
                _ => (
                    Health::Failing,
                    format!("The request to {name} failed ({e})."),
                ),
            };
        }
    }
    o
}

/// A response header, by name (any case).
pub fn header(res: &http::Response, name: &str) -> Option<String> {
    res.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// At most `max` characters, with `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// An outcome recorded without an HTTP exchange.
fn failure(status: Health, code: &str, message: &str, event: &Event, url: &str) -> Outcome {
    Outcome {
        status,
        code: code.to_owned(),
        message: message.to_owned(),
        at: event.occurred_at.clone(),
        event: event.id.clone(),
        url: fingerprint(url),
    }
}

fn record(o: &Outcome) -> Result<(), HostError> {
    kv::set(LAST, o)
}

/// FNV-1a of the URL, in hex: enough to notice that the secret changed, without storing it.
fn fingerprint(url: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in url.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
