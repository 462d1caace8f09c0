//! Drives a URL with `wrk` (keep-alive connections, closed loop, fixed duration)
//! and parses what it prints.
//!
//! wrk is a separate process, so it never shares the benchmark's tokio runtime with
//! the servers it measures; it does share the machine's cores with them.

use std::process::Command;
use std::time::Duration;

/// What one wrk run measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub connections: usize,
    pub requests: u64,
    pub req_per_sec: f64,
    /// Bytes per second read by wrk, headers included.
    pub bytes_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub mean: Duration,
    /// Responses that were not 2xx or 3xx.
    pub non_2xx: u64,
    /// Connect, read, write and timeout errors together.
    pub socket_errors: u64,
}

/// True when a `wrk` binary is on the PATH.
pub fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("wrk"))
        .unwrap_or(false)
}

/// Runs wrk against `url` (which must be on 127.0.0.1) with `connections` keep-alive
/// connections for `duration`, sending `headers` (`Name: value`) with every request.
/// Blocking: call it from `spawn_blocking`.
pub fn run(
    url: &str,
    headers: &[String],
    connections: usize,
    duration: Duration,
) -> Result<Run, String> {
    run_with(url, None, headers, connections, duration)
}

/// Like [`run`], cycling through `paths` (each `/…`, on `base`'s host) so that every
/// connection sends a mix of requests, through a generated wrk Lua script.
pub fn run_paths(
    base: &str,
    paths: &[String],
    headers: &[String],
    connections: usize,
    duration: Duration,
) -> Result<Run, String> {
    let mut lua = String::from("local paths = {\n");
    for p in paths {
        assert!(p.starts_with('/'), "a path: {p}");
        lua.push_str(&format!("  {:?},\n", p));
    }
    lua.push_str(
        "}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  \
         return wrk.format(nil, paths[i])\nend\n",
    );
    let script = tempfile::Builder::new()
        .suffix(".lua")
        .tempfile()
        .map_err(|e| format!("wrk script: {e}"))?;
    std::fs::write(script.path(), lua).map_err(|e| format!("wrk script: {e}"))?;
    run_with(base, Some(script.path()), headers, connections, duration)
}

fn run_with(
    url: &str,
    script: Option<&std::path::Path>,
    headers: &[String],
    connections: usize,
    duration: Duration,
) -> Result<Run, String> {
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "benchmarks only talk to loopback: {url}"
    );
    let threads = connections.clamp(1, 2);
    let mut cmd = Command::new("wrk");
    for h in headers {
        cmd.arg("-H").arg(h);
    }
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    let out = cmd
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{}s", duration.as_secs().max(1)))
        .arg("--timeout")
        .arg("5s")
        .arg("--latency")
        .arg(url)
        .output()
        .map_err(|e| format!("running wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "wrk failed ({}): {}{}",
            out.status,
            text,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parse(&text, connections).ok_or_else(|| format!("could not parse wrk output:\n{text}"))
}

/// Parses wrk 4.x output (run with `--latency`).
pub fn parse(text: &str, connections: usize) -> Option<Run> {
    let mut run = Run {
        connections,
        requests: 0,
        req_per_sec: f64::NAN,
        bytes_per_sec: f64::NAN,
        p50: Duration::ZERO,
        p99: Duration::ZERO,
        mean: Duration::ZERO,
        non_2xx: 0,
        socket_errors: 0,
    };
    let (mut got_p50, mut got_p99) = (false, false);
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", avg, _stdev, _max, _within] => run.mean = time(avg)?,
            ["50%", t] => {
                run.p50 = time(t)?;
                got_p50 = true;
            }
            ["99%", t] => {
                run.p99 = time(t)?;
                got_p99 = true;
            }
            [n, "requests", "in", ..] => run.requests = n.parse().ok()?,
            ["Requests/sec:", n] => run.req_per_sec = n.parse().ok()?,
            ["Transfer/sec:", n] => run.bytes_per_sec = size(n)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => run.non_2xx = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                run.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    (got_p50 && got_p99 && run.req_per_sec.is_finite() && run.bytes_per_sec.is_finite())
        .then_some(run)
}

/// `123.45us`, `3.2ms`, `1.5s`, `2.0m` as wrk prints them.
fn time(s: &str) -> Option<Duration> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let secs = match unit {
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

/// `268.47KB`, `1.20MB`, `512.00B` (binary multiples) as wrk prints them.
fn size(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.parse().ok()?;
    let mult = match unit {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0f64.powi(4),
        _ => return None,
    };
    Some(n * mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wrk_output() {
        let text = "Running 1s test @ http://127.0.0.1:18099/nonexist
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.29ms    3.67ms  23.09ms   88.97%
    Req/Sec   805.60    313.31     1.38k    70.00%
  Latency Distribution
     50%  448.00us
     75%    2.92ms
     90%    6.55ms
     99%   18.10ms
  804 requests in 1.00s, 408.46KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 804
Requests/sec:    800.16
Transfer/sec:    406.51KB
";
        let r = parse(text, 1).expect("parsed");
        assert_eq!(r.requests, 804);
        assert_eq!(r.non_2xx, 804);
        assert_eq!(r.socket_errors, 3);
        assert!((r.req_per_sec - 800.16).abs() < 1e-9);
        assert!((r.bytes_per_sec - 406.51 * 1024.0).abs() < 1e-6);
        assert_eq!(r.p50, Duration::from_micros(448));
        assert_eq!(r.p99, Duration::from_secs_f64(0.0181));
        assert_eq!(r.mean, Duration::from_secs_f64(0.00229));
    }
}
