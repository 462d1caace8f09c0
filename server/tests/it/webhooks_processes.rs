//! Webhook delivery across real `trellis serve` processes: a server killed
//! with SIGKILL in the middle of a burst and restarted delivers every event (at
//! least once: an attempt sent but not recorded before the kill is sent again,
//! and such duplicates are counted and printed); two worker processes on one
//! PostgreSQL deliver every event of a burst, and no attempt is sent by both
//! (each event reaches the receiver exactly as often as its message's attempt
//! log says, and that is once, since the receiver always answers 200).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;
use trellis_db::Db;
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::{emit, Actor};
use trellis_platform::config;

use crate::cli::run;
use crate::harness::{eventually_within, fresh_env, PASSWORD};
use crate::procs::Proc;
use crate::receiver::Receiver;

/// A fresh instance's settings for webhook delivery to loopback, its migrated
/// database, and a token with the `webhooks` scope (made with the CLI, as an
/// operator would).
pub(crate) async fn setup(
    dir: &std::path::Path,
    extra: &[(&str, &str)],
) -> (Vec<(String, String)>, Db, String) {
    let mut env = fresh_env(dir).await;
    env.extend(
        [
            ("TRELLIS_WEBHOOKS__ALLOW_NETWORKS", "127.0.0.0/8"),
            (
                "TRELLIS_WEBHOOKS__RETRY_SCHEDULE",
                "0s, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms, 200ms",
            ),
            ("TRELLIS_EVENTS__POLL_MS", "50"),
            // Jobs of a killed process are claimed again soon.
            ("TRELLIS_EVENTS__JOB_LEASE_SECS", "2"),
            ("TRELLIS_WEBHOOKS__CONCURRENCY", "8"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let out = run(
        &env,
        &[
            "admin",
            "create-user",
            "opal",
            "--admin",
            "--password-stdin",
        ],
        Some(PASSWORD),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(
        &env,
        &["admin", "create-token", "opal", "--scopes", "webhooks"],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let cfg = config::load(None, &env).unwrap();
    let db = Db::connect(&cfg.database_url, 4, Duration::from_secs(10))
        .await
        .unwrap();
    (env, db, token)
}

/// `env` without its object store settings: processes that only deliver
/// webhooks need no shared store (each uses its own data directory's).
pub(crate) fn without_storage(env: Vec<(String, String)>) -> Vec<(String, String)> {
    env.into_iter()
        .filter(|(k, _)| !k.starts_with("TRELLIS_STORAGE__"))
        .collect()
}

/// Creates an endpoint for `namespace.created` on the real process.
pub(crate) async fn endpoint(p: &Proc, token: &str, rx: &Receiver) -> String {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/webhooks/endpoints", p.url))
        .bearer_auth(token)
        .json(&json!({"url": rx.url("/burst"), "event_types": ["namespace.created"]}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Writes `n` `namespace.created` events straight into the log, `per_tx` to a
/// transaction with a short pause between transactions (a burst that goes on
/// while deliveries run); returns their ids.
fn burst(db: &Db, n: usize, per_tx: usize) -> tokio::task::JoinHandle<Vec<String>> {
    let db = db.clone();
    tokio::spawn(async move {
        let mut ids = Vec::with_capacity(n);
        while ids.len() < n {
            let mut tx = db.begin().await.unwrap();
            for _ in 0..per_tx.min(n - ids.len()) {
                let data = NamespaceCreated {
                    namespace: format!("burst-{}", ids.len()),
                    owner: "opal".into(),
                };
                ids.push(emit(&mut tx, &Actor::System, &data).await.unwrap());
            }
            tx.commit().await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        ids
    })
}

/// How often each event id reached the receiver (its `webhook-id`).
fn received_by_id(rx: &Receiver) -> HashMap<String, usize> {
    let mut by = HashMap::new();
    for g in rx.received() {
        *by.entry(g.header("webhook-id").unwrap().to_owned())
            .or_insert(0) += 1;
    }
    by
}

/// Waits up to `secs` for every event of `ids` to reach the receiver; if some
/// never do, fails saying whether they were never dispatched (no message) or
/// dispatched and not delivered.
async fn every_event_arrives(what: &str, rx: &Receiver, db: &Db, ids: &[String], secs: u64) {
    let end = Instant::now() + Duration::from_secs(secs);
    let missing = loop {
        let got = received_by_id(rx);
        let missing: Vec<&String> = ids.iter().filter(|i| !got.contains_key(*i)).collect();
        if missing.is_empty() {
            return;
        }
        if Instant::now() >= end {
            break missing;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut c = db.conn().await.unwrap();
    let messages: HashMap<String, String> = trellis_db::sqlx::query_as::<_, (String, String)>(
        "SELECT event_id, state FROM webhook_messages",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let undispatched = missing
        .iter()
        .filter(|i| !messages.contains_key(**i))
        .count();
    let cursor = trellis_db::events::cursor(&mut c, trellis_webhooks::dispatch::NAME)
        .await
        .unwrap();
    let head: Option<(i64, i64)> =
        trellis_db::sqlx::query_as("SELECT tx, seq FROM events ORDER BY tx DESC, seq DESC LIMIT 1")
            .fetch_optional(&mut *c)
            .await
            .unwrap();
    panic!(
        "{what}: after {secs} s, {} of {} events never reached the receiver; {undispatched} of them have \
         no message (never dispatched), the others are {:?}; {} messages in all; the dispatcher's \
         cursor is at {cursor:?}, the log's head at {head:?}; first missing: {:?}",
        missing.len(),
        ids.len(),
        missing.iter().filter_map(|i| messages.get(*i)).fold(HashMap::<&str, usize>::new(), |mut m, s| {
            *m.entry(s.as_str()).or_default() += 1;
            m
        }),
        messages.len(),
        &missing[..missing.len().min(5)],
    );
}

/// Messages by state.
async fn message_states(db: &Db) -> Vec<(String, i64)> {
    trellis_db::sqlx::query_as(
        "SELECT state, COUNT(*) FROM webhook_messages GROUP BY state ORDER BY state",
    )
    .fetch_all(&mut *db.conn().await.unwrap())
    .await
    .unwrap()
}

/// Per event id: the attempts recorded in `webhook_attempts` for its message.
async fn attempts_by_event(db: &Db) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> = trellis_db::sqlx::query_as(
        "SELECT m.event_id, COUNT(a.id) FROM webhook_messages m \
         LEFT JOIN webhook_attempts a ON a.message_id = m.id GROUP BY m.event_id",
    )
    .fetch_all(&mut *db.conn().await.unwrap())
    .await
    .unwrap();
    rows.into_iter().collect()
}

#[tokio::test]
async fn a_server_killed_mid_burst_delivers_every_event_after_a_restart() {
    const EVENTS: usize = 2000;
    let dir = tempfile::tempdir().unwrap();
    let (env, db, token) = setup(dir.path(), &[("TRELLIS_WEBHOOKS__TIMEOUT_MS", "5000")]).await;
    let rx = Receiver::start().await;
    let server = Proc::start(&env, "all").await;
    let id = endpoint(&server, &token, &rx).await;
    let started = Instant::now();
    let writer = burst(&db, EVENTS, 20);

    eventually_within("some deliveries arrived", 120, || async {
        received_by_id(&rx).len() >= 200
    })
    .await;
    server.kill9();
    let at_kill = received_by_id(&rx).len();
    // Requests the dying process had on the wire may still land: let them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after_kill = received_by_id(&rx).len();
    assert!(
        at_kill < EVENTS,
        "every event arrived before the kill: the kill tested nothing"
    );

    let server = Proc::start(&env, "all").await;
    let ids = writer.await.unwrap();
    assert_eq!(ids.len(), EVENTS);
    every_event_arrives("after the restart", &rx, &db, &ids, 300).await;
    eventually_within("every message recorded as delivered", 60, || async {
        message_states(&db).await == vec![("delivered".to_owned(), EVENTS as i64)]
    })
    .await;
    server.stop();

    let got = received_by_id(&rx);
    assert_eq!(got.len(), EVENTS, "only the burst's events were sent");
    let mut c = db.conn().await.unwrap();
    let endpoints: i64 =
        trellis_db::sqlx::query_scalar("SELECT COUNT(DISTINCT endpoint_id) FROM webhook_messages")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert_eq!(endpoints, 1, "every message is for endpoint {id}");
    let dups: Vec<(&String, &usize)> = got.iter().filter(|(_, n)| **n > 1).collect();
    let extra: usize = dups.iter().map(|(_, n)| **n - 1).sum();
    eprintln!(
        "webhooks_processes (kill -9, {}): {EVENTS} events, {at_kill} distinct arrived at the kill \
         ({after_kill} after 300 ms), {} requests in all, {} events sent more than once \
         ({extra} extra requests: at-least-once), {:.1} s",
        crate::harness::backends(),
        rx.received().len(),
        dups.len(),
        started.elapsed().as_secs_f64()
    );
    // A duplicate is an attempt in flight at the kill: there cannot be more
    // than the process made at once (`webhooks.concurrency`).
    assert!(
        dups.len() <= 8,
        "too many duplicates for one kill: {}",
        dups.len()
    );
}

#[tokio::test]
async fn two_worker_processes_on_one_postgres_deliver_every_event_once() {
    const EVENTS: usize = 3000;
    if std::env::var("TRELLIS_TEST_POSTGRES_URL").is_err() {
        eprintln!("two_worker_processes_on_one_postgres_deliver_every_event_once: skipped (SQLite runs one process; this runs in the PostgreSQL pass)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A slow answer must not become a timeout and a retry under load: every
    // request here is answered 200, so each event is sent once.
    let (env, db, token) = setup(dir.path(), &[("TRELLIS_WEBHOOKS__TIMEOUT_MS", "30000")]).await;
    let env = without_storage(env);
    let rx = Receiver::start().await;
    let api = Proc::start(&env, "api").await;
    let id = endpoint(&api, &token, &rx).await;
    // Only the two workers deliver.
    api.stop();
    let a = Proc::start(&env, "worker").await;
    let b = Proc::start(&env, "worker").await;
    let started = Instant::now();
    let ids = burst(&db, EVENTS, 10).await.unwrap();
    every_event_arrives("two workers", &rx, &db, &ids, 180).await;
    eventually_within("every message recorded as delivered", 60, || async {
        message_states(&db).await == vec![("delivered".to_owned(), EVENTS as i64)]
    })
    .await;
    let took = started.elapsed();
    a.stop();
    b.stop();

    let got = received_by_id(&rx);
    let attempts = attempts_by_event(&db).await;
    assert_eq!(
        attempts.len(),
        EVENTS,
        "one message per event for endpoint {id}"
    );
    let mut wrong = Vec::new();
    for event in &ids {
        let (n, a) = (
            got.get(event).copied().unwrap_or(0),
            attempts.get(event).copied().unwrap_or(0),
        );
        if n as i64 != a || n != 1 {
            wrong.push(format!("{event}: received {n}, attempts recorded {a}"));
        }
    }
    let mut c = db.conn().await.unwrap();
    let by: Vec<(Option<String>, i64)> = trellis_db::sqlx::query_as(
        "SELECT claimed_by, COUNT(*) FROM jobs WHERE kind = 'webhook.deliver' GROUP BY claimed_by ORDER BY claimed_by",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    eprintln!(
        "webhooks_processes (two workers): {EVENTS} events, {} requests, {} events not exactly once, \
         deliveries by process {by:?}, {:.1} s",
        rx.received().len(),
        wrong.len(),
        took.as_secs_f64()
    );
    assert!(
        wrong.is_empty(),
        "events sent by both processes or retried:\n{}",
        wrong.join("\n")
    );
    assert_eq!(rx.received().len(), EVENTS);
    assert_eq!(by.len(), 2, "both worker processes delivered: {by:?}");
}
