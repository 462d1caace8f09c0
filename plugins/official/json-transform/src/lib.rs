//! `trellis.json-transform`: reshapes JSON with a small, declarative spec (a JSON
//! template with `$.path` picks, `{{ … }}` interpolation, filters and five
//! operations; README.md is the reference, `spec.rs` the implementation).
//!
//! * `invoke` takes `{"data": <any JSON>, "spec": <spec>}` and answers the reshaped
//!   data. Without `spec`, the `spec` of the installation's configuration is used. A
//!   bad spec is an `Err` whose message starts with a stable code and names the
//!   offending spot (`unknown_filter at spec/title: …`).
//! * `health` is `failing` when the configured spec does not compile, `ok` otherwise.
//!
//! Host functions: `config_get` only. Other plugins use it through `invoke`
//! (`trellis.jira-tickets` builds its issue fields with it).

mod spec;

use extism_pdk::{plugin_fn, Error, FnResult};
use serde_json::Value;
use trellis_pdk::HealthStatus;

fn configured_spec() -> FnResult<Option<Value>> {
    let config = trellis_pdk::config()?;
    Ok(config.get("spec").filter(|s| !s.is_null()).cloned())
}

/// `{"data", "spec"}` → the data reshaped by the spec.
#[plugin_fn]
pub fn invoke(input: Value) -> FnResult<Value> {
    let Value::Object(mut input) = input else {
        return Err(Error::msg(
            "bad_input: the input must be an object {\"data\": …, \"spec\": …}",
        )
        .into());
    };
    let data = input.remove("data").unwrap_or(Value::Null);
    let spec = match input.remove("spec").filter(|s| !s.is_null()) {
        Some(s) => s,
        None => configured_spec()?.ok_or_else(|| {
            Error::msg("bad_input: no `spec` in the input and none in the configuration")
        })?,
    };
    let compiled = spec::compile(&spec).map_err(|e| Error::msg(e.to_string()))?;
    Ok(compiled
        .apply(&data)
        .map_err(|e| Error::msg(e.to_string()))?)
}

/// `failing` while the configured spec does not compile.
#[plugin_fn]
pub fn health(_input: Value) -> FnResult<Value> {
    let status = match configured_spec()? {
        None => HealthStatus::ok(),
        Some(s) => match spec::compile(&s) {
            Ok(_) => HealthStatus::ok(),
            Err(e) => HealthStatus::failing(format!(
                "the configured spec is invalid ({e}): fix `spec` in the settings"
            )),
        },
    };
    Ok(status.to_json())
}
