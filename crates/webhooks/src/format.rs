//! The body sent for an event, by the endpoint's format: the Standard
//! Webhooks envelope as it is, or a message for a chat service's incoming
//! webhook (Slack, Discord, Microsoft Teams) built from a readable
//! [`Summary`] of the event.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What an endpoint receives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The event envelope, JSON, signed.
    #[default]
    Standard,
    /// A Slack incoming webhook message.
    Slack,
    /// A Discord webhook message with one embed.
    Discord,
    /// A Microsoft Teams message (Workflows) with one Adaptive Card.
    Teams,
}

/// A format name that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: use one of standard, slack, discord, teams")]
pub struct UnknownFormat(pub String);

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Standard,
        Format::Slack,
        Format::Discord,
        Format::Teams,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Standard => "standard",
            Format::Slack => "slack",
            Format::Discord => "discord",
            Format::Teams => "teams",
        }
    }

    pub fn parse(s: &str) -> Result<Format, UnknownFormat> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat(s.to_owned()))
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        Format::parse(s)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event in words: a one-line title, a text with details, who and when,
/// and a link to see more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub title: String,
    pub text: String,
    pub url: Option<String>,
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// The title for a known event type, `None` when a field it needs is missing.
fn known_title(kind: &str, envelope: &Value) -> Option<String> {
    let data = envelope.get("data").unwrap_or(&Value::Null);
    let d = |key: &str| text_at(data, &[key]);
    let plugin = d("plugin").or_else(|| text_at(envelope, &["subject", "id"]));
    let ns = d("namespace").or_else(|| text_at(envelope, &["namespace"]));
    let (version, user, role) = (d("version"), d("username"), d("role"));
    let (key, name) = (d("key_id"), d("name"));
    Some(match kind {
        "plugin.published" => format!("New plugin {} was published", plugin?),
        "plugin.version.published" => format!("{} {} was published", plugin?, version?),
        "plugin.version.yanked" => format!("{} {} was yanked", plugin?, version?),
        "plugin.version.unyanked" => format!("{} {} was unyanked", plugin?, version?),
        "plugin.deprecated" => format!("{} was deprecated", plugin?),
        "plugin.undeprecated" => format!("{} is no longer deprecated", plugin?),
        "plugin.deleted" => format!("{} was deleted", plugin?),
        "plugin.imported" => {
            let verb = match data.get("created").and_then(Value::as_bool) {
                Some(false) => "updated",
                _ => "imported",
            };
            match d("source") {
                Some(source) => format!("{} was {verb} from {source}", plugin?),
                None => format!("{} was {verb}", plugin?),
            }
        }
        "plugin.stats.updated" => {
            let downloads = data.get("downloads").and_then(Value::as_i64);
            format!("{}: {} new downloads", plugin?, downloads?)
        }
        "namespace.created" => format!("Namespace {} was created", ns?),
        "namespace.updated" => format!("Namespace {} was updated", ns?),
        "namespace.member.invited" => format!("{} was invited to {} as {}", user?, ns?, role?),
        "namespace.member.added" => format!("{} joined {} as {}", user?, ns?, role?),
        "namespace.member.role_changed" => {
            let previous = d("previous_role");
            format!("{} is now {} of {} (was {})", user?, role?, ns?, previous?)
        }
        "namespace.member.removed" => format!("{} is no longer a member of {}", user?, ns?),
        "namespace.key.added" => format!("Signing key {} was added to {}", key?, ns?),
        "namespace.key.removed" => format!("Signing key {} was removed from {}", key?, ns?),
        "token.created" => format!("API token {} was created for {}", name?, user?),
        "token.revoked" => format!("API token {} of {} was revoked", name?, user?),
        "user.created" => format!("Account {} was created", user?),
        "webhook.test" => "Test event from Trellis".to_owned(),
        _ => return None,
    })
}

/// A sentence of detail some events carry (deprecation reason, description).
fn detail(kind: &str, data: &Value) -> Option<String> {
    match kind {
        "plugin.deprecated" => {
            let reason = text_at(data, &["reason"]);
            let replacement = text_at(data, &["replacement"]).map(|r| format!("Use {r} instead."));
            let parts: Vec<String> = reason
                .map(str::to_owned)
                .into_iter()
                .chain(replacement)
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        "plugin.published" => text_at(data, &["description"]).map(str::to_owned),
        _ => None,
    }
}

/// `2026-12-01T09:30:00.000Z` as `2026-12-01 09:30 UTC`; anything else as it is.
fn when(occurred_at: &str) -> String {
    let b = occurred_at.as_bytes();
    let shaped = occurred_at.is_ascii()
        && b.len() >= 17
        && b[10] == b'T'
        && b[13] == b':'
        && occurred_at.ends_with('Z');
    if shaped {
        format!("{} {} UTC", &occurred_at[..10], &occurred_at[11..16])
    } else {
        occurred_at.to_owned()
    }
}

fn actor_name(envelope: &Value) -> Option<String> {
    let actor = envelope.get("actor")?;
    if text_at(actor, &["type"]) == Some("system") {
        return Some("Trellis".to_owned());
    }
    text_at(actor, &["username"])
        .map(str::to_owned)
        .or_else(|| {
            actor
                .get("user_id")
                .and_then(Value::as_i64)
                .map(|id| format!("user {id}"))
        })
}

/// A readable summary of an event envelope (as the API shows it); `link` is
/// where to see more. Missing fields never fail: the title falls back to
/// `<type> on <subject kind> <subject id>`.
pub fn summary(envelope: &Value, link: Option<String>) -> Summary {
    let kind = text_at(envelope, &["type"]).unwrap_or("event");
    let title = known_title(kind, envelope).unwrap_or_else(|| {
        match (
            text_at(envelope, &["subject", "kind"]),
            text_at(envelope, &["subject", "id"]),
        ) {
            (Some(k), Some(id)) => format!("{kind} on {k} {id}"),
            (Some(k), None) => format!("{kind} on {k}"),
            _ => kind.to_owned(),
        }
    });
    let byline = [
        actor_name(envelope).map(|a| format!("by {a}")),
        text_at(envelope, &["occurred_at"]).map(when),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let data = envelope.get("data").unwrap_or(&Value::Null);
    let text = detail(kind, data)
        .into_iter()
        .chain((!byline.is_empty()).then_some(byline))
        .collect::<Vec<_>>()
        .join("\n");
    Summary {
        title,
        text,
        url: link,
    }
}

/// `s` cut to at most `max` characters, ending in `…` when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn slack_escape_char(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    }
}

/// Slack mrkdwn escaping (`&`, `<`, `>`), cut so the escaped text has at most
/// `max` characters (an entity is never split).
fn slack_text(s: &str, max: usize) -> String {
    let mut out = String::new();
    let mut len = 0;
    let total: usize = s
        .chars()
        .map(|c| slack_escape_char(c).map_or(1, str::len))
        .sum();
    let budget = if total <= max {
        max
    } else {
        max.saturating_sub(1)
    };
    for c in s.chars() {
        let piece_len = slack_escape_char(c).map_or(1, str::len);
        if len + piece_len > budget {
            out.push('…');
            break;
        }
        match slack_escape_char(c) {
            Some(entity) => out.push_str(entity),
            None => out.push(c),
        }
        len += piece_len;
    }
    out
}

/// Slack's limit on the text of a section block.
const SLACK_SECTION_MAX: usize = 3000;
const DISCORD_TITLE_MAX: usize = 256;
const DISCORD_DESCRIPTION_MAX: usize = 4096;
const DISCORD_FOOTER_MAX: usize = 2048;
const TEAMS_TEXT_MAX: usize = 8000;

fn slack(summary: &Summary) -> Value {
    let title = slack_text(&summary.title, 300);
    let link = summary
        .url
        .as_deref()
        .map(|u| {
            let u = u
                .replace('&', "&amp;")
                .replace('<', "%3C")
                .replace('>', "%3E")
                .replace('|', "%7C");
            format!(" (<{u}|View>)")
        })
        .unwrap_or_default();
    let head = format!("*{title}*");
    let used = head.chars().count() + 1 + link.chars().count();
    let text = slack_text(&summary.text, SLACK_SECTION_MAX.saturating_sub(used));
    let mrkdwn = if text.is_empty() {
        format!("{head}{link}")
    } else {
        format!("{head}\n{text}{link}")
    };
    json!({
        "text": title,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}],
    })
}

fn discord(envelope: &Value, summary: &Summary) -> Value {
    let mut embed = json!({"title": truncate(&summary.title, DISCORD_TITLE_MAX)});
    if !summary.text.is_empty() {
        embed["description"] = json!(truncate(&summary.text, DISCORD_DESCRIPTION_MAX));
    }
    if let Some(url) = &summary.url {
        embed["url"] = json!(url);
    }
    if let Some(at) = text_at(envelope, &["occurred_at"]) {
        embed["timestamp"] = json!(at);
    }
    if let Some(kind) = text_at(envelope, &["type"]) {
        embed["footer"] = json!({"text": truncate(kind, DISCORD_FOOTER_MAX)});
    }
    json!({"content": null, "embeds": [embed]})
}

fn teams(summary: &Summary) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "size": "Medium",
        "weight": "Bolder",
        "text": summary.title,
        "wrap": true,
    })];
    if !summary.text.is_empty() {
        body.push(json!({"type": "TextBlock", "text": truncate(&summary.text, TEAMS_TEXT_MAX), "wrap": true}));
    }
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    });
    if let Some(url) = &summary.url {
        card["actions"] = json!([{"type": "Action.OpenUrl", "title": "View", "url": url}]);
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

/// The bytes sent to an endpoint of `format` for an event: the envelope itself
/// for [`Format::Standard`], a chat message built from `summary` otherwise.
pub fn body(format: Format, envelope: &Value, summary: &Summary) -> Vec<u8> {
    let value = match format {
        Format::Standard => return envelope.to_string().into_bytes(),
        Format::Slack => slack(summary),
        Format::Discord => discord(envelope, summary),
        Format::Teams => teams(summary),
    };
    value.to_string().into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(kind: &str, data: Value) -> Value {
        json!({
            "id": "evt_01JDZ8Q4X9R7M2N5K3H6G1F0E",
            "type": kind,
            "occurred_at": "2026-12-01T09:30:00.000Z",
            "actor": {"type": "user", "user_id": 7, "username": "alice", "token_id": 42},
            "subject": {"kind": "plugin", "id": "acme.kanban"},
            "namespace": "acme",
            "data": data,
        })
    }

    fn title(kind: &str, data: Value) -> String {
        summary(&envelope(kind, data), None).title
    }

    fn parsed(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON: {e}"))
    }

    #[test]
    fn format_names() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Ok(f));
            assert_eq!(serde_json::to_value(f).ok(), Some(json!(f.as_str())));
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
        assert_eq!(
            Format::parse("Slack")
                .err()
                .map(|e| e.to_string())
                .as_deref(),
            Some("unknown format `Slack`: use one of standard, slack, discord, teams")
        );
        assert_eq!(Format::default(), Format::Standard);
    }

    /// `[type, data, title]`: the data of each type as docs/events.md shows it.
    const TITLES: &str = r#"[
        ["plugin.published", {"plugin": "acme.kanban", "version": "1.0.0"}, "New plugin acme.kanban was published"],
        ["plugin.version.published", {"plugin": "acme.kanban", "version": "1.2.0"}, "acme.kanban 1.2.0 was published"],
        ["plugin.version.yanked", {"plugin": "acme.kanban", "version": "1.1.0"}, "acme.kanban 1.1.0 was yanked"],
        ["plugin.version.unyanked", {"plugin": "acme.kanban", "version": "1.1.0"}, "acme.kanban 1.1.0 was unyanked"],
        ["plugin.deprecated", {"plugin": "acme.kanban", "reason": "Old."}, "acme.kanban was deprecated"],
        ["plugin.undeprecated", {"plugin": "acme.kanban"}, "acme.kanban is no longer deprecated"],
        ["plugin.deleted", {"plugin": "acme.kanban", "versions": ["0.1.0"]}, "acme.kanban was deleted"],
        ["plugin.imported", {"plugin": "neovim.x", "source": "rockerBOO/awesome-neovim", "created": true},
            "neovim.x was imported from rockerBOO/awesome-neovim"],
        ["plugin.imported", {"plugin": "neovim.x", "source": "rockerBOO/awesome-neovim", "created": false},
            "neovim.x was updated from rockerBOO/awesome-neovim"],
        ["plugin.stats.updated", {"plugin": "acme.kanban", "downloads": 12}, "acme.kanban: 12 new downloads"],
        ["namespace.created", {"namespace": "acme", "owner": "alice"}, "Namespace acme was created"],
        ["namespace.updated", {"namespace": "acme"}, "Namespace acme was updated"],
        ["namespace.member.invited", {"namespace": "acme", "username": "bob", "role": "maintainer"},
            "bob was invited to acme as maintainer"],
        ["namespace.member.added", {"namespace": "acme", "username": "bob", "role": "owner"}, "bob joined acme as owner"],
        ["namespace.member.role_changed", {"namespace": "acme", "username": "bob", "role": "owner",
            "previous_role": "maintainer"}, "bob is now owner of acme (was maintainer)"],
        ["namespace.member.removed", {"namespace": "acme", "username": "bob"}, "bob is no longer a member of acme"],
        ["namespace.key.added", {"namespace": "acme", "key_id": "B2D5C3E2F1A09876"},
            "Signing key B2D5C3E2F1A09876 was added to acme"],
        ["namespace.key.removed", {"namespace": "acme", "key_id": "B2D5C3E2F1A09876"},
            "Signing key B2D5C3E2F1A09876 was removed from acme"],
        ["token.created", {"token_id": 42, "name": "ci", "username": "alice", "scopes": []},
            "API token ci was created for alice"],
        ["token.revoked", {"token_id": 42, "name": "ci", "username": "alice"}, "API token ci of alice was revoked"],
        ["user.created", {"user_id": 7, "username": "alice"}, "Account alice was created"],
        ["webhook.test", {}, "Test event from Trellis"],
        ["plugin.deleted", {}, "acme.kanban was deleted"],
        ["namespace.created", {}, "Namespace acme was created"],
        ["plugin.version.published", {}, "plugin.version.published on plugin acme.kanban"],
        ["token.created", {"name": "ci"}, "token.created on plugin acme.kanban"],
        ["thing.happened", null, "thing.happened on plugin acme.kanban"]
    ]"#;

    #[test]
    fn titles_per_event_type() {
        let rows: Vec<(String, Value, String)> =
            serde_json::from_str(TITLES).unwrap_or_else(|e| panic!("{e}"));
        for (kind, data, expected) in rows {
            assert_eq!(title(&kind, data), expected, "{kind}");
        }
        // The last ones fall back: from the subject and the envelope's
        // namespace, or to the generic title.
        let bare = summary(&json!({"type": "x.y"}), None);
        let empty = Summary {
            title: "x.y".to_owned(),
            text: String::new(),
            url: None,
        };
        assert_eq!(bare, empty);
        assert_eq!(
            summary(&json!({"type": "x.y", "subject": {"kind": "user"}}), None).title,
            "x.y on user"
        );
        assert_eq!(summary(&json!(42), None).title, "event");
    }

    #[test]
    fn text_names_actor_time_and_details() {
        let s = summary(
            &envelope(
                "plugin.deprecated",
                json!({"plugin": "acme.kanban", "reason": "Superseded.", "replacement": "acme.boards"}),
            ),
            Some("https://trellis.example/plugins/acme.kanban".to_owned()),
        );
        assert_eq!(
            s.text,
            "Superseded. Use acme.boards instead.\nby alice · 2026-12-01 09:30 UTC"
        );
        assert_eq!(
            s.url.as_deref(),
            Some("https://trellis.example/plugins/acme.kanban")
        );
        let mut system = envelope(
            "plugin.stats.updated",
            json!({"plugin": "acme.kanban", "downloads": 3}),
        );
        system["actor"] = json!({"type": "system"});
        system["occurred_at"] = json!("yesterday");
        assert_eq!(summary(&system, None).text, "by Trellis · yesterday");
    }

    fn sample() -> (Value, Summary) {
        let env = envelope(
            "plugin.version.published",
            json!({"plugin": "acme.kanban", "version": "1.2.0"}),
        );
        let s = Summary {
            title: "acme.kanban 1.2.0 was published".to_owned(),
            text: "by alice · 2026-12-01 09:30 UTC".to_owned(),
            url: Some("https://trellis.example/p?a=1&b=2".to_owned()),
        };
        (env, s)
    }

    #[test]
    fn standard_is_the_envelope() {
        let (env, s) = sample();
        let bytes = body(Format::Standard, &env, &s);
        assert_eq!(serde_json::to_vec(&env).ok(), Some(bytes));
    }

    const SLACK: &str = r#"{"text": "acme.kanban 1.2.0 was published", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "*acme.kanban 1.2.0 was published*\nby alice · 2026-12-01 09:30 UTC (<https://trellis.example/p?a=1&amp;b=2|View>)"
    }}]}"#;

    const DISCORD: &str = r#"{"content": null, "embeds": [{
        "title": "acme.kanban 1.2.0 was published", "description": "by alice · 2026-12-01 09:30 UTC",
        "url": "https://trellis.example/p?a=1&b=2", "timestamp": "2026-12-01T09:30:00.000Z",
        "footer": {"text": "plugin.version.published"}
    }]}"#;

    const TEAMS: &str = r#"{"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [
                {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "text": "acme.kanban 1.2.0 was published", "wrap": true},
                {"type": "TextBlock", "text": "by alice · 2026-12-01 09:30 UTC", "wrap": true}
            ],
            "actions": [{"type": "Action.OpenUrl", "title": "View", "url": "https://trellis.example/p?a=1&b=2"}]
        }
    }]}"#;

    #[test]
    fn slack_shape_and_escaping() {
        let (env, mut s) = sample();
        assert_eq!(
            parsed(&body(Format::Slack, &env, &s)),
            parsed(SLACK.as_bytes())
        );
        s.title = "a <b> & c".to_owned();
        s.text = String::new();
        s.url = None;
        let escaped = json!({
            "text": "a &lt;b&gt; &amp; c",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*a &lt;b&gt; &amp; c*"}}]
        });
        assert_eq!(parsed(&body(Format::Slack, &env, &s)), escaped);
        s.text = "&".repeat(5000);
        let v = parsed(&body(Format::Slack, &env, &s));
        let text = v["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
        assert!(text.chars().count() <= SLACK_SECTION_MAX, "{}", text.len());
        assert!(text.ends_with("&amp;…"), "{}", &text[text.len() - 20..]);
    }

    #[test]
    fn discord_shape_and_limits() {
        let (env, mut s) = sample();
        assert_eq!(
            parsed(&body(Format::Discord, &env, &s)),
            parsed(DISCORD.as_bytes())
        );
        s.title = "t".repeat(300);
        s.text = "é".repeat(5000);
        s.url = None;
        let v = parsed(&body(Format::Discord, &env, &s));
        let embed = &v["embeds"][0];
        assert!(embed.get("url").is_none());
        let title = embed["title"].as_str().unwrap_or_default();
        assert_eq!(title.chars().count(), 256);
        assert!(title.ends_with("t…"));
        let description = embed["description"].as_str().unwrap_or_default();
        assert_eq!(description.chars().count(), 4096);
        assert!(description.ends_with('…'));
    }

    #[test]
    fn teams_shape() {
        let (env, mut s) = sample();
        let mut expected = parsed(TEAMS.as_bytes());
        assert_eq!(parsed(&body(Format::Teams, &env, &s)), expected);
        s.url = None;
        if let Some(card) = expected["attachments"][0]["content"].as_object_mut() {
            card.remove("actions");
        }
        assert_eq!(parsed(&body(Format::Teams, &env, &s)), expected);
        assert!(expected["attachments"][0]["content"]
            .get("actions")
            .is_none());
    }
}
