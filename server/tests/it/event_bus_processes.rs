//! The event bus across real `trellis` processes: a server killed with SIGKILL
//! in the middle of running jobs and following the log loses no event and no
//! job and writes no event twice once restarted; two worker processes on one
//! PostgreSQL share ten thousand jobs with none run by both.

use std::collections::HashSet;
use std::time::Duration;

use object_store::{ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use trellis_db::Db;
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::{emit, Actor};
use trellis_platform::config;
use trellis_platform::registry::{artifact_deletion, artifact_path};
use trellis_platform::storage::Storage;

use crate::harness::{eventually_within, fresh_env, log_readable};
use crate::procs::Proc;

fn sha(i: usize) -> String {
    hex::encode(Sha256::digest(format!("artifact {i}")))
}

async fn stats(db: &Db) -> trellis_db::jobs::QueueStats {
    trellis_db::jobs::stats(&mut db.conn().await.unwrap())
        .await
        .unwrap()
}

/// Every event of the log in log order (waiting until followers could read all).
async fn all_events(db: &Db) -> Vec<String> {
    log_readable(db).await;
    let mut c = db.conn().await.unwrap();
    let mut out = Vec::new();
    let mut at = None;
    loop {
        let batch = trellis_db::events::read_after(&mut c, at, 1000)
            .await
            .unwrap();
        let Some(last) = batch.last() else { break };
        at = Some(last.position);
        out.extend(batch.into_iter().map(|e| e.id));
    }
    out
}

fn file_ids(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_server_killed_mid_work_loses_no_event_or_job_and_applies_no_event_twice() {
    const JOBS: usize = 1500;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.jsonl");
    let mut env = fresh_env(dir.path()).await;
    env.extend([
        (
            "TRELLIS_EVENTS__LOG_FILE".to_string(),
            log.display().to_string(),
        ),
        ("TRELLIS_EVENTS__POLL_MS".into(), "20".into()),
        ("TRELLIS_EVENTS__JOB_LEASE_SECS".into(), "2".into()),
        ("TRELLIS_EVENTS__JOB_CONCURRENCY".into(), "4".into()),
    ]);
    let cfg = config::load(None, &env).unwrap();
    let db = Db::connect(&cfg.database_url, 4, Duration::from_secs(10))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let storage = Storage::open(&cfg.storage).unwrap();
    let mut tx = db.begin().await.unwrap();
    for i in 0..JOBS {
        storage
            .store()
            .put(&artifact_path(&sha(i)), PutPayload::from(vec![1u8; 64]))
            .await
            .unwrap();
        artifact_deletion::enqueue_delete(&mut tx, &sha(i), None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    // Events keep coming, from outside the server, all along.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let writer = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut n = 0u32;
            while !*stop_rx.borrow() {
                let mut tx = db.begin().await.unwrap();
                let data = NamespaceCreated {
                    namespace: format!("n{n}"),
                    owner: "x".into(),
                };
                emit(&mut tx, &Actor::System, &data).await.unwrap();
                tx.commit().await.unwrap();
                n += 1;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            n
        })
    };

    let server = Proc::start(&env, "all").await;
    eventually_within("some jobs done and some events followed", 60, || async {
        stats(&db).await.done >= 100 && file_ids(&log).len() >= 50
    })
    .await;
    server.kill9();
    let at_kill = stats(&db).await;
    let written_at_kill = file_ids(&log).len();
    assert!(
        at_kill.done < JOBS as i64,
        "every job finished before the kill: {at_kill:?}"
    );

    let server = Proc::start(&env, "all").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop_tx.send(true).unwrap();
    let emitted = writer.await.unwrap();
    assert!(emitted > 0);
    eventually_within("every job done after the restart", 120, || async {
        stats(&db).await.done == JOBS as i64
    })
    .await;
    let events = all_events(&db).await;
    eventually_within("the file holds the whole log", 60, || async {
        file_ids(&log).len() >= events.len()
    })
    .await;
    server.stop();

    let in_file = file_ids(&log);
    assert!(written_at_kill < in_file.len());
    assert_eq!(
        in_file.len(),
        events.len(),
        "events missing from or repeated in the file"
    );
    assert_eq!(in_file, events, "the file is the log, in log order");
    assert_eq!(in_file.iter().collect::<HashSet<_>>().len(), in_file.len());
    let s = stats(&db).await;
    assert_eq!(
        (s.done, s.queued, s.running, s.failed),
        (JOBS as i64, 0, 0, 0),
        "{s:?}"
    );
    for i in 0..JOBS {
        assert!(
            matches!(
                storage.store().head(&artifact_path(&sha(i))).await,
                Err(object_store::Error::NotFound { .. })
            ),
            "artifact {i} left behind"
        );
    }
}

#[tokio::test]
async fn two_worker_processes_on_one_postgres_share_ten_thousand_jobs() {
    const JOBS: usize = 10_000;
    if std::env::var("TRELLIS_TEST_POSTGRES_URL").is_err() {
        eprintln!("two_worker_processes_on_one_postgres_share_ten_thousand_jobs: skipped (SQLite runs one process; this runs in the PostgreSQL pass)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = fresh_env(dir.path())
        .await
        .into_iter()
        // The queue is what is tested: artifacts in a shared directory.
        .filter(|(k, _)| !k.starts_with("TRELLIS_STORAGE__"))
        .collect();
    env.extend([
        ("TRELLIS_EVENTS__POLL_MS".to_string(), "20".to_string()),
        ("TRELLIS_EVENTS__JOB_CONCURRENCY".into(), "8".into()),
    ]);
    let cfg = config::load(None, &env).unwrap();
    let db = Db::connect(&cfg.database_url, 4, Duration::from_secs(10))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    for i in 0..JOBS {
        artifact_deletion::enqueue_delete(&mut tx, &sha(i), None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();

    let a = Proc::start(&env, "worker").await;
    let b = Proc::start(&env, "worker").await;
    eventually_within("every job done", 300, || async {
        stats(&db).await.done == JOBS as i64
    })
    .await;
    a.stop();
    b.stop();

    let mut c = db.conn().await.unwrap();
    let twice: i64 =
        trellis_db::sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE attempts <> 1")
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert_eq!(twice, 0, "a job was claimed more than once");
    let by: Vec<(String, i64)> = trellis_db::sqlx::query_as(
        "SELECT claimed_by, COUNT(*) FROM jobs GROUP BY claimed_by ORDER BY claimed_by",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert_eq!(by.len(), 2, "both processes ran jobs: {by:?}");
    assert_eq!(by.iter().map(|(_, n)| n).sum::<i64>(), JOBS as i64);
    assert!(by.iter().all(|(_, n)| *n > 0), "{by:?}");
}
