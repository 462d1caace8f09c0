//! `labs.hog`, a hostile test plugin: `invoke` and `on_event` allocate without bound,
//! 1 MiB at a time (each block written to, so the memory is really used), until the
//! host's memory limit stops them.

use std::hint::black_box;

use extism_pdk::{plugin_fn, FnResult};
use serde_json::Value;

fn hog() -> ! {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        blocks.push(vec![0xA5u8; 1 << 20]);
        black_box(&mut blocks);
    }
}

/// Allocates until stopped.
#[plugin_fn]
pub fn invoke(_input: Value) -> FnResult<Value> {
    hog()
}

/// Allocates until stopped.
#[plugin_fn]
pub fn on_event(_input: Value) -> FnResult<Value> {
    hog()
}
