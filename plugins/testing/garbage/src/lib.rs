//! `labs.garbage`, a hostile test plugin: `invoke` returns bytes that are not JSON (nor
//! UTF-8: `ff fe fd …`) and `health` returns the text `not json`.

use extism_pdk::{plugin_fn, FnResult};
use serde_json::Value;

/// `ff fe fd fc 00 01 02 03` and more invalid bytes: not JSON, not UTF-8.
#[plugin_fn]
pub fn invoke(_input: Value) -> FnResult<Vec<u8>> {
    let mut out = vec![0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x01, 0x02, 0x03];
    out.extend((0..56u8).map(|i| 0x80 | (i & 0x3f)));
    Ok(out)
}

/// The 8 bytes `not json`.
#[plugin_fn]
pub fn health(_input: Value) -> FnResult<String> {
    Ok("not json".to_string())
}
