//! `labs.trap`, a hostile test plugin: `invoke` panics (with `panic = "abort"` a panic
//! is a WebAssembly trap) and `on_event` executes `unreachable`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::Value;

/// Panics.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    panic!("labs.trap panics on purpose (input {input})")
}

/// Traps with `unreachable`.
#[plugin_fn]
pub fn on_event(_input: Value) -> FnResult<Value> {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    std::process::abort()
}
