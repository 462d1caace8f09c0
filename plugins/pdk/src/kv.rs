//! The installation's persistent key-value store: [`get`] (`trellis_kv_get`, permission
//! `kv_get`), [`set`] (`trellis_kv_set`, `kv_set`), [`delete`] (`trellis_kv_delete`,
//! `kv_delete`). Keys are 1–256 characters; values are any JSON. The store has a quota
//! (1 MiB in total, 1000 keys): a [`set`] past it fails with the code
//! [`QUOTA_EXCEEDED`].

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::calls::{from_json, to_json};
use crate::error::HostError;
use crate::ffi::{call, Host};

/// The error code of a [`set`] past the installation's quota.
pub const QUOTA_EXCEEDED: &str = "quota_exceeded";

/// The stored value, or `None` when the key is not set (a stored JSON `null` also reads
/// as `None`).
pub fn get(key: &str) -> Result<Option<Value>, HostError> {
    let value = call(Host::KvGet, &json!({ "key": key }))?;
    Ok((!value.is_null()).then_some(value))
}

/// [`get`] decoded into `T` (a shape mismatch is a [`HostError::BAD_REPLY`]).
pub fn get_as<T: DeserializeOwned>(key: &str) -> Result<Option<T>, HostError> {
    get(key)?.map(from_json).transpose()
}

/// Stores `value` (any serialisable value) under `key`.
pub fn set(key: &str, value: &impl Serialize) -> Result<(), HostError> {
    let request = json!({ "key": key, "value": to_json(value)? });
    call(Host::KvSet, &request).map(drop)
}

/// Removes `key` (removing a key that is not set is fine).
pub fn delete(key: &str) -> Result<(), HostError> {
    call(Host::KvDelete, &json!({ "key": key })).map(drop)
}
