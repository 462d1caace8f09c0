//! `trellis-bench http`: Trellis's HTTP serving against baselines, over keep-alive
//! connections driven by wrk.
//!
//! In one run, on loopback only: a real Trellis (as `registry` starts it), nginx serving
//! the very same bytes (the two artifacts, `/pkg/trellis.css`, a copy of the home page),
//! and bare axum handlers returning a body the size of the home page (as an anonymous
//! visitor and as the signed-in bench user get it). The signed-in rows send the session
//! cookie of a real sign-in: the home page is answered with the shared render and the
//! user's own navigation bar put in, the account page (personal) is a render every
//! time. The anonymous not-found page, also a render every time (the page cache keeps
//! only 200s) but with no database work, shows what the renderer alone allows. Each
//! target is
//! driven by wrk with 1 and with 16 keep-alive connections for a fixed duration; the
//! table compares Trellis with nginx (downloads, static files) and with bare axum
//! (pages, `/healthz`). Results are written up in docs/benchmarks.md.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::body::Bytes;
use rand::RngCore;

use crate::bare::Bare;
use crate::nginx::Nginx;
use crate::server::{manifest, package, Bench};
use crate::wrk;

/// What a Trellis figure is compared on.
#[derive(Clone, Copy, PartialEq)]
enum Metric {
    ReqPerSec,
    BytesPerSec,
}

/// One thing measured on Trellis and on its baseline.
struct Case {
    what: String,
    trellis: String,
    /// Headers sent to Trellis with every request.
    headers: Vec<String>,
    baseline_name: &'static str,
    baseline: String,
    metric: Metric,
    /// The target: Trellis at least this fraction of the baseline.
    goal: Option<f64>,
    /// Trellis answers 404 by design (the not-found page): not flagged.
    not_found: bool,
}

struct Row {
    what: String,
    server: &'static str,
    run: wrk::Run,
    ratio: Option<(f64, Metric, Option<f64>)>,
    not_found: bool,
}

/// The repository root (this crate lives in `bench/`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf()
}

/// The site root to serve `/pkg/…` from, and a note on where the stylesheet came from.
/// `TRELLIS_SITE_ROOT`, else `target/site` when `cargo leptos build` made it, else a
/// temporary site whose `pkg/trellis.css` is `style/main.css` as written (cargo-leptos
/// would process it; the size is what matters here).
fn site_root(tmp: &Path) -> (PathBuf, String) {
    if let Ok(root) = std::env::var("TRELLIS_SITE_ROOT") {
        return (PathBuf::from(&root), format!("site root {root}"));
    }
    let built = repo_root().join("target/site");
    if built.join("pkg/trellis.css").is_file() {
        return (
            built.clone(),
            format!("site root {} (cargo leptos build)", built.display()),
        );
    }
    let site = tmp.join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site dir");
    let css = std::fs::read(repo_root().join("style/main.css")).expect("style/main.css");
    std::fs::write(site.join("pkg/trellis.css"), &css).expect("write css");
    (
        site,
        format!(
            "no target/site (cargo leptos not run): /pkg/trellis.css is style/main.css copied as is ({} bytes)",
            css.len()
        ),
    )
}

async fn get(http: &reqwest::Client, url: &str) -> (reqwest::StatusCode, Bytes) {
    let res = http.get(url).send().await.expect("request");
    let status = res.status();
    (status, res.bytes().await.expect("body"))
}

/// Fetches `url` once and checks it answers 200 with exactly `want`.
/// A page as the signed-in bench user gets it (with its sign-out button).
async fn signed_in_page(http: &reqwest::Client, url: &str, session: &str) -> Bytes {
    let res = http
        .get(url)
        .header("cookie", session)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    assert!(
        res.status().is_success(),
        "{url} signed in: {}",
        res.status()
    );
    let body = res.bytes().await.expect("signed-in body");
    assert!(
        std::str::from_utf8(&body).is_ok_and(|t| t.contains("Sign out")),
        "{url} shows no sign-out button when signed in"
    );
    body
}

async fn check_same(http: &reqwest::Client, url: &str, want: &[u8]) {
    let (status, body) = get(http, url).await;
    assert!(status.is_success(), "{url}: {status}");
    assert!(
        body.as_ref() == want,
        "{url}: served {} bytes, expected the same {} bytes",
        body.len(),
        want.len()
    );
}

fn size_label(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MB", n as f64 / 1_048_576.0)
    } else if n >= 1 << 10 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}ms")
    } else {
        format!("{ms:.1}ms")
    }
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "?".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or("?".into(), |kb| format!("{:.1} GiB", kb / 1_048_576.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores ({cpu}), {mem} RAM")
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The run with the median figure on `metric`.
fn median_run(mut runs: Vec<wrk::Run>, metric: Metric) -> wrk::Run {
    let key = |r: &wrk::Run| match metric {
        Metric::ReqPerSec => r.req_per_sec,
        Metric::BytesPerSec => r.bytes_per_sec,
    };
    runs.sort_by(|a, b| key(a).total_cmp(&key(b)));
    runs[runs.len() / 2]
}

async fn drive(url: &str, headers: &[String], connections: usize, duration: Duration) -> wrk::Run {
    let url = url.to_owned();
    let headers = headers.to_vec();
    let run = tokio::task::spawn_blocking(move || wrk::run(&url, &headers, connections, duration))
        .await
        .expect("wrk task")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.requests > 0,
        "wrk made no request against {connections} connection(s)"
    );
    run
}

/// Runs every case, or with `only` those whose description contains it.
pub async fn run(quick: bool, only: Option<&str>) {
    if !wrk::available() {
        eprintln!("wrk not found: install it (apt-get install wrk) or run scripts/bench.sh");
        std::process::exit(2);
    }
    if !crate::nginx::available() {
        eprintln!("nginx not found: install it (apt-get install nginx) or run scripts/bench.sh");
        std::process::exit(2);
    }
    let duration = Duration::from_secs(if quick { 2 } else { 5 });
    let rounds = if quick { 1 } else { 3 };
    let tmp = tempfile::tempdir().expect("temp dir");
    let (site, site_note) = site_root(tmp.path());

    let srv = Bench::start_with(&[("TRELLIS_SITE_ROOT", site.display().to_string())]).await;
    println!("# Trellis HTTP benchmark (keep-alive, wrk)");
    println!("machine: {}", machine());
    println!(
        "trellis: {} (in-process, release build, no request log)",
        srv.describe()
    );
    println!("{site_note}");
    println!(
        "baselines: {} (2 workers, sendfile); bare axum 0.8 in the benchmark's runtime",
        Nginx::version()
    );
    println!(
        "load: wrk, {} s per run, 1 and 16 keep-alive connections, median of {rounds} run(s); it shares the cores with the servers",
        duration.as_secs()
    );
    println!("load average before the run: {}", loadavg());

    // The artifacts: a small package and a 5 MB one of random (incompressible) bytes.
    let small = package(&manifest("small", "1.0.0", &[]), &[]);
    srv.publish(small.clone()).await;
    let mut blob = vec![0u8; 5 * 1024 * 1024];
    rand::rng().fill_bytes(&mut blob);
    let big = package(&manifest("big", "1.0.0", &[]), &[("assets/blob.bin", blob)]);
    srv.publish(big.clone()).await;
    let dl = |name: &str| {
        format!(
            "{}/api/v1/plugins/bench.{name}/versions/1.0.0/download",
            srv.base
        )
    };
    check_same(&srv.http, &dl("small"), &small).await;
    check_same(&srv.http, &dl("big"), &big).await;
    let (status, css) = get(&srv.http, &format!("{}/pkg/trellis.css", srv.base)).await;
    assert!(status.is_success(), "/pkg/trellis.css: {status}");
    let (status, home) = get(&srv.http, &format!("{}/", srv.base)).await;
    assert!(status.is_success(), "/: {status}");
    // A real session of the signed-in bench user: the home page is the shared render
    // with the user's navigation bar put in (`page_cache`); the account page is
    // personal, rendered for every request.
    let session = srv.session_cookie().await;
    let signed_in = signed_in_page(&srv.http, &format!("{}/", srv.base), &session).await;
    let account = signed_in_page(&srv.http, &format!("{}/account", srv.base), &session).await;
    // The smallest page, rendered for every request with no database work: the
    // not-found page of an anonymous visitor (the page cache keeps only 200s). What a
    // Leptos render alone allows on this machine.
    let (status, not_found) = get(&srv.http, &format!("{}/bench-no-such-page", srv.base)).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "the not-found page");

    // The same bytes on nginx, and a page of the same size on bare axum.
    let nginx = Nginx::start().unwrap_or_else(|e| panic!("{e}"));
    nginx.put("small.tar.gz", &small);
    nginx.put("big.tar.gz", &big);
    nginx.put("pkg/trellis.css", &css);
    nginx.put("index.html", &home);
    let bare = Bare::start(home.clone()).await;
    let bare_signed_in = Bare::start(signed_in.clone()).await;
    let bare_account = Bare::start(account.clone()).await;
    let bare_not_found = Bare::start(not_found.clone()).await;
    let n = |p: &str| format!("{}{p}", nginx.base);
    check_same(&srv.http, &n("/small.tar.gz"), &small).await;
    check_same(&srv.http, &n("/big.tar.gz"), &big).await;
    check_same(&srv.http, &n("/pkg/trellis.css"), &css).await;
    check_same(&srv.http, &n("/index.html"), &home).await;
    check_same(&srv.http, &format!("{}/page", bare.base), &home).await;
    check_same(
        &srv.http,
        &format!("{}/page", bare_signed_in.base),
        &signed_in,
    )
    .await;
    let (_, health) = get(&srv.http, &format!("{}/healthz", srv.base)).await;
    check_same(&srv.http, &format!("{}/healthz", bare.base), &health).await;

    let cases = [
        Case {
            what: format!("download {}", size_label(small.len())),
            trellis: dl("small"),
            headers: vec![],
            baseline_name: "nginx",
            baseline: n("/small.tar.gz"),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            what: format!("download {}", size_label(big.len())),
            trellis: dl("big"),
            headers: vec![],
            baseline_name: "nginx",
            baseline: n("/big.tar.gz"),
            metric: Metric::BytesPerSec,
            goal: Some(0.5),
            not_found: false,
        },
        Case {
            what: format!("trellis.css {}", size_label(css.len())),
            trellis: format!("{}/pkg/trellis.css", srv.base),
            headers: vec![],
            baseline_name: "nginx",
            baseline: n("/pkg/trellis.css"),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            what: format!("home page {}, anonymous", size_label(home.len())),
            trellis: format!("{}/", srv.base),
            headers: vec![],
            baseline_name: "bare",
            baseline: format!("{}/page", bare.base),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            // A cookie other than the session's changes nothing: the anonymous page.
            what: format!("home page {}, with a cookie", size_label(home.len())),
            trellis: format!("{}/", srv.base),
            headers: vec!["Cookie: bench=1".into()],
            baseline_name: "bare",
            baseline: format!("{}/page", bare.base),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            // The shared render with this session's navigation bar put in (one render
            // for the session and one for everyone per `page_cache_ms`).
            what: format!("home page {}, signed in", size_label(signed_in.len())),
            trellis: format!("{}/", srv.base),
            headers: vec![format!("Cookie: {session}")],
            baseline_name: "bare",
            baseline: format!("{}/page", bare_signed_in.base),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            // A personal page: rendered for every request, session and user included
            // (what a render costs; issue 6 asks every page for a quarter).
            what: format!("account page {}, rendered", size_label(account.len())),
            trellis: format!("{}/account", srv.base),
            headers: vec![format!("Cookie: {session}")],
            baseline_name: "bare",
            baseline: format!("{}/page", bare_account.base),
            metric: Metric::ReqPerSec,
            goal: Some(0.25),
            not_found: false,
        },
        Case {
            // The floor of any page rendered per request: the renderer alone.
            what: format!("not-found page {}, rendered", size_label(not_found.len())),
            trellis: format!("{}/bench-no-such-page", srv.base),
            headers: vec![],
            baseline_name: "bare",
            baseline: format!("{}/page", bare_not_found.base),
            metric: Metric::ReqPerSec,
            goal: None,
            not_found: true,
        },
        Case {
            what: "/healthz".into(),
            trellis: format!("{}/healthz", srv.base),
            headers: vec![],
            baseline_name: "bare",
            baseline: format!("{}/healthz", bare.base),
            metric: Metric::ReqPerSec,
            goal: None,
            not_found: false,
        },
    ];

    let mut rows = Vec::new();
    for case in cases
        .iter()
        .filter(|c| only.is_none_or(|w| c.what.contains(w)))
    {
        for conns in [1, 16] {
            // Alternate baseline and Trellis, and keep each one's median run: other work
            // on the machine then weighs on both alike.
            let (mut bases, mut ourss) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                bases.push(drive(&case.baseline, &[], conns, duration).await);
                ourss.push(drive(&case.trellis, &case.headers, conns, duration).await);
            }
            let base = median_run(bases, case.metric);
            let ours = median_run(ourss, case.metric);
            let ratio = match case.metric {
                Metric::ReqPerSec => ours.req_per_sec / base.req_per_sec,
                Metric::BytesPerSec => ours.bytes_per_sec / base.bytes_per_sec,
            };
            rows.push(Row {
                what: case.what.clone(),
                server: case.baseline_name,
                run: base,
                ratio: None,
                not_found: false,
            });
            rows.push(Row {
                what: case.what.clone(),
                server: "trellis",
                run: ours,
                ratio: Some((ratio, case.metric, case.goal)),
                not_found: case.not_found,
            });
        }
    }
    // For reference: nginx serving the copy of the home page (a static file).
    for conns in [1, 16].into_iter().filter(|_| only.is_none()) {
        rows.push(Row {
            what: format!("home page {} (static copy)", size_label(home.len())),
            server: "nginx",
            run: drive(&n("/index.html"), &[], conns, duration).await,
            ratio: None,
            not_found: false,
        });
    }

    println!();
    println!(
        "{:<32} {:<8} {:>5} {:>10} {:>9} {:>9} {:>9}  {:<22} target",
        "what", "server", "conns", "req/s", "MB/s", "p50", "p99", "vs baseline"
    );
    let mut missed = 0;
    for r in &rows {
        let (vs, target) = match r.ratio {
            None => (String::new(), String::new()),
            Some((ratio, metric, goal)) => {
                let unit = if metric == Metric::ReqPerSec {
                    "req/s"
                } else {
                    "bytes/s"
                };
                let vs = format!("{ratio:.2} of {unit}");
                let target = goal.map_or("-".into(), |g| {
                    let met = ratio >= g;
                    missed += usize::from(!met);
                    format!(">= {g:.2}: {}", if met { "met" } else { "MISSED" })
                });
                (vs, target)
            }
        };
        let mut flags = String::new();
        if r.run.non_2xx > 0 && !r.not_found {
            flags.push_str(&format!(" [{} non-2xx]", r.run.non_2xx));
        }
        if r.run.socket_errors > 0 {
            flags.push_str(&format!(" [{} socket errors]", r.run.socket_errors));
        }
        println!(
            "{:<32} {:<8} {:>5} {:>10.0} {:>9.1} {:>9} {:>9}  {:<22} {}{}",
            r.what,
            r.server,
            r.run.connections,
            r.run.req_per_sec,
            r.run.bytes_per_sec / 1_048_576.0,
            ms(r.run.p50),
            ms(r.run.p99),
            vs,
            target,
            flags
        );
    }
    println!();
    println!(
        "targets: {missed} missed (MB/s includes headers; ratios compare Trellis with the row above it)"
    );
    println!("load average after the run: {}", loadavg());

    drop(bare);
    drop(bare_signed_in);
    drop(bare_account);
    drop(bare_not_found);
    drop(nginx);
    srv.stop().await;
}
