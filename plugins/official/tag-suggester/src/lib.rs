//! `trellis.tag-suggester`: suggests keywords and categories for newly published plugins.
//!
//! * `on_event` (`plugin.published`, `plugin.version.published`) reads the plugin and the
//!   published version's README through the public registry (`trellis_read`), weighs the
//!   terms of its name, description and README ([`suggest`]), leaves out what the plugin
//!   already lists, and emits `plugin.tags_suggested` with `{plugin, version,
//!   suggested_keywords, suggested_categories, scores}` when there is anything to
//!   suggest. A version is handled once (a first publish sends both events).
//! * `invoke` with `{"plugin": id}` answers the suggestions for that plugin's latest
//!   version (nothing emitted); with `{"text": "…"}` the suggestions for a text.
//! * `health` is `ok` with how many plugins were handled, `degraded` when the last
//!   registry read or emit failed.

mod suggest;

use extism_pdk::{plugin_fn, FnResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trellis_pdk::{kv, log, registry, Event, Health, HealthStatus, HostError};

/// kv key of the versions handled (`plugin@version`, newest first).
const DONE: &str = "done";
/// kv key of how many suggestions were emitted.
const EMITTED: &str = "emitted";
/// kv key of the last host call's [`Outcome`].
const LAST: &str = "last_read";
/// The event emitted.
const SUGGESTED: &str = "plugin.tags_suggested";

/// The settings (`config.schema.json`).
#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default = "default_max")]
    max_suggestions: usize,
    #[serde(default = "default_min_score")]
    min_score: f64,
}

fn default_max() -> usize {
    5
}

fn default_min_score() -> f64 {
    2.0
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_suggestions: default_max(),
            min_score: default_min_score(),
        }
    }
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

/// Suggestions for a plugin at a version (its latest when `None`).
fn for_plugin(
    id: &str,
    version: Option<&str>,
    config: &Config,
) -> Result<(String, suggest::Suggestions), HostError> {
    let p = registry::plugin(id)?;
    let version = match version.or(p.latest_version.as_deref()) {
        Some(v) => v.to_owned(),
        None => return Err(HostError::new(registry::NOT_FOUND, "no published version")),
    };
    let v = registry::version(id, &version)?;
    let name = format!("{} {}", p.display_name, p.name.replace('-', " "));
    let input = suggest::Input {
        name: &name,
        description: &p.description,
        readme: &v.readme,
        keywords: &p.keywords,
        categories: &p.categories,
        exclude: vec![p.namespace.clone(), p.name.clone()],
    };
    let s = suggest::suggest(
        &input,
        config.max_suggestions.clamp(1, 20),
        config.min_score,
    );
    Ok((version, s))
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
    let key = format!("{}@{}", data.plugin, data.version);
    // Claimed atomically before the reads: the other event of a first publish, handled
    // at the same moment, finds the claim and skips; released again when this one
    // fails, so the retry handles it.
    let claimed = kv::update(DONE, |done: Option<Vec<String>>| {
        let mut done = done.unwrap_or_default();
        if done.contains(&key) {
            return None;
        }
        done.insert(0, key.clone());
        done.truncate(50);
        Some(done)
    })?;
    if !claimed {
        return Ok(json!({"skipped": "already handled"}));
    }
    match handle(&event, &data, &key) {
        Ok(v) => Ok(v),
        Err(e) => {
            kv::update(DONE, |done: Option<Vec<String>>| {
                let mut done = done?;
                let before = done.len();
                done.retain(|k| *k != key);
                (done.len() != before).then_some(done)
            })?;
            Err(e.into())
        }
    }
}

/// Reads the plugin and emits its suggestions.
fn handle(event: &Event, data: &Published, key: &str) -> Result<Value, HostError> {
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    let (version, s) = match for_plugin(&data.plugin, Some(&data.version), &config) {
        Ok(x) => x,
        Err(e) if e.is(registry::NOT_FOUND) => {
            return Ok(json!({"skipped": "the plugin is not public"}));
        }
        Err(e) => return Err(failed(&e, "reading the plugin", &event.occurred_at)),
    };
    let any = !s.suggested_keywords.is_empty() || !s.suggested_categories.is_empty();
    if any {
        let payload = json!({
            "plugin": data.plugin,
            "version": version,
            "suggested_keywords": s.suggested_keywords,
            "suggested_categories": s.suggested_categories,
            "scores": s.scores,
        });
        if let Err(e) = trellis_pdk::emit(SUGGESTED, &payload) {
            return Err(failed(
                &e,
                "emitting plugin.tags_suggested",
                &event.occurred_at,
            ));
        }
        let n = kv::get_as::<u64>(EMITTED)?.unwrap_or(0) + 1;
        kv::set(EMITTED, &n)?;
        log::info(format!(
            "suggested for {key}: keywords {:?}, categories {:?}",
            s.suggested_keywords, s.suggested_categories
        ))?;
    }
    record(Health::Ok, "ok", "plugin read".into(), &event.occurred_at);
    Ok(json!({"suggested": any}))
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    if let Some(text) = input.get("text").and_then(Value::as_str) {
        let s = suggest::suggest(
            &suggest::Input {
                readme: text,
                ..suggest::Input::default()
            },
            config.max_suggestions.clamp(1, 20),
            config.min_score,
        );
        return Ok(serde_json::to_value(s)?);
    }
    let Some(id) = input.get("plugin").and_then(Value::as_str) else {
        return Ok(json!({"error": "give {\"plugin\": \"namespace.name\"} or {\"text\": \"…\"}"}));
    };
    let version = input.get("version").and_then(Value::as_str);
    match for_plugin(id, version, &config) {
        Ok((version, s)) => {
            let mut out = serde_json::to_value(s)?;
            out["plugin"] = json!(id);
            out["version"] = json!(version);
            Ok(out)
        }
        Err(e) if e.is(registry::NOT_FOUND) => {
            Ok(json!({"error": format!("{id} was not found: {}", e.message)}))
        }
        Err(e) => Err(e.into()),
    }
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let done = kv::get_as::<Vec<String>>(DONE)
        .ok()
        .flatten()
        .unwrap_or_default();
    let emitted = kv::get_as::<u64>(EMITTED).ok().flatten().unwrap_or(0);
    let summary = format!(
        "{} recent versions read, {emitted} suggestions emitted",
        done.len()
    );
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
