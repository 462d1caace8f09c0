//! `labs.uses-base`, a test tool with a dependency: `invoke` calls `labs.base`'s
//! `invoke` with its own input and answers `{"via": <that output>}`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};

/// `{"via": invoke("labs.base", input)}`.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let out = trellis_pdk::invoke("labs.base", &input)?;
    Ok(json!({ "via": out }))
}
