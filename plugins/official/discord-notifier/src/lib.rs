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
//!
//! The exports are the shared notifier's (`trellis_official_kit::notifier`); this file says
//! what is Discord's: the webhook URL it accepts, the body it posts and how it reads the answer.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_official_kit::notifier::{self, cut, header, Service};
use trellis_pdk::{http, Health};

const SECRET: &str = "DISCORD_WEBHOOK_URL";
const SERVICE: &str = "Discord";

/// Discord, for the shared notifier.
struct Discord;

impl Service for Discord {
    const PLUGIN: &'static str = "trellis.discord-notifier";
    const SECRET: &'static str = SECRET;
    const NAME: &'static str = SERVICE;
    const WHERE: &'static str = " (discord.com)";

    fn not_configured() -> String {
        format!(
            "Not configured: set the secret {SECRET} to the URL of a Discord channel webhook \
             (https://discord.com/api/webhooks/…)."
        )
    }

    fn check_url(url: &str) -> Result<(), String> {
        let ok = ["https://discord.com/api/", "https://discordapp.com/api/"]
            .iter()
            .any(|p| url.starts_with(p))
            && url.contains("/webhooks/");
        if ok {
            Ok(())
        } else {
            Err(format!(
                "The secret {SECRET} is not a Discord webhook URL: it must look like \
             https://discord.com/api/webhooks/<id>/<token> (Channel settings → Integrations → \
             Webhooks → Copy Webhook URL)."
            ))
        }
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
                format!(
                    "{said}: the token in the webhook URL is wrong; copy the URL again, or {fix}."
                ),
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
}

#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    notifier::init(input)
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    notifier::on_event::<Discord>(input)
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    notifier::invoke::<Discord>(input)
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    notifier::health::<Discord>()
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
