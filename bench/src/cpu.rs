//! Where the machine's CPU went during a measured window, from `/proc` (Linux):
//! the share of all cores busy, and of it what PostgreSQL's processes, some
//! named processes (the worker processes a benchmark started) and this
//! benchmark process used. It tells a bottleneck in the program from a
//! machine with no cores left to give.

use std::collections::HashMap;

/// CPU times at one moment, in clock ticks.
pub struct CpuSample {
    total: u64,
    idle: u64,
    cores: usize,
    /// Process id -> its user + system ticks so far.
    procs: HashMap<u32, (String, u64)>,
}

/// Reads the machine's and every process's CPU times (`None` without `/proc`).
pub fn sample() -> Option<CpuSample> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let first = stat.lines().next()?;
    let f: Vec<u64> = first
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() < 5 {
        return None;
    }
    // user nice system idle iowait irq softirq steal (guest times are in user).
    let total = f.iter().take(8).sum();
    let idle = f[3] + f[4];
    let cores = stat
        .lines()
        .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .count()
        .max(1);
    let mut procs = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(p) = process(pid) {
            procs.insert(pid, p);
        }
    }
    Some(CpuSample {
        total,
        idle,
        cores,
        procs,
    })
}

/// A process's name and user + system ticks.
fn process(pid: u32) -> Option<(String, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ...`: the name may hold spaces and parentheses.
    let (open, close) = (s.find('(')?, s.rfind(')')?);
    let comm = s.get(open + 1..close)?.to_owned();
    let rest: Vec<&str> = s.get(close + 2..)?.split_whitespace().collect();
    // After the name: state is field 3, utime 14, stime 15.
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((comm, utime + stime))
}

/// One line on the CPU between `before` and `after`: `named` are the
/// processes shown apart (label, process ids).
pub fn summary(before: &CpuSample, after: &CpuSample, named: &[(&str, Vec<u32>)]) -> String {
    let total = after.total.saturating_sub(before.total).max(1) as f64;
    let busy = total - after.idle.saturating_sub(before.idle) as f64;
    // A share of the whole machine (all cores), in percent.
    let share = |ticks: u64| 100.0 * ticks as f64 / total;
    let used = |pid: &u32| {
        let a = after.procs.get(pid).map_or(0, |p| p.1);
        let b = before.procs.get(pid).map_or(0, |p| p.1);
        a.saturating_sub(b)
    };
    let postgres: u64 = after
        .procs
        .iter()
        .filter(|(_, (comm, _))| comm.starts_with("postgres"))
        .map(|(pid, _)| used(pid))
        .sum();
    let mut parts = vec![format!("PostgreSQL {:.0} %", share(postgres))];
    for (label, pids) in named {
        parts.push(format!(
            "{label} {:.0} %",
            share(pids.iter().map(used).sum())
        ));
    }
    parts.push(format!(
        "this benchmark {:.0} %",
        share(used(&std::process::id()))
    ));
    format!(
        "{:.0} % of the machine's {} cores busy ({})",
        100.0 * busy / total,
        after.cores,
        parts.join(", ")
    )
}
