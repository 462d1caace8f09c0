//! `trellis.github-issues`: opens a GitHub issue for the Trellis events you select
//! (a reported review, an installation failing or disabled, a yanked version, a webhook
//! endpoint disabled) through the REST API (`POST
//! https://api.github.com/repos/{owner}/{repo}/issues`, README.md).
//!
//! * `on_event` opens one issue per selected event (an event delivered again is
//!   recognised by its id and not filed twice). A failed call is recorded and returned
//!   as an `Err` (retried).
//! * `invoke` `{"title", "body"?, "labels"?}` opens an issue on demand and answers
//!   `{"number", "html_url"}` from GitHub's 201.
//! * `health` reports a missing token, then the outcome of the last call.

use trellis_official_kit::{filed, outcome};

use extism_pdk::{plugin_fn, Error, FnResult};
use serde::Deserialize;
use serde_json::{json, Value};
use trellis_pdk::http::{Request, Response};
use trellis_pdk::{Event, Health};

const SECRET: &str = "GITHUB_TOKEN";

#[derive(Deserialize)]
struct Config {
    owner: Option<String>,
    repo: Option<String>,
    #[serde(default = "default_labels")]
    labels: Vec<String>,
    #[serde(default = "all_events")]
    events: Vec<String>,
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

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s != "."
        && s != ".."
}

fn header<'a>(res: &'a Response, name: &str) -> Option<&'a str> {
    res.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What GitHub's answer means for the user.
fn explain(res: &Response, repo: &str) -> (Health, String) {
    let body: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    let msg = body["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| outcome::snippet(&res.body));
    match res.status {
        401 => (Health::Failing, format!("GitHub answered 401 ({msg}): GITHUB_TOKEN is wrong, expired or revoked; set a new token")),
        403 | 429 if header(res, "x-ratelimit-remaining") == Some("0") => {
            let reset = header(res, "x-ratelimit-reset").map(|r| format!(" (it resets at unix time {r})")).unwrap_or_default();
            (Health::Degraded, format!("GitHub answered {}: the token's API rate limit is used up{reset}; issues are retried", res.status))
        }
        403 => (Health::Failing, format!("GitHub answered 403 ({msg}): the token may not create issues in {repo}; give it the Issues read and write permission on that repository")),
        404 => (Health::Failing, format!("GitHub answered 404: repository {repo} does not exist or the token cannot see it; check owner and repo, and the token's repository access")),
        410 => (Health::Failing, format!("GitHub answered 410: issues are disabled on {repo}; enable them in the repository's settings")),
        422 => {
            let errors = body["errors"].as_array().map(|a| a.iter().map(|e| e["message"].as_str().map(str::to_owned).unwrap_or_else(|| e.to_string())).collect::<Vec<_>>().join("; ")).unwrap_or_default();
            (Health::Failing, format!("GitHub answered 422 validation failed ({msg}{}{errors}): check the labels and the title", if errors.is_empty() { "" } else { ": " }))
        }
        429 => (Health::Degraded, "GitHub answered 429: too many requests; issues are retried".into()),
        s if s >= 500 => (Health::Degraded, format!("GitHub answered {s}: a problem on GitHub's side; issues are retried")),
        s => (Health::Failing, format!("GitHub answered {s}: {msg}")),
    }
}

/// Opens an issue; `Ok` is `{"number", "html_url"}` (null when GitHub sent no body).
fn create(
    config: &Config,
    title: &str,
    body: &str,
    labels: &[String],
    when: &str,
) -> Result<Value, String> {
    let (Some(owner), Some(repo)) = (config.owner.as_deref(), config.repo.as_deref()) else {
        let m = "owner and repo are not set: set the repository to file issues in".to_owned();
        outcome::record_problem(Health::Degraded, "not_configured", m.clone(), when);
        return Err(m);
    };
    if !valid_name(owner) || !valid_name(repo) {
        let m = format!("`{owner}/{repo}` is not a repository name: check owner and repo");
        outcome::record_problem(Health::Failing, "not_configured", m.clone(), when);
        return Err(m);
    }
    let token = match trellis_pdk::secret(SECRET) {
        Ok(Some(t)) if !t.is_empty() => t,
        _ => {
            let m = format!(
                "{SECRET} is not set: add a token that may create issues in {owner}/{repo}"
            );
            outcome::record_problem(Health::Degraded, "not_configured", m.clone(), when);
            return Err(m);
        }
    };
    let full = format!("{owner}/{repo}");
    let title: String = title.chars().take(256).collect();
    let req = Request::new(
        "POST",
        &format!("https://api.github.com/repos/{owner}/{repo}/issues"),
    )
    .header("Accept", "application/vnd.github+json")
    .header("Authorization", &format!("Bearer {token}"))
    .header("X-GitHub-Api-Version", "2022-11-28")
    .header("User-Agent", "trellis-github-issues")
    .header("Content-Type", "application/json")
    .body(json!({"title": title, "body": body, "labels": labels}).to_string());
    let res = outcome::send(&req, "GitHub", when, |r| explain(r, &full))?;
    let answer: Value = serde_json::from_str(&res.body).unwrap_or(Value::Null);
    Ok(json!({"number": answer["number"], "html_url": answer["html_url"]}))
}

fn s<'a>(d: &'a Value, k: &str) -> &'a str {
    d.get(k).and_then(Value::as_str).unwrap_or("")
}

/// The title and Markdown body of the issue for an event, or `None` when it needs none.
fn issue_for(e: &Event) -> Option<(String, String)> {
    let d = &e.data;
    let title = match e.kind.as_str() {
        "review.reported" => format!(
            "Review {} of {} reported for {}",
            d["review_id"],
            s(d, "plugin"),
            s(d, "reason")
        ),
        "plugin.health.changed" => match s(d, "to") {
            "failing" | "disabled" => format!(
                "{} is {} in {}",
                s(d, "plugin"),
                s(d, "to"),
                s(d, "workspace")
            ),
            _ => return None,
        },
        "plugin.version.yanked" => format!(
            "Version {} of {} was yanked",
            s(d, "version"),
            s(d, "plugin")
        ),
        "webhook.endpoint.disabled" => format!(
            "Webhook endpoint {} was disabled ({})",
            s(d, "endpoint_id"),
            s(d, "reason")
        ),
        _ => return None,
    };
    let mut body = format!(
        "Trellis event **`{}`**\n\n| Field | Value |\n|---|---|\n",
        e.kind
    );
    if let Some(m) = d.as_object() {
        for (k, v) in m {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            body.push_str(&format!(
                "| `{k}` | {} |\n",
                v.replace('|', "\\|").replace('\n', " ")
            ));
        }
    }
    body.push_str(&format!(
        "\nEvent `{}` at {}{}.\n\n_Filed by the Trellis plugin trellis.github-issues._\n",
        e.id,
        e.occurred_at,
        e.actor
            .username
            .as_deref()
            .map(|u| format!(", caused by @{u}"))
            .unwrap_or_default()
    ));
    Some((title, body))
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
    let Some((title, body)) = issue_for(&e) else {
        return Ok(json!({"skipped": "no issue for this change"}));
    };
    // The ids of the last events filed: a redelivered event is not filed twice.
    if filed::already(&e.id)? {
        return Ok(json!({"skipped": "already filed"}));
    }
    let issue =
        create(&config, &title, &body, &config.labels, &e.occurred_at).map_err(Error::msg)?;
    filed::record(&e.id)?;
    Ok(issue)
}

#[derive(Deserialize)]
struct Manual {
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    labels: Option<Vec<String>>,
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let m: Manual = serde_json::from_value(input).map_err(|e| {
        Error::msg(format!(
            "bad_input: expected {{\"title\", \"body\"?, \"labels\"?}}: {e}"
        ))
    })?;
    if m.title.trim().is_empty() {
        return Err(Error::msg("bad_input: `title` is empty").into());
    }
    let config: Config = trellis_pdk::config_as()?;
    let labels = m.labels.unwrap_or_else(|| config.labels.clone());
    Ok(create(&config, &m.title, &m.body, &labels, "").map_err(Error::msg)?)
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    Ok(outcome::health(SECRET, "GITHUB_TOKEN is not set: no issue can be filed").to_json())
}
