//! `trellis.pagerduty-alerts`: turns Trellis events into PagerDuty alerts through the
//! Events API v2 (`POST https://events.pagerduty.com/v2/enqueue`, README.md).
//!
//! * `on_event` maps the selected events to an alert (severity, dedup key, summary):
//!   an installation's health going `failing`/`disabled` triggers, going back to
//!   `healthy` resolves the same dedup key; a webhook endpoint disabled by Trellis,
//!   a reported review and a yanked version trigger. Alerts below `min_severity` are
//!   skipped. A failed delivery is recorded and returned as an `Err` (retried).
//! * `invoke` sends an alert on demand: `{"summary", "severity"?, "action"?,
//!   "dedup_key"?, "details"?}` → `{"status", "dedup_key"}`.
//! * `health` reports a missing routing key, then the outcome of the last call.

use trellis_official_kit::outcome;

use extism_pdk::{plugin_fn, Error, FnResult};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use trellis_pdk::http::{Request, Response};
use trellis_pdk::{log, Event, Health};

const URL: &str = "https://events.pagerduty.com/v2/enqueue";
const SECRET: &str = "PAGERDUTY_ROUTING_KEY";
const SEVERITIES: [&str; 4] = ["info", "warning", "error", "critical"];

#[derive(Deserialize)]
struct Config {
    #[serde(default = "all_events")]
    events: Vec<String>,
    #[serde(default = "default_min")]
    min_severity: String,
    #[serde(default = "default_source")]
    source: String,
    #[serde(default)]
    instance_url: Option<String>,
}

fn all_events() -> Vec<String> {
    [
        "plugin.health.changed",
        "webhook.endpoint.disabled",
        "review.reported",
        "plugin.version.yanked",
    ]
    .map(String::from)
    .to_vec()
}

fn default_min() -> String {
    "warning".into()
}

fn default_source() -> String {
    "trellis".into()
}

fn rank(severity: &str) -> usize {
    SEVERITIES.iter().position(|s| *s == severity).unwrap_or(0)
}

/// An alert to send.
struct Alert {
    action: &'static str,
    dedup_key: String,
    summary: String,
    severity: &'static str,
    component: String,
    group: String,
    link: Option<(String, String)>,
}

fn s<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The alert for an event, or `None` when the event needs none.
fn alert_for(e: &Event, base: Option<&str>) -> Option<Alert> {
    let d = &e.data;
    let ns = e.namespace.clone().unwrap_or_default();
    let plugin_link =
        |p: &str| base.map(|b| (format!("{b}/plugins/{p}"), format!("{p} on Trellis")));
    Some(match e.kind.as_str() {
        "plugin.health.changed" => {
            let (plugin, ws, ins) = (s(d, "plugin"), s(d, "workspace"), s(d, "installation"));
            let dedup_key = format!("trellis/health/{ins}");
            let link = plugin_link(plugin);
            let (action, severity) = match s(d, "to") {
                "healthy" => ("resolve", "info"),
                "failing" => ("trigger", "error"),
                "disabled" => ("trigger", "critical"),
                _ => return None,
            };
            let mut summary = format!("{plugin} in {ws} is {}", s(d, "to"));
            if let Some(err) = d.get("last_error").and_then(Value::as_str) {
                summary.push_str(&format!(": {err}"));
            }
            Alert {
                action,
                dedup_key,
                summary,
                severity,
                component: plugin.into(),
                group: ws.into(),
                link,
            }
        }
        "webhook.endpoint.disabled" => {
            let ep = s(d, "endpoint_id");
            Alert {
                action: "trigger",
                dedup_key: format!("trellis/webhook/{ep}"),
                summary: format!(
                    "Trellis disabled webhook endpoint {ep} ({}): {}",
                    s(d, "reason"),
                    s(d, "last_error")
                ),
                severity: "error",
                component: ep.into(),
                group: ns,
                link: None,
            }
        }
        "review.reported" => {
            let plugin = s(d, "plugin");
            let id = d.get("review_id").cloned().unwrap_or(Value::Null);
            Alert {
                action: "trigger",
                dedup_key: format!("trellis/review/{id}"),
                summary: format!(
                    "Review {id} of {plugin} was reported for {} ({} reports)",
                    s(d, "reason"),
                    d.get("reports").cloned().unwrap_or(json!(1))
                ),
                severity: "warning",
                component: plugin.into(),
                group: plugin.split('.').next().unwrap_or("").into(),
                link: plugin_link(plugin),
            }
        }
        "plugin.version.yanked" => {
            let (plugin, version) = (s(d, "plugin"), s(d, "version"));
            Alert {
                action: "trigger",
                dedup_key: format!("trellis/yank/{plugin}@{version}"),
                summary: format!("Version {version} of {plugin} was yanked"),
                severity: "warning",
                component: plugin.into(),
                group: ns,
                link: plugin_link(plugin),
            }
        }
        _ => return None,
    })
}

/// What PagerDuty's answer means for the user.
fn explain(res: &Response) -> (Health, String) {
    let body: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    let errors = body["errors"]
        .as_array()
        .map(|a| a.iter().map(outcome_text).collect::<Vec<_>>().join("; "))
        .unwrap_or_else(|| outcome::snippet(&res.body));
    match res.status {
        400 => (Health::Failing, format!("PagerDuty answered 400 invalid event ({errors}): check that PAGERDUTY_ROUTING_KEY is the Integration Key of an Events API v2 integration")),
        401 | 403 | 404 => (Health::Failing, format!("PagerDuty answered {}: the routing key is wrong or its integration was removed; set PAGERDUTY_ROUTING_KEY again", res.status)),
        429 => (Health::Degraded, "PagerDuty answered 429: too many events for this routing key, alerts are throttled and retried; raise min_severity or select fewer events".into()),
        s if s >= 500 => (Health::Degraded, format!("PagerDuty answered {s}: a problem on PagerDuty's side; alerts are retried")),
        s => (Health::Failing, format!("PagerDuty answered {s}: {errors}")),
    }
}

fn outcome_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn cut(summary: &str) -> String {
    if summary.chars().count() <= 1024 {
        return summary.to_owned();
    }
    let mut out: String = summary.chars().take(1023).collect();
    out.push('…');
    out
}

/// Sends one Events API v2 event; `Ok` is PagerDuty's answer body.
fn send(body: &Value, when: &str) -> Result<Value, String> {
    let req = Request::new("POST", URL)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .body(body.to_string());
    let res = outcome::send(&req, "PagerDuty", when, explain)?;
    Ok(serde_json::from_str(&res.body).unwrap_or(json!({"status": "success"})))
}

fn routing_key(when: &str) -> Option<String> {
    match trellis_pdk::secret(SECRET) {
        Ok(Some(k)) if !k.is_empty() => Some(k),
        _ => {
            let m = format!("{SECRET} is not set: add the Integration Key of an Events API v2 integration in the plugin's secrets");
            let _ = log::warn(m.clone());
            outcome::record_problem(Health::Degraded, "not_configured", m, when);
            None
        }
    }
}

fn event_body(key: &str, a: &Alert, e: &Event, source: &str) -> Value {
    let mut body = json!({"routing_key": key, "event_action": a.action, "dedup_key": a.dedup_key});
    if a.action == "trigger" {
        let mut details = Map::new();
        details.insert("event_id".into(), json!(e.id));
        details.insert("event_type".into(), json!(e.kind));
        if let Some(u) = &e.actor.username {
            details.insert("actor".into(), json!(u));
        }
        details.insert("data".into(), e.data.clone());
        body["payload"] = json!({
            "summary": cut(&a.summary),
            "source": source,
            "severity": a.severity,
            "timestamp": e.occurred_at,
            "component": a.component,
            "group": a.group,
            "class": e.kind,
            "custom_details": details,
        });
        if let Some((href, text)) = &a.link {
            body["links"] = json!([{"href": href, "text": text}]);
        }
    }
    body
}

/// Remembers the installation's id (its own health changes are not reported).
#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    outcome::init(&input);
    Ok(json!({}))
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let e: Event = serde_json::from_value(input)?;
    let config: Config = trellis_pdk::config_as()?;
    if !config.events.contains(&e.kind) {
        return Ok(json!({"skipped": "event not selected"}));
    }
    if e.kind == "plugin.health.changed" && outcome::about_self(&e.data) {
        return Ok(json!({"skipped": "about this installation"}));
    }
    let base = config
        .instance_url
        .as_deref()
        .map(|u| u.trim_end_matches('/'));
    let Some(alert) = alert_for(&e, base) else {
        return Ok(json!({"skipped": "no alert for this change"}));
    };
    if alert.action == "trigger" && rank(alert.severity) < rank(&config.min_severity) {
        return Ok(json!({"skipped": "below min_severity"}));
    }
    let Some(key) = routing_key(&e.occurred_at) else {
        return Ok(json!({"skipped": "not configured"}));
    };
    let body = event_body(&key, &alert, &e, &config.source);
    send(&body, &e.occurred_at).map_err(Error::msg)?;
    Ok(json!({"sent": alert.action, "dedup_key": alert.dedup_key}))
}

#[derive(Deserialize)]
struct Manual {
    summary: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    dedup_key: Option<String>,
    #[serde(default)]
    details: Option<Value>,
}

/// Sends an alert on demand (e.g. to test the setup).
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let m: Manual = serde_json::from_value(input).map_err(|e| {
        Error::msg(format!("bad_input: expected {{\"summary\", \"severity\"?, \"action\"?, \"dedup_key\"?, \"details\"?}}: {e}"))
    })?;
    let config: Config = trellis_pdk::config_as()?;
    let action = m.action.unwrap_or_else(|| "trigger".into());
    let severity = m.severity.unwrap_or_else(|| "info".into());
    if !matches!(action.as_str(), "trigger" | "acknowledge" | "resolve") {
        return Err(Error::msg("bad_input: `action` is trigger, acknowledge or resolve").into());
    }
    if !SEVERITIES.contains(&severity.as_str()) {
        return Err(Error::msg("bad_input: `severity` is critical, error, warning or info").into());
    }
    let Some(key) = routing_key("") else {
        return Err(Error::msg(format!("not_configured: {SECRET} is not set")).into());
    };
    let mut body = json!({"routing_key": key, "event_action": action});
    if let Some(d) = &m.dedup_key {
        body["dedup_key"] = json!(d);
    }
    if action == "trigger" {
        let Some(summary) = m.summary.filter(|s| !s.trim().is_empty()) else {
            return Err(Error::msg("bad_input: a trigger needs a `summary`").into());
        };
        body["payload"] = json!({
            "summary": cut(&summary),
            "source": config.source,
            "severity": severity,
            "class": "manual",
            "custom_details": m.details.unwrap_or(json!({})),
        });
    } else if m.dedup_key.is_none() {
        return Err(Error::msg(format!(
            "bad_input: {action} needs the `dedup_key` of the alert"
        ))
        .into());
    }
    let answer = send(&body, "").map_err(Error::msg)?;
    Ok(json!({
        "status": answer.get("status").cloned().unwrap_or(json!("success")),
        "dedup_key": answer.get("dedup_key").cloned().or(m.dedup_key.map(Value::from)).unwrap_or(Value::Null),
    }))
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    Ok(outcome::health(
        SECRET,
        "PAGERDUTY_ROUTING_KEY is not set: no alert can be sent",
    )
    .to_json())
}
