//! The baselines: the same modules called through extism 1.30 directly, on
//! plain threads, with no Trellis around them.
//!
//! - **bare**: `Plugin::new(wasm, [], false)` and `Plugin::call` (no limits,
//!   no host functions): the raw Extism call of the target.
//! - **the runtime's setup**: a `CompiledPlugin` built as crates/runtime builds
//!   one (memory pages, timeout and fuel of the manifest and the
//!   configuration, WASI off, the cache off, the nine `trellis_*` host
//!   functions registered, here as no-ops), called with a host context as the
//!   runtime calls: what the sandbox's limits cost inside Extism.

use std::time::{Duration, Instant};

use extism::{
    CompiledPlugin, CurrentPlugin, Manifest, Plugin, PluginBuilder, UserData, Val, Wasm, PTR,
};

/// The host functions crates/runtime registers (crates/runtime/src/host/functions.rs).
const HOST_FUNCTIONS: [&str; 9] = [
    "trellis_log",
    "trellis_config_get",
    "trellis_secret_get",
    "trellis_kv_get",
    "trellis_kv_set",
    "trellis_kv_delete",
    "trellis_emit",
    "trellis_http",
    "trellis_invoke",
];

/// The limits a call runs under.
#[derive(Clone, Copy)]
pub struct Limits {
    pub pages: u32,
    pub timeout_ms: u32,
    pub fuel: u64,
}

/// Which baseline.
#[derive(Clone, Copy)]
pub enum Setup {
    Bare,
    LikeRuntime(Limits),
}

fn noop(
    _: &mut CurrentPlugin,
    _: &[Val],
    _: &mut [Val],
    _: UserData<()>,
) -> Result<(), extism::Error> {
    Ok(())
}

/// Compiles `wasm` as the runtime does (limits, no WASI, no cache, the host
/// functions).
pub fn compile_like_runtime(wasm: &[u8], l: Limits) -> CompiledPlugin {
    let manifest = Manifest::new([Wasm::data(wasm.to_vec())])
        .with_memory_max(l.pages)
        .with_timeout(Duration::from_millis(u64::from(l.timeout_ms)));
    let mut b = PluginBuilder::new(manifest)
        .with_wasi(false)
        .with_cache_disabled()
        .with_fuel_limit(l.fuel);
    for name in HOST_FUNCTIONS {
        b = b.with_function(name, [PTR], [PTR], UserData::new(()), noop);
    }
    CompiledPlugin::new(b).expect("compile")
}

/// A ready instance of `wasm` under `setup`.
pub fn instance(wasm: &[u8], setup: Setup) -> Plugin {
    match setup {
        Setup::Bare => Plugin::new(wasm, [], false).expect("raw plugin"),
        Setup::LikeRuntime(l) => {
            Plugin::new_from_compiled(&compile_like_runtime(wasm, l)).expect("instance")
        }
    }
}

/// One call; panics when it fails.
fn call(p: &mut Plugin, setup: Setup, export: &str, input: &[u8]) -> usize {
    match setup {
        Setup::Bare => p
            .call::<&[u8], &[u8]>(export, input)
            .expect("raw call")
            .len(),
        Setup::LikeRuntime(_) => p
            .call_with_host_context::<&[u8], &[u8], u64>(export, input, 7)
            .expect("raw call")
            .len(),
    }
}

/// `n` calls of `export` one after another (after 200 unmeasured ones), each
/// timed.
pub fn time_calls(
    p: &mut Plugin,
    setup: Setup,
    export: &str,
    input: &[u8],
    n: usize,
) -> Vec<Duration> {
    for _ in 0..200 {
        std::hint::black_box(call(p, setup, export, input));
    }
    (0..n)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(call(p, setup, export, input));
            t.elapsed()
        })
        .collect()
}

/// Calls/s of `threads` threads, each calling its own instance for `dur`.
pub fn throughput(wasm: &[u8], export: &str, input: &[u8], threads: usize, dur: Duration) -> f64 {
    let start = Instant::now();
    let total: usize = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(move || {
                    let mut p = instance(wasm, Setup::Bare);
                    let mut n = 0usize;
                    while start.elapsed() < dur {
                        std::hint::black_box(call(&mut p, Setup::Bare, export, input));
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

/// Resident memory of raw Extism: (KiB a compiled module adds, KiB each of
/// `n` instances adds once called), the module compiled as the runtime
/// compiles it.
pub fn memory(wasm: &[u8], l: Limits, export: &str, input: &[u8], n: usize) -> (f64, f64) {
    let before = super::lab::rss_kib();
    let compiled = compile_like_runtime(wasm, l);
    let compiled_at = super::lab::rss_kib();
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let mut p = Plugin::new_from_compiled(&compiled).expect("instance");
        call(&mut p, Setup::LikeRuntime(l), export, input);
        all.push(p);
    }
    let after = super::lab::rss_kib();
    drop(all);
    (
        compiled_at.saturating_sub(before) as f64,
        after.saturating_sub(compiled_at) as f64 / n as f64,
    )
}

/// Milliseconds to compile `wasm` as the runtime does.
pub fn compile_ms(wasm: &[u8], l: Limits) -> f64 {
    let t = Instant::now();
    drop(compile_like_runtime(wasm, l));
    t.elapsed().as_secs_f64() * 1000.0
}
