//! `labs.spin`, a hostile test plugin: `invoke` and `on_event` never return (a busy
//! loop the optimiser cannot remove). The host's fuel or timeout must stop them.

use std::hint::black_box;

use extism_pdk::{plugin_fn, FnResult};
use serde_json::Value;

fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

/// Loops forever.
#[plugin_fn]
pub fn invoke(_input: Value) -> FnResult<Value> {
    spin()
}

/// Loops forever.
#[plugin_fn]
pub fn on_event(_input: Value) -> FnResult<Value> {
    spin()
}
