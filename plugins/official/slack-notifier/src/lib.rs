//! `trellis.slack-notifier`: posts Trellis events to a Slack channel through an incoming
//! webhook (<https://api.slack.com/messaging/webhooks>).
//!
//! * `init` keeps the instance's public URL (`site_url`) for links to plugin pages.
//! * `on_event` (for the event types chosen in the `events` setting) asks the dependency
//!   `trellis.notify-format` for a neutral message, renders it as Slack blocks and POSTs
//!   `{"text": <fallback>, "blocks": [header, section with fields, context with the link]}`
//!   as JSON to the webhook URL in the secret `SLACK_WEBHOOK_URL`. A failed delivery is
//!   recorded and returned as an error, so the host retries it.
//! * `invoke` with `{"test": true}` posts a test message and answers `{"sent": true,
//!   "status": 200}` (an error with the reason when Slack refuses it); `{"preview":
//!   <event envelope>}` answers the JSON body it would post, without posting.
//! * `health` reports `degraded` while the secret is missing, `failing` when it is not a
//!   Slack webhook URL, and otherwise the outcome of the last message (kv `last_delivery`).
//!
//! The exports are the shared notifier's (`trellis_official_kit::notifier`); this file says
//! what is Slack's: the webhook URL it accepts, the body it posts and how it reads the answer.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_official_kit::notifier::{self, cut, header, Service};
use trellis_pdk::{http, Health};

const SECRET: &str = "SLACK_WEBHOOK_URL";
const SERVICE: &str = "Slack";

/// Slack, for the shared notifier.
struct Slack;

impl Service for Slack {
    const PLUGIN: &'static str = "trellis.slack-notifier";
    const SECRET: &'static str = SECRET;
    const NAME: &'static str = SERVICE;
    const WHERE: &'static str = " (hooks.slack.com)";

    fn not_configured() -> String {
        format!(
            "Not configured: set the secret {SECRET} to the URL of a Slack incoming webhook \
             (https://hooks.slack.com/services/…)."
        )
    }

    fn check_url(url: &str) -> Result<(), String> {
        if url.starts_with("https://hooks.slack.com/") {
            Ok(())
        } else {
            Err(format!(
                "The secret {SECRET} is not a Slack incoming-webhook URL: it must start with \
             https://hooks.slack.com/ (copy it from the app's Incoming Webhooks page)."
            ))
        }
    }

    /// The JSON body for Slack: a fallback `text` (notifications, screen readers) and
    /// blocks (<https://api.slack.com/reference/block-kit/blocks>) within Slack's limits.
    fn body(m: &Value) -> Value {
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
        let (title, text) = (s("title"), s("text"));
        let mut section = json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": cut(&escape(if text.is_empty() { title } else { text }), 3000)},
        });
        let fields: Vec<Value> = m
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .take(10)
            .map(|f| {
                let n = f.get("name").and_then(Value::as_str).unwrap_or("");
                let v = f.get("value").and_then(Value::as_str).unwrap_or("");
                json!({"type": "mrkdwn", "text": cut(&format!("*{}*\n{}", escape(n), escape(v)), 2000)})
            })
            .collect();
        if !fields.is_empty() {
            section["fields"] = Value::Array(fields);
        }
        let icon = match s("severity") {
            "critical" => ":rotating_light:",
            "warning" => ":warning:",
            _ => ":information_source:",
        };
        let mut context = format!("{icon} `{}`", escape(s("type")));
        if let Some(url) = m.get("url").and_then(Value::as_str) {
            let name = m
                .get("plugin")
                .and_then(Value::as_str)
                .unwrap_or("the plugin");
            context.push_str(&format!(" · <{url}|View {} on Trellis>", escape(name)));
        }
        json!({
            "text": cut(&escape(&format!("{title}: {text}")), 3000),
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": cut(title, 150), "emoji": true}},
                section,
                {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
            ],
        })
    }

    /// Slack's answer: 200 `ok`, or a status with an error code as plain text
    /// (<https://api.slack.com/messaging/webhooks#handling_errors>).
    fn classify(res: &http::Response) -> (Health, String) {
        let s = res.status;
        if (200..300).contains(&s) {
            return (Health::Ok, format!("Delivered (HTTP {s})."));
        }
        // Slack names the error in the body (`no_service`, `invalid_payload`, …).
        let text = res.body.trim();
        let code = if !text.is_empty()
            && text.len() <= 64
            && text.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            text
        } else {
            ""
        };
        let said = format!("{SERVICE} answered {s} {code}")
            .trim_end()
            .to_owned();
        let fix = format!("create a new incoming webhook and set the secret {SECRET} to its URL");
        match (s, code) {
            (429, _) => {
                let after = header(res, "retry-after")
                    .map(|r| format!(" (retry after {r} s)"))
                    .unwrap_or_default();
                (
                    Health::Degraded,
                    format!("{said}: too many messages{after}; deliveries are retried."),
                )
            }
            (500..=599, _) => (
                Health::Degraded,
                format!("{said}: a problem on Slack's side; deliveries are retried."),
            ),
            (_, "invalid_token") => (
                Health::Failing,
                format!("{said}: the webhook URL is no longer valid; {fix}."),
            ),
            (_, "action_prohibited") => (
                Health::Failing,
                format!(
                    "{said}: a Slack admin restricted posting to this channel; ask them to allow \
                     the app, or {fix}."
                ),
            ),
            (_, "channel_not_found") => (
                Health::Failing,
                format!("{said}: the channel was deleted or renamed; {fix}."),
            ),
            (403, _) => (
                Health::Failing,
                format!(
                    "{said}: the webhook URL is no longer valid, or a Slack admin restricted posting \
                     to this channel; {fix}."
                ),
            ),
            (410, _) | (_, "channel_is_archived") => (
                Health::Failing,
                format!("{said}: the channel is archived; unarchive it, or {fix}."),
            ),
            (404, _) | (_, "no_service") => (
                Health::Failing,
                format!("{said}: the webhook URL is wrong or was revoked; {fix}."),
            ),
            (400, _) => (
                Health::Failing,
                format!(
                    "{said}: Slack refused the message as malformed; please report this to the \
                     plugin's maintainers."
                ),
            ),
            _ => (Health::Failing, format!("{said}: the message was refused.")),
        }
    }
}

#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    notifier::init(input)
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    notifier::on_event::<Slack>(input)
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    notifier::invoke::<Slack>(input)
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    notifier::health::<Slack>()
}

/// Slack's `mrkdwn` escaping: `&`, `<` and `>` (so no text can mention `@channel`).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
