//! `trellis-bench webhooks [--quick]`: webhook delivery's figures, each beside
//! its baseline measured in the same run.
//!
//! - A loopback receiver (axum on 127.0.0.1, in the benchmark's runtime) that
//!   answers 200 and records, per `webhook-id` (the event id), when it first
//!   arrived, when it first got a 200 and how many attempts it took. It can fail
//!   a share of requests with 500, deterministically: by a hash of the
//!   `webhook-id` and that id's attempt number.
//! - **ceiling**: the same receiver driven by a bare reqwest client (built like
//!   the delivery client: `TCP_NODELAY`, no proxy, no redirects) with as many
//!   requests in flight as Trellis makes deliveries (`webhooks.concurrency`),
//!   POSTing bodies of a real delivery's size with the same headers; no
//!   database. Median of three runs.
//! - **durable delivery**, on SQLite and on PostgreSQL (`BENCH_POSTGRES_URL`):
//!   a fresh Trellis (role `all`, default settings but for
//!   `webhooks.allow_networks`), an instance-wide endpoint for
//!   `namespace.created` pointing at the receiver, then N events written
//!   straight into the database (`trellis_events::emit`, 100 per transaction,
//!   back to back): deliveries/s from the first write to the last arrival, and
//!   per event the time from its transaction's commit to its first arrival
//!   (p50 / p99); where that time went (event to message, message to attempt,
//!   the attempt's HTTP time) from the stored rows; then the latency of events
//!   written one per transaction at 100/s (no backlog).
//! - **drain** (`webhooks/drain.rs`): N events already in the log when a fresh
//!   instance starts on the database (written while none ran): deliveries/s
//!   with no event writer sharing the cores.
//! - **database alone** (`webhooks/alone.rs`): the pipeline's statements for N
//!   events (dispatch, claim, read, record) run back to back by the benchmark,
//!   with no HTTP: what the database work by itself allows, beside the ceiling.
//! - **eventual delivery** (`webhooks/eventual.rs`): N events (10,000 in a full run) while 30 % of
//!   attempts fail with 500 and a short retry schedule is set; once every event
//!   has been tried at least once (and at least 5 s have passed) the receiver
//!   recovers, and the benchmark waits (bounded) until every event id got a
//!   200: delivered / total, attempts, messages that ran out of attempts.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use sha2::Digest;
use trellis_db::sqlx::Row;
use trellis_db::Db;
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::emit;
use trellis_platform::{accounts, tokens};
use trellis_types::{Scope, TokenIn};

use crate::events::replace_db;
use crate::load::{median, ms, percentile};
use crate::server::Bench;

/// Events per transaction when writing a burst.
const PER_TX: usize = 100;

mod alone;
mod drain;
mod eventual;
mod receiver;
use receiver::Receiver;

// ---------------------------------------------------------------- ceiling

/// A body the size of a real `namespace.created` delivery (same envelope).
fn sample_body(i: usize) -> (String, Vec<u8>) {
    let id = format!("evt_01KBCEIL{i:018}");
    let out = trellis_types::EventOut {
        id: id.clone(),
        kind: "namespace.created".into(),
        occurred_at: "2026-12-02T10:00:00.000Z".into(),
        actor: trellis_types::EventActor {
            kind: "system".into(),
            user_id: None,
            username: None,
            token_id: None,
        },
        subject: trellis_types::EventSubject {
            kind: "namespace".into(),
            id: format!("wh{i}"),
        },
        namespace: Some(format!("wh{i}")),
        data: serde_json::json!({"namespace": format!("wh{i}"), "owner": "bencher"}),
    };
    (id, serde_json::to_vec(&out).expect("envelope"))
}

/// Requests/s of a bare client POSTing `n` signed-size bodies, `conc` at once.
async fn ceiling_run(rx: &Receiver, n: usize, conc: usize, run: usize) -> f64 {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(15))
        .user_agent("Trellis-Webhooks/bench")
        .build()
        .expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..conc {
        let (client, next, url) = (client.clone(), next.clone(), rx.url.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let (id, body) = sample_body(run * n + i);
                let ts = trellis_db::now_ms() / 1000;
                // A signature of the same size (v1, and 44 characters).
                let mut h = sha2::Sha256::new();
                h.update(id.as_bytes());
                h.update(ts.to_string().as_bytes());
                h.update(&body);
                let sig = format!("v1,{}", &hex::encode(h.finalize())[..44]);
                let res = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("webhook-id", &id)
                    .header("webhook-timestamp", ts.to_string())
                    .header("webhook-signature", sig)
                    .body(body)
                    .send()
                    .await
                    .expect("ceiling request");
                assert!(res.status().is_success());
                res.bytes().await.expect("body");
            }
        }));
    }
    for t in tasks {
        t.await.expect("ceiling task");
    }
    n as f64 / start.elapsed().as_secs_f64()
}

// ---------------------------------------------------------------- Trellis

/// A scratch PostgreSQL database, dropped by [`drop_db`].
async fn create_db(admin: &str, tag: &str) -> (String, String) {
    let name = format!("trellis_bench_wh_{tag}_{}", std::process::id());
    let a = Db::connect(admin, 1, Duration::from_secs(10))
        .await
        .expect("postgres");
    trellis_db::sqlx::query(trellis_db::sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name}"
    )))
    .execute(a.pool())
    .await
    .expect("create database");
    (replace_db(admin, &name), name)
}

/// A scratch database for one phase on PostgreSQL (`admin` is the server's
/// URL): its URL and name; `None` on SQLite.
async fn scratch(admin: Option<&str>, tag: &str) -> Option<(String, String)> {
    match admin {
        Some(admin) => Some(create_db(admin, tag).await),
        None => None,
    }
}

async fn drop_scratch(admin: Option<&str>, scratch: Option<(String, String)>) {
    if let (Some(admin), Some((_, name))) = (admin, scratch) {
        drop_db(admin, &name).await;
    }
}

async fn drop_db(admin: &str, name: &str) {
    if let Ok(a) = Db::connect(admin, 1, Duration::from_secs(10)).await {
        let _ = trellis_db::sqlx::query(trellis_db::sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(a.pool())
        .await;
    }
}

/// Starts Trellis (role `all`) on `db_url` (None: SQLite in its data dir) with
/// `extra` settings, and creates an instance-wide endpoint for
/// `namespace.created` to the receiver through the REST API.
async fn start_trellis(db_url: Option<&str>, extra: &[(&str, &str)], rx: &Receiver) -> Bench {
    let mut env: Vec<(&str, String)> = vec![
        ("TRELLIS_SERVER__ROLE", "all".into()),
        ("TRELLIS_WEBHOOKS__ALLOW_NETWORKS", "127.0.0.0/8".into()),
    ];
    if let Some(u) = db_url {
        env.push(("TRELLIS_DATABASE__URL", u.to_owned()));
    }
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let b = Bench::start_with(&env).await;
    let admin = accounts::create_user_cli(
        &b.state,
        "hookadmin",
        "a long webhook benchmark passphrase",
        true,
    )
    .await
    .expect("admin");
    let token = tokens::create_token(
        &b.state,
        &trellis_platform::Actor::session(admin, None),
        &TokenIn {
            name: "hooks".into(),
            scopes: vec![Scope::Webhooks],
            expires_in_days: None,
        },
    )
    .await
    .expect("token")
    .secret;
    let res = b
        .http
        .post(format!("{}/api/v1/webhooks/endpoints", b.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "url": rx.url,
            "description": "trellis-bench webhooks",
            "event_types": ["namespace.created"],
        }))
        .send()
        .await
        .expect("create endpoint");
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert!(status.is_success(), "endpoint: {status} {text}");
    b
}

/// Writes `n` `namespace.created` events, `per_tx` per transaction, back to
/// back (or one transaction every `pace`); returns each event's id with its
/// transaction's commit time.
async fn write_events(
    db: &Db,
    tag: &str,
    n: usize,
    per_tx: usize,
    pace: Option<Duration>,
) -> Vec<(String, Instant)> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    let mut tick = pace.map(|p| {
        let mut t = tokio::time::interval(p);
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
        t
    });
    while i < n {
        if let Some(t) = tick.as_mut() {
            t.tick().await;
        }
        let mut tx = db.begin().await.expect("begin");
        let mut ids = Vec::with_capacity(per_tx);
        for _ in 0..per_tx.min(n - i) {
            let data = NamespaceCreated {
                namespace: format!("{tag}{i}"),
                owner: "bencher".into(),
            };
            ids.push(
                emit(&mut tx, &trellis_events::Actor::System, &data)
                    .await
                    .expect("emit"),
            );
            i += 1;
        }
        tx.commit().await.expect("commit");
        let at = Instant::now();
        out.extend(ids.into_iter().map(|id| (id, at)));
    }
    out
}

/// Per delivered message (first attempt): event to message, message to
/// attempt, the attempt's HTTP time, in ms.
async fn stages(db: &Db) -> Vec<(i64, i64, i64)> {
    let rows = trellis_db::sqlx::query(
        "SELECT m.created_at - e.occurred_at AS d, a.attempted_at - m.created_at AS q, a.latency_ms AS l \
         FROM webhook_messages m JOIN events e ON e.id = m.event_id \
         JOIN webhook_attempts a ON a.message_id = m.id \
         WHERE m.event_type = 'namespace.created'",
    )
    .fetch_all(db.pool())
    .await
    .expect("stages");
    rows.iter()
        .map(|r| {
            (
                r.try_get::<i64, _>("d").unwrap_or(-1),
                r.try_get::<i64, _>("q").unwrap_or(-1),
                r.try_get::<i64, _>("l").unwrap_or(-1),
            )
        })
        .collect()
}

fn ms_of(v: impl Iterator<Item = i64>) -> Vec<Duration> {
    v.map(|x| Duration::from_millis(x.max(0) as u64)).collect()
}

struct Durable {
    rate: f64,
}

async fn durable(
    label: &str,
    db_url: Option<&str>,
    rx: &Receiver,
    n: usize,
    quick: bool,
) -> Durable {
    let b = start_trellis(db_url, &[], rx).await;
    let cfg = &b.state.config;
    println!(
        "{label}: Trellis role all, webhooks.concurrency {}, events.poll_ms {}, database.max_connections {}",
        cfg.webhooks.concurrency, cfg.events.poll_ms, cfg.database_max_connections
    );
    rx.clear();
    let start = Instant::now();
    let ids = write_events(&b.state.db, "wh", n, PER_TX, None).await;
    let written = start.elapsed();
    let all = rx.wait(n, true, Duration::from_secs(600)).await;
    let oks = rx.ok_times(&ids);
    let last = oks.iter().flatten().max().copied().unwrap_or(start);
    let got = oks.iter().flatten().count();
    let elapsed = last.duration_since(start);
    let rate = got as f64 / elapsed.as_secs_f64();
    let lat: Vec<Duration> = ids
        .iter()
        .zip(&oks)
        .filter_map(|((_, c), o)| o.map(|o| o.saturating_duration_since(*c)))
        .collect();
    println!(
        "{label:<11} burst:  {n} events written in {:.2} s ({PER_TX} per transaction); {got} delivered{}: {rate:.0} deliveries/s ({:.2} s first write to last arrival)",
        written.as_secs_f64(),
        if all { "" } else { " (BOUND REACHED)" },
        elapsed.as_secs_f64()
    );
    println!(
        "{label:<11} burst latency, commit to first arrival: p50 {:.0} ms, p99 {:.0} ms (under the backlog of the burst)",
        ms(percentile(lat.clone(), 0.5)),
        ms(percentile(lat, 0.99))
    );
    let st = stages(&b.state.db).await;
    if !st.is_empty() {
        let d = ms_of(st.iter().map(|s| s.0));
        let q = ms_of(st.iter().map(|s| s.1));
        let l = ms_of(st.iter().map(|s| s.2));
        println!(
            "{label:<11} burst stages (stored times, p50 / p99): event to message {:.0} / {:.0} ms, message to attempt {:.0} / {:.0} ms, attempt HTTP {:.0} / {:.0} ms",
            ms(median(d.clone())),
            ms(percentile(d, 0.99)),
            ms(median(q.clone())),
            ms(percentile(q, 0.99)),
            ms(median(l.clone())),
            ms(percentile(l, 0.99)),
        );
    }
    // Latency without a backlog: one event per transaction at 100/s.
    let m = if quick { 100 } else { 300 };
    rx.clear();
    let ids = write_events(&b.state.db, "st", m, 1, Some(Duration::from_millis(10))).await;
    rx.wait(m, true, Duration::from_secs(60)).await;
    let firsts = rx.first_times(&ids);
    let lat: Vec<Duration> = ids
        .iter()
        .zip(&firsts)
        .filter_map(|((_, c), o)| o.map(|o| o.saturating_duration_since(*c)))
        .collect();
    if !lat.is_empty() {
        println!(
            "{label:<11} steady latency, commit to first arrival: {} events at 100/s, one per transaction: p50 {:.0} ms, p99 {:.0} ms",
            lat.len(),
            ms(percentile(lat.clone(), 0.5)),
            ms(percentile(lat, 0.99))
        );
    }
    b.stop().await;
    Durable { rate }
}

// ---------------------------------------------------------------- command

pub async fn run(quick: bool) {
    println!("# Trellis webhooks benchmark");
    println!("machine: {}", crate::http::machine());
    let n = if quick { 2000 } else { 10_000 };
    let n_eventual = if quick { 2000 } else { 10_000 };
    let postgres = std::env::var("BENCH_POSTGRES_URL").ok();
    if postgres.is_none() {
        println!("(no BENCH_POSTGRES_URL: PostgreSQL rows skipped)");
    }
    let rx = Receiver::start().await;

    // Deliveries in flight, as the configuration gives them (default 64).
    let env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("TRELLIS_"))
        .collect();
    let conc = trellis_platform::config::load(None, &env)
        .map(|c| c.webhooks.concurrency)
        .unwrap_or(64);

    // 1. The ceiling: the receiver driven by a bare client, no database.
    let (_, body) = sample_body(0);
    ceiling_run(&rx, n.min(2000), conc, 99).await; // warm-up
    let mut runs = Vec::new();
    for r in 0..3 {
        rx.clear();
        runs.push(ceiling_run(&rx, n, conc, r).await);
    }
    runs.sort_by(f64::total_cmp);
    let ceiling = runs[1];
    println!(
        "ceiling:    bare reqwest client, {conc} requests in flight, {n} POSTs of {} bytes with the delivery headers: {ceiling:.0} requests/s (median of 3: {:.0}, {:.0}, {:.0})",
        body.len(),
        runs[0],
        runs[1],
        runs[2]
    );

    // 2. Durable delivery and 3. eventual delivery, per engine.
    let mut engines: Vec<(&str, Option<String>)> = vec![("SQLite", None)];
    if postgres.is_some() {
        engines.push(("PostgreSQL", Some(String::new())));
    }
    let mut rates = Vec::new();
    for (label, pg) in &engines {
        println!("\n## {label}");
        // A scratch database per phase on PostgreSQL; SQLite instances each
        // have their own data directory.
        let admin = pg.as_ref().and(postgres.as_deref());
        let db = scratch(admin, "d").await;
        let d = durable(label, db.as_ref().map(|s| s.0.as_str()), &rx, n, quick).await;
        let (_, _, real_body) = rx.counts();
        println!(
            "{label:<11} durable / ceiling: {:.2} (target: at least 0.5){}",
            d.rate / ceiling,
            if real_body > 0 {
                format!("; delivered bodies up to {real_body} bytes")
            } else {
                String::new()
            }
        );
        rates.push((label, d.rate));
        drop_scratch(admin, db).await;
        let db = scratch(admin, "r").await;
        let r = drain::drain(label, db.as_ref().map(|s| s.0.as_str()), &rx, n).await;
        println!(
            "{label:<11} drain / ceiling: {:.2} (the delivery side alone)",
            r / ceiling
        );
        drop_scratch(admin, db).await;
        let db = scratch(admin, "a").await;
        let a = alone::alone(label, db.as_ref().map(|s| s.0.as_str()), &rx, n).await;
        println!(
            "{label:<11} database alone / ceiling: {:.2}; drain / database alone: {:.2}",
            a / ceiling,
            r / a
        );
        drop_scratch(admin, db).await;
        let db = scratch(admin, "e").await;
        eventual::eventual(label, db.as_ref().map(|s| s.0.as_str()), &rx, n_eventual).await;
        rx.set_fail(0);
        drop_scratch(admin, db).await;
    }
    if quick {
        println!("\n(--quick: {n} events per burst and {n_eventual} in the eventual-delivery run; a full run uses 10,000)");
    }
    println!("\n## Summary");
    println!("ceiling (bare client, no database): {ceiling:.0} requests/s");
    for (label, r) in rates {
        println!(
            "{label:<11} durable: {r:.0} deliveries/s = {:.2} of the ceiling (target: at least 0.5: {})",
            r / ceiling,
            if r / ceiling >= 0.5 { "met" } else { "MISSED" }
        );
    }
}
