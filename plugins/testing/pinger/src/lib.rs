//! `labs.pinger`, a test integration making HTTP requests to its one approved host
//! (`127.0.0.1`): `invoke` with `{"url": "…"}` does a GET and answers
//! `{"status": n, "body_len": m}`, or `{"error": code, "message": …}` when the host
//! reports a failure (`timeout`, `too_large`, `connect`, `request`).

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::http;

/// GET `input.url`.
/// The version this instance was started as (from `init`): the runtime's
/// tests see which module served a call across a hot reload.
static VERSION: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

#[plugin_fn]
pub fn init(input: Value) -> FnResult<Value> {
    if let Some(v) = input.get("version").and_then(Value::as_str) {
        *VERSION.lock().unwrap_or_else(|e| e.into_inner()) = v.to_owned();
    }
    Ok(json!({}))
}

#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let version = VERSION.lock().map(|v| v.clone()).unwrap_or_default();
    let url = input
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| extism_pdk::Error::msg("input must be {\"url\": \"…\"}"))?;
    Ok(match http::get(url) {
        Ok(res) => json!({ "status": res.status, "body_len": res.body.len(), "version": version }),
        Err(e) => json!({ "error": e.code, "message": e.message, "version": version }),
    })
}
