//! The raw host-function imports (module `extism:host/user`), each taking and returning
//! one JSON string, and [`call`], which sends a request and decodes the
//! `{"ok":…}` / `{"error":…}` reply. Only this module uses `unsafe`.
//!
//! The imports are declared with extism-pdk's `#[host_fn]`, which generates, for each
//! `trellis_x`, the raw import `trellis_x_impl(u64) -> u64` and a `String -> String`
//! wrapper. The wrapper never frees the reply's memory block, and within one call every
//! block left allocated makes later kernel allocations slower (a plugin logging 100000
//! lines would spend most of its fuel there), so [`call`] uses the raw imports, frees
//! both blocks itself and pads requests to a few size classes (see
//! [`REQUEST_SIZE_CLASS`]). (`extism-pdk` is pinned to `=1.4.1`, whose macro names the
//! raw imports this way.)

// The generated `String -> String` wrappers are not used (see above); this is the one
// module allowed `unsafe`.
#![allow(dead_code, unsafe_code)]

use extism_pdk::{host_fn, ManagedMemory, Memory};
use serde_json::Value;

use crate::error::HostError;

#[host_fn]
extern "ExtismHost" {
    pub fn trellis_log(input: String) -> String;
    pub fn trellis_config_get(input: String) -> String;
    pub fn trellis_secret_get(input: String) -> String;
    pub fn trellis_kv_get(input: String) -> String;
    pub fn trellis_kv_set(input: String) -> String;
    pub fn trellis_kv_delete(input: String) -> String;
    pub fn trellis_emit(input: String) -> String;
    pub fn trellis_http(input: String) -> String;
    pub fn trellis_invoke(input: String) -> String;
    pub fn trellis_read(input: String) -> String;
}

/// The host functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Log,
    ConfigGet,
    SecretGet,
    KvGet,
    KvSet,
    KvDelete,
    Emit,
    Http,
    Invoke,
    Read,
}

/// Sends the request in the memory block at `offset` to a host function and returns
/// the offset of its reply.
fn raw(f: Host, offset: u64) -> u64 {
    // SAFETY: each import takes the offset of a memory block holding a string and
    // returns the offset of a block the host allocated for its reply.
    unsafe {
        match f {
            Host::Log => trellis_log_impl(offset),
            Host::ConfigGet => trellis_config_get_impl(offset),
            Host::SecretGet => trellis_secret_get_impl(offset),
            Host::KvGet => trellis_kv_get_impl(offset),
            Host::KvSet => trellis_kv_set_impl(offset),
            Host::KvDelete => trellis_kv_delete_impl(offset),
            Host::Emit => trellis_emit_impl(offset),
            Host::Http => trellis_http_impl(offset),
            Host::Invoke => trellis_invoke_impl(offset),
            Host::Read => trellis_read_impl(offset),
        }
    }
}

/// Requests are padded with spaces (valid JSON white space) to a multiple of this many
/// bytes. The Extism kernel's allocator appends new blocks until its memory is full and
/// only then reuses freed ones that are large enough; finding or freeing a block walks
/// every block before it. Requests of many slightly different sizes (log lines whose
/// numbers grow a digit, keys of varying length) would otherwise leave long runs of
/// freed blocks too small to reuse and make every later host call walk them; with a few
/// size classes a freed block nearly always fits the next request.
const REQUEST_SIZE_CLASS: usize = 64;

/// Calls a host function with a JSON request and returns the `ok` value. Both memory
/// blocks (the request and the reply) are freed before returning.
pub fn call(f: Host, request: &Value) -> Result<Value, HostError> {
    let mut text = request.to_string();
    let padded = text.len().div_ceil(REQUEST_SIZE_CLASS) * REQUEST_SIZE_CLASS;
    text.extend(std::iter::repeat_n(' ', padded - text.len()));
    let input = Memory::from_bytes(text)
        .map(ManagedMemory::new)
        .map_err(|e| HostError::new(HostError::ENCODE, e.to_string()))?;
    let reply = raw(f, input.offset());
    drop(input);
    let Some(reply) = Memory::find(reply) else {
        return Err(HostError::bad_reply("empty reply"));
    };
    let bytes = reply.to_vec();
    reply.free();
    let text = String::from_utf8(bytes)
        .map_err(|e| HostError::bad_reply(format!("reply is not UTF-8: {e}")))?;
    decode_reply(&text)
}

/// Decodes a host reply: `{"ok": v}` is `Ok(v)`, `{"error": {"code", "message"}}` is
/// `Err`, anything else is a [`HostError::BAD_REPLY`].
pub fn decode_reply(raw: &str) -> Result<Value, HostError> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|e| HostError::bad_reply(format!("reply is not JSON: {e}")))?;
    let Value::Object(mut map) = value else {
        return Err(HostError::bad_reply("reply is not a JSON object"));
    };
    if let Some(err) = map.remove("error") {
        return Err(serde_json::from_value::<HostError>(err)
            .unwrap_or_else(|e| HostError::bad_reply(format!("malformed error reply: {e}"))));
    }
    map.remove("ok")
        .ok_or_else(|| HostError::bad_reply("reply has neither `ok` nor `error`"))
}

#[cfg(test)]
mod tests {
    use super::decode_reply;
    use serde_json::json;

    #[test]
    fn ok_and_error_replies_decode() {
        assert_eq!(decode_reply(r#"{"ok":null}"#), Ok(json!(null)));
        assert_eq!(decode_reply(r#"{"ok":{"a":1}}"#), Ok(json!({"a":1})));
        let e =
            decode_reply(r#"{"error":{"code":"quota_exceeded","message":"full"}}"#).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("quota_exceeded", "full")
        );
    }

    #[test]
    fn malformed_replies_are_bad_reply() {
        for raw in ["", "nope", "[]", "{}", r#"{"error":5}"#] {
            assert!(decode_reply(raw).unwrap_err().is("bad_reply"), "{raw}");
        }
    }
}
