//! `labs.relay`: re-emits every event it receives as `relay.ping`, with no
//! guard of its own against loops (the host's hop limit is what stops two of
//! them).

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::Event;

#[plugin_fn]
pub fn on_event(input: Value) -> FnResult<Value> {
    let event: Event = serde_json::from_value(input)?;
    trellis_pdk::emit("relay.ping", &json!({ "received": event.kind }))?;
    Ok(json!({}))
}
