//! `trellis-bench events`: the event bus's figures.
//!
//! On SQLite (always) and on PostgreSQL (when `BENCH_POSTGRES_URL` names a
//! server to create a scratch database on):
//! - **publish transaction**: the database transaction of a publish (plugin and
//!   version rows) without and with its two events, alternately; and a whole
//!   small publish over HTTP (which writes them), so the events' share of a
//!   publish is measured, not guessed;
//! - **events/s**: back-to-back publish-sized transactions, each with its two
//!   events;
//! - **jobs/s**: `artifact.delete` jobs (the real handler) run by one
//!   `trellis serve --role worker` process, and on PostgreSQL by two, timed from
//!   the moment they fall due to the last one done;
//! - **follower lag**: while the jobs run, events written at a steady rate are
//!   read by a follower polling like the server's; p50 and p99 of the time from
//!   writing to applying.
//!
//! Needs the release server binary (`cargo build --release -p trellis-server`)
//! for the process rows; says so and skips them otherwise.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::plugins::{insert_version, NewVersion, PluginMetaIn};
use trellis_db::{now_ms, Db};
use trellis_events::catalogue::{NamespaceCreated, PluginVersionPublished};
use trellis_events::follow::{step, Follower, FollowerError};
use trellis_events::{emit, Actor};

use crate::load::{median, ms, percentile as pct};
use crate::server::{manifest, package, Bench};

/// Runs every row on SQLite, then on PostgreSQL when configured.
pub async fn run(quick: bool) {
    println!("# Trellis event bus benchmark");
    // (label, extra settings, scratch database to drop afterwards)
    type Backend = (&'static str, Vec<(&'static str, String)>, Option<String>);
    let mut backends: Vec<Backend> = vec![("SQLite", Vec::new(), None)];
    match std::env::var("BENCH_POSTGRES_URL") {
        Ok(admin) => {
            let name = format!("trellis_bench_{}", std::process::id());
            let a = Db::connect(&admin, 1, Duration::from_secs(10))
                .await
                .expect("postgres");
            trellis_db::sqlx::query(trellis_db::sqlx::AssertSqlSafe(format!(
                "CREATE DATABASE {name}"
            )))
            .execute(a.pool())
            .await
            .expect("create database");
            let url = replace_db(&admin, &name);
            backends.push((
                "PostgreSQL",
                vec![("TRELLIS_DATABASE__URL", url)],
                Some(name),
            ));
        }
        Err(_) => println!("(no BENCH_POSTGRES_URL: PostgreSQL rows skipped)"),
    }
    for (label, env, scratch) in backends {
        println!("\n## {label}");
        // The benchmark's own server serves the API only: the worker processes
        // started below are the only ones running jobs.
        let mut with_role = env.clone();
        with_role.push(("TRELLIS_SERVER__ROLE", "api".into()));
        let b = Bench::start_with(&with_role).await;
        publish_rows(&b, quick).await;
        jobs_rows(&b, &env, label == "PostgreSQL", quick).await;
        drop(b);
        if let (Some(name), Ok(admin)) = (scratch, std::env::var("BENCH_POSTGRES_URL")) {
            let a = Db::connect(&admin, 1, Duration::from_secs(10))
                .await
                .expect("postgres");
            let _ = trellis_db::sqlx::query(trellis_db::sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(a.pool())
            .await;
        }
    }
}

pub(crate) fn replace_db(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("postgres url");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// One publish's rows (a new version of plugin `id`), with or without its events.
async fn publish_tx(db: &Db, ns_id: i64, user: i64, id: &str, version: &str, with_events: bool) {
    let sha = format!("{:064x}", rand::random::<u128>());
    let mut tx = db.begin().await.expect("begin");
    let name = id.split('.').nth(1).unwrap_or(id);
    insert_version(
        &mut tx,
        &PluginMetaIn {
            id,
            namespace_id: ns_id,
            name,
            display_name: "Benchmark plugin",
            description: "A plugin written by the event bus benchmark.",
            kind: "tool",
            categories: "[\"other\"]",
            keywords: "[\"bench\"]",
            license: "MIT",
            repository: None,
            homepage: None,
        },
        &NewVersion {
            version,
            parts: (1, 0, 0),
            prerelease: false,
            manifest: "{\"plugin\":{\"id\":\"bench.x\"}}",
            sha256: &sha,
            size: 4096,
            readme_html:
                "<p>Benchmark plugin README, a paragraph of text as a real one would have.</p>",
            changelog: None,
            api_req: "^1",
            permissions: "{}",
            dependencies: "{}",
            published_by: user,
        },
    )
    .await
    .expect("insert");
    if with_events {
        let who = Actor::User {
            user_id: user,
            username: "bencher".into(),
            token_id: Some(1),
        };
        let data = PluginVersionPublished {
            plugin: id.into(),
            namespace: "bench".into(),
            version: version.into(),
            sha256: sha.clone(),
            size: 4096,
            signed: false,
        };
        emit(&mut tx, &who, &data).await.expect("emit");
        emit(&mut tx, &who, &data).await.expect("emit");
    }
    tx.commit().await.expect("commit");
}

async fn publish_rows(b: &Bench, quick: bool) {
    let db = &b.state.db;
    let mut c = db.conn().await.expect("conn");
    let ns = trellis_db::namespaces::by_name(&mut c, "bench")
        .await
        .expect("ns")
        .expect("ns");
    let user = trellis_db::users::by_name(&mut c, "bencher")
        .await
        .expect("user")
        .expect("user")
        .id;
    drop(c);
    let rounds = if quick { 100 } else { 400 };
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        for (events, out) in [(false, &mut without), (true, &mut with)] {
            let t = Instant::now();
            publish_tx(
                db,
                ns.id,
                user,
                &format!("bench.tx{i}{}", u8::from(events)),
                "1.0.0",
                events,
            )
            .await;
            out.push(t.elapsed());
        }
    }
    let (a, w) = (median(without), median(with));
    let added = w.saturating_sub(a);
    println!(
        "publish transaction:     {rounds} rounds each, median {:.3} ms without events, {:.3} ms with its 2 events (+{:.3} ms, {:+.0} % of the transaction)",
        ms(a), ms(w), ms(added), (ms(w) / ms(a) - 1.0) * 100.0
    );
    // A whole small publish over HTTP (its events included).
    let n = if quick { 20 } else { 60 };
    let mut pubs = Vec::new();
    for i in 0..n {
        let bytes = package(&manifest("evpub", &format!("1.0.{i}"), &[]), &[]);
        let t = Instant::now();
        b.publish(bytes).await;
        pubs.push(t.elapsed());
    }
    let p = median(pubs);
    // These publishes are versions of one plugin: one event each (the first, a new
    // plugin, two). The transaction rows above wrote two events.
    let per_event = added / 2;
    println!(
        "publish over HTTP:       {n} versions of a small package, median {:.2} ms; its event ({:.3} ms) is {:.1} % of it, a new plugin's two {:.1} % (target: under 10 %)",
        ms(p), ms(per_event), ms(per_event) / ms(p) * 100.0, ms(added) / ms(p) * 100.0
    );
    // Events per second inside publish-sized transactions.
    let secs = if quick { 2 } else { 5 };
    let t = Instant::now();
    let mut txs = 0u64;
    while t.elapsed() < Duration::from_secs(secs) {
        publish_tx(db, ns.id, user, &format!("bench.rate{txs}"), "1.0.0", true).await;
        txs += 1;
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "events written:          {:.0} events/s ({:.0} publish-sized transactions/s with 2 events each, one connection, {secs} s)",
        2.0 * txs as f64 / el, txs as f64 / el
    );
}

/// `BENCH_TRELLIS_BIN`, else `release/trellis` under `CARGO_TARGET_DIR` or the
/// repository's `target`.
fn trellis_bin() -> Option<PathBuf> {
    let p = match (
        std::env::var_os("BENCH_TRELLIS_BIN"),
        std::env::var_os("CARGO_TARGET_DIR"),
    ) {
        (Some(b), _) => PathBuf::from(b),
        (None, Some(t)) => PathBuf::from(t).join("release/trellis"),
        (None, None) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/trellis"),
    };
    p.exists().then_some(p)
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

async fn worker(bin: &PathBuf, env: &[(String, String)], log: PathBuf) -> Proc {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(bin)
        .args(["serve", "--role", "worker"])
        .env_clear()
        .envs(env.iter().cloned())
        .env("TRELLIS_LISTEN", format!("127.0.0.1:{port}"))
        .env("TRELLIS_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(&log).expect("worker log"),
        ))
        .spawn()
        .expect("spawn trellis");
    // Wrapped at once: dropped (also by a panic below), it is stopped and waited for.
    let proc = Proc(child);
    for _ in 0..200 {
        if reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
            .await
            .map(|r| r.status().is_success())
            .unwrap_or(false)
        {
            return proc;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("worker did not start (its log: {})", log.display());
}

/// A follower that measures how long after writing each event it applied it.
struct LagMeter {
    at: Option<Position>,
    lags: Vec<Duration>,
    /// Only events written at or after this time (unix ms) are measured.
    since: i64,
}

#[async_trait]
impl Follower for LagMeter {
    fn name(&self) -> String {
        "bench-lag-meter".into()
    }
    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        Ok(self.at)
    }
    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        let now = now_ms();
        for e in events {
            if e.kind == "namespace.created" && e.occurred_at >= self.since {
                self.lags
                    .push(Duration::from_millis((now - e.occurred_at).max(0) as u64));
            }
            self.at = Some(e.position);
        }
        Ok(())
    }
}

async fn jobs_rows(b: &Bench, extra: &[(&str, String)], postgres: bool, quick: bool) {
    let Some(bin) = trellis_bin() else {
        println!("jobs/s:                  skipped (build target/release/trellis: cargo build --release -p trellis-server)");
        return;
    };
    let db = &b.state.db;
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        (
            "TRELLIS_DATA_DIR".into(),
            b.data_dir().display().to_string(),
        ),
        ("TRELLIS_LOG__LEVEL".into(), "warn".into()),
        ("TRELLIS_EVENTS__POLL_MS".into(), "50".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let n = if quick {
        2000
    } else if postgres {
        10_000
    } else {
        5000
    };
    let plans: &[usize] = if postgres { &[1, 2] } else { &[1] };
    let mut one = None;
    for &procs in plans {
        // Jobs fall due two seconds from now, once the workers are up.
        let done_base = trellis_db::jobs::stats(&mut db.conn().await.unwrap())
            .await
            .unwrap()
            .done;
        let due = now_ms() + 2000;
        let mut tx = db.begin().await.expect("begin");
        for i in 0..n {
            let sha = format!("{:064x}", (procs as u128) << 100 | i as u128);
            let payload = format!("{{\"sha256\":\"{sha}\"}}");
            trellis_db::jobs::enqueue(
                &mut tx,
                &trellis_db::jobs::NewJob {
                    kind: "artifact.delete",
                    dedupe: &format!("bench:{procs}:{i}"),
                    event_id: None,
                    payload: &payload,
                    run_at: due,
                    max_attempts: 3,
                },
            )
            .await
            .expect("enqueue");
        }
        tx.commit().await.expect("commit");
        let mut workers = Vec::new();
        for w in 0..procs {
            let log = std::env::temp_dir().join(format!("trellis-bench-worker-{procs}-{w}.log"));
            workers.push(worker(&bin, &env, log).await);
        }
        let worker_pids: Vec<u32> = workers.iter().map(|w| w.0.id()).collect();
        // Events at a steady rate while the jobs run; a follower measures its lag.
        // Stopped by a signal once the jobs are done, and awaited (bounded by
        // two minutes in any case).
        let (stop_writer, writer_stop) = tokio::sync::watch::channel(false);
        let writer = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut i = 0;
                let stop = Instant::now() + Duration::from_secs(120);
                while !*writer_stop.borrow() {
                    let mut tx = db.begin().await.expect("begin");
                    let data = NamespaceCreated {
                        namespace: format!("lag{i}"),
                        owner: "bencher".into(),
                    };
                    emit(&mut tx, &Actor::System, &data).await.expect("emit");
                    tx.commit().await.expect("commit");
                    i += 1;
                    if Instant::now() > stop {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        // The meter follows from now on, but only events written once the jobs
        // fall due count (earlier ones say nothing about the load).
        let mut meter = LagMeter {
            at: trellis_db::events::head(&mut db.conn().await.unwrap())
                .await
                .unwrap(),
            lags: Vec::new(),
            since: due,
        };
        while now_ms() < due {
            step(db, &mut meter, 500).await.expect("follow");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let start = Instant::now();
        let cpu_before = crate::cpu::sample();
        let mut last_check = Instant::now();
        loop {
            step(db, &mut meter, 500).await.expect("follow");
            // Whether the queue has drained is a query of its own: every 250 ms,
            // not every poll, and one that reads a single index entry (counting
            // the jobs would scan them all and load the database it measures).
            if last_check.elapsed() >= Duration::from_millis(250) {
                last_check = Instant::now();
                let left = trellis_db::jobs::any_unfinished(
                    &mut db.conn().await.unwrap(),
                    "artifact.delete",
                )
                .await
                .unwrap();
                if !left || start.elapsed() > Duration::from_secs(180) {
                    break;
                }
            }
            // The server's followers poll every `events.poll_ms` when caught up.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let el = start.elapsed().as_secs_f64();
        let cpu_after = crate::cpu::sample();
        let done = trellis_db::jobs::stats(&mut db.conn().await.unwrap())
            .await
            .unwrap()
            .done
            - done_base;
        if done < n as i64 {
            println!("jobs/s:                  only {done} of {n} jobs were done after 180 s");
        }
        let _ = stop_writer.send(true);
        writer.await.expect("event writer");
        drop(workers);
        let rate = n as f64 / el;
        let vs = match one {
            None => {
                one = Some(rate);
                String::new()
            }
            Some(r1) => format!(
                ", {:.2} times one process (target: at least 1.5)",
                rate / r1
            ),
        };
        println!(
            "jobs/s:                  {procs} worker process(es), {n} artifact.delete jobs: {rate:.0} jobs/s ({el:.1} s){vs}"
        );
        if let (Some(b), Some(a)) = (&cpu_before, &cpu_after) {
            println!(
                "CPU during that run:     {}",
                crate::cpu::summary(b, a, &[("worker processes", worker_pids.clone())])
            );
        }
        if !meter.lags.is_empty() {
            println!(
                "follower lag:            {} events at ~100/s during that run: p50 {:.0} ms, p99 {:.0} ms (follower polling every 50 ms)",
                meter.lags.len(),
                ms(pct(meter.lags.clone(), 0.5)),
                ms(pct(meter.lags, 0.99))
            );
        }
    }
}
