//! The backlog drain: deliveries/s when the events are already in the log as
//! the instance starts. In the burst row the benchmark's own event writer
//! shares the two cores with the deliveries and, on PostgreSQL, sets the pace;
//! here nothing else runs, so the row measures the delivery side alone.

use std::time::{Duration, Instant};

use trellis_db::Db;

use super::receiver::Receiver;
use super::{start_trellis, write_events, PER_TX};
use crate::server::Bench;

/// An instance creates the endpoint and stops; `n` events are written into its
/// database with no instance running; a second instance (the same settings, no
/// seeding) starts on it and delivers them. Returns deliveries/s from its
/// start to the last arrival.
pub(super) async fn drain(label: &str, db_url: Option<&str>, rx: &Receiver, n: usize) -> f64 {
    // One data directory for both: its SQLite file, and the session secret
    // the endpoint's signing secret is sealed under.
    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().display().to_string();
    let first = start_trellis(db_url, &[("TRELLIS_DATA_DIR", &data_dir)], rx).await;
    let url = first.state.config.database_url.clone();
    first.stop().await;
    let db = Db::connect(&url, 4, Duration::from_secs(10))
        .await
        .expect("database");
    let ids = write_events(&db, "dr", n, PER_TX, None).await;
    db.pool().close().await;
    rx.clear();
    let start = Instant::now();
    let env = [
        ("TRELLIS_SERVER__ROLE", "all".to_owned()),
        ("TRELLIS_WEBHOOKS__ALLOW_NETWORKS", "127.0.0.0/8".to_owned()),
        ("TRELLIS_DATABASE__URL", url.clone()),
        ("TRELLIS_DATA_DIR", data_dir.clone()),
    ];
    let second = Bench::start_seeded(&env, false).await;
    let started = start.elapsed();
    let all = rx.wait(n, true, Duration::from_secs(600)).await;
    let oks: Vec<Instant> = rx.ok_times(&ids).into_iter().flatten().collect();
    let got = oks.len();
    let (Some(a), Some(z)) = (oks.iter().min(), oks.iter().max()) else {
        println!("{label:<11} drain:  nothing delivered");
        second.stop().await;
        return 0.0;
    };
    let rate = got as f64 / z.duration_since(start).as_secs_f64();
    let steady = (got.saturating_sub(1)) as f64 / z.duration_since(*a).as_secs_f64().max(1e-6);
    println!(
        "{label:<11} drain:  {n} events in the log before the instance started ({:.2} s to start); {got} delivered{}: {rate:.0} deliveries/s from its start ({steady:.0} from the first arrival to the last)",
        started.as_secs_f64(),
        if all { "" } else { " (BOUND REACHED)" },
    );
    second.stop().await;
    rate
}
