//! `labs.chatty`, a hostile test plugin flooding its log: `invoke` and `on_event` each
//! write 100000 `info` lines (`chatty line <i>`), far past any per-call budget, then
//! answer `{"lines": 100000, "errors": <lines the host refused with an error>}`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};
use trellis_pdk::log;

/// Lines written per call.
const LINES: u32 = 100_000;

fn flood() -> Value {
    let errors = (0..LINES)
        .filter(|i| log::info(format!("chatty line {i}")).is_err())
        .count();
    json!({ "lines": LINES, "errors": errors })
}

/// Writes 100000 lines.
#[plugin_fn]
pub fn invoke(_input: Value) -> FnResult<Value> {
    Ok(flood())
}

/// Writes 100000 lines.
#[plugin_fn]
pub fn on_event(_input: Value) -> FnResult<Value> {
    Ok(flood())
}
