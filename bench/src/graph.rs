//! A generated 200-plugin dependency graph and resolution timings.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use crate::server::{manifest, package, Bench};

pub struct Graph {
    pub plugins: usize,
}

/// Publishes `n` plugins with `versions` versions each; plugin i depends on up to
/// three plugins with a smaller index (fixed seed, so every run builds the same graph).
pub async fn publish_graph(b: &Bench, n: usize, versions: usize) -> Graph {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    for i in 0..n {
        let k = if i == 0 {
            0
        } else {
            rng.random_range(1..=3.min(i))
        };
        let mut deps: Vec<(String, String)> = Vec::new();
        for _ in 0..k {
            let j = rng.random_range(0..i);
            let id = format!("bench.g{j:03}");
            if !deps.iter().any(|(d, _)| *d == id) {
                deps.push((id, "^1".into()));
            }
        }
        for v in 0..versions {
            let m = manifest(&format!("g{i:03}"), &format!("1.{v}.0"), &deps);
            b.publish(package(&m, &[])).await;
        }
    }
    Graph { plugins: n }
}

pub struct Timing {
    pub runs: usize,
    pub plan_len: usize,
    pub http_median: Duration,
    pub http_min: Duration,
    pub http_max: Duration,
    pub pure_median: Duration,
}

/// Resolves the graph `runs` times through POST /api/v1/resolve, and over the
/// same index in memory: the request names the newest half of the plugins (a
/// request may name at most 100), which reach most of the rest as dependencies.
pub async fn time_resolution(b: &Bench, g: &Graph, runs: usize) -> Timing {
    let asked = g
        .plugins
        .min(trellis_platform::registry::resolve::MAX_REQUESTED);
    let ids: Vec<String> = (g.plugins - asked..g.plugins)
        .map(|i| format!("bench.g{i:03}"))
        .collect();
    let body = serde_json::json!({ "plugins": ids.iter().map(|id| serde_json::json!({ "id": id })).collect::<Vec<_>>() });
    let mut http = Vec::new();
    let mut plan_len = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let res = b
            .http
            .post(format!("{}/api/v1/resolve", b.base))
            .json(&body)
            .send()
            .await
            .expect("resolve");
        let status = res.status();
        let v: serde_json::Value = res.json().await.expect("plan");
        assert!(status.is_success(), "{v}");
        http.push(t.elapsed());
        plan_len = v["plan"].as_array().map_or(0, Vec::len);
    }
    http.sort();

    // The same resolution without HTTP or database: the whole index in memory.
    let mut index = trellis_registry::Index::default();
    for i in 0..g.plugins {
        let id = format!("bench.g{i:03}");
        let versions = trellis_platform::registry::plugins::list_versions(&b.state, &id)
            .await
            .expect("versions");
        let entry = index.plugins.entry(id).or_default();
        for v in versions {
            entry.push(trellis_registry::IndexVersion {
                version: v.version.parse().expect("semver"),
                yanked: v.yanked,
                api: "^1".parse().expect("req"),
                deps: v
                    .dependencies
                    .iter()
                    .map(|(id, req)| (id.clone(), req.parse().expect("req")))
                    .collect(),
                sha256: v.sha256.clone(),
                size: v.size as u64,
                permissions: serde_json::Value::Null,
            });
        }
    }
    let host = semver::Version::new(1, 0, 0);
    let wants: Vec<_> = ids
        .iter()
        .map(|id| trellis_registry::Request {
            plugin: id.clone(),
            req: None,
        })
        .collect();
    let mut pure = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        trellis_registry::resolve(&index, &wants, &host).expect("resolves");
        pure.push(t.elapsed());
    }
    pure.sort();
    Timing {
        runs,
        plan_len,
        http_median: http[http.len() / 2],
        http_min: http[0],
        http_max: http[http.len() - 1],
        pure_median: pure[pure.len() / 2],
    }
}
