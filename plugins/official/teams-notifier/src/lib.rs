//! `trellis.teams-notifier`: posts Trellis events to a Microsoft Teams channel or chat
//! through a Workflows webhook ("Post to a channel when a webhook request is received") or
//! a legacy incoming webhook, as an Adaptive Card
//! (<https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using>).
//!
//! * `init` keeps the instance's public URL (`site_url`) for links to plugin pages.
//! * `on_event` (for the event types chosen in the `events` setting) asks the dependency
//!   `trellis.notify-format` for a neutral message, renders it as an Adaptive Card 1.4
//!   (a title, the text, a FactSet of the fields and an `Action.OpenUrl` to the plugin's
//!   page) and POSTs `{"type": "message", "attachments": [{"contentType":
//!   "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <card>}]}`
//!   as JSON to the URL in the secret `TEAMS_WEBHOOK_URL`. A failed delivery is recorded and
//!   returned as an error, so the host retries it.
//! * `invoke` with `{"test": true}` posts a test message and answers `{"sent": true,
//!   "status": 202}` (an error with the reason when Teams refuses it); `{"preview":
//!   <event envelope>}` answers the JSON body it would post, without posting.
//! * `health` reports `degraded` while the secret is missing, `failing` when it is not a
//!   Teams webhook URL, and otherwise the outcome of the last message (kv `last_delivery`).
//!
//! The exports are the shared notifier's (`trellis_official_kit::notifier`); this file says
//! what is Teams's: the webhook URL it accepts, the body it posts and how it reads the answer.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_official_kit::notifier::{self, cut, header, Service};
use trellis_pdk::{http, Health};

const SECRET: &str = "TEAMS_WEBHOOK_URL";
const SERVICE: &str = "Teams";

/// Teams, for the shared notifier.
struct Teams;

impl Service for Teams {
    const PLUGIN: &'static str = "trellis.teams-notifier";
    const SECRET: &'static str = SECRET;
    const NAME: &'static str = SERVICE;
    const WHERE: &'static str = "";

    fn not_configured() -> String {
        format!(
            "Not configured: set the secret {SECRET} to the URL of a Teams Workflows webhook \
             (https://….logic.azure.com/workflows/…) or incoming webhook \
             (https://….webhook.office.com/…)."
        )
    }

    fn check_url(url: &str) -> Result<(), String> {
        let ok = host_of(url)
            .is_some_and(|h| h.ends_with(".logic.azure.com") || h.ends_with(".webhook.office.com"));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "The secret {SECRET} is not a Teams webhook URL: it must be an https:// URL on \
             *.logic.azure.com (Workflows) or *.webhook.office.com (incoming webhook)."
            ))
        }
    }

    /// The JSON body for Teams: a message with one Adaptive Card 1.4
    /// (<https://adaptivecards.io/explorer/>).
    fn body(m: &Value) -> Value {
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("");
        let color = match s("severity") {
            "critical" => "Attention",
            "warning" => "Warning",
            _ => "Default",
        };
        let mut card_body = vec![
            json!({"type": "TextBlock", "text": s("title"), "size": "Medium", "weight": "Bolder",
                   "style": "heading", "color": color, "wrap": true}),
            json!({"type": "TextBlock", "text": s("text"), "wrap": true}),
        ];
        let facts: Vec<Value> = m
            .get("fields")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|f| {
                json!({
                    "title": f.get("name").and_then(Value::as_str).unwrap_or(""),
                    "value": f.get("value").and_then(Value::as_str).unwrap_or(""),
                })
            })
            .collect();
        if !facts.is_empty() {
            card_body.push(json!({"type": "FactSet", "facts": facts}));
        }
        card_body.push(
            json!({"type": "TextBlock", "text": format!("Trellis · {}", s("type")),
                              "isSubtle": true, "size": "Small", "wrap": true}),
        );
        let mut card = json!({
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": card_body,
            "msteams": {"width": "Full"},
        });
        if let Some(url) = m.get("url").and_then(Value::as_str) {
            let name = m
                .get("plugin")
                .and_then(Value::as_str)
                .unwrap_or("the plugin");
            card["actions"] = json!([{"type": "Action.OpenUrl", "title": format!("View {name} on Trellis"), "url": url}]);
        }
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": card,
            }],
        })
    }

    /// Teams' answer: 202 (Workflows) or 200 (incoming webhooks), or a status with a JSON
    /// error `{"error": {"code", "message"}}` (Workflows) or a line of text (incoming
    /// webhooks). A legacy incoming webhook may also answer 200 with a delivery error as text.
    fn classify(res: &http::Response) -> (Health, String) {
        let s = res.status;
        let raw = res.body.trim();
        let err: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        let code = err
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("");
        let text = err
            .pointer("/error/message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                if err.is_null() {
                    cut(raw, 200)
                } else {
                    String::new()
                }
            });
        if (200..300).contains(&s) {
            // "Webhook message delivery failed with error: Microsoft Teams endpoint returned
            // HTTP error 429 …": the legacy connector's way of reporting a failure.
            if raw.contains("delivery failed") {
                let st = if raw.contains(" 429") {
                    Health::Degraded
                } else {
                    Health::Failing
                };
                return (
                    st,
                    format!(
                        "{SERVICE} answered {s} but did not deliver: {}",
                        cut(raw, 300)
                    ),
                );
            }
            return (Health::Ok, format!("Delivered (HTTP {s})."));
        }
        let detail = match (code, text.as_str()) {
            ("", "") => String::new(),
            ("", t) => format!(" ({t})"),
            (c, "") => format!(" ({c})"),
            (c, t) => format!(" ({c}: {t})"),
        };
        let said = format!("{SERVICE} answered {s}{detail}");
        let fix = format!(
            "create a Workflows webhook (\"Post to a channel when a webhook request is received\") \
             and set the secret {SECRET} to its URL"
        );
        match s {
            429 => {
                let after = header(res, "retry-after")
                    .map(|r| format!(" (retry after {r} s)"))
                    .unwrap_or_default();
                (
                    Health::Degraded,
                    format!("{said}: too many messages{after}; deliveries are retried."),
                )
            }
            500..=599 => (
                Health::Degraded,
                format!("{said}: a problem on Microsoft's side; deliveries are retried."),
            ),
            401 | 403 => (
                Health::Failing,
                format!(
                    "{said}: the URL's signature is wrong or the workflow no longer accepts \
                     this sender; copy the URL again from the workflow, or {fix}."
                ),
            ),
            404 | 410 => (
                Health::Failing,
                format!("{said}: the workflow or webhook no longer exists; {fix}."),
            ),
            400 => (
                Health::Failing,
                format!(
                    "{said}: Teams refused the card as invalid; please report this to the \
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
    notifier::on_event::<Teams>(input)
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    notifier::invoke::<Teams>(input)
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    notifier::health::<Teams>()
}

/// The host of an `https://` URL, without port or user info.
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    Some(host.to_ascii_lowercase())
}
