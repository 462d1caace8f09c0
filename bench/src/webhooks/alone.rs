//! The database alone: what the delivery pipeline's statements cost with no
//! HTTP, no job runner and no other work on the cores. The same `trellis_db`
//! calls the pipeline makes, in the same batches, run back to back by the
//! benchmark: the dispatcher itself, fed the log 500 events at a time (per
//! batch: move the shared cursor, read the enabled endpoints, write the
//! messages and their jobs, in one transaction), then per batch of 32 (the
//! runner claims when half its 64 slots are free) the claim, the read of the
//! messages with their endpoints, and the record of successful attempts (attempts, message states, the
//! endpoint's failure record, the jobs' outcomes, in one transaction: the
//! statements `crate::record` in the webhooks crate writes for successes).
//!
//! Deliveries/s here is a ceiling for durable delivery on this engine and
//! machine with these statements: Trellis does all of this and the HTTP
//! besides. SQLite runs it in one task (one writer at a time anyway);
//! PostgreSQL in one task for the dispatcher and four claiming at once, as its
//! four write lanes do.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use trellis_db::jobs;
use trellis_db::webhook_attempts::{self as attempts, AttemptRow};
use trellis_db::webhook_messages::{self as msgs, MessageAttempt};
use trellis_db::{now_ms, Db};
use trellis_events::Follower;
use trellis_platform::{AppParts, AppState};
use trellis_webhooks::dispatch::Dispatcher;
use trellis_webhooks::messages::DELIVER;

use super::receiver::Receiver;
use super::{start_trellis, write_events, PER_TX};

/// Events the dispatcher reads per batch (`trellis-worker`'s follower).
const READ: i64 = 500;
/// Deliveries claimed and recorded together.
const CLAIM: i64 = 32;

/// An instance creates the endpoint and stops; `n` events are written into its
/// database; then the benchmark runs the pipeline's statements for them.
/// Returns deliveries/s over the dispatch and the deliveries together.
pub(super) async fn alone(label: &str, db_url: Option<&str>, rx: &Receiver, n: usize) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().display().to_string();
    let first = start_trellis(db_url, &[("TRELLIS_DATA_DIR", &data_dir)], rx).await;
    let url = first.state.config.database_url.clone();
    // Its settings, for the dispatcher (run below on the benchmark's pool).
    let state = first.state.clone();
    first.stop().await;
    let db = Db::connect(&url, 8, Duration::from_secs(10))
        .await
        .expect("database");
    write_events(&db, "al", n, PER_TX, None).await;
    let lanes = match db.backend() {
        trellis_db::Backend::Sqlite => 1,
        trellis_db::Backend::Postgres => 4,
    };

    let start = Instant::now();
    let queued = dispatch(&db, &state).await;
    let dispatched = start.elapsed();
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..lanes {
        let db = db.clone();
        tasks.spawn(async move { deliver(&db, &format!("bench/{lane}")).await });
    }
    let mut delivered = 0;
    while let Some(done) = tasks.join_next().await {
        delivered += done.expect("lane");
    }
    let all = start.elapsed();
    let rate = delivered as f64 / all.as_secs_f64();
    println!(
        "{label:<11} database alone: the pipeline's statements for {n} events, no HTTP: {queued} messages queued in {:.2} s, {delivered} claimed, read and recorded in {:.2} s ({lanes} at once): {rate:.0} deliveries/s",
        dispatched.as_secs_f64(),
        (all - dispatched).as_secs_f64(),
    );
    db.close().await;
    rate
}

/// The dispatcher itself (`trellis_webhooks::dispatch::Dispatcher`), fed the
/// log's batches as its follower feeds them, on the benchmark's pool; returns
/// the messages it queued.
async fn dispatch(db: &Db, state: &AppState) -> usize {
    let state = AppState::from(AppParts {
        db: db.clone(),
        ..state.parts()
    });
    let mut dispatcher = Dispatcher::new(state);
    loop {
        // Read back each time, as its follower does: a batch applies only from
        // where the shared cursor stands.
        let at = dispatcher.position().await.expect("cursor");
        let events = trellis_db::events::read_after(&mut db.conn().await.expect("conn"), at, READ)
            .await
            .expect("read events");
        if events.is_empty() {
            break;
        }
        dispatcher.apply(&events).await.expect("dispatch");
    }
    let (pending, _, _, _) = msgs::message_counts(&mut db.conn().await.expect("conn"))
        .await
        .expect("message counts");
    pending as usize
}

/// Claims, reads and records batches until nothing is due; returns how many.
async fn deliver(db: &Db, claimer: &str) -> usize {
    let mut done = 0;
    loop {
        let lease_until = now_ms() + 30_000;
        let batch = jobs::claim(
            &mut db.write_conn().await.expect("write conn"),
            claimer,
            &[DELIVER],
            lease_until,
            CLAIM,
        )
        .await
        .expect("claim");
        if batch.is_empty() {
            return done;
        }
        let ids: Vec<&str> = batch.iter().map(|j| j.dedupe.as_str()).collect();
        let loaded = msgs::messages_and_endpoints(&mut db.conn().await.expect("conn"), &ids)
            .await
            .expect("messages");
        let at = now_ms();
        let rows: Vec<AttemptRow> = loaded
            .iter()
            .map(|(m, _)| AttemptRow {
                id: 0,
                message_id: m.id.clone(),
                endpoint_id: m.endpoint_id.clone(),
                attempted_at: at,
                success: true,
                status_code: Some(200),
                latency_ms: 1,
                error_kind: None,
                error: None,
                request_headers: request_headers(&m.event_id),
                response_headers: Some(r#"{"content-length":"0"}"#.into()),
                response_body: Some(String::new()),
            })
            .collect();
        let states: Vec<MessageAttempt> = loaded
            .iter()
            .map(|(m, _)| MessageAttempt {
                id: &m.id,
                state: "delivered",
                status: Some(200),
                error: None,
                at,
                next_attempt_at: None,
            })
            .collect();
        let mut tx = db.begin().await.expect("begin");
        attempts::insert_many(&mut tx, &rows)
            .await
            .expect("attempts");
        msgs::messages_attempted(&mut tx, &states)
            .await
            .expect("states");
        if let Some((_, Some(ep))) = loaded.first() {
            trellis_db::webhooks::mark_failing_since(&mut tx, &ep.id, true, 0)
                .await
                .expect("endpoint");
        }
        let job_ids: Vec<i64> = batch.iter().map(|j| j.id).collect();
        jobs::complete_many(&mut tx, &job_ids, claimer)
            .await
            .expect("complete");
        tx.commit().await.expect("commit");
        done += batch.len();
    }
}

/// Request headers of a delivery's size, as the attempt log keeps them.
fn request_headers(event_id: &str) -> String {
    let headers: BTreeMap<&str, String> = [
        ("content-type", "application/json".to_owned()),
        ("user-agent", "Trellis-Webhooks/1".to_owned()),
        ("webhook-id", event_id.to_owned()),
        ("webhook-timestamp", (now_ms() / 1000).to_string()),
        ("webhook-signature", format!("v1,{}", "A".repeat(44))),
    ]
    .into_iter()
    .collect();
    serde_json::to_string(&headers).expect("json")
}
