//! `labs.echo`, a test agent exercising most host functions: `invoke` echoes its input
//! with the configuration, a per-installation call counter (kv `count`, counted with
//! `kv::update`) and whether the `ECHO_TOKEN` secret is set, or answers a
//! compare-and-set; `on_event` logs the event, remembers its type (kv `last_event`)
//! and emits `echo.received`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::{kv, log, Event, HealthStatus};

/// Nothing to prepare.
#[plugin_fn]
pub fn init(_input: Value) -> FnResult<Value> {
    Ok(json!({}))
}

/// `{"echo": input, "config": config(), "count": n, "has_token": bool}`; `n` counts
/// the calls of this installation, also those running at the same moment. With
/// `{"swap": {"key", "expect", "value"}}` it answers what `kv::compare_and_set` did
/// instead: `{"stored": true}` or `{"stored": false, "current": …}`.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    if let Some(swap) = input.get("swap") {
        let key = swap["key"].as_str().unwrap_or_default();
        let expect = Some(&swap["expect"]).filter(|e| !e.is_null());
        return Ok(match kv::compare_and_set(key, expect, &swap["value"])? {
            kv::Swap::Stored => json!({"stored": true}),
            kv::Swap::Changed(current) => json!({"stored": false, "current": current}),
        });
    }
    let mut count = 0;
    kv::update("count", |n: Option<u64>| {
        count = n.unwrap_or(0) + 1;
        Some(count)
    })?;
    let config = trellis_pdk::config()?;
    let has_token = trellis_pdk::secret("ECHO_TOKEN")?.is_some();
    Ok(json!({
        "echo": input,
        "config": config,
        "count": count,
        "has_token": has_token,
    }))
}

/// Logs `received <type> <subject.kind>:<subject.id>`, stores the type in kv
/// `last_event` and emits `echo.received` `{"type": <type>}` (not for an
/// `echo.received` itself).
#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input)?;
    log::info(format!(
        "received {} {}:{}",
        event.kind, event.subject.kind, event.subject.id
    ))?;
    kv::set("last_event", &event.kind)?;
    if event.kind != "echo.received" {
        trellis_pdk::emit("echo.received", &json!({ "type": event.kind }))?;
    }
    Ok(json!({}))
}

/// Always `ok`.
#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    Ok(HealthStatus::ok().to_json())
}
