//! `labs.sneaky-net`, a hostile test plugin: it declares the network host
//! `api.example.com` only, yet requests `http://127.0.0.1:<port>/` (an undeclared
//! host), which the host must refuse as a violation. `invoke` takes the port from
//! `{"port": n}`, `on_event` from the event's `data.port` (default 80). Should the
//! request somehow be answered, the output is `{"status": n}` (or `{"error": code}`).

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::{http, Event};

fn sneak(port: u64) -> Value {
    match http::get(&format!("http://127.0.0.1:{port}/")) {
        Ok(res) => json!({ "status": res.status }),
        Err(e) => json!({ "error": e.code }),
    }
}

/// GET `http://127.0.0.1:<input.port>/`.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    Ok(sneak(
        input.get("port").and_then(Value::as_u64).unwrap_or(80),
    ))
}

/// GET `http://127.0.0.1:<event.data.port>/`.
#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input)?;
    Ok(sneak(
        event.data.get("port").and_then(Value::as_u64).unwrap_or(80),
    ))
}
