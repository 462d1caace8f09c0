//! `trellis-bench registry`: registry throughput and latency figures.
//! `trellis-bench http`: downloads, static files and pages over keep-alive
//! connections (wrk), against nginx and a bare axum handler in the same run.
//! `trellis-bench events`: the event bus (events in publish transactions, jobs/s
//! with one and two worker processes, follower lag).
//! `trellis-bench search`: discovery (queries/s in-process, over HTTP and on
//! PostgreSQL full-text search; 100,000 plugins; pages; the hydrate bundle).
//! `trellis-bench relevance --catalog FILE --queries FILE [--json]`: recall@10,
//! MRR@10 and nDCG@10 of search over a catalogue and judged queries.
//! `trellis-bench webhooks`: webhook deliveries/s and latency to a loopback
//! receiver on SQLite and PostgreSQL against a bare client's ceiling, and
//! eventual delivery with 30 % of attempts failing.
//! `trellis-bench runtime`: the plugin runtime (dispatch overhead against a raw
//! Extism call, events/s through one and ten plugins, a five-plugin install,
//! memory per installed plugin).
//!
//! Each starts a real Trellis (its own data directory; SQLite + files, or PostgreSQL /
//! S3 when TRELLIS_DATABASE__URL / TRELLIS_STORAGE__* are set) on a loopback port,
//! drives it over HTTP, prints what it measured, and stops. Every loop is bounded in
//! count and time. Results are written up in docs/benchmarks.md.

mod bare;
mod cpu;
mod events;
mod graph;
mod http;
mod load;
mod nginx;
mod pg_fts;
mod relevance;
mod runtime;
mod search;
mod server;
mod webhooks;
mod wrk;

use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    match args.first().map(String::as_str) {
        Some("registry") => registry(quick).await,
        Some("events") => events::run(quick).await,
        Some("search") => search::run(quick).await,
        Some("webhooks") => webhooks::run(quick).await,
        Some("runtime") => {
            let only = args
                .iter()
                .position(|a| a == "--only")
                .and_then(|i| args.get(i + 1).cloned());
            runtime::run(quick, only.as_deref()).await
        }
        Some("relevance") => {
            let arg = |name: &str| {
                args.iter()
                    .position(|a| a == name)
                    .and_then(|i| args.get(i + 1))
                    .map(std::path::PathBuf::from)
            };
            match (arg("--catalog"), arg("--queries")) {
                (Some(c), Some(q)) => {
                    relevance::run(c, q, args.iter().any(|a| a == "--json")).await
                }
                _ => {
                    eprintln!("usage: trellis-bench relevance --catalog FILE.jsonl --queries FILE.jsonl [--json]");
                    std::process::exit(2);
                }
            }
        }
        Some("http") => {
            let only = args
                .iter()
                .position(|a| a == "--only")
                .and_then(|i| args.get(i + 1).cloned());
            http::run(quick, only.as_deref()).await
        }
        _ => {
            eprintln!(
                "usage: trellis-bench registry [--quick] | http [--quick] [--only WORD] | events [--quick] \
                 | search [--quick] | webhooks [--quick] | runtime [--quick] [--only overhead|events|install|memory] | relevance --catalog FILE.jsonl --queries FILE.jsonl [--json]"
            );
            std::process::exit(2);
        }
    }
}

async fn registry(quick: bool) {
    let srv = server::Bench::start().await;
    println!("# Trellis registry benchmark");
    println!("backend: {}", srv.describe());

    // 1. Publish and download a 10 MB package.
    let rounds = if quick { 2 } else { 5 };
    let big = load::publish_big(&srv, 10 * 1024 * 1024, rounds).await;
    println!(
        "publish 10 MB package:   {} rounds, median {:.0} ms, {:.1} MB/s",
        rounds,
        big.publish_median.as_secs_f64() * 1000.0,
        big.publish_mb_s
    );
    println!(
        "download 10 MB package:  {} rounds, median {:.0} ms, {:.1} MB/s",
        big.downloads,
        big.download_median.as_secs_f64() * 1000.0,
        big.download_mb_s
    );

    // 2. Many concurrent clients downloading a small package while counting.
    let clients = 32;
    let secs = if quick { 3 } else { 10 };
    let c = load::concurrent_downloads(&srv, clients, Duration::from_secs(secs)).await;
    println!(
        "concurrent downloads:    {clients} keep-alive clients, {secs} s: {} downloads, {:.0}/s, p50 {:.2} ms, p99 {:.2} ms, counted after flush: {}",
        c.count,
        c.per_sec,
        c.p50.as_secs_f64() * 1000.0,
        c.p99.as_secs_f64() * 1000.0,
        c.counted
    );

    // 3. Resolution of a 200-plugin graph.
    let t = Instant::now();
    let g = graph::publish_graph(&srv, 200, 3).await;
    println!(
        "published graph:         {} plugins x 3 versions in {:.1} s",
        g.plugins,
        t.elapsed().as_secs_f64()
    );
    let r = graph::time_resolution(&srv, &g, if quick { 5 } else { 20 }).await;
    println!(
        "resolve via HTTP:        {} plugins in plan, median {:.1} ms (min {:.1}, max {:.1}) over {} runs",
        r.plan_len,
        r.http_median.as_secs_f64() * 1000.0,
        r.http_min.as_secs_f64() * 1000.0,
        r.http_max.as_secs_f64() * 1000.0,
        r.runs
    );
    println!(
        "resolve in-process:      median {:.2} ms (pubgrub only, index in memory)",
        r.pure_median.as_secs_f64() * 1000.0
    );
    srv.stop().await;
}
