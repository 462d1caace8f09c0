//! The host functions that are not grouped in a module of their own: [`config()`]
//! (`trellis_config_get`), [`secret()`] (`trellis_secret_get`), [`emit()`]
//! (`trellis_emit`) and [`invoke()`] (`trellis_invoke`).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::HostError;
use crate::ffi::{call, Host};

/// Serialises a value for a request, as a [`HostError::ENCODE`] error on failure.
pub(crate) fn to_json(value: &impl Serialize) -> Result<Value, HostError> {
    serde_json::to_value(value).map_err(|e| HostError::new(HostError::ENCODE, e.to_string()))
}

/// Decodes an `ok` value into `T`, as a [`HostError::BAD_REPLY`] error on failure.
pub(crate) fn from_json<T: DeserializeOwned>(value: Value) -> Result<T, HostError> {
    serde_json::from_value(value).map_err(|e| HostError::bad_reply(e.to_string()))
}

/// The installation's non-secret configuration (a JSON object; secrets are read with
/// [`secret()`]). Permission: `config_get`.
pub fn config() -> Result<Value, HostError> {
    call(Host::ConfigGet, &json!({}))
}

/// [`config()`] decoded into your own type (derive `serde::Deserialize`; give optional
/// fields `#[serde(default)]`). A shape mismatch is a [`HostError::BAD_REPLY`].
pub fn config_as<T: DeserializeOwned>() -> Result<T, HostError> {
    from_json(config()?)
}

/// A secret listed in the manifest's `[permissions] secrets`: `Some(value)`, or `None`
/// when the installer has not set it. Permission: `secret_get`. Reading a name the
/// manifest does not list is a violation (the call traps).
pub fn secret(name: &str) -> Result<Option<String>, HostError> {
    from_json(call(Host::SecretGet, &json!({ "name": name }))?)
}

/// Publishes an event of a type listed in the manifest's `[events] publish`, with this
/// `data`; returns the new event's id (`evt_…`). Permission: `emit_event`. An
/// undeclared type is a violation (the call traps).
pub fn emit(event_type: &str, data: &impl Serialize) -> Result<String, HostError> {
    #[derive(serde::Deserialize)]
    struct Emitted {
        id: String,
    }
    let request = json!({ "type": event_type, "data": to_json(data)? });
    let emitted: Emitted = from_json(call(Host::Emit, &request)?)?;
    Ok(emitted.id)
}

/// Calls the `invoke` export of a plugin listed in the manifest's `[dependencies]`
/// (`"ns.name"`) with `input`, returning its output. Permission: `invoke`. A plugin that
/// is not a declared dependency is a violation (the call traps).
pub fn invoke(plugin: &str, input: &impl Serialize) -> Result<Value, HostError> {
    let request = json!({ "plugin": plugin, "input": to_json(input)? });
    call(Host::Invoke, &request)
}
