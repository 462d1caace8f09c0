//! The runtime benchmark's end-to-end parts: events through installed
//! plugins, installing a five-plugin plan, memory per loaded installation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use trellis_db::sqlx::Row;
use trellis_db::Db;
use trellis_events::catalogue::NamespaceUpdated;
use trellis_runtime::{CallOrigin, Runtime};

use super::lab::{manifest, rss_kib, variant, Lab, NS};
use super::raw::{self, Limits};

/// The workspace of the realistic plugin (the template), apart from the
/// no-op sinks so neither receives the other's events.
const REAL_WS: &str = "rtreal";
/// The workspace of the memory part.
const MEM_WS: &str = "rtmem";
/// Events per transaction when writing a burst.
const PER_TX: usize = 100;
/// The longest the benchmark waits for one run's calls.
const BOUND: Duration = Duration::from_secs(120);

/// How much of each part a run does.
pub struct PlanSizes {
    rounds: usize,
    mem_same: usize,
    mem_own: usize,
}

impl PlanSizes {
    pub fn new(quick: bool) -> PlanSizes {
        if quick {
            PlanSizes {
                rounds: 3,
                mem_same: 20,
                mem_own: 4,
            }
        } else {
            PlanSizes {
                rounds: 7,
                mem_same: 50,
                mem_own: 10,
            }
        }
    }

    /// The namespaces the lab creates as workspaces.
    pub fn workspaces(&self) -> Vec<String> {
        let mut w: Vec<String> = (0..=self.rounds).map(|r| format!("rtplan{r}")).collect();
        w.push(REAL_WS.into());
        w.push(MEM_WS.into());
        w
    }
}

// ------------------------------------------------------------------ events

/// One run: `events` written, delivered to `plugins` installations.
struct Run {
    plugins: usize,
    events: usize,
    calls: i64,
    failed: i64,
    retried: i64,
    written: f64,
    secs: f64,
    bound: bool,
}

impl Run {
    fn line(&self, label: &str) {
        println!(
            "{label:<34} {} events written in {:.2} s ({PER_TX} per transaction), {} installation(s): {} on_event calls done in {:.2} s from the first write{} = {:.0} events/s, {:.0} on_event calls/s; {} failed, {} retried",
            self.events,
            self.written,
            self.plugins,
            self.calls,
            self.secs,
            if self.bound { " (BOUND REACHED)" } else { "" },
            self.events as f64 / self.secs,
            self.calls as f64 / self.secs,
            self.failed,
            self.retried
        );
    }
}

/// (done, failed, attempts of done jobs) of `plugin.event` jobs.
async fn job_counts(db: &Db) -> (i64, i64, i64) {
    let rows = trellis_db::sqlx::query(
        "SELECT state, COUNT(*) AS n, CAST(SUM(attempts) AS BIGINT) AS a FROM jobs \
         WHERE kind = 'plugin.event' GROUP BY state",
    )
    .fetch_all(db.pool())
    .await
    .expect("job counts");
    let (mut done, mut failed, mut attempts) = (0, 0, 0);
    for r in rows {
        let n: i64 = r.try_get("n").unwrap_or(0);
        match r.try_get::<String, _>("state").unwrap_or_default().as_str() {
            "done" => {
                done = n;
                attempts = r.try_get("a").unwrap_or(0);
            }
            "failed" => failed = n,
            _ => {}
        }
    }
    (done, failed, attempts)
}

/// When the last `plugin.event` job finished (unix ms).
async fn last_finished(db: &Db) -> i64 {
    trellis_db::sqlx::query("SELECT MAX(finished_at) AS m FROM jobs WHERE kind = 'plugin.event'")
        .fetch_one(db.pool())
        .await
        .expect("last finished")
        .try_get::<Option<i64>, _>("m")
        .ok()
        .flatten()
        .unwrap_or(0)
}

/// Waits (at most 10 s) until the plugin dispatcher's cursor has reached the
/// log's head. A fresh instance's dispatcher places its cursor at the head it
/// first sees (one poll after the first event): events written before that
/// reach no plugin, so a burst must not start before it.
async fn dispatcher_caught_up(db: &Db) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let mut c = db.conn().await.expect("db");
        let head = trellis_db::events::head(&mut c).await.expect("head");
        let at = trellis_db::events::cursor(&mut c, trellis_runtime::dispatch::NAME)
            .await
            .expect("cursor");
        drop(c);
        if at.is_some() && at >= head {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("(the plugin dispatcher had not caught up with the log after 10 s)");
}

/// Writes `n` `namespace.updated` events of namespace `ns` ([`PER_TX`] per
/// transaction, back to back), waits until every subscribed installation's
/// `on_event` call is done (or [`BOUND`]).
async fn run_events(lab: &Lab, ns: &str, n: usize, plugins: usize) -> Run {
    let db = &lab.b.state.db;
    dispatcher_caught_up(db).await;
    let (d0, f0, a0) = job_counts(db).await;
    let expected = (n * plugins) as i64;
    let start_ms = trellis_db::now_ms();
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let mut tx = db.begin().await.expect("begin");
        for _ in 0..PER_TX.min(n - i) {
            let data = NamespaceUpdated {
                namespace: ns.to_owned(),
                require_signatures: false,
            };
            trellis_events::emit(&mut tx, &trellis_events::Actor::System, &data)
                .await
                .expect("emit");
            i += 1;
        }
        tx.commit().await.expect("commit");
    }
    let written = start.elapsed().as_secs_f64();
    let mut bound = false;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (d, f, _) = job_counts(db).await;
        if d + f - d0 - f0 >= expected {
            break;
        }
        if start.elapsed() > BOUND {
            bound = true;
            break;
        }
    }
    let (d, f, a) = job_counts(db).await;
    let secs = (last_finished(db).await - start_ms).max(1) as f64 / 1000.0;
    Run {
        plugins,
        events: n,
        calls: d - d0,
        failed: f - f0,
        retried: (a - a0) - (d - d0),
        written,
        secs,
        bound,
    }
}

/// The events part's figures.
pub struct Events {
    one: Run,
    ten: Run,
    real: Run,
    ceiling: f64,
}

impl Events {
    pub fn summary(&self) {
        println!(
            "events/s, no-op on_event: one installation {:.0} events/s; ten installations {:.0} events/s ({:.0} on_event calls/s); raw extism on_event ceiling {:.0} calls/s",
            self.one.events as f64 / self.one.secs,
            self.ten.events as f64 / self.ten.secs,
            self.ten.calls as f64 / self.ten.secs,
            self.ceiling
        );
        println!(
            "events/s, the template's on_event (a log line, a kv read and write): one installation {:.0} events/s",
            self.real.events as f64 / self.real.secs
        );
    }
}

pub async fn events(lab: &Lab, quick: bool, noop: &[u8], template: &[u8]) -> Events {
    let sub = ["namespace.updated"];
    for i in 0..10 {
        let m = manifest(&format!("sink{i}"), &["invoke", "on_event"], &sub, &[], "");
        lab.publish(&m, noop).await;
    }
    let perms =
        "host_functions = [\"log\", \"config_get\", \"kv_get\", \"kv_set\", \"secret_get\"]\n\
                 secrets = [\"API_TOKEN\"]";
    let m = manifest(
        "starter",
        &["init", "on_event", "invoke", "health"],
        &sub,
        &[],
        perms,
    );
    lab.publish(&m, template).await;
    let (n1, n10, n_real) = if quick {
        (1000, 300, 300)
    } else {
        (6000, 1500, 1500)
    };
    println!(
        "\n## Events: namespace.updated events written to the log -> plugin.event jobs -> on_event (burst, from the first write to the last job done)"
    );

    lab.install_row(NS, &format!("{NS}.sink0")).await;
    let one = run_events(lab, NS, n1, 1).await;
    one.line("no-op on_event, 1 installation:");
    for i in 1..10 {
        lab.install_row(NS, &format!("{NS}.sink{i}")).await;
    }
    let ten = run_events(lab, NS, n10, 10).await;
    ten.line("no-op on_event, 10 installations:");
    lab.install_row(REAL_WS, &format!("{NS}.starter")).await;
    let real = run_events(lab, REAL_WS, n_real, 1).await;
    real.line("template on_event, 1 installation:");

    // The ceiling: the same no-op on_event called through Extism directly, on
    // two threads, with an event envelope of the same shape as input.
    let envelope = serde_json::to_vec(&json!({
        "id": "evt_01KBRUNTIMEBENCH0000000000",
        "type": "namespace.updated",
        "occurred_at": "2026-12-02T10:00:00.000Z",
        "actor": {"type": "system"},
        "subject": {"type": "namespace", "id": NS},
        "namespace": NS,
        "data": {"namespace": NS, "require_signatures": false},
        "hops": 0
    }))
    .expect("envelope");
    let w = noop.to_vec();
    let ceiling = tokio::task::spawn_blocking(move || {
        raw::throughput(&w, "on_event", &envelope, 2, Duration::from_secs(1))
    })
    .await
    .expect("raw threads");
    println!("raw extism ceiling: the no-op on_event on 2 threads: {ceiling:.0} calls/s");
    Events {
        one,
        ten,
        real,
        ceiling,
    }
}

// ----------------------------------------------------------------- install

/// The install part's figures.
pub struct Install {
    cold_ms: f64,
    warm_ms: Vec<f64>,
    plan_ms: f64,
    compile_ms: f64,
}

impl Install {
    pub fn summary(&self) {
        let mut w = self.warm_ms.clone();
        w.sort_by(f64::total_cmp);
        println!(
            "install a five-plugin plan: median {:.1} ms (min {:.1}, max {:.1}, {} rounds), first {:.1} ms (its module compiled); the plan alone {:.1} ms; raw extism compile of the module {:.1} ms",
            w[w.len() / 2],
            w[0],
            w[w.len() - 1],
            w.len(),
            self.cold_ms,
            self.plan_ms,
            self.compile_ms
        );
    }
}

pub async fn install(lab: &Lab, sizes: &PlanSizes, base: &[u8], fuel: u64) -> Install {
    // A chain: plan-a needs plan-b, which needs plan-c, ... plan-e. One module
    // (labs.base under a SHA-256 of its own) for the five, so the first install
    // compiles it once.
    let wasm = variant(base, "plan");
    let names = ["plan-e", "plan-d", "plan-c", "plan-b", "plan-a"];
    for (i, n) in names.iter().enumerate() {
        let deps: Vec<&str> = if i == 0 { vec![] } else { vec![names[i - 1]] };
        lab.publish(&manifest(n, &["invoke"], &[], &deps, ""), &wasm)
            .await;
    }
    let want = format!("{NS}.plan-a");
    let (mut plans, mut installs) = (Vec::new(), Vec::new());
    for r in 0..=sizes.rounds {
        let ws = format!("rtplan{r}");
        plans.push(lab.plan(&ws, &want).await.as_secs_f64() * 1000.0);
        let (t, body) = lab.install(&ws, &want).await;
        assert_eq!(
            body["installations"].as_array().map(Vec::len),
            Some(5),
            "{body}"
        );
        installs.push(t.as_secs_f64() * 1000.0);
    }
    let limits = default_limits(fuel);
    let b = base.to_vec();
    let mut compiles = tokio::task::spawn_blocking(move || {
        (0..3)
            .map(|k| raw::compile_ms(&variant(&b, &format!("compile{k}")), limits))
            .collect::<Vec<f64>>()
    })
    .await
    .expect("compile thread");
    compiles.sort_by(f64::total_cmp);
    let mut warm_plans = plans[1..].to_vec();
    warm_plans.sort_by(f64::total_cmp);
    let out = Install {
        cold_ms: installs[0],
        warm_ms: installs[1..].to_vec(),
        plan_ms: warm_plans[warm_plans.len() / 2],
        compile_ms: compiles[1],
    };
    println!(
        "\n## Install: a plan of five plugins (a chain of four dependencies), POST /api/v1/workspaces/{{ws}}/installations with consent, each round into a fresh workspace"
    );
    println!(
        "first install (module compiled): {:.1} ms; then {} rounds (ms): {}",
        out.cold_ms,
        out.warm_ms.len(),
        out.warm_ms
            .iter()
            .map(|m| format!("{m:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "the plan alone (POST .../install-plan): median {:.1} ms; raw extism compile of labs.base as the runtime compiles it: median {:.1} ms (of 3)",
        out.plan_ms, out.compile_ms
    );
    out
}

/// The limits of a manifest with no `memory_mb` / `timeout_ms`.
fn default_limits(fuel: u64) -> Limits {
    let m = trellis_registry::parse_manifest(&manifest("limits", &["invoke"], &[], &[], ""))
        .expect("manifest");
    Limits {
        pages: m.runtime.memory_mb.saturating_mul(16),
        timeout_ms: m.runtime.timeout_ms,
        fuel,
    }
}

// ------------------------------------------------------------------ memory

/// The memory part's figures (KiB).
pub struct Memory {
    same: usize,
    own: usize,
    first_kib: f64,
    per_same_kib: f64,
    per_own_kib: f64,
    raw_module_kib: f64,
    raw_instance_kib: f64,
    counts: ((usize, usize), (usize, usize)),
    first_ms: f64,
    cached_ms: f64,
    own_ms: f64,
}

impl Memory {
    pub fn summary(&self) {
        println!(
            "memory per loaded installation (same module): {:.0} KiB (raw extism instance {:.0} KiB); with a module of its own: {:.0} KiB (raw compiled module {:.0} KiB); {} installations of one module: {} compiled module(s)",
            self.per_same_kib,
            self.raw_instance_kib,
            self.per_own_kib,
            self.raw_module_kib,
            self.same,
            self.counts.0 .1
        );
    }
}

fn median_ms(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1000.0
}

pub async fn memory(lab: &Lab, sizes: &PlanSizes, base: &[u8], fuel: u64) -> Memory {
    let (n, k) = (sizes.mem_same, sizes.mem_own);
    let mut same = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("mem-{i:02}");
        lab.publish(&manifest(&name, &["invoke"], &[], &[], ""), base)
            .await;
        same.push(lab.install_row(MEM_WS, &format!("{NS}.{name}")).await);
    }
    let mut own = Vec::with_capacity(k);
    for i in 0..k {
        let name = format!("own-{i:02}");
        lab.publish(
            &manifest(&name, &["invoke"], &[], &[], ""),
            &variant(base, &name),
        )
        .await;
        own.push(lab.install_row(MEM_WS, &format!("{NS}.{name}")).await);
    }
    // A runtime of its own: nothing loaded, nothing compiled.
    let rt = Runtime::new(lab.b.state.clone());
    let input = json!({"n": 1});
    let call = |rt: Arc<Runtime>, row: trellis_db::installations::InstallationRow| {
        let input = input.clone();
        async move {
            let t = Instant::now();
            rt.call(&row, "invoke", &input, CallOrigin::default())
                .await
                .expect("call");
            t.elapsed()
        }
    };
    let rss0 = rss_kib();
    let first = call(rt.clone(), same[0].clone()).await;
    let rss1 = rss_kib();
    let mut cached = Vec::new();
    for r in &same[1..] {
        cached.push(call(rt.clone(), r.clone()).await);
    }
    let rss2 = rss_kib();
    let counts_same = rt.loaded_counts();
    let mut own_t = Vec::new();
    for r in &own {
        own_t.push(call(rt.clone(), r.clone()).await);
    }
    let rss3 = rss_kib();
    let counts_all = rt.loaded_counts();

    let limits = default_limits(fuel);
    let (w, bytes) = (
        variant(base, "rawmem"),
        serde_json::to_vec(&input).expect("input"),
    );
    let (raw_module_kib, raw_instance_kib) =
        tokio::task::spawn_blocking(move || raw::memory(&w, limits, "invoke", &bytes, n))
            .await
            .expect("raw thread");

    let out = Memory {
        same: n,
        own: k,
        first_kib: rss1.saturating_sub(rss0) as f64,
        per_same_kib: rss2.saturating_sub(rss1) as f64 / (n - 1) as f64,
        per_own_kib: rss3.saturating_sub(rss2) as f64 / k as f64,
        raw_module_kib,
        raw_instance_kib,
        counts: (counts_same, counts_all),
        first_ms: first.as_secs_f64() * 1000.0,
        cached_ms: median_ms(cached),
        own_ms: median_ms(own_t),
    };
    println!(
        "\n## Memory: VmRSS of this process (benchmark + server) around loading installations into a runtime of its own (each called once: one instance kept in its pool)"
    );
    println!(
        "first installation (module compiled, one instance): +{:.0} KiB, its first call {:.1} ms",
        out.first_kib, out.first_ms
    );
    println!(
        "{} more installations of the same module: +{:.0} KiB each, first call median {:.1} ms; loaded {}, compiled modules {}",
        n - 1,
        out.per_same_kib,
        out.cached_ms,
        out.counts.0 .0,
        out.counts.0 .1
    );
    println!(
        "{} installations with a module each (labs.base under other SHA-256s): +{:.0} KiB each, first call median {:.1} ms; loaded {}, compiled modules {}",
        out.own,
        out.per_own_kib,
        out.own_ms,
        out.counts.1 .0,
        out.counts.1 .1
    );
    println!(
        "raw extism baseline: a module compiled as the runtime compiles it +{:.0} KiB; each of {n} instances, called once, +{:.0} KiB",
        out.raw_module_kib, out.raw_instance_kib
    );
    out
}
