//! `trellis.release-notes`: turns a published version's changelog into release notes and
//! delivers them as a `release_notes.published` event.
//!
//! * `on_event` (`plugin.version.published`, for the plugins in `plugins`, or every
//!   plugin the workspace sees when it is empty) reads the version through the public
//!   registry (`trellis_read`), takes the changelog section of that version
//!   ([`notes::section_for`]: `## [1.2.0]` / `## 1.2.0`, else the first released
//!   section), groups its bullets (Added, Changed, Deprecated, Removed, Fixed, Security;
//!   the first `max_items` of each) and emits `release_notes.published` with `{plugin,
//!   version, summary (Markdown), sections, heading, exact}`. Webhook endpoints and
//!   plugins subscribed to that type receive it. The last 20 are kept in kv.
//! * `invoke` with `{"plugin": id}` answers that plugin's latest release notes
//!   (`{"notes": […]}`, newest first), with `{}` all of them, and with `{"changelog": "…",
//!   "version": "1.2.0"}` a preview of the notes for that text (nothing emitted).
//! * `health` is `ok` with what was published last, `degraded` when the last registry
//!   read or emit failed.

mod notes;

use extism_pdk::{plugin_fn, FnResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trellis_pdk::{kv, log, registry, Event, Health, HealthStatus, HostError};

/// kv key of the last release notes (newest first).
const RECENT: &str = "recent";
/// kv key of the last host call's [`Outcome`].
const LAST: &str = "last_read";
/// How many release notes kv keeps.
const KEEP: usize = 20;
/// The event emitted.
const PUBLISHED: &str = "release_notes.published";

/// The settings (`config.schema.json`).
#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default)]
    plugins: Vec<String>,
    #[serde(default = "default_max_items")]
    max_items: usize,
}

fn default_max_items() -> usize {
    5
}

impl Default for Config {
    fn default() -> Self {
        Config {
            plugins: Vec::new(),
            max_items: default_max_items(),
        }
    }
}

/// One version's release notes (the data of `release_notes.published`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Notes {
    plugin: String,
    version: String,
    /// The changelog heading the notes come from.
    heading: String,
    /// Whether that heading named this version (else the first section was used).
    exact: bool,
    summary: String,
    sections: Vec<notes::Section>,
    /// When the version was published (as the registry gives it; 0 for a preview).
    #[serde(default)]
    published_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Outcome {
    status: Health,
    code: String,
    message: String,
    at: String,
}

fn record(status: Health, code: &str, message: String, at: &str) {
    let o = Outcome {
        status,
        code: code.into(),
        message,
        at: at.into(),
    };
    if let Err(e) = kv::set(LAST, &o) {
        let _ = log::warn(format!("could not record the outcome: {e}"));
    }
}

fn failed(e: &HostError, doing: &str, at: &str) -> HostError {
    let message = format!(
        "{doing} failed ({}: {}); the event is retried, check the platform's status if it persists",
        e.code, e.message
    );
    record(Health::Degraded, &e.code, message, at);
    e.clone()
}

fn recent() -> Vec<Notes> {
    kv::get_as::<Vec<Notes>>(RECENT)
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn build(
    plugin: &str,
    version: &str,
    changelog: &str,
    max_items: usize,
    published_at: i64,
) -> Option<Notes> {
    let (heading, body, exact) = notes::section_for(changelog, version)?;
    let sections = notes::group(&body, max_items.clamp(1, 50));
    Some(Notes {
        summary: notes::markdown(plugin, version, &sections),
        plugin: plugin.into(),
        version: version.into(),
        heading,
        exact,
        sections,
        published_at,
    })
}

/// Adds `notes` to the kept ones (atomically: two versions handled at the same moment
/// both stay).
fn keep(notes: &Notes) -> Result<(), HostError> {
    let same = |n: &Notes| n.plugin == notes.plugin && n.version == notes.version;
    kv::update(RECENT, |kept: Option<Vec<Notes>>| {
        let mut kept = kept.unwrap_or_default();
        kept.retain(|n| !same(n));
        kept.insert(0, notes.clone());
        kept.sort_by_key(|n| std::cmp::Reverse(n.published_at));
        kept.truncate(KEEP);
        Some(kept)
    })?;
    Ok(())
}

#[derive(Deserialize)]
struct Published {
    plugin: String,
    version: String,
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input)?;
    let data: Published = event.data_as()?;
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    if !config.plugins.is_empty() && !config.plugins.contains(&data.plugin) {
        return Ok(json!({"skipped": "not a followed plugin"}));
    }
    if recent()
        .iter()
        .any(|n| n.plugin == data.plugin && n.version == data.version)
    {
        return Ok(json!({"skipped": "already published"}));
    }
    let version = match registry::version(&data.plugin, &data.version) {
        Ok(v) => v,
        Err(e) if e.is(registry::NOT_FOUND) => {
            return Ok(json!({"skipped": "the version is not public"}));
        }
        Err(e) => return Err(failed(&e, "reading the version", &event.occurred_at).into()),
    };
    let Some(changelog) = version.changelog.filter(|c| !c.trim().is_empty()) else {
        log::info(format!(
            "{} {} has no CHANGELOG.md: no release notes",
            data.plugin, data.version
        ))?;
        record(Health::Ok, "ok", "no changelog".into(), &event.occurred_at);
        return Ok(json!({"skipped": "no changelog"}));
    };
    let Some(notes) = build(
        &data.plugin,
        &data.version,
        &changelog,
        config.max_items,
        version.published_at,
    ) else {
        log::info(format!(
            "the changelog of {} {} has no `## ` sections",
            data.plugin, data.version
        ))?;
        record(
            Health::Ok,
            "ok",
            "changelog without sections".into(),
            &event.occurred_at,
        );
        return Ok(json!({"skipped": "no changelog sections"}));
    };
    if let Err(e) = trellis_pdk::emit(PUBLISHED, &notes) {
        return Err(failed(&e, "emitting release_notes.published", &event.occurred_at).into());
    }
    log::info(format!(
        "release notes of {} {} published",
        notes.plugin, notes.version
    ))?;
    keep(&notes)?;
    record(
        Health::Ok,
        "ok",
        format!("last: {} {}", data.plugin, data.version),
        &event.occurred_at,
    );
    Ok(json!({"published": true}))
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    if let Some(changelog) = input.get("changelog").and_then(Value::as_str) {
        let config: Config = trellis_pdk::config_as().unwrap_or_default();
        let version = input.get("version").and_then(Value::as_str).unwrap_or("");
        let plugin = input
            .get("plugin")
            .and_then(Value::as_str)
            .unwrap_or("plugin");
        return Ok(
            match build(plugin, version, changelog, config.max_items, 0) {
                Some(n) => serde_json::to_value(n)?,
                None => json!({"error": "the changelog has no `## ` sections"}),
            },
        );
    }
    let want = input.get("plugin").and_then(Value::as_str);
    let notes: Vec<Notes> = recent()
        .into_iter()
        .filter(|n| want.is_none_or(|p| n.plugin == p))
        .collect();
    Ok(json!({ "notes": notes }))
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let kept = recent();
    let summary = match kept.first() {
        Some(n) => format!("latest release notes: {} {}", n.plugin, n.version),
        None => "no release notes published yet".to_owned(),
    };
    let status = match kv::get_as::<Outcome>(LAST).ok().flatten() {
        Some(o) if o.status != Health::Ok => {
            HealthStatus::degraded(format!("{} ({summary})", o.message))
        }
        _ => HealthStatus {
            status: Health::Ok,
            message: Some(summary),
        },
    };
    Ok(status.to_json())
}
