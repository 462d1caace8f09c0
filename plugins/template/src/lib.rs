//! The Trellis plugin template: an agent exporting the four functions of the plugin
//! API v1.0 (`init`, `on_event`, `invoke`, `health`). Copy this directory, rename the
//! crate and the plugin id, and replace the bodies. Build with
//! `cargo build --target wasm32-unknown-unknown --release`; docs/plugin-api.md is the
//! reference.
//!
//! What it does, as an example of each host function it asks for (`log`, `config_get`,
//! `kv_get`, `kv_set`, `secret_get`):
//! * `init` logs which installation it runs in;
//! * `on_event` logs every event it receives and counts them in the key-value store;
//! * `invoke` answers `{"message": "<greeting>, <name>!", "events_seen": n}` for the
//!   input `{"name": "…"}`, with `greeting` from the configuration;
//! * `health` is `degraded` while the `API_TOKEN` secret is not set.

use extism_pdk::{plugin_fn, FnResult};
use serde::Deserialize;
use serde_json::{json, Value};
use trellis_pdk::{kv, log, Event, HealthStatus, InitInput};

/// The configuration (config.schema.json); secrets are not part of it.
#[derive(Deserialize)]
struct Config {
    #[serde(default = "default_greeting")]
    greeting: String,
}

fn default_greeting() -> String {
    "Hello".into()
}

const EVENTS_SEEN: &str = "events_seen";

/// Called once per new instance, before anything else. An `Err` fails the load.
#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    let init: InitInput = serde_json::from_value(input)?;
    log::info(format!(
        "{} {} ready in {} (API {})",
        init.plugin, init.version, init.workspace, init.api
    ))?;
    Ok(json!({}))
}

/// Receives every event type listed in `[events] subscribe`. An `Err` is a failed
/// delivery (retried by the host).
#[plugin_fn]
pub fn on_event(event: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(event)?;
    log::info(format!(
        "received {} about {} {}",
        event.kind, event.subject.kind, event.subject.id
    ))?;
    // Atomic: events handled at the same moment each count.
    kv::update(EVENTS_SEEN, |seen: Option<u64>| Some(seen.unwrap_or(0) + 1))?;
    Ok(json!({}))
}

/// Called by users, the API and dependent plugins: any JSON in, any JSON out.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let config: Config = trellis_pdk::config_as()?;
    let name = input.get("name").and_then(Value::as_str).unwrap_or("world");
    let seen = kv::get_as::<u64>(EVENTS_SEEN)?.unwrap_or(0);
    Ok(json!({
        "message": format!("{}, {name}!", config.greeting),
        "events_seen": seen,
    }))
}

/// Polled by the host: `ok`, `degraded` or `failing`, with an optional message.
#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let status = match trellis_pdk::secret("API_TOKEN")? {
        Some(_) => HealthStatus::ok(),
        None => HealthStatus::degraded("the API token is not set"),
    };
    Ok(status.to_json())
}
