//! `trellis.notify-format`: turns a Trellis event into a neutral, chat-ready message that
//! notifier plugins (Slack, Discord, Microsoft Teams, …) render in their own format.
//!
//! `invoke` takes `{"event": <the event envelope, as on_event receives it>, "site_url":
//! "<the instance's public URL, optional>"}` and answers
//!
//! ```json
//! {"title": "acme.kanban 1.2.0 published", "text": "Version 1.2.0 of Kanban is out.",
//!  "url": "https://trellis.example/plugins/acme.kanban",
//!  "fields": [{"name": "Plugin", "value": "acme.kanban"}],
//!  "color": "#2563eb", "severity": "info",
//!  "type": "plugin.version.published", "plugin": "acme.kanban",
//!  "timestamp": "2026-12-02T09:30:00.123Z"}
//! ```
//!
//! Every platform event type of the catalogue (docs/events.md) has its own wording; any other
//! type (including events other plugins emit) gets a generic message listing the event's
//! scalar data. Text is plain (no markup): each notifier escapes it for its service. `url`
//! is the page of the plugin the event is about, `{site_url}/plugins/{id}`, or `null` when
//! the instance URL or the plugin is unknown. The plugin uses no host function at all.

use extism_pdk::{plugin_fn, FnResult};
use serde::Serialize;
use serde_json::Value;
use trellis_pdk::Event;

mod parts;

use parts::{human_size, Data, Draft};

/// One name/value pair shown under the message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// How serious an event is; notifiers pick colours, icons or mentions from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

/// The neutral message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    pub title: String,
    pub text: String,
    pub url: Option<String>,
    pub fields: Vec<Field>,
    /// `#rrggbb`.
    pub color: String,
    pub severity: Severity,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The plugin the event is about, when there is one.
    pub plugin: Option<String>,
    /// When the event happened (RFC 3339), `null` when the envelope had no time.
    pub timestamp: Option<String>,
}

const BLUE: &str = "#2563eb";
const GREEN: &str = "#16a34a";
const AMBER: &str = "#d97706";
const RED: &str = "#dc2626";
const GREY: &str = "#6b7280";

/// Formats an event: `{"event": …, "site_url": "…"}` in, a [`Message`] out. A bare
/// envelope (with `id` and `type` at the top level) is accepted too.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let site_url = input
        .get("site_url")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let envelope = match input.get("event") {
        Some(e) => e.clone(),
        None if input.get("type").is_some() => input.clone(),
        None => {
            return Err(extism_pdk::Error::msg(
                "expected {\"event\": <event envelope>, \"site_url\": \"https://…\"}",
            )
            .into())
        }
    };
    let event: Event = serde_json::from_value(envelope)
        .map_err(|e| extism_pdk::Error::msg(format!("`event` is not an event envelope: {e}")))?;
    Ok(serde_json::to_value(format(&event, &site_url))?)
}

/// The message for an event.
pub fn format(event: &Event, site_url: &str) -> Message {
    let d = Data(event.data.as_object().cloned().unwrap_or_default());
    let plugin = d
        .opt("plugin")
        .or_else(|| (event.subject.kind == "plugin").then(|| event.subject.id.clone()))
        .filter(|p| !p.is_empty());
    let who = event.actor.username.clone();
    let p = plugin.clone().unwrap_or_else(|| event.subject.id.clone());
    let v = d.s("version");
    let mut m = Draft::new(BLUE, Severity::Info);
    match event.kind.as_str() {
        "plugin.published" => {
            let name = d.or("display_name", &p);
            m.title = format!("New plugin: {name}");
            m.text = format!("{name} ({p}) {v} was published");
            if let Some(desc) = d.opt("description") {
                m.text.push_str(&format!(": {desc}"));
            } else {
                m.text.push('.');
            }
            m.color = GREEN;
            m.field("Plugin", &p)
                .field("Version", &v)
                .field("Kind", &d.s("kind"));
        }
        "plugin.version.published" => {
            m.title = format!("{p} {v} published");
            m.text = format!("Version {v} of {p} is available.");
            m.field("Plugin", &p).field("Version", &v);
            if let Some(signed) = d.0.get("signed").and_then(Value::as_bool) {
                m.field("Signed", if signed { "yes" } else { "no" });
            }
            if let Some(size) = d.0.get("size").and_then(Value::as_u64) {
                m.field("Size", &human_size(size));
            }
        }
        "plugin.version.yanked" => {
            m.title = format!("{p} {v} yanked");
            m.text = format!(
                "Version {v} of {p} was yanked: new installs and updates no longer pick it; \
                 exact downloads still work."
            );
            m.warn().field("Plugin", &p).field("Version", &v);
        }
        "plugin.version.unyanked" => {
            m.title = format!("{p} {v} restored");
            m.text = format!("Version {v} of {p} was restored after being yanked.");
            m.field("Plugin", &p).field("Version", &v);
        }
        "plugin.deprecated" => {
            m.title = format!("{p} is deprecated");
            m.text = d.or("reason", "No reason given.");
            if let Some(r) = d.opt("replacement") {
                m.text.push_str(&format!(" Use {r} instead."));
            }
            m.warn().field("Plugin", &p);
            if let Some(r) = d.opt("replacement") {
                m.field("Replacement", &r);
            }
        }
        "plugin.undeprecated" => {
            m.title = format!("{p} is no longer deprecated");
            m.text = format!("The deprecation of {p} was withdrawn.");
            m.field("Plugin", &p);
        }
        "plugin.deleted" => {
            let versions = d.list("versions");
            m.title = format!("{p} deleted");
            m.text = format!("{p} was deleted with all its versions.");
            m.warn().field("Plugin", &p).field("Versions", &versions);
        }
        "plugin.imported" => {
            m.title = format!("{p} imported");
            m.text = format!("{p} was imported from {}.", d.or("source", "a catalogue"));
            m.field("Plugin", &p)
                .field("Source", &d.s("source"))
                .field("External id", &d.s("external_id"));
        }
        "plugin.reported" => {
            m.title = format!("{p} reported");
            m.text = format!(
                "A user reported {p} to the moderators ({}).",
                d.or("reason", "no reason")
            );
            m.critical()
                .field("Plugin", &p)
                .field("Reason", &d.s("reason"))
                .field("Open reports", &d.s("reports"));
        }
        "plugin.delisted" => {
            m.title = format!("{p} delisted");
            m.text = format!(
                "A moderator delisted {p}: {}",
                d.or("reason", "no reason given.")
            );
            m.critical().field("Plugin", &p);
        }
        "plugin.relisted" => {
            m.title = format!("{p} listed again");
            m.text = format!("A moderator listed {p} again.");
            m.field("Plugin", &p);
        }
        "review.created" | "review.updated" => {
            let stars = d.0.get("stars").and_then(Value::as_u64).unwrap_or(0).min(5);
            let by = who.clone().unwrap_or_else(|| "Someone".into());
            if event.kind == "review.created" {
                m.title = format!("New {stars}-star review of {p}");
                m.text = format!("{by} rated {p} {v} {stars} out of 5.");
            } else {
                m.title = format!("Review of {p} updated");
                m.text = format!("{by} changed their review of {p} ({stars} out of 5).");
            }
            let bar = "★".repeat(stars as usize) + &"☆".repeat(5 - stars as usize);
            m.field("Rating", &bar)
                .field("Version", &v)
                .field("Plugin", &p);
            if stars <= 2 {
                m.color = AMBER;
                m.severity = Severity::Warning;
            }
        }
        "review.deleted" => {
            m.title = format!("Review of {p} deleted");
            m.text = format!("A review of {p} was deleted by its author.");
            m.field("Plugin", &p);
        }
        "review.replied" => {
            m.title = format!("Reply to a review of {p}");
            m.text = if d.0.get("replied") == Some(&Value::Bool(false)) {
                format!("The reply to a review of {p} was removed.")
            } else {
                format!("A maintainer of {p} replied to a review.")
            };
            m.field("Plugin", &p);
        }
        "review.voted" => {
            m.title = format!("Review of {p} voted on");
            m.text = format!(
                "A review of {p} now has {} helpful vote(s).",
                d.or("helpful", "0")
            );
            m.field("Plugin", &p);
        }
        "review.reported" => {
            m.title = format!("Review of {p} reported");
            m.text = format!(
                "A user reported a review of {p} for abuse ({}).",
                d.or("reason", "no reason")
            );
            m.warn()
                .field("Plugin", &p)
                .field("Reason", &d.s("reason"))
                .field("Open reports", &d.s("reports"));
        }
        "review.hidden" => {
            m.title = format!("Review of {p} hidden");
            m.text = format!(
                "A moderator hid a review of {p}: {}",
                d.or("reason", "no reason given.")
            );
            m.warn().field("Plugin", &p);
        }
        "review.restored" => {
            m.title = format!("Review of {p} restored");
            m.text = format!("A moderator showed a hidden review of {p} again.");
            m.field("Plugin", &p);
        }
        "report.dismissed" => {
            m.title = format!("Reports about {p} dismissed");
            m.text = format!(
                "A moderator dismissed {} open report(s) about {p}.",
                d.or("reports", "the")
            );
            m.field("Plugin", &p);
        }
        k if k.starts_with("plugin.")
            && event.subject.kind == "installation"
            && plugin.is_some() =>
        {
            installation(&mut m, k, &p, &d);
        }
        k if k.starts_with("webhook.") => webhook(&mut m, k, &d),
        "trellis.test" | "notifier.test" => {
            m.title = "Test message from Trellis".into();
            m.text = format!(
                "{p} can post here: this channel will get the Trellis events it is set up for."
            );
            m.field("Plugin", &p)
                .field("Workspace", &d.s("workspace"))
                .field("Installation", &d.s("installation"));
        }
        _ => generic(&mut m, event, &d),
    }
    if let Some(who) = &who {
        if !matches!(event.kind.as_str(), "review.created" | "review.updated") {
            m.field("By", who);
        }
    }
    let site = site_url.trim().trim_end_matches('/');
    let url = match &plugin {
        Some(id) if site.starts_with("http://") || site.starts_with("https://") => {
            Some(format!("{site}/plugins/{id}"))
        }
        _ => None,
    };
    Message {
        title: m.title,
        text: m.text,
        url,
        fields: m.fields,
        color: m.color.to_owned(),
        severity: m.severity,
        kind: event.kind.clone(),
        plugin,
        timestamp: Some(event.occurred_at.clone()).filter(|t| !t.is_empty()),
    }
}

/// `plugin.installed`, `plugin.updated`, … (subject: an installation).
fn installation(m: &mut Draft, kind: &str, p: &str, d: &Data) {
    let ws = d.or("workspace", "a workspace");
    match kind {
        "plugin.installed" => {
            let how = if d.0.get("requested") == Some(&Value::Bool(false)) {
                " (as a dependency)"
            } else {
                ""
            };
            m.title = format!("{p} installed in {ws}");
            m.text = format!("{p} {} was installed in {ws}{how}.", d.s("version"));
            m.color = GREEN;
        }
        "plugin.updated" => {
            let (from, to) = (d.s("from_version"), d.s("to_version"));
            let what = if d.0.get("rollback") == Some(&Value::Bool(true)) {
                "rolled back"
            } else {
                "updated"
            };
            m.title = format!("{p} {what} in {ws}");
            m.text = format!("{p} was {what} from {from} to {to} in {ws}.");
        }
        "plugin.uninstalled" => {
            m.title = format!("{p} uninstalled from {ws}");
            m.text = format!("{p} was removed from {ws}, with its configuration and data.");
        }
        "plugin.enabled" => {
            m.title = format!("{p} enabled in {ws}");
            m.text = format!("{p} runs and receives events again in {ws}.");
        }
        "plugin.disabled" => {
            let reason = d.s("reason");
            m.title = format!("{p} disabled in {ws}");
            m.text = if reason == "user" || reason.is_empty() {
                format!("{p} was disabled in {ws}.")
            } else {
                format!("{p} was disabled in {ws} ({reason}).")
            };
            if reason != "user" {
                m.warn();
            }
        }
        "plugin.configured" => {
            m.title = format!("{p} reconfigured in {ws}");
            m.text = format!("The settings of {p} in {ws} changed.");
            m.field("Changed", &d.list("fields"));
        }
        "plugin.health.changed" => {
            let to = d.s("to");
            m.title = format!("{p} is {to} in {ws}");
            m.text = format!(
                "The health of {p} in {ws} went from {} to {to}.",
                d.s("from")
            );
            if let Some(e) = d.opt("last_error") {
                m.text.push_str(&format!(" Last error: {e}"));
            }
            match to.as_str() {
                "failing" | "disabled" => {
                    m.critical();
                }
                "degraded" => {
                    m.warn();
                }
                _ => m.color = GREEN,
            }
        }
        _ => {
            m.title = format!("{p}: {kind}");
            m.text = format!("{kind} for {p} in {ws}.");
        }
    }
    m.field("Plugin", p).field("Workspace", &ws);
    if let Some(v) = d.opt("version") {
        m.field("Version", &v);
    }
}

/// `webhook.endpoint.*` and `webhook.test`.
fn webhook(m: &mut Draft, kind: &str, d: &Data) {
    let ep = d.or("endpoint_id", "an endpoint");
    let scope = d
        .opt("namespace")
        .map(|n| format!(" of {n}"))
        .unwrap_or_default();
    let (title, text) = match kind {
        "webhook.endpoint.created" => (
            "Webhook endpoint created",
            format!(
                "A webhook endpoint{scope} was created for {}.",
                d.or("host", "a receiver")
            ),
        ),
        "webhook.endpoint.updated" => (
            "Webhook endpoint changed",
            format!("The settings of webhook endpoint {ep}{scope} changed."),
        ),
        "webhook.endpoint.deleted" => (
            "Webhook endpoint deleted",
            format!("Webhook endpoint {ep}{scope} was deleted with its delivery log."),
        ),
        "webhook.endpoint.secret_rotated" => (
            "Webhook secret rotated",
            format!("The signing secret of webhook endpoint {ep}{scope} was rotated."),
        ),
        "webhook.endpoint.disabled" => {
            m.critical();
            let why = if d.s("reason") == "gone" {
                "its receiver answered 410 Gone".to_owned()
            } else {
                format!(
                    "every attempt failed (last error: {})",
                    d.or("last_error", "unknown")
                )
            };
            (
                "Webhook endpoint disabled",
                format!("Trellis disabled webhook endpoint {ep}{scope}: {why}."),
            )
        }
        "webhook.test" => ("Webhook test", d.or("message", "Test event from Trellis")),
        _ => ("Webhook event", format!("{kind} for endpoint {ep}.")),
    };
    m.title = title.to_owned();
    m.text = text;
    m.field("Endpoint", &d.s("endpoint_id"));
    if let Some(h) = d.opt("host") {
        m.field("Host", &h);
    }
    if let Some(c) = d.opt("changed") {
        m.field("Changed", &c);
    }
}

/// Any other event: its type and subject, and the data's scalar values as fields.
fn generic(m: &mut Draft, event: &Event, d: &Data) {
    let subject = if event.subject.id.is_empty() {
        String::new()
    } else {
        format!(" for {} {}", event.subject.kind, event.subject.id)
    };
    m.title = format!("Trellis event {}", event.kind);
    m.text = format!("{}{subject}.", event.kind);
    m.color = GREY;
    for (k, v) in d.0.iter().take(10) {
        let value = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            Value::Array(_) => d.list(k),
            _ => continue,
        };
        let mut name = k.replace('_', " ");
        if let Some(first) = name.get(..1) {
            name = first.to_uppercase() + &name[1..];
        }
        m.field(&name, &value);
    }
}
