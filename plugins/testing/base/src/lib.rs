//! `labs.base`, a test tool other plugins depend on: `invoke` answers
//! `{"base": "1", "input": input}`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};

/// `{"base": "1", "input": input}`.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    Ok(json!({ "base": "1", "input": input }))
}
