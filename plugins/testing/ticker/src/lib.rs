//! `labs.ticker`, a test tool published under several versions (1.0.0, 1.1.0, 2.0.0)
//! from one module with different manifests, for the update, re-consent and rollback
//! tests: `invoke` logs `tick` and answers `{"ticker": true}`. Versions are told apart
//! by the installation record, not by the module.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::{json, Value};

/// Logs `tick`, answers `{"ticker": true}`.
#[plugin_fn]
pub fn invoke(_input: Value) -> FnResult<Value> {
    trellis_pdk::log::info("tick")?;
    Ok(json!({ "ticker": true }))
}
