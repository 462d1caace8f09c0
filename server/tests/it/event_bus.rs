//! The event bus's machinery on the real database of the run (SQLite, or
//! PostgreSQL when `TRELLIS_TEST_POSTGRES_URL` is set): followers read every
//! event once and in order even when transactions commit out of order; the job
//! queue never hands one job to two claimers, takes back work whose lease ran
//! out, and keeps what retention must not prune; the event log file follower
//! writes each event once across restarts.

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use trellis_db::events::{EventRow, Position};
use trellis_db::{jobs, now_ms, Backend};
use trellis_events::catalogue::NamespaceCreated;
use trellis_events::follow::{step, Follower, FollowerError};
use trellis_events::{emit, Actor};

use crate::harness::{eventually, log_readable, TestApp};

/// A follower that remembers what it applied, in memory.
struct Recorder {
    name: String,
    at: Option<Position>,
    seen: Vec<String>,
}

#[async_trait]
impl Follower for Recorder {
    fn name(&self) -> String {
        self.name.clone()
    }
    async fn position(&mut self) -> Result<Option<Position>, FollowerError> {
        Ok(self.at)
    }
    async fn apply(&mut self, events: &[EventRow]) -> Result<(), FollowerError> {
        for e in events {
            self.seen.push(e.subject_id.clone());
            self.at = Some(e.position);
        }
        Ok(())
    }
}

fn ns(name: &str) -> NamespaceCreated {
    NamespaceCreated {
        namespace: name.into(),
        owner: "root".into(),
    }
}

/// A transaction that took its id first but commits last must not be skipped
/// by a follower that read the later one first.
#[tokio::test]
async fn a_follower_never_skips_an_event_that_commits_late() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    let mut f = Recorder {
        name: "recorder".into(),
        at: None,
        seen: Vec::new(),
    };
    if db.backend() == Backend::Postgres {
        // A takes its transaction id (and its event) first...
        let mut a = db.begin().await.unwrap();
        emit(&mut a, &Actor::System, &ns("first-started"))
            .await
            .unwrap();
        // ...B starts later and commits first.
        let mut b = db.begin().await.unwrap();
        emit(&mut b, &Actor::System, &ns("second-started"))
            .await
            .unwrap();
        b.commit().await.unwrap();
        // While A is in flight the follower reads nothing past it.
        step(db, &mut f, 100).await.unwrap();
        assert!(
            f.seen.is_empty(),
            "read past a transaction in flight: {:?}",
            f.seen
        );
        a.commit().await.unwrap();
        settle(&app).await;
        step(db, &mut f, 100).await.unwrap();
        assert_eq!(f.seen, ["first-started", "second-started"]);
    } else {
        // SQLite serialises writers: commit order is log order.
        for name in ["one", "two"] {
            let mut tx = db.begin().await.unwrap();
            emit(&mut tx, &Actor::System, &ns(name)).await.unwrap();
            tx.commit().await.unwrap();
        }
        step(db, &mut f, 100).await.unwrap();
        assert_eq!(f.seen, ["one", "two"]);
    }
    // Nothing new: nothing applied again.
    assert_eq!(step(db, &mut f, 100).await.unwrap().applied, 0);
    assert_eq!(f.seen.len(), 2);
}

/// Many writers at once, a follower reading all along: it sees each committed
/// event exactly once, rolled-back ones never.
#[tokio::test]
async fn a_follower_reading_during_concurrent_writes_sees_each_committed_event_once() {
    let app = TestApp::new().await;
    let db = app.state.db.clone();
    let mut writers = Vec::new();
    for w in 0..4 {
        let db = db.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..25 {
                let mut tx = db.begin().await.unwrap();
                emit(&mut tx, &Actor::System, &ns(&format!("w{w}-{i}")))
                    .await
                    .unwrap();
                if i % 5 == 4 {
                    tx.rollback().await.unwrap();
                } else {
                    tx.commit().await.unwrap();
                }
            }
        }));
    }
    let mut f = Recorder {
        name: "recorder".into(),
        at: None,
        seen: Vec::new(),
    };
    while writers.iter().any(|w| !w.is_finished()) {
        step(&db, &mut f, 7).await.unwrap();
    }
    for w in writers {
        w.await.unwrap();
    }
    settle(&app).await;
    while step(&db, &mut f, 7).await.unwrap().applied > 0 {}
    let committed: Vec<String> = f
        .seen
        .iter()
        .filter(|s| s.starts_with('w'))
        .cloned()
        .collect();
    assert_eq!(committed.len(), 80, "{committed:?}");
    let unique: HashSet<&String> = committed.iter().collect();
    assert_eq!(unique.len(), 80, "an event applied twice");
    assert!(committed
        .iter()
        .all(|s| !s.ends_with("-4") && !s.ends_with("-9")));
    // Each writer's own events in its commit order.
    for w in 0..4 {
        let mine: Vec<&String> = committed
            .iter()
            .filter(|s| s.starts_with(&format!("w{w}-")))
            .collect();
        let mut sorted = mine.clone();
        sorted.sort_by_key(|s| s.split('-').nth(1).unwrap().parse::<u32>().unwrap());
        assert_eq!(mine, sorted);
    }
}

/// Waits until followers can read every committed event (see [`log_readable`]).
pub async fn settle(app: &TestApp) {
    log_readable(&app.state.db).await;
}

async fn enqueue_n(app: &TestApp, kind: &str, n: usize) {
    let mut tx = app.state.db.begin().await.unwrap();
    for i in 0..n {
        trellis_events::jobs::enqueue(
            &mut tx,
            kind,
            &format!("job-{i}"),
            None,
            &serde_json::json!({"i": i}),
            3,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn claims_never_overlap_and_expired_leases_are_claimed_again() {
    let app = TestApp::new().await;
    // A kind no handler of this process runs, so its own runner leaves them alone.
    enqueue_n(&app, "test.unhandled", 200).await;
    // A second enqueue with the same key is ignored.
    let mut c = app.state.db.conn().await.unwrap();
    assert!(!trellis_events::jobs::enqueue(
        &mut c,
        "test.unhandled",
        "job-0",
        None,
        &serde_json::json!({}),
        3
    )
    .await
    .unwrap());
    // What an idle runner reads before it claims.
    let kinds = ["test.unhandled"];
    assert!(jobs::any_claimable(&mut c, &kinds).await.unwrap());
    assert!(!jobs::any_claimable(&mut c, &["test.none"]).await.unwrap());
    drop(c);
    let mut claimers = Vec::new();
    for k in 0..4 {
        let db = app.state.db.clone();
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = jobs::claim(
                    &mut db.conn().await.unwrap(),
                    &format!("claimer-{k}"),
                    &["test.unhandled"],
                    now_ms() + 60_000,
                    9,
                )
                .await
                .unwrap();
                let got: Vec<_> = got
                    .into_iter()
                    .filter(|j| j.kind == "test.unhandled")
                    .collect();
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    assert_eq!(all.len(), 200, "every job claimed once");
    assert_eq!(
        all.iter().collect::<HashSet<_>>().len(),
        200,
        "a job claimed twice"
    );

    let mut c = app.state.db.conn().await.unwrap();
    // Nothing left to claim while leases hold.
    assert!(!jobs::any_claimable(&mut c, &kinds).await.unwrap());
    assert!(
        jobs::claim(&mut c, "late", &["test.unhandled"], now_ms() + 60_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|j| j.kind != "test.unhandled")
    );
    // A lease that ran out: the job is claimed again, by someone else, and the
    // first claimer can no longer finish it.
    let id = all[0];
    trellis_db::sqlx::query("UPDATE jobs SET lease_until = 0 WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await
        .unwrap();
    assert!(jobs::any_claimable(&mut c, &kinds).await.unwrap());
    let again = jobs::claim(
        &mut c,
        "rescuer",
        &["test.unhandled"],
        now_ms() + 60_000,
        10,
    )
    .await
    .unwrap();
    let again: Vec<_> = again
        .into_iter()
        .filter(|j| j.kind == "test.unhandled")
        .collect();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (id, 2));
    let first =
        trellis_db::sqlx::query_scalar::<_, String>("SELECT claimed_by FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert_eq!(first, "rescuer");
    for claimer in ["claimer-0", "claimer-1", "claimer-2", "claimer-3"] {
        assert!(!jobs::complete(&mut c, id, claimer).await.unwrap());
    }
    assert!(jobs::complete(&mut c, id, "rescuer").await.unwrap());
    // Retry puts it back for later; release hands it back without counting.
    let j = all[1];
    let owner =
        trellis_db::sqlx::query_scalar::<_, String>("SELECT claimed_by FROM jobs WHERE id = $1")
            .bind(j)
            .fetch_one(&mut *c)
            .await
            .unwrap();
    assert!(jobs::release(&mut c, j, &owner).await.unwrap());
    let back = jobs::claim(&mut c, "next", &["test.unhandled"], now_ms() + 60_000, 10)
        .await
        .unwrap();
    assert!(
        back.iter().any(|x| x.id == j && x.attempts == 1),
        "{back:?}"
    );
    assert!(
        jobs::retry(&mut c, j, "next", now_ms() + 3_600_000, "later")
            .await
            .unwrap()
    );
    assert!(
        jobs::claim(&mut c, "next", &["test.unhandled"], now_ms() + 60_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != j)
    );
    assert!(!jobs::any_claimable(&mut c, &kinds).await.unwrap());
    let s = jobs::stats(&mut c).await.unwrap();
    assert_eq!((s.done, s.queued), (1, 1), "{s:?}");
}

#[tokio::test]
async fn the_runner_runs_jobs_retries_failures_and_stops_cleanly() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use trellis_db::jobs::ClaimedJob;
    use trellis_events::jobs::{Done, JobFailure, JobHandler};

    struct Flaky(Arc<AtomicUsize>);
    #[async_trait]
    impl JobHandler for Flaky {
        fn kind(&self) -> &'static str {
            "test.flaky"
        }
        async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure> {
            self.0.fetch_add(1, Ordering::SeqCst);
            let i: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
            match i["i"].as_u64().unwrap() {
                0 => Err(JobFailure::Permanent("no".into())),
                1 if job.attempts < 2 => Err(JobFailure::Retry {
                    error: "once".into(),
                    after: Some(Duration::ZERO),
                }),
                _ => Ok(Done::Complete),
            }
        }
    }
    let app = TestApp::new().await;
    enqueue_n(&app, "test.flaky", 30).await;
    let runs = Arc::new(AtomicUsize::new(0));
    let handlers: std::collections::HashMap<&'static str, Arc<dyn JobHandler>> = [(
        "test.flaky",
        Arc::new(Flaky(runs.clone())) as Arc<dyn JobHandler>,
    )]
    .into_iter()
    .collect();
    let mut s = trellis_worker::Supervisor::new();
    let cfg = trellis_worker::jobs::RunnerConfig {
        claimer: "test-runner".into(),
        concurrency: 4,
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(20),
        stop_grace: Duration::from_secs(2),
    };
    let (db, handlers) = (app.state.db.clone(), Arc::new(handlers));
    s.spawn("test-runner", move |stop| {
        trellis_worker::jobs::run(db.clone(), handlers.clone(), cfg.clone(), stop)
    });
    eventually("every flaky job settled", || async {
        let s = jobs::stats(&mut app.state.db.conn().await.unwrap())
            .await
            .unwrap();
        s.done == 29 && s.failed == 1
    })
    .await;
    assert_eq!(runs.load(Ordering::SeqCst), 31, "30 jobs, one retried once");
    assert!(s.shutdown(Duration::from_secs(5)).await.is_empty());
}

#[tokio::test]
async fn retention_keeps_what_a_follower_or_a_pending_job_needs() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    for name in ["a", "b", "c", "d"] {
        let mut tx = db.begin().await.unwrap();
        emit(&mut tx, &Actor::System, &ns(name)).await.unwrap();
        tx.commit().await.unwrap();
    }
    // On PostgreSQL the log is readable only below the oldest transaction in
    // flight anywhere on the server (other tests' included).
    crate::harness::log_readable(db).await;
    let mut c = db.conn().await.unwrap();
    let all = trellis_db::events::read_after(&mut c, None, 100)
        .await
        .unwrap();
    let mine: Vec<&EventRow> = all
        .iter()
        .filter(|e| ["a", "b", "c", "d"].contains(&e.subject_id.as_str()))
        .collect();
    // The process's own followers (the event counter, the search indexer) keep
    // cursors too: wait until they have read past "d", so that only the ones
    // placed below hold the log back.
    drop(c);
    let last = mine[3].position;
    crate::harness::eventually(
        "the process's followers have read the test's events",
        || async {
            let cursors = trellis_db::events::cursors(&mut db.conn().await.unwrap())
                .await
                .unwrap();
            !cursors.is_empty() && cursors.iter().all(|k| k.position >= last)
        },
    )
    .await;
    let mut c = db.conn().await.unwrap();
    // A follower stands at "b"; a pending job refers to "d".
    trellis_db::events::save_cursor(&mut c, "slow", mine[1].position)
        .await
        .unwrap();
    trellis_events::jobs::enqueue(
        &mut c,
        "test.unhandled",
        "x",
        Some(&mine[3].id),
        &serde_json::json!({}),
        1,
    )
    .await
    .unwrap();
    // Everything is "old" for this sweep.
    let pruned = trellis_db::events::prune(&mut c, now_ms() + 1000, 0)
        .await
        .unwrap();
    let left: Vec<String> = trellis_db::events::read_after(&mut c, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.subject_id)
        .collect();
    assert!(pruned >= 1);
    assert!(!left.contains(&"a".to_string()), "{left:?}");
    for kept in ["b", "c", "d"] {
        assert!(left.contains(&kept.to_string()), "{kept} pruned: {left:?}");
    }
    // A follower whose cursor went stale no longer holds the log back, and is
    // told of the gap when it comes back.
    let pruned = trellis_db::events::prune(&mut c, now_ms() + 1000, trellis_db::now() + 10)
        .await
        .unwrap();
    assert!(pruned >= 2);
    drop(c);
    let mut f = Recorder {
        name: "slow".into(),
        at: Some(mine[1].position),
        seen: Vec::new(),
    };
    let stepped = step(db, &mut f, 100).await.unwrap();
    assert!(f.seen.contains(&"d".to_string()), "{:?}", f.seen);
    assert!(stepped.applied >= 1);
}

/// An instance writing its event log to `events.jsonl` in a fresh directory
/// (kept alive by the returned guard), following the log every 20 ms.
async fn with_event_log_file() -> (tempfile::TempDir, std::path::PathBuf, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    let app = TestApp::with_env(&[
        ("TRELLIS_EVENTS__LOG_FILE", &file.display().to_string()),
        ("TRELLIS_EVENTS__POLL_MS", "20"),
    ])
    .await;
    (dir, file, app)
}

#[tokio::test]
async fn the_event_log_file_has_each_event_once_in_order_across_restarts() {
    let (_dir, file, app) = with_event_log_file().await;
    for i in 0..5 {
        app.user(&format!("user{i}")).await;
    }
    // The file's whole lines, and whether it ends with one.
    let read = |f: std::path::PathBuf| async move {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let whole = text.rfind('\n').map_or("", |i| &text[..i]);
        let lines = whole
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .collect::<Vec<_>>();
        (lines, text.is_empty() || text.ends_with('\n'))
    };
    eventually("five sign-ups in the file", || async {
        read(file.clone()).await.0.len() == 5
    })
    .await;
    // A crash mid-write leaves a torn last line: the next process cuts it and
    // goes on after the last whole line.
    let saved = app.saved();
    app.stop().await;
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        f.write_all(b"{\"position\":[0,").unwrap();
    }
    let again = TestApp::again(&saved).await;
    for i in 5..8 {
        again.user(&format!("user{i}")).await;
    }
    eventually("eight sign-ups in the file, the torn line cut", || async {
        let (lines, whole) = read(file.clone()).await;
        lines.len() == 8 && whole
    })
    .await;
    // One writer per file: a second process configured with the same file
    // waits for the first one's lock, then takes over where it stopped.
    let second = again.restart().await;
    second.user("user8").await;
    eventually("nine sign-ups in the file", || async {
        read(file.clone()).await.0.len() == 9
    })
    .await;
    again.stop().await;
    second.user("user9").await;
    eventually("ten sign-ups in the file", || async {
        read(file.clone()).await.0.len() >= 10
    })
    .await;
    second.stop().await;
    let (got, whole) = read(file.clone()).await;
    assert!(whole);
    let users: Vec<&str> = got
        .iter()
        .map(|l| l["data"]["username"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..10).map(|i| format!("user{i}")).collect();
    assert_eq!(users, want);
    let ids: HashSet<&str> = got.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 10);
}

/// Rotating the event log file, while the server runs or while it is stopped,
/// goes on in a new file at the path and never writes an event again.
#[tokio::test]
async fn a_rotated_event_log_file_goes_on_without_replaying() {
    let (dir, file, app) = with_event_log_file().await;
    let users = |f: std::path::PathBuf| {
        std::fs::read_to_string(f)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["data"]["username"].as_str().unwrap().to_owned()
            })
            .collect::<Vec<_>>()
    };
    app.user("first").await;
    eventually("first in the file", || async {
        users(file.clone()) == ["first"]
    })
    .await;
    // Moved away while running (logrotate's default).
    let one = dir.path().join("events.jsonl.1");
    std::fs::rename(&file, &one).unwrap();
    app.user("second").await;
    eventually("second in a new file", || async {
        users(file.clone()) == ["second"]
    })
    .await;
    assert_eq!(users(one.clone()), ["first"]);
    // Moved away while stopped: the next process goes on after the last event
    // written, not from the oldest one kept.
    let saved = app.saved();
    app.stop().await;
    let two = dir.path().join("events.jsonl.2");
    std::fs::rename(&file, &two).unwrap();
    let again = TestApp::again(&saved).await;
    again.user("third").await;
    eventually("third in a new file", || async {
        users(file.clone()) == ["third"]
    })
    .await;
    assert_eq!(users(two), ["second"]);
    assert_eq!(users(one), ["first"]);
    again.stop().await;
}

/// A clean stop lets running jobs finish for the grace period and hands the rest
/// back to the queue at once, the interrupted attempt not counted.
#[tokio::test]
async fn a_stopping_runner_hands_unfinished_jobs_back() {
    use std::sync::Arc;
    use trellis_db::jobs::ClaimedJob;
    use trellis_events::jobs::{Done, JobFailure, JobHandler};

    /// Counts the jobs that started; the even ones finish 100 ms after the stop
    /// is asked for (within the grace period), the odd ones never do.
    struct Slow {
        started: Arc<std::sync::atomic::AtomicUsize>,
        stopping: tokio::sync::watch::Receiver<bool>,
    }
    #[async_trait]
    impl JobHandler for Slow {
        fn kind(&self) -> &'static str {
            "test.slow"
        }
        async fn run(&self, job: &ClaimedJob) -> Result<Done, JobFailure> {
            let i: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
            self.started
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if i["i"].as_u64().unwrap().is_multiple_of(2) {
                let _ = self.stopping.clone().wait_for(|s| *s).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            } else {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            }
            Ok(Done::Complete)
        }
    }
    let app = TestApp::new().await;
    enqueue_n(&app, "test.slow", 4).await;
    let started = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (stopping, stopping_rx) = tokio::sync::watch::channel(false);
    let slow = Slow {
        started: started.clone(),
        stopping: stopping_rx,
    };
    let handlers: std::collections::HashMap<&'static str, Arc<dyn JobHandler>> =
        [("test.slow", Arc::new(slow) as Arc<dyn JobHandler>)]
            .into_iter()
            .collect();
    let mut s = trellis_worker::Supervisor::new();
    let cfg = trellis_worker::jobs::RunnerConfig {
        claimer: "stopping-runner".into(),
        concurrency: 4,
        lease: Duration::from_secs(60),
        poll: Duration::from_millis(20),
        stop_grace: Duration::from_secs(2),
    };
    let (db, handlers) = (app.state.db.clone(), Arc::new(handlers));
    s.spawn("stopping-runner", move |stop| {
        trellis_worker::jobs::run(db.clone(), handlers.clone(), cfg.clone(), stop)
    });
    eventually("all four jobs running", || async {
        started.load(std::sync::atomic::Ordering::SeqCst) == 4
    })
    .await;
    assert_eq!(
        jobs::stats(&mut app.state.db.conn().await.unwrap())
            .await
            .unwrap()
            .running,
        4
    );
    stopping.send_replace(true);
    assert!(
        s.shutdown(Duration::from_secs(10)).await.is_empty(),
        "the runner stopped within its grace"
    );
    let mut c = app.state.db.conn().await.unwrap();
    let st = jobs::stats(&mut c).await.unwrap();
    assert_eq!((st.done, st.queued, st.running), (2, 2, 0), "{st:?}");
    // Back in the queue, due now, the interrupted attempt not counted.
    let back = jobs::claim(&mut c, "next", &["test.slow"], now_ms() + 60_000, 10)
        .await
        .unwrap();
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|j| j.attempts == 1), "{back:?}");
}
