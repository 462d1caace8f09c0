//! {{display_name}} (`{{id}}`): a tool. Its only export is `invoke`, which users,
//! the API and other plugins (that declare it as a dependency) call:
//! `{"text": "Hello, World!"}` gives `{"slug": "hello-world", "words": 2}`.
//!
//! The logic lives in [`logic`] (tested natively with `cargo test`); the export
//! below is compiled only for `wasm32-unknown-unknown`, where the host functions
//! exist. docs/plugin-api.md is the reference of the plugin API.

pub mod logic;

#[cfg(target_arch = "wasm32")]
mod exports {
    use extism_pdk::{plugin_fn, FnResult};
    use serde_json::Value;
    use trellis_pdk::log;

    use crate::logic;

    /// Any JSON in, any JSON out. An `Err` fails the call.
    #[plugin_fn]
    pub fn invoke(input: Value) -> FnResult<Value> {
        let Some(text) = input.get("text").and_then(Value::as_str) else {
            return Err(extism_pdk::Error::msg("expected {\"text\": \"…\"}").into());
        };
        let out = logic::describe(text);
        log::debug(format!("described {} characters", text.len()))?;
        Ok(out)
    }
}
