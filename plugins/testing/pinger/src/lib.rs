//! `labs.pinger`, a test integration making HTTP requests to its one approved host
//! (`127.0.0.1`): `invoke` with `{"url": "…"}` does a GET and answers
//! `{"status": n, "body_len": m}`, or `{"error": code, "message": …}` when the host
//! reports a failure (`timeout`, `too_large`, `connect`, `request`).

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::http;

/// GET `input.url`.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let url = input
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| extism_pdk::Error::msg("input must be {\"url\": \"…\"}"))?;
    Ok(match http::get(url) {
        Ok(res) => json!({ "status": res.status, "body_len": res.body.len() }),
        Err(e) => json!({ "error": e.code, "message": e.message }),
    })
}
