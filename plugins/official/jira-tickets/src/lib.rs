//! `trellis.jira-tickets`: opens Jira Cloud issues for the Trellis events you select
//! (`POST https://{site}.atlassian.net/rest/api/3/issue`, README.md).
//!
//! The issue's fields come from a template: the event envelope is given to the
//! dependency `trellis.json-transform` (through `invoke`) with the `fields_template`
//! setting (or the built-in one) as its spec; its `summary` and `description` (plain
//! text, turned into Atlassian Document Format) and any other Jira fields it gives
//! are sent, next to the project, the issue type and the labels.
//!
//! * `on_event` opens one issue per selected event (a redelivered event is not filed
//!   twice). A failed call is recorded and returned as an `Err` (retried).
//! * `invoke` `{"summary", "description"?, "labels"?}` opens an issue on demand and
//!   answers `{"id", "key", "self"}`; `{"preview": <event>}` answers the fields an
//!   event would get, without calling Jira.
//! * `health` reports a missing token, then the outcome of the last call.

use trellis_official_kit::{filed, outcome};

use extism_pdk::{plugin_fn, Error, FnResult};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use trellis_pdk::http::{Request, Response};
use trellis_pdk::{Event, Health};

const SECRET: &str = "JIRA_API_TOKEN";
const TRANSFORM: &str = "trellis.json-transform";

#[derive(Deserialize)]
struct Config {
    site: Option<String>,
    email: Option<String>,
    project_key: Option<String>,
    #[serde(default = "default_type")]
    issue_type: String,
    #[serde(default = "default_labels")]
    labels: Vec<String>,
    #[serde(default = "all_events")]
    events: Vec<String>,
    #[serde(default)]
    fields_template: Option<Value>,
}

fn default_type() -> String {
    "Task".into()
}

fn default_labels() -> Vec<String> {
    vec!["trellis".into()]
}

fn all_events() -> Vec<String> {
    [
        "review.reported",
        "plugin.health.changed",
        "plugin.version.yanked",
        "webhook.endpoint.disabled",
    ]
    .map(String::from)
    .to_vec()
}

/// The built-in template (a `trellis.json-transform` spec over the event envelope).
fn default_template() -> Value {
    json!({
        "summary": "[Trellis] {{ type }}: {{ subject.id }}",
        "description": "Trellis event {{ type }} about {{ subject.kind }} {{ subject.id }}, at {{ occurred_at }}, caused by {{ actor.username | default(\"the system\") }}.\n\nDetails: {{ data | json }}\n\nEvent id: {{ id }}"
    })
}

/// `site` is the subdomain of `<site>.atlassian.net`.
fn valid_site(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f.is_ascii_lowercase() || f.is_ascii_digit())
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (for `Authorization: Basic`).
fn base64(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Plain text as an Atlassian Document Format document: one paragraph per block of
/// text separated by a blank line, line breaks kept as `hardBreak`s.
fn adf(text: &str) -> Value {
    let paragraphs: Vec<Value> = text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut content = Vec::new();
            for (i, line) in p.lines().enumerate() {
                if i > 0 {
                    content.push(json!({"type": "hardBreak"}));
                }
                if !line.is_empty() {
                    content.push(json!({"type": "text", "text": line}));
                }
            }
            json!({"type": "paragraph", "content": content})
        })
        .collect();
    json!({"type": "doc", "version": 1, "content": paragraphs})
}

fn join_errors(body: &Value) -> String {
    let mut parts: Vec<String> = body["errorMessages"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if let Some(m) = body["errors"].as_object() {
        for (k, v) in m {
            parts.push(format!(
                "{k}: {}",
                v.as_str().map_or_else(|| v.to_string(), str::to_owned)
            ));
        }
    }
    parts.join("; ")
}

/// What Jira's answer means for the user.
fn explain(res: &Response, site: &str, project: &str) -> (Health, String) {
    let body: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    let errors = Some(join_errors(&body))
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| outcome::snippet(&res.body));
    match res.status {
        400 => (Health::Failing, format!("Jira answered 400 ({errors}): check project_key, issue_type and fields_template")),
        401 => (Health::Failing, format!("Jira answered 401: the email or JIRA_API_TOKEN is wrong, or the token was revoked; check both for {site}.atlassian.net")),
        403 => (Health::Failing, format!("Jira answered 403 ({errors}): the account may not create issues in project {project}; give it the Create issues permission")),
        404 => (Health::Failing, format!("Jira answered 404 ({errors}): {site}.atlassian.net or project {project} was not found, or the account cannot see it; check site and project_key")),
        429 => (Health::Degraded, "Jira answered 429: too many requests; issues are retried".into()),
        s if s >= 500 => (Health::Degraded, format!("Jira answered {s}: a problem on Jira's side; issues are retried")),
        s => (Health::Failing, format!("Jira answered {s}: {errors}")),
    }
}

/// Opens an issue with these fields (merged over project, type and labels).
fn create(config: &Config, extra: Map<String, Value>, when: &str) -> Result<Value, String> {
    let not_configured = |m: String| {
        outcome::record_problem(Health::Degraded, "not_configured", m.clone(), when);
        Err(m)
    };
    let (Some(site), Some(email), Some(project)) = (
        config.site.as_deref(),
        config.email.as_deref(),
        config.project_key.as_deref(),
    ) else {
        return not_configured("site, email and project_key must be set".into());
    };
    if !valid_site(site) {
        return not_configured(format!(
            "`{site}` is not a site: give the subdomain of <site>.atlassian.net"
        ));
    }
    let token = match trellis_pdk::secret(SECRET) {
        Ok(Some(t)) if !t.is_empty() => t,
        _ => {
            return not_configured(format!(
                "{SECRET} is not set: create an API token for {email} and add it"
            ))
        }
    };
    let mut fields = Map::new();
    fields.insert("project".into(), json!({"key": project}));
    fields.insert("issuetype".into(), json!({"name": config.issue_type}));
    fields.insert("labels".into(), json!(config.labels));
    for (k, v) in extra {
        fields.insert(k, v);
    }
    let summary = fields.get("summary").map(outcome_text).unwrap_or_default();
    let summary = summary.replace(['\n', '\r'], " ");
    fields.insert(
        "summary".into(),
        json!(summary.chars().take(255).collect::<String>()),
    );
    if let Some(d) = fields.get("description") {
        if !d.is_object() {
            let text = outcome_text(d);
            fields.insert("description".into(), adf(&text));
        }
    }
    let auth = base64(format!("{email}:{token}").as_bytes());
    let req = Request::new(
        "POST",
        &format!("https://{site}.atlassian.net/rest/api/3/issue"),
    )
    .header("Authorization", &format!("Basic {auth}"))
    .header("Accept", "application/json")
    .header("Content-Type", "application/json")
    .body(json!({"fields": fields}).to_string());
    let res = outcome::send(&req, "Jira", when, |r| explain(r, site, project))?;
    let answer: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    Ok(json!({"id": answer["id"], "key": answer["key"], "self": answer["self"]}))
}

fn outcome_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// The fields the template gives for an event (through trellis.json-transform).
fn fields_for(config: &Config, event: &Value, when: &str) -> Result<Map<String, Value>, String> {
    let spec = config
        .fields_template
        .clone()
        .unwrap_or_else(default_template);
    let out =
        trellis_pdk::invoke(TRANSFORM, &json!({"data": event, "spec": spec})).map_err(|e| {
            let m = format!(
                "fields_template could not be applied ({}): fix it in the settings",
                e.message
            );
            outcome::record_problem(Health::Failing, "template", m.clone(), when);
            m
        })?;
    match out {
        Value::Object(m)
            if m.get("summary")
                .is_some_and(|s| !outcome_text(s).trim().is_empty()) =>
        {
            Ok(m)
        }
        _ => {
            let m = "fields_template must give an object with a non-empty `summary`".to_owned();
            outcome::record_problem(Health::Failing, "template", m.clone(), when);
            Err(m)
        }
    }
}

/// Remembers the installation's id (its own health changes are not reported).
#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    outcome::init(&input);
    Ok(json!({}))
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let e: Event = serde_json::from_value(input.clone())?;
    let config: Config = trellis_pdk::config_as()?;
    if !config.events.contains(&e.kind) {
        return Ok(json!({"skipped": "event not selected"}));
    }
    if e.kind == "plugin.health.changed" && outcome::about_self(&e.data) {
        return Ok(json!({"skipped": "about this installation"}));
    }
    if e.kind == "plugin.health.changed"
        && !matches!(e.data["to"].as_str(), Some("failing" | "disabled"))
    {
        return Ok(json!({"skipped": "no issue for this change"}));
    }
    if filed::already(&e.id)? {
        return Ok(json!({"skipped": "already filed"}));
    }
    let fields = fields_for(&config, &input, &e.occurred_at).map_err(Error::msg)?;
    let issue = create(&config, fields, &e.occurred_at).map_err(Error::msg)?;
    filed::record(&e.id)?;
    Ok(issue)
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let config: Config = trellis_pdk::config_as()?;
    if let Some(event) = input.get("preview") {
        return Ok(Value::Object(
            fields_for(&config, event, "").map_err(Error::msg)?,
        ));
    }
    let summary = input["summary"].as_str().unwrap_or("").trim().to_owned();
    if summary.is_empty() {
        return Err(Error::msg("bad_input: expected {\"summary\", \"description\"?, \"labels\"?} or {\"preview\": <event>}").into());
    }
    let mut fields = Map::new();
    fields.insert("summary".into(), json!(summary));
    if let Some(d) = input.get("description").filter(|d| !d.is_null()) {
        fields.insert("description".into(), d.clone());
    }
    if let Some(l) = input.get("labels").filter(|l| l.is_array()) {
        fields.insert("labels".into(), l.clone());
    }
    Ok(create(&config, fields, "").map_err(Error::msg)?)
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    Ok(outcome::health(SECRET, "JIRA_API_TOKEN is not set: no issue can be filed").to_json())
}
