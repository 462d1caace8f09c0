//! `trellis.discord-notifier`: posts Trellis events to a Discord channel through a channel
//! webhook (<https://discord.com/developers/docs/resources/webhook#execute-webhook>).
//!
//! * `init` keeps the instance's public URL (`site_url`) for links to plugin pages.
//! * `on_event` (for the event types chosen in the `events` setting) asks the dependency
//!   `trellis.notify-format` for a neutral message, renders it as one embed and POSTs
//!   `{"content": "", "embeds": [{title, description, url, color, fields, timestamp,
//!   footer}], "allowed_mentions": {"parse": []}}` as JSON to the webhook URL in the secret
//!   `DISCORD_WEBHOOK_URL`, within Discord's documented embed limits. Nothing it posts can
//!   mention anyone. A failed delivery is recorded and returned as an error, so the host
//!   retries it.
//! * `invoke` with `{"test": true}` posts a test message and answers `{"sent": true,
//!   "status": 204}` (an error with the reason when Discord refuses it); `{"preview":
//!   <event envelope>}` answers the JSON body it would post, without posting.
//! * `health` reports `degraded` while the secret is missing, `failing` when it is not a
//!   Discord webhook URL, and otherwise the outcome of the last message (kv `last_delivery`).

use std::sync::Mutex;

use extism_pdk::{plugin_fn, FnResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trellis_pdk::{http, kv, log, Event, Health, HealthStatus, HostError};

const PLUGIN: &str = "trellis.discord-notifier";
const FORMATTER: &str = "trellis.notify-format";
const SECRET: &str = "DISCORD_WEBHOOK_URL";
const SERVICE: &str = "Discord";
/// kv key of the last delivery's [`Outcome`].
const LAST: &str = "last_delivery";
/// kv key of the ids of the last events delivered (a redelivered event is not posted twice).
const SENT: &str = "sent_events";

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

#[plugin_fn]
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

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input.clone())?;
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    if let Some(events) = &config.events {
        if !events.iter().any(|e| e == &event.kind) {
            return Ok(json!({"skipped": "event type not selected"}));
        }
    }
    let url = match webhook_url()? {
        None => {
            log::warn(format!(
                "{} not posted: the secret {SECRET} is not set",
                event.kind
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
    let outcome = deliver(&url, &body(&message), &event.id, &event.occurred_at);
    record(&outcome)?;
    if outcome.status != Health::Ok {
        log::error(format!("{} not posted: {}", event.kind, outcome.message))?;
        return Err(extism_pdk::Error::msg(outcome.message).into());
    }
    sent.push(event.id.clone());
    let excess = sent.len().saturating_sub(50);
    sent.drain(..excess);
    kv::set(SENT, &sent)?;
    log::info(format!("posted {} {} to {SERVICE}", event.kind, event.id))?;
    Ok(json!({"sent": true}))
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    if let Some(envelope) = input.get("preview") {
        return Ok(json!({"body": body(&format(envelope.clone())?)}));
    }
    if input.get("test") != Some(&Value::Bool(true)) {
        return Err(extism_pdk::Error::msg(
            "expected {\"test\": true} (post a test message) or {\"preview\": <event>} \
             (show the message an event would post)",
        )
        .into());
    }
    let url = match webhook_url()? {
        None => return Err(extism_pdk::Error::msg(not_configured()).into()),
        Some(Err(problem)) => return Err(extism_pdk::Error::msg(problem).into()),
        Some(Ok(url)) => url,
    };
    let (_, workspace, installation) = instance();
    let event = json!({
        "id": "test", "type": "trellis.test", "occurred_at": "",
        "subject": {"kind": "plugin", "id": PLUGIN}, "namespace": "trellis",
        "actor": {"type": "system"},
        "data": {"plugin": PLUGIN, "workspace": workspace, "installation": installation},
    });
    let outcome = deliver(&url, &body(&format(event)?), "test", "");
    record(&outcome)?;
    if outcome.status != Health::Ok {
        return Err(extism_pdk::Error::msg(outcome.message).into());
    }
    Ok(json!({"sent": true, "status": outcome.code.parse::<u16>().unwrap_or(200)}))
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let url = match webhook_url()? {
        None => return Ok(HealthStatus::degraded(not_configured()).to_json()),
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

fn not_configured() -> String {
    format!(
        "Not configured: set the secret {SECRET} to the URL of a Discord channel webhook \
         (https://discord.com/api/webhooks/…)."
    )
}

/// The webhook URL: `None` when the secret is not set, `Some(Err(why))` when it is not a
/// Discord webhook URL (the plugin may only reach discord.com and discordapp.com).
fn webhook_url() -> Result<Option<Result<String, String>>, HostError> {
    let Some(url) = trellis_pdk::secret(SECRET)? else {
        return Ok(None);
    };
    let url = url.trim().to_owned();
    if url.is_empty() {
        return Ok(None);
    }
    let ok = ["https://discord.com/api/", "https://discordapp.com/api/"]
        .iter()
        .any(|p| url.starts_with(p))
        && url.contains("/webhooks/");
    Ok(Some(if ok {
        Ok(url)
    } else {
        Err(format!(
            "The secret {SECRET} is not a Discord webhook URL: it must look like \
             https://discord.com/api/webhooks/<id>/<token> (Channel settings → Integrations → \
             Webhooks → Copy Webhook URL)."
        ))
    }))
}

/// Asks `trellis.notify-format` for the neutral message of an event envelope.
fn format(envelope: Value) -> Result<Value, HostError> {
    let (site_url, _, _) = instance();
    trellis_pdk::invoke(FORMATTER, &json!({"event": envelope, "site_url": site_url}))
}

/// Discord markdown escaping for text it renders (descriptions, field values).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// At most `max` characters, with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The JSON body for Discord: one embed within the documented limits (title 256,
/// description 4096, 25 fields of name 256 and value 1024, footer 2048, 6000 characters
/// in all), mentions disabled.
fn body(m: &Value) -> Value {
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
    let title = cut(s("title"), 256);
    let footer = cut(&format!("Trellis · {}", s("type")), 2048);
    let mut used = title.chars().count() + footer.chars().count();
    let mut fields = Vec::new();
    for f in m
        .get("fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(25)
    {
        let name = cut(f.get("name").and_then(Value::as_str).unwrap_or("-"), 256);
        let value = cut(
            &escape(f.get("value").and_then(Value::as_str).unwrap_or("-")),
            1024,
        );
        let size = name.chars().count() + value.chars().count();
        if used + size > 5000 {
            break;
        }
        used += size;
        let inline = value.chars().count() <= 40;
        fields.push(json!({"name": name, "value": value, "inline": inline}));
    }
    let description = cut(&escape(s("text")), 4096.min(6000 - used));
    let color = u32::from_str_radix(s("color").trim_start_matches('#'), 16).unwrap_or(0x6b7280);
    let mut embed = json!({
        "title": title,
        "description": description,
        "color": color,
        "fields": fields,
        "footer": {"text": footer},
    });
    if let Some(url) = m.get("url").and_then(Value::as_str) {
        embed["url"] = json!(url);
    }
    if let Some(ts) = m.get("timestamp").and_then(Value::as_str) {
        embed["timestamp"] = json!(ts);
    }
    json!({
        "content": "",
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })
}

/// POSTs the body and classifies the answer.
fn deliver(url: &str, body: &Value, event: &str, when: &str) -> Outcome {
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
    match http::request(&req) {
        Ok(res) => {
            if let Some(date) = header(&res, "date") {
                o.at = date;
            }
            o.code = res.status.to_string();
            (o.status, o.message) = classify(&res);
        }
        Err(mut e) => {
            // A deadline the host's HTTP client noticed first may come as a `request`
            // error saying it timed out: the same thing for the user.
            if e.is(http::REQUEST) && e.message.contains("timed out") {
                e.code = http::TIMEOUT.to_owned();
            }
            o.code = e.code.clone();
            (o.status, o.message) = match e.code.as_str() {
                http::TIMEOUT => (
                    Health::Degraded,
                    format!("{SERVICE} did not answer in time; deliveries are retried."),
                ),
                http::CONNECT => (
                    Health::Degraded,
                    format!(
                        "Could not connect to {SERVICE} (discord.com): {}; deliveries are retried.",
                        e.message
                    ),
                ),
                _ => (
                    Health::Failing,
                    format!("The request to {SERVICE} failed ({e})."),
                ),
            };
        }
    }
    o
}

/// A response header, by lower-case name.
fn header(res: &http::Response, name: &str) -> Option<String> {
    res.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// Discord's answer: 204 (or 200), or a status with a JSON error
/// `{"code": 10015, "message": "Unknown Webhook"}` (429: `retry_after` seconds)
/// (<https://discord.com/developers/docs/topics/opcodes-and-status-codes>).
fn classify(res: &http::Response) -> (Health, String) {
    let s = res.status;
    if (200..300).contains(&s) {
        return (Health::Ok, format!("Delivered (HTTP {s})."));
    }
    let err: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    let code = err.get("code").and_then(Value::as_u64);
    let text = err.get("message").and_then(Value::as_str).unwrap_or("");
    let detail = match (code, text) {
        (Some(c), t) if !t.is_empty() => format!(" ({c} {t})"),
        (Some(c), _) => format!(" ({c})"),
        (None, t) if !t.is_empty() => format!(" ({t})"),
        _ => String::new(),
    };
    let said = format!("{SERVICE} answered {s}{detail}");
    let fix = format!(
        "create a webhook (Channel settings → Integrations → Webhooks) and set the secret \
         {SECRET} to its URL"
    );
    match (s, code) {
        (429, _) => {
            let after = err
                .get("retry_after")
                .and_then(Value::as_f64)
                .map(|r| format!("{r}"))
                .or_else(|| header(res, "retry-after"))
                .map(|r| format!(" (retry after {r} s)"))
                .unwrap_or_default();
            (
                Health::Degraded,
                // Not Discord's own words ("You are being rate limited."): the host
                // sorts failed calls by words such as "limit".
                format!(
                    "{SERVICE} answered 429: too many messages{after}; deliveries are retried."
                ),
            )
        }
        (500..=599, _) => (
            Health::Degraded,
            format!("{said}: a problem on Discord's side; deliveries are retried."),
        ),
        (404, _) | (_, Some(10015)) => (
            Health::Failing,
            format!("{said}: the webhook was deleted or the URL is wrong; {fix}."),
        ),
        (401, _) | (_, Some(50027)) => (
            Health::Failing,
            format!("{said}: the token in the webhook URL is wrong; copy the URL again, or {fix}."),
        ),
        (403, _) => (
            Health::Failing,
            format!(
                "{said}: the webhook may not post in its channel any more; check the channel's \
                 permissions, or {fix}."
            ),
        ),
        (400, _) => (
            Health::Failing,
            format!(
                "{said}: Discord refused the message as invalid; please report this to the \
                 plugin's maintainers."
            ),
        ),
        _ => (Health::Failing, format!("{said}: the message was refused.")),
    }
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
