//! Publish/download throughput and concurrent download load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use rand::RngCore;

use crate::server::{manifest, package, Bench};

pub struct Big {
    pub publish_median: Duration,
    pub publish_mb_s: f64,
    pub downloads: usize,
    pub download_median: Duration,
    pub download_mb_s: f64,
}

/// The `p` quantile (0 to 1) of non-empty durations, by nearest rank.
pub fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A duration in milliseconds, for printing.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Publishes `rounds` versions of a package with `size` incompressible bytes, and downloads each.
pub async fn publish_big(b: &Bench, size: usize, rounds: usize) -> Big {
    let mut pubs = Vec::new();
    let mut dls = Vec::new();
    let mut total = 0usize;
    for i in 0..rounds {
        let mut blob = vec![0u8; size];
        rand::rng().fill_bytes(&mut blob);
        let bytes = package(
            &manifest("big", &format!("1.0.{i}"), &[]),
            &[("assets/blob.bin", blob)],
        );
        total = bytes.len();
        let t = Instant::now();
        b.publish(bytes).await;
        pubs.push(t.elapsed());

        let t = Instant::now();
        let res = b
            .http
            .get(format!(
                "{}/api/v1/plugins/bench.big/versions/1.0.{i}/download",
                b.base
            ))
            .send()
            .await
            .expect("download");
        assert!(res.status().is_success());
        let mut n = 0usize;
        let mut stream = res.bytes_stream();
        while let Some(chunk) = stream.next().await {
            n += chunk.expect("chunk").len();
        }
        assert_eq!(n, total);
        dls.push(t.elapsed());
    }
    let mb = total as f64 / 1_048_576.0;
    let pm = median(pubs);
    let dm = median(dls);
    Big {
        publish_median: pm,
        publish_mb_s: mb / pm.as_secs_f64(),
        downloads: rounds,
        download_median: dm,
        download_mb_s: mb / dm.as_secs_f64(),
    }
}

pub struct Concurrent {
    pub count: usize,
    pub per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub counted: String,
}

/// `clients` tasks download a small package in a loop for `dur` (at most 200k requests),
/// each over its own keep-alive connection (reqwest's pool keeps them open).
pub async fn concurrent_downloads(b: &Bench, clients: usize, dur: Duration) -> Concurrent {
    b.publish(package(&manifest("small", "1.0.0", &[]), &[]))
        .await;
    let url = format!(
        "{}/api/v1/plugins/bench.small/versions/1.0.0/download",
        b.base
    );
    let deadline = Instant::now() + dur;
    let budget = Arc::new(std::sync::atomic::AtomicUsize::new(200_000));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let http = b.http.clone();
        let url = url.clone();
        let budget = budget.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline
                && budget
                    .fetch_update(
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                        |v| v.checked_sub(1),
                    )
                    .is_ok()
            {
                let t = Instant::now();
                let res = http.get(&url).send().await.expect("download");
                assert!(res.status().is_success());
                res.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let elapsed = start.elapsed();
    all.sort();
    let count = all.len();
    b.state.downloads.flush(&b.state.db).await.expect("flush");
    let stats = trellis_platform::registry::plugins::downloads(&b.state, "bench.small")
        .await
        .expect("stats");
    let counted = serde_json::to_value(&stats)
        .ok()
        .and_then(|v| v["total"].as_i64())
        .map_or("?".into(), |n| {
            if n as usize == count {
                format!("{n} (all)")
            } else {
                format!("{n} of {count} (MISMATCH)")
            }
        });
    Concurrent {
        count,
        per_sec: count as f64 / elapsed.as_secs_f64(),
        p50: all[count / 2],
        p99: all[(count * 99 / 100).min(count - 1)],
        counted,
    }
}
