//! `trellis-bench runtime [--quick]`: the plugin runtime's figures (issue 13,
//! point 10), each beside a baseline measured in the same run.
//!
//! One Trellis (role `all`, SQLite + files unless `TRELLIS_DATABASE__URL` says
//! otherwise), packages published around the real modules of `plugins/`
//! (`plugins/build.sh` through `trellis_runtime::testkit`) with manifests of
//! the benchmark's own, installed over REST:
//!
//! - **dispatch overhead**: `invoke` of `labs.base` (JSON in, JSON out, no
//!   host function) called one at a time through `Runtime::call` (the full
//!   host path: loaded-installation lookup, concurrency permit, the hand-off
//!   of the async worker (`block_in_place`), instance pool, memory / fuel /
//!   timeout limits, health record, log append) against the same module called through extism 1.30 directly
//!   (`Plugin::call`, no limits: the baseline) and set up as the
//!   runtime sets it up (limits, host functions); the same for a no-op module
//!   (the host's fixed cost per call); `POST /installations/{id}/invoke`;
//!   calls/s with 1, 2 and 8 calls in flight.
//! - **events/s** ([`flows`]): events written to the log, `plugin.event`
//!   jobs, `on_event` calls, through one and through ten installations.
//! - **install** ([`flows`]): a five-plugin plan (a chain of four
//!   dependencies), `POST /workspaces/{ws}/installations`.
//! - **memory** ([`flows`]): resident memory per loaded installation, and
//!   the compiled-module cache (one module for many installations).
//!
//! `--quick` runs fewer calls, events and installs; `--only WORD` runs the
//! parts whose name (`overhead`, `events`, `install`, `memory`) contains WORD.

mod flows;
mod lab;
mod raw;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trellis_db::installations::InstallationRow;
use trellis_platform::{AppParts, AppState};
use trellis_runtime::{CallOrigin, Runtime};

use lab::{manifest, Lab, NS};
use raw::{Limits, Setup};

/// A sample of call times: p50, p99 and mean, in microseconds.
#[derive(Clone, Copy)]
struct Stat {
    p50: f64,
    p99: f64,
    mean: f64,
}

fn stat(v: &[Duration]) -> Stat {
    let mut us: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(f64::total_cmp);
    let at = |p: f64| us[((us.len() as f64 - 1.0) * p).round() as usize];
    Stat {
        p50: at(0.5),
        p99: at(0.99),
        mean: us.iter().sum::<f64>() / us.len() as f64,
    }
}

fn show(label: &str, s: Stat) {
    println!(
        "  {label:<52} p50 {:>8.1} us  p99 {:>8.1} us  mean {:>8.1} us",
        s.p50, s.p99, s.mean
    );
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// `n` calls of `export` through `Runtime::call`, one at a time (after 200
/// unmeasured ones), each timed: in a task on the runtime's workers, as the
/// server calls (`on_worker`), or on the main thread's `block_on`.
async fn time_runtime(
    rt: &Arc<Runtime>,
    row: &InstallationRow,
    export: &'static str,
    input: &Value,
    n: usize,
    on_worker: bool,
) -> Vec<Duration> {
    let (rt, row, input) = (rt.clone(), row.clone(), input.clone());
    let run = async move {
        for _ in 0..200 {
            rt.call(&row, export, &input, CallOrigin::default())
                .await
                .expect("warm-up call");
        }
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            rt.call(&row, export, &input, CallOrigin::default())
                .await
                .expect("runtime call");
            out.push(t.elapsed());
        }
        out
    };
    if on_worker {
        tokio::spawn(run).await.expect("task")
    } else {
        run.await
    }
}

/// `n` round trips of a no-op closure through `spawn_blocking`, timed.
async fn time_spawn_blocking(n: usize, on_worker: bool) -> Vec<Duration> {
    let run = async move {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let t = Instant::now();
            tokio::task::spawn_blocking(|| std::hint::black_box(1))
                .await
                .expect("spawn_blocking");
            out.push(t.elapsed());
        }
        out
    };
    if on_worker {
        tokio::spawn(run).await.expect("task")
    } else {
        run.await
    }
}

/// Calls/s of `Runtime::call` with `inflight` calls at once for `dur`.
async fn runtime_throughput(
    rt: &Arc<Runtime>,
    row: &InstallationRow,
    input: &Value,
    inflight: usize,
    dur: Duration,
) -> f64 {
    let start = Instant::now();
    let tasks: Vec<_> = (0..inflight)
        .map(|_| {
            let (rt, row, input) = (rt.clone(), row.clone(), input.clone());
            tokio::spawn(async move {
                let mut n = 0usize;
                while start.elapsed() < dur {
                    rt.call(&row, "invoke", &input, CallOrigin::default())
                        .await
                        .expect("runtime call");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

/// Raw timings of `export` on a blocking thread, the instance kept for the
/// next round.
async fn time_raw(
    p: extism::Plugin,
    setup: Setup,
    export: &'static str,
    input: Arc<Vec<u8>>,
    n: usize,
) -> (extism::Plugin, Vec<Duration>) {
    tokio::task::spawn_blocking(move || {
        let mut p = p;
        let v = raw::time_calls(&mut p, setup, export, &input, n);
        (p, v)
    })
    .await
    .expect("raw thread")
}

/// What the summary needs from the overhead section.
pub struct Overhead {
    raw: Stat,
    raw_limits: Stat,
    runtime: Stat,
    noop_raw: Stat,
    noop_runtime: Stat,
}

impl Overhead {
    fn summary(&self) {
        let (p50, mean) = (
            self.runtime.p50 / self.raw.p50,
            self.runtime.mean / self.raw.mean,
        );
        println!(
            "dispatch overhead, labs.base invoke: Runtime::call p50 {:.1} us / raw extism {:.1} us = {p50:.2}x (mean {mean:.2}x; target at most 2x: {}); raw extism with the runtime's limits {:.1} us",
            self.runtime.p50,
            self.raw.p50,
            if p50 <= 2.0 && mean <= 2.0 { "met" } else { "MISSED" },
            self.raw_limits.p50
        );
        println!(
            "host fixed cost per call (no-op module): {:.1} us at p50 (raw {:.1} us, Runtime::call {:.1} us)",
            self.noop_runtime.p50 - self.noop_raw.p50,
            self.noop_raw.p50,
            self.noop_runtime.p50
        );
    }
}

async fn overhead(lab: &Lab, quick: bool, base: &[u8], noop: &[u8], fuel: u64) -> Overhead {
    let base_manifest = manifest("base", &["invoke"], &[], &[], "");
    let noop_manifest = manifest("noop", &["invoke"], &[], &[], "");
    lab.publish(&base_manifest, base).await;
    lab.publish(&noop_manifest, noop).await;
    let row = lab.install_row(NS, &format!("{NS}.base")).await;
    let noop_row = lab.install_row(NS, &format!("{NS}.noop")).await;
    let m = trellis_registry::parse_manifest(&base_manifest).expect("manifest");
    let limits = Limits {
        pages: m.runtime.memory_mb.saturating_mul(16),
        timeout_ms: m.runtime.timeout_ms,
        fuel,
    };
    let input = json!({"n": 1, "text": "trellis runtime benchmark"});
    let bytes = Arc::new(serde_json::to_vec(&input).expect("input"));
    let (rounds, n) = if quick { (2, 1000) } else { (3, 4000) };

    let mut bare = raw::instance(base, Setup::Bare);
    let output = bare
        .call::<&[u8], Vec<u8>>("invoke", &bytes[..])
        .expect("raw call");
    let mut like = raw::instance(base, Setup::LikeRuntime(limits));
    let mut noop_bare = raw::instance(noop, Setup::Bare);
    let (mut s_raw, mut s_like, mut s_rt, mut s_rt_main) = (vec![], vec![], vec![], vec![]);
    let (mut s_noop_raw, mut s_noop_rt) = (vec![], vec![]);
    for _ in 0..rounds {
        let (p, v) = time_raw(bare, Setup::Bare, "invoke", bytes.clone(), n).await;
        bare = p;
        s_raw.extend(v);
        let (p, v) = time_raw(like, Setup::LikeRuntime(limits), "invoke", bytes.clone(), n).await;
        like = p;
        s_like.extend(v);
        s_rt.extend(time_runtime(&lab.rt, &row, "invoke", &input, n, true).await);
        s_rt_main.extend(time_runtime(&lab.rt, &row, "invoke", &input, n, false).await);
        let (p, v) = time_raw(noop_bare, Setup::Bare, "invoke", bytes.clone(), n).await;
        noop_bare = p;
        s_noop_raw.extend(v);
        s_noop_rt.extend(time_runtime(&lab.rt, &noop_row, "invoke", &input, n, true).await);
    }
    drop((bare, like, noop_bare));

    // Pieces of the host path, measured alone.
    let s_spawn = time_spawn_blocking(n, true).await;
    let s_spawn_main = time_spawn_blocking(n, false).await;
    let mut s_json = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let b = serde_json::to_vec(std::hint::black_box(&input)).expect("json");
        let v: Value = serde_json::from_slice(std::hint::black_box(&output)).expect("json");
        std::hint::black_box((b, v));
        s_json.push(t.elapsed());
    }

    // The REST path, one keep-alive connection.
    let n_rest = if quick { 300 } else { 2000 };
    let url = format!("{}/api/v1/installations/{}/invoke", lab.b.base, row.id);
    let body = json!({ "input": input });
    let mut s_rest = Vec::with_capacity(n_rest);
    for i in 0..n_rest + 100 {
        let t = Instant::now();
        let res = lab
            .b
            .http
            .post(&url)
            .bearer_auth(&lab.token)
            .json(&body)
            .send()
            .await
            .expect("invoke request");
        assert!(res.status().is_success(), "invoke: {}", res.status());
        res.bytes().await.expect("invoke body");
        if i >= 100 {
            s_rest.push(t.elapsed());
        }
    }

    let (raw_s, like_s, rt_s) = (stat(&s_raw), stat(&s_like), stat(&s_rt));
    let (noop_raw, noop_rt) = (stat(&s_noop_raw), stat(&s_noop_rt));
    println!(
        "\n## Dispatch overhead: invoke of labs.base ({} bytes of wasm), input {} bytes, output {} bytes; {rounds} rounds of {n} calls each, one at a time, alternating",
        base.len(),
        bytes.len(),
        output.len()
    );
    show("raw extism: Plugin::new(wasm, [], false) + call", raw_s);
    show(
        "raw extism, the runtime's setup (limits, fuel, fns)",
        like_s,
    );
    show("trellis Runtime::call, from a task (as the server)", rt_s);
    show(
        "trellis Runtime::call, from the main thread",
        stat(&s_rt_main),
    );
    show(
        "REST POST /installations/{id}/invoke, 1 connection",
        stat(&s_rest),
    );
    println!(
        "  Runtime::call / raw extism: {:.2}x at p50, {:.2}x in mean (target: at most 2x: {}); / the runtime's setup: {:.2}x at p50",
        rt_s.p50 / raw_s.p50,
        rt_s.mean / raw_s.mean,
        if rt_s.p50 / raw_s.p50 <= 2.0 && rt_s.mean / raw_s.mean <= 2.0 {
            "met"
        } else {
            "MISSED"
        },
        rt_s.p50 / like_s.p50
    );
    println!("no-op module (invoke returns at once, no output):");
    show("raw extism: Plugin::call", noop_raw);
    show("trellis Runtime::call, from a task", noop_rt);
    println!(
        "  the host's fixed cost per call: {:.1} us at p50 ({:.2}x raw)",
        noop_rt.p50 - noop_raw.p50,
        noop_rt.p50 / noop_raw.p50
    );
    println!("pieces of the host path, measured alone:");
    show(
        "spawn_blocking round trip (the hop calls took before)",
        stat(&s_spawn),
    );
    show(
        "spawn_blocking round trip, from the main thread (same)",
        stat(&s_spawn_main),
    );
    show(
        "JSON: input to bytes, output bytes to a Value",
        stat(&s_json),
    );

    // Throughput with calls in flight.
    let dur = Duration::from_millis(if quick { 500 } else { 1500 });
    let raw2 = {
        let (w, b) = (base.to_vec(), bytes.clone());
        tokio::task::spawn_blocking(move || raw::throughput(&w, "invoke", &b, 2, dur))
            .await
            .expect("raw threads")
    };
    let mut rates = Vec::new();
    for inflight in [1, 2, 8] {
        rates.push((
            inflight,
            runtime_throughput(&lab.rt, &row, &input, inflight, dur).await,
        ));
    }
    // The same with instance pools as large as the calls in flight.
    let mut cfg = (*lab.b.state.config).clone();
    let pool = cfg.plugins.pool_size;
    cfg.plugins.pool_size = cfg.plugins.max_concurrent_calls;
    let state = AppState::from(AppParts {
        config: Arc::new(cfg),
        ..lab.b.state.parts()
    });
    let big_pool = Runtime::new(state);
    runtime_throughput(&big_pool, &row, &input, 1, Duration::from_millis(100)).await;
    let big8 = runtime_throughput(&big_pool, &row, &input, 8, dur).await;
    println!(
        "throughput, {:.1} s each: raw extism, 2 threads (one instance each): {raw2:.0} calls/s",
        dur.as_secs_f64()
    );
    for (inflight, r) in &rates {
        println!(
            "  Runtime::call, {inflight} in flight (plugins.pool_size {pool}): {r:.0} calls/s = {:.2} of raw",
            r / raw2
        );
    }
    println!(
        "  Runtime::call, 8 in flight, plugins.pool_size {} (a runtime of its own): {big8:.0} calls/s = {:.2} of raw",
        lab.b.state.config.plugins.max_concurrent_calls,
        big8 / raw2
    );
    Overhead {
        raw: raw_s,
        raw_limits: like_s,
        runtime: rt_s,
        noop_raw,
        noop_runtime: noop_rt,
    }
}

/// Runs every part, or those whose name contains `only`.
pub async fn run(quick: bool, only: Option<&str>) {
    println!("# Trellis plugin runtime benchmark");
    println!("machine: {}", crate::http::machine());
    println!("load average before: {}", loadavg());
    if std::env::var_os("RUST_BACKTRACE").is_some()
        || std::env::var_os("RUST_LIB_BACKTRACE").is_some()
    {
        // Extism asks wasmtime for the fuel left after every call; without fuel
        // that is an error, which captures a backtrace when these are set: the
        // bare baseline would pay an unwinding per call that no server pays.
        println!(
            "note: RUST_BACKTRACE / RUST_LIB_BACKTRACE is set: the bare Extism baseline pays a backtrace capture per call (run with `env -u RUST_BACKTRACE`)"
        );
    }
    let started = Instant::now();
    let base = trellis_runtime::testkit::wasm("labs-base");
    let template = trellis_runtime::testkit::wasm("trellis-plugin-template");
    let noop = lab::noop_wasm();
    let plan = flows::PlanSizes::new(quick);
    let lab = Lab::start(&plan.workspaces()).await;
    let cfg = &lab.b.state.config;
    println!(
        "Trellis role all, {}; plugins.pool_size {}, plugins.max_concurrent_calls {}, plugins.fuel_per_call {}, events.job_concurrency {}, events.poll_ms {}",
        lab.b.describe(),
        cfg.plugins.pool_size,
        cfg.plugins.max_concurrent_calls,
        cfg.plugins.fuel_per_call,
        cfg.events.job_concurrency,
        cfg.events.poll_ms
    );
    let fuel = cfg.plugins.fuel_per_call;
    let part = |name: &str| only.is_none_or(|o| name.contains(o));
    let o = if part("overhead") {
        Some(overhead(&lab, quick, &base, &noop, fuel).await)
    } else {
        None
    };
    let ev = if part("events") {
        Some(flows::events(&lab, quick, &noop, &template).await)
    } else {
        None
    };
    let inst = if part("install") {
        Some(flows::install(&lab, &plan, &base, fuel).await)
    } else {
        None
    };
    let mem = if part("memory") {
        Some(flows::memory(&lab, &plan, &base, fuel).await)
    } else {
        None
    };

    println!("\n## Summary");
    if let Some(o) = o {
        o.summary();
    }
    if let Some(ev) = ev {
        ev.summary();
    }
    if let Some(inst) = inst {
        inst.summary();
    }
    if let Some(mem) = mem {
        mem.summary();
    }
    println!(
        "run time {:.0} s; load average after: {}",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    lab.b.stop().await;
}
