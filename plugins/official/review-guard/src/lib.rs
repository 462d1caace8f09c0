//! `trellis.review-guard`: scores new and edited reviews for abuse and flags the bad ones.
//!
//! * `on_event` (`review.created`, `review.updated`) reads the review through the public
//!   registry (`trellis_read`, so a review a moderator already hid is skipped), scores its
//!   title and text ([`score`]: abusive and profane terms at word boundaries with
//!   leetspeak undone, shouting, repeated characters, links, spam phrases, plus the
//!   configured `extra_terms` minus `allow_terms`) and, at or above `threshold`, emits
//!   `review.flagged` with `{plugin, review_id, score, reasons}`. Counts (checked,
//!   flagged) are kept in kv.
//! * `invoke` with `{"text": "…"}` scores any text and answers `{score, flagged,
//!   reasons}` (to try settings out); with `{}` it answers the counts.
//! * `health` is `ok` with the counts, `degraded` when the last registry read or emit
//!   failed (with what to do).

mod score;

use extism_pdk::{plugin_fn, FnResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trellis_pdk::{kv, log, registry, Event, Health, HealthStatus, HostError};

/// The [`Counts`] are kept in this many kv keys (`counts:<review id mod SLOTS>`), each
/// changed atomically ([`bump`]): reviews handled at the same moment (consecutive ids)
/// then mostly change different keys and seldom retry.
const SLOTS: i64 = 16;
/// kv key of the last registry read's [`Outcome`].
const LAST: &str = "last_read";
/// The event emitted for a flagged review.
const FLAGGED: &str = "review.flagged";

/// The settings (`config.schema.json`).
#[derive(Debug, Deserialize)]
struct Config {
    #[serde(default)]
    extra_terms: Vec<String>,
    #[serde(default)]
    allow_terms: Vec<String>,
    #[serde(default = "default_threshold")]
    threshold: f64,
}

fn default_threshold() -> f64 {
    3.0
}

impl Default for Config {
    fn default() -> Self {
        Config {
            extra_terms: Vec::new(),
            allow_terms: Vec::new(),
            threshold: default_threshold(),
        }
    }
}

impl Config {
    fn rules(self) -> score::Rules {
        score::Rules {
            extra_terms: self.extra_terms,
            allow_terms: self.allow_terms,
            threshold: self.threshold,
        }
    }
}

/// What the plugin counted so far.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Counts {
    checked: u64,
    flagged: u64,
    /// Reviews gone or hidden before they could be read.
    skipped: u64,
}

/// The outcome of the last registry read or emit, for `health`.
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

fn slot(review_id: i64) -> String {
    format!("counts:{}", review_id.rem_euclid(SLOTS))
}

/// The counts of one slot.
fn slot_counts(key: &str) -> Counts {
    kv::get_as::<Counts>(key).ok().flatten().unwrap_or_default()
}

/// Adds to the counts of one slot, atomically.
fn bump(key: &str, add: impl Fn(&mut Counts)) -> Result<(), HostError> {
    kv::update(key, |c: Option<Counts>| {
        let mut c = c.unwrap_or_default();
        add(&mut c);
        Some(c)
    })
    .map(drop)
}

/// The counts of every slot, summed.
fn counts() -> Counts {
    let mut total = Counts::default();
    for i in 0..SLOTS {
        let c = slot_counts(&slot(i));
        total.checked += c.checked;
        total.flagged += c.flagged;
        total.skipped += c.skipped;
    }
    total
}

#[derive(Deserialize)]
struct ReviewData {
    review_id: i64,
    #[serde(default)]
    plugin: String,
}

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input)?;
    let data: ReviewData = event.data_as()?;
    let key = slot(data.review_id);
    let review = match registry::review(data.review_id) {
        Ok(r) => r,
        Err(e) if e.is(registry::NOT_FOUND) => {
            bump(&key, |c| c.skipped += 1)?;
            record(
                Health::Ok,
                "not_found",
                "review gone".into(),
                &event.occurred_at,
            );
            return Ok(json!({"skipped": "the review is gone or hidden"}));
        }
        Err(e) => return Err(failed(&e, "reading the review", &event.occurred_at).into()),
    };
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    let text = format!("{}\n{}", review.title, review.text);
    let verdict = score::score(&text, &config.rules());
    if verdict.flagged {
        let plugin = if review.plugin.is_empty() {
            data.plugin
        } else {
            review.plugin
        };
        let payload = json!({
            "plugin": plugin,
            "review_id": data.review_id,
            "score": verdict.score,
            "reasons": verdict.reasons,
        });
        if let Err(e) = trellis_pdk::emit(FLAGGED, &payload) {
            return Err(failed(&e, "emitting review.flagged", &event.occurred_at).into());
        }
        log::info(format!(
            "flagged review {} of {plugin} (score {})",
            data.review_id, verdict.score
        ))?;
    }
    bump(&key, |c| {
        c.checked += 1;
        c.flagged += u64::from(verdict.flagged);
    })?;
    record(Health::Ok, "ok", "review read".into(), &event.occurred_at);
    Ok(json!({"review_id": data.review_id, "score": verdict.score, "flagged": verdict.flagged}))
}

/// Records a failed host call for `health` and returns it (the host retries the event).
fn failed(e: &HostError, doing: &str, at: &str) -> HostError {
    let message = format!(
        "{doing} failed ({}: {}); the event is retried, check the platform's status if it persists",
        e.code, e.message
    );
    record(Health::Degraded, &e.code, message, at);
    e.clone()
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let config: Config = trellis_pdk::config_as().unwrap_or_default();
    if let Some(text) = input.get("text").and_then(Value::as_str) {
        let v = score::score(text, &config.rules());
        return Ok(serde_json::to_value(v)?);
    }
    let n = counts();
    Ok(json!({"checked": n.checked, "flagged": n.flagged, "skipped": n.skipped}))
}

#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let n = counts();
    let summary = format!(
        "{} reviews checked, {} flagged, {} skipped",
        n.checked, n.flagged, n.skipped
    );
    let last = kv::get_as::<Outcome>(LAST).ok().flatten();
    let status = match last {
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
