//! {{display_name}} (`{{id}}`): an agent. It notes every plugin release it sees
//! (`plugin.version.published`) in its key-value store and log, and answers
//! `invoke` with a greeting and what it has seen.
//!
//! The logic lives in [`logic`] (tested natively with `cargo test`); the exports
//! below are compiled only for `wasm32-unknown-unknown`, where the host
//! functions exist. docs/plugin-api.md is the reference of the plugin API.

pub mod logic;

#[cfg(target_arch = "wasm32")]
mod exports {
    use extism_pdk::{plugin_fn, FnResult};
    use serde_json::{json, Value};
    use trellis_pdk::{kv, log, Event, HealthStatus, InitInput};

    use crate::logic;

    const SEEN: &str = "releases_seen";
    const LAST: &str = "last_release";

    /// Called once per new instance (and after a reload), before anything else.
    #[plugin_fn]
    pub fn init(input: Value) -> FnResult<Value> {
        let init: InitInput = serde_json::from_value(input)?;
        log::info(format!(
            "{} {} ready in {}",
            init.plugin, init.version, init.workspace
        ))?;
        Ok(json!({}))
    }

    /// Each event of a type in `[events] subscribe`. An `Err` is a failed
    /// delivery: the host tries again.
    #[plugin_fn]
    pub fn on_event(input: Value) -> FnResult<Value> {
        let event: Event = serde_json::from_value(input)?;
        let note = logic::release_note(&event.subject.id, &event.data);
        log::info(&note)?;
        // Atomic: events handled at the same moment each count.
        kv::update(SEEN, |seen: Option<u64>| Some(seen.unwrap_or(0) + 1))?;
        kv::set(LAST, &note)?;
        Ok(json!({}))
    }

    /// Called by users, the API and dependent plugins: any JSON in, any JSON out.
    #[plugin_fn]
    pub fn invoke(input: Value) -> FnResult<Value> {
        let message = logic::greet(input.get("name").and_then(Value::as_str));
        log::info(format!("invoked: {message}"))?;
        Ok(json!({
            "message": message,
            "releases_seen": kv::get_as::<u64>(SEEN)?.unwrap_or(0),
            "last_release": kv::get_as::<String>(LAST)?,
        }))
    }

    /// Polled by the host.
    #[plugin_fn]
    pub fn health(_input: Value) -> FnResult<Value> {
        Ok(HealthStatus::ok().to_json())
    }
}
