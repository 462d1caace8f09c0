//! The installation's persistent key-value store: [`get`] (`trellis_kv_get`, permission
//! `kv_get`), [`set`] (`trellis_kv_set`, `kv_set`), [`delete`] (`trellis_kv_delete`,
//! `kv_delete`). Keys are 1–256 characters; values are any JSON. The store has a quota
//! (1 MiB in total, 1000 keys): a [`set`] past it fails with the code
//! [`QUOTA_EXCEEDED`].
//!
//! Calls of one installation may run at the same moment (two events handled at once),
//! so a read followed by a [`set`] can overwrite what another call wrote in between.
//! [`compare_and_set`] (`trellis_kv_set` with `expect`; permissions `kv_get` and
//! `kv_set`) stores only while the value is still the one read, and [`update`] retries
//! a read-change-write until it applies to the latest value.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::calls::{from_json, to_json};
use crate::error::HostError;
use crate::ffi::{call, Host};

/// The error code of a [`set`] past the installation's quota.
pub const QUOTA_EXCEEDED: &str = "quota_exceeded";
/// The error code of an [`update`] that found the value changed by other calls on
/// every one of its [`UPDATE_TRIES`] tries.
pub const CONFLICT: &str = "conflict";
/// How many times [`update`] reads and tries to write before giving up.
pub const UPDATE_TRIES: usize = 100;

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

/// What a [`compare_and_set`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Swap {
    /// The value was stored.
    Stored,
    /// Another value is stored (`None`: the key is not set); nothing was written.
    Changed(Option<Value>),
}

/// Stores `value` under `key` only while the stored value is `expect` (`None`: the key
/// is not set), compared as JSON values. Pass the value exactly as [`get`] answered it,
/// not a re-encoding that may have dropped fields.
pub fn compare_and_set(
    key: &str,
    expect: Option<&Value>,
    value: &impl Serialize,
) -> Result<Swap, HostError> {
    let request = json!({
        "key": key,
        "value": to_json(value)?,
        "expect": expect.cloned().unwrap_or(Value::Null),
    });
    let reply = call(Host::KvSet, &request)?;
    match reply.get("stored").and_then(Value::as_bool) {
        Some(true) => Ok(Swap::Stored),
        Some(false) => {
            let current = reply.get("current").cloned().unwrap_or(Value::Null);
            Ok(Swap::Changed((!current.is_null()).then_some(current)))
        }
        None => Err(HostError::bad_reply(
            "a compare-and-set answered without `stored`",
        )),
    }
}

/// Changes the value under `key` atomically: `change` gets the current value (`None`
/// when not set) and answers the new one, or `None` to leave it as it is. When another
/// call wrote in between, `change` runs again on what it wrote (so it may run more than
/// once: keep it free of side effects). `true` when a new value was stored; a
/// [`CONFLICT`] error after [`UPDATE_TRIES`] tries that all lost the race.
pub fn update<T, F>(key: &str, mut change: F) -> Result<bool, HostError>
where
    T: DeserializeOwned + Serialize,
    F: FnMut(Option<T>) -> Option<T>,
{
    let mut current = get(key)?;
    for _ in 0..UPDATE_TRIES {
        let decoded = current.clone().map(from_json).transpose()?;
        let Some(new) = change(decoded) else {
            return Ok(false);
        };
        match compare_and_set(key, current.as_ref(), &new)? {
            Swap::Stored => return Ok(true),
            Swap::Changed(now) => current = now,
        }
    }
    Err(HostError::new(
        CONFLICT,
        format!("`{key}` was changed by other calls on each of {UPDATE_TRIES} tries"),
    ))
}
