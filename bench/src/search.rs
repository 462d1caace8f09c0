//! `trellis-bench search [--quick]`: discovery's figures, each beside its
//! baseline measured in the same run.
//!
//! - On the imported catalogue (catalog_obsidian, 6,858 plugins) and on 100,000
//!   plugins scaled up from it: queries/s with p50 / p99 in-process (the engine
//!   called directly, one and two threads) and over HTTP (`GET /api/v1/search`,
//!   wrk with keep-alive connections cycling through the judged queries), and the
//!   same queries on PostgreSQL full-text search (`pg_fts`, when
//!   `BENCH_POSTGRES_URL` names a server) with its recall beside Trellis's;
//! - with 100,000 plugins: the import time, the index's size on disk, the process's
//!   resident memory, and the time to rebuild the index from the database;
//! - page requests/s for the home, search and plugin pages against a bare axum
//!   handler serving a body of the same size;
//! - the gzip size of the hydrate bundle (`target/site/pkg`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use trellis_types::SearchQuery;

use crate::load::{ms, percentile};
use crate::pg_fts::{Entry, PgFts};
use crate::relevance::{self, Judged};
use crate::server::Bench;
use crate::{bare, wrk};

const CATALOG: &str = "../shared/data/catalog_obsidian.jsonl";
const QUERIES: &str = "../shared/data/queries_obsidian.jsonl";
const SCALED: usize = 100_000;

/// The command.
pub async fn run(quick: bool) {
    let catalog = data_path(CATALOG);
    let queries = relevance::read_queries(&data_path(QUERIES));
    let secs = Duration::from_secs(if quick { 3 } else { 10 });
    println!("# Trellis search benchmark");
    println!("machine: {}", crate::http::machine());
    println!(
        "catalogue: {} ; {} judged queries",
        catalog.display(),
        queries.len()
    );

    // 1. The catalogue as it is. The engine's own figures are measured with the
    // results cache off (every query computed); the cached row after them.
    let no_cache = [("TRELLIS_SEARCH__RESULTS_CACHE_ENTRIES", "0".to_owned())];
    let b = Bench::start_with(&no_cache).await;
    let (n, took) = relevance::import_and_wait(&b, &catalog, "catalog").await;
    println!("\n## {n} plugins (imported in {:.1} s)", took.as_secs_f64());
    let map = relevance::catalogue_ids(&b, "catalog").await;
    let mut ranked = Vec::new();
    for j in &queries {
        ranked.push(relevance::top10_http(&b, &j.query, &map).await.0);
    }
    let trellis_recall = relevance::score(
        ranked
            .iter()
            .zip(&queries)
            .map(|(r, j)| (r.as_slice(), j.relevant.as_slice())),
    );
    println!(
        "Trellis relevance:       recall@10 {:.3}, MRR@10 {:.3}",
        trellis_recall.recall, trellis_recall.mrr
    );
    freshness_row(&b).await;
    let two_threads = engine_rows(&b, &queries, secs).await;
    let uncached = http_row(&b, &queries, secs, "HTTP, no results cache", two_threads).await;
    page_rows(&b, secs).await;
    b.stop().await;
    let b = Bench::start().await;
    relevance::import_and_wait(&b, &catalog, "catalog").await;
    let cached = http_row(&b, &queries, secs, "HTTP, results cache", two_threads).await;
    b.stop().await;
    pg_rows(&catalog, 1, &queries, secs, (uncached, cached), "catalog").await;

    // 2. Scaled up to 100,000 plugins.
    let copies = SCALED.div_ceil(n.max(1) as usize);
    let scaled = scale_catalog(&catalog, copies, SCALED);
    let b = Bench::start_with(&no_cache).await;
    let rss_before = rss_mib();
    let (n, took) = relevance::import_and_wait(&b, scaled.path(), "catalog").await;
    println!(
        "\n## {n} plugins (the catalogue x{copies}, names numbered; imported in {:.1} s)",
        took.as_secs_f64()
    );
    let index_dir = b.data_dir().join("search-index");
    println!(
        "index on disk:           {:.1} MiB",
        dir_size(&index_dir) as f64 / 1048576.0
    );
    println!(
        "resident memory:         {:.0} MiB (this process: benchmark + server; {:.0} MiB before the import)",
        rss_mib(),
        rss_before
    );
    let scratch = tempfile::tempdir().expect("dir");
    let t = Instant::now();
    let rebuilt = trellis_search::indexer::rebuild_fresh(&b.state.db, scratch.path())
        .await
        .expect("rebuild");
    println!(
        "rebuild from database:   {rebuilt} plugins in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let two_threads = engine_rows(&b, &queries, secs).await;
    let uncached = http_row(&b, &queries, secs, "HTTP, no results cache", two_threads).await;
    b.stop().await;
    let b = Bench::start().await;
    relevance::import_and_wait(&b, scaled.path(), "catalog").await;
    let cached = http_row(&b, &queries, secs, "HTTP, results cache", two_threads).await;
    b.stop().await;
    pg_rows(
        scaled.path(),
        copies,
        &queries,
        secs,
        (uncached, cached),
        "scaled",
    )
    .await;
    bundle_row();
}

/// How long a publish takes to show in search: publish over HTTP, then ask every 5 ms.
async fn freshness_row(b: &Bench) {
    let mut lags = Vec::new();
    for i in 0..5u64 {
        let name = format!("fresh-plugin-{i}");
        b.publish(crate::server::package(
            &crate::server::manifest(&name, "1.0.0", &[]),
            &[],
        ))
        .await;
        let published = Instant::now();
        // The bench namespace holds only these plugins: the i-th publish makes i + 1.
        let query = SearchQuery {
            namespace: vec!["bench".into()],
            limit: 1,
            page: 1,
            ..Default::default()
        };
        let engine = b.state.search.get().expect("search engine");
        while engine.search(&query).expect("search").total < i + 1 {
            assert!(
                published.elapsed() < Duration::from_secs(30),
                "never searchable"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        lags.push(published.elapsed());
    }
    println!(
        "publish -> searchable:   median {:.0} ms, max {:.0} ms over {} publishes (the commit wakes the indexer; it polls every 200 ms only as a fallback)",
        ms(percentile(lags.clone(), 0.5)),
        ms(percentile(lags.clone(), 1.0)),
        lags.len()
    );
}

/// The shared data file `rel` (relative to the repository root), from the root or
/// from `bench/`.
fn data_path(rel: &str) -> PathBuf {
    for base in [".", ".."] {
        let p = Path::new(base).join(rel);
        if p.exists() {
            return p;
        }
    }
    panic!("{rel} not found: run from the repository root");
}

/// The engine called directly (one and two threads); returns queries/s on two.
async fn engine_rows(b: &Bench, queries: &[Judged], dur: Duration) -> f64 {
    let engine = b.state.search.get().expect("search engine");
    let qs: Arc<Vec<SearchQuery>> = Arc::new(
        queries
            .iter()
            .map(|j| SearchQuery {
                q: j.query.clone(),
                limit: 10,
                page: 1,
                ..Default::default()
            })
            .collect(),
    );
    let mut two_threads = 0.0;
    for threads in [1usize, 2] {
        let start = Instant::now();
        let mut handles = Vec::new();
        for t in 0..threads {
            let (engine, qs) = (engine.clone(), qs.clone());
            handles.push(tokio::task::spawn_blocking(move || {
                let mut lat = Vec::new();
                let mut i = t;
                while start.elapsed() < dur {
                    let s = Instant::now();
                    engine.search(&qs[i % qs.len()]).expect("search");
                    lat.push(s.elapsed());
                    i += 1;
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.expect("thread"));
        }
        let qps = all.len() as f64 / start.elapsed().as_secs_f64();
        if threads == 2 {
            two_threads = qps;
        }
        println!(
            "in-process, {threads} thread{}:    {qps:>7.0} queries/s, p50 {:.2} ms, p99 {:.2} ms",
            if threads == 1 { " " } else { "s" },
            ms(percentile(all.clone(), 0.5)),
            ms(percentile(all, 0.99))
        );
    }
    two_threads
}

/// `GET /api/v1/search` with wrk (16 connections cycling through the queries);
/// returns queries/s.
async fn http_row(
    b: &Bench,
    queries: &[Judged],
    dur: Duration,
    label: &str,
    in_process: f64,
) -> f64 {
    let paths: Vec<String> = queries
        .iter()
        .map(|j| {
            format!(
                "/api/v1/search?{}",
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("q", &j.query)
                    .append_pair("limit", "10")
                    .finish()
            )
        })
        .collect();
    let base = b.base.clone();
    let run = tokio::task::spawn_blocking(move || wrk::run_paths(&base, &paths, &[], 16, dur))
        .await
        .expect("wrk thread")
        .expect("wrk");
    println!(
        "{label:<24} {:>7.0} queries/s, p50 {:.2} ms, p99 {:.2} ms ({} non-2xx) = {:.2} of in-process (2 threads), 16 connections",
        run.req_per_sec,
        ms(run.p50),
        ms(run.p99),
        run.non_2xx,
        run.req_per_sec / in_process
    );
    run.req_per_sec
}

/// The same queries on PostgreSQL full-text search, when a server is given.
async fn pg_rows(
    catalog: &Path,
    copies: usize,
    queries: &[Judged],
    dur: Duration,
    trellis: (f64, f64),
    tag: &str,
) {
    let Ok(admin) = std::env::var("BENCH_POSTGRES_URL") else {
        println!("PostgreSQL FTS:          skipped (set BENCH_POSTGRES_URL)");
        return;
    };
    let entries = entries(catalog);
    let t = Instant::now();
    let pg = PgFts::load(&admin, tag, &entries).await;
    let load = t.elapsed();
    let mut ranked = Vec::new();
    for j in queries {
        // Scaled copies are named `<id>-c<k>`: map them back for recall.
        let ids = pg.top10(&j.query).await;
        // Copies of one plugin count once: the first of them, in rank order.
        let mut seen = Vec::new();
        for id in ids.into_iter().map(|id| base_id(&id, copies)) {
            if !seen.contains(&id) {
                seen.push(id);
            }
        }
        ranked.push(seen);
    }
    let s = relevance::score(
        ranked
            .iter()
            .zip(queries)
            .map(|(r, j)| (r.as_slice(), j.relevant.as_slice())),
    );
    let qs: Vec<String> = queries.iter().map(|j| j.query.clone()).collect();
    let (qps, p50, p99) = pg.throughput(&qs, 16, dur).await;
    println!(
        "PostgreSQL FTS, 16 clients: {qps:>5.0} queries/s, p50 {:.2} ms, p99 {:.2} ms; recall@10 {:.3}, MRR@10 {:.3} (loaded and indexed in {:.1} s); Trellis HTTP = {:.1}x without the results cache, {:.1}x with it",
        ms(p50),
        ms(p99),
        s.recall,
        s.mrr,
        load.as_secs_f64(),
        trellis.0 / qps,
        trellis.1 / qps
    );
    pg.drop().await;
}

fn base_id(id: &str, copies: usize) -> String {
    if copies > 1 {
        if let Some((base, k)) = id.rsplit_once("-c") {
            if k.parse::<usize>().is_ok() {
                return base.to_owned();
            }
        }
    }
    id.to_owned()
}

/// The catalogue's lines as the baseline indexes them.
fn entries(catalog: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(catalog).expect("catalogue");
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .map(|v| Entry {
            id: v["id"].as_str().unwrap_or_default().to_owned(),
            name: v["name"].as_str().unwrap_or_default().to_owned(),
            summary: v["summary"].as_str().unwrap_or_default().to_owned(),
            keywords: v["tags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            downloads: v["downloads_total"].as_i64().unwrap_or(0),
        })
        .collect()
}

/// The catalogue repeated `copies` times (copies after the first get `-c<k>` ids and
/// numbered names), cut at `limit` lines.
fn scale_catalog(catalog: &Path, copies: usize, limit: usize) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(catalog).expect("catalogue");
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut out = tempfile::NamedTempFile::new().expect("temp file");
    let mut written = 0;
    'outer: for k in 0..copies {
        for v in &lines {
            if written == limit {
                break 'outer;
            }
            let mut v = v.clone();
            if k > 0 {
                let id = format!("{}-c{k}", v["id"].as_str().unwrap_or_default());
                let name = format!("{} {k}", v["name"].as_str().unwrap_or_default());
                v["id"] = Value::String(id);
                v["name"] = Value::String(name);
            }
            writeln!(out, "{v}").expect("write");
            written += 1;
        }
    }
    out.flush().expect("flush");
    out
}

/// Home, search and plugin pages against a bare handler serving as many bytes.
async fn page_rows(b: &Bench, dur: Duration) {
    let first = b
        .http
        .get(format!("{}/api/v1/search?q=calendar&limit=1", b.base))
        .send()
        .await
        .expect("search")
        .json::<Value>()
        .await
        .expect("json");
    let plugin = first["hits"][0]["id"]
        .as_str()
        .unwrap_or("catalog.calendar")
        .to_owned();
    for (label, path) in [
        ("home page", "/".to_owned()),
        ("search page", "/search?q=calendar".to_owned()),
        ("plugin page", format!("/plugins/{plugin}")),
    ] {
        let url = format!("{}{path}", b.base);
        let body = b
            .http
            .get(&url)
            .send()
            .await
            .expect("page")
            .bytes()
            .await
            .expect("body");
        let bare = bare::Bare::start(body.clone()).await;
        let bare_url = format!("{}/page", bare.base);
        let (u1, u2) = (url.clone(), bare_url.clone());
        let t = tokio::task::spawn_blocking(move || wrk::run(&u1, &[], 16, dur))
            .await
            .expect("wrk thread")
            .expect("wrk");
        let base = tokio::task::spawn_blocking(move || wrk::run(&u2, &[], 16, dur))
            .await
            .expect("wrk thread")
            .expect("wrk");
        println!(
            "{label:<12} ({:>3} KB): Trellis {:>6.0} req/s, bare axum {:>6.0} req/s = {:.2}",
            body.len() / 1024,
            t.req_per_sec,
            base.req_per_sec,
            t.req_per_sec / base.req_per_sec
        );
    }
}

/// The gzip size of the hydrate bundle (wasm + JS) the last `cargo leptos build` wrote,
/// and the size of its brotli copies when the build was `--precompress`ed.
fn bundle_row() {
    let pkg = ["target/site/pkg", "../target/site/pkg"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    let Some(pkg) = pkg else {
        println!("hydrate bundle:          not built (run `cargo leptos build --release` first)");
        return;
    };
    let mut total = 0usize;
    let mut raw = 0usize;
    let mut brotli = 0u64;
    for e in std::fs::read_dir(&pkg).expect("pkg dir").flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with(".wasm.br") || name.ends_with(".js.br") {
            brotli += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
        if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("wasm") | Some("js")
        ) {
            let bytes = std::fs::read(&p).expect("bundle file");
            raw += bytes.len();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            gz.write_all(&bytes).expect("gzip");
            total += gz.finish().expect("gzip").len();
        }
    }
    println!(
        "hydrate bundle:          {:.0} KB gzipped ({:.0} KB raw) in {} (target: under 400 KB)",
        total as f64 / 1024.0,
        raw as f64 / 1024.0,
        pkg.display()
    );
    // What browsers download from a `--precompress` build (scripts/run.sh).
    if brotli > 0 {
        println!(
            "hydrate bundle, brotli:  {:.0} KB (the precompressed copies the server sends)",
            brotli as f64 / 1024.0
        );
    }
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        dir_size(&p)
                    } else {
                        e.metadata().map(|m| m.len()).unwrap_or(0)
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
