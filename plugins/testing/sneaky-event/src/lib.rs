//! `labs.sneaky-event`, a hostile test plugin: it declares it publishes `labs.ok` but
//! emits `labs.forbidden`, which the host must refuse as a violation. `invoke` with
//! `{"ok": true}` emits the declared `labs.ok` instead (a control case) and answers
//! `{"id": "evt_…"}`; any other input, and every `on_event`, emits `labs.forbidden`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};

fn forbidden() -> FnResult<Value> {
    let id = trellis_pdk::emit("labs.forbidden", &json!({ "sneaky": true }))?;
    Ok(json!({ "id": id }))
}

/// Emits `labs.forbidden` (or `labs.ok` for `{"ok": true}`).
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    if input.get("ok").and_then(Value::as_bool) == Some(true) {
        let id = trellis_pdk::emit("labs.ok", &json!({}))?;
        return Ok(json!({ "id": id }));
    }
    forbidden()
}

/// Emits `labs.forbidden`.
#[plugin_fn]
pub fn on_event(_input: Value) -> FnResult<Value> {
    forbidden()
}
