//! `trellis-bench relevance --catalog FILE.jsonl --queries FILE.jsonl [--json]`:
//! imports a catalogue into a fresh Trellis, runs every judged query through
//! `GET /api/v1/search` (the HTTP endpoint itself) and prints recall@10, MRR@10
//! and nDCG@10, overall and for the misspelled queries (those the search answers
//! with a "did you mean"), and per query with `--json`. Hit ids are mapped back
//! to the catalogue ids they were imported from.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trellis_search::evaluation::{ndcg_at_k, recall_at_k, reciprocal_rank};

use crate::server::Bench;

/// A judged query.
pub struct Judged {
    pub query: String,
    pub relevant: Vec<String>,
}

/// Reads `{query, relevant_ids}` lines.
pub fn read_queries(path: &Path) -> Vec<Judged> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a JSON query line");
            Judged {
                query: v["query"].as_str().expect("query").to_owned(),
                relevant: v["relevant_ids"]
                    .as_array()
                    .expect("relevant_ids")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
            }
        })
        .collect()
}

/// Imports `catalog` into `b` as namespace `ns` and waits until search sees all of
/// it; returns the number of plugins and the time the import took.
pub async fn import_and_wait(b: &Bench, catalog: &Path, ns: &str) -> (u64, Duration) {
    let t = Instant::now();
    let opts = trellis_platform::registry::import::ImportOptions {
        namespace: ns.to_owned(),
        demo: false,
        owner: None,
    };
    let summary = trellis_platform::registry::import::import_file(&b.state, catalog, &opts)
        .await
        .expect("import");
    let took = t.elapsed();
    let expected = (summary.created + summary.updated + summary.unchanged) as u64;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let total = b
            .state
            .search
            .get()
            .and_then(|s| {
                s.search(&trellis_types::SearchQuery {
                    namespace: vec![ns.to_owned()],
                    limit: 1,
                    page: 1,
                    ..Default::default()
                })
            })
            .map(|r| r.total)
            .unwrap_or(0);
        if total >= expected {
            return (expected, took);
        }
        assert!(
            Instant::now() < deadline,
            "the index never caught up ({total} of {expected})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Plugin id -> catalogue id for the plugins of `ns`.
pub async fn catalogue_ids(b: &Bench, ns: &str) -> HashMap<String, String> {
    let mut c = b.state.db.conn().await.expect("db");
    trellis_db::catalogue::external_ids(&mut c, ns)
        .await
        .expect("external ids")
}

/// The ids of the first ten hits of `q` over HTTP, as catalogue ids, and whether the
/// answer offered a "did you mean" (the query has a word the catalogue does not).
pub async fn top10_http(b: &Bench, q: &str, map: &HashMap<String, String>) -> (Vec<String>, bool) {
    let res = b
        .http
        .get(format!("{}/api/v1/search", b.base))
        .query(&[("q", q), ("limit", "10")])
        .send()
        .await
        .expect("search request");
    let status = res.status();
    let body: Value = res.json().await.expect("search body");
    assert!(status.is_success(), "search failed: {status} {body}");
    let ids = body["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|h| h["id"].as_str())
        .map(|id| map.get(id).cloned().unwrap_or_else(|| id.to_owned()))
        .collect();
    (ids, !body["did_you_mean"].is_null())
}

/// Relevance of ranked lists against the judgements.
pub struct Scores {
    pub recall: f64,
    pub mrr: f64,
    pub ndcg: f64,
}

/// Averages the three measures over `(ranked, judged)` pairs.
pub fn score<'a>(runs: impl IntoIterator<Item = (&'a [String], &'a [String])>) -> Scores {
    let (mut r, mut m, mut n, mut count) = (0.0, 0.0, 0.0, 0.0);
    for (ranked, relevant) in runs {
        r += recall_at_k(ranked, relevant, 10);
        m += reciprocal_rank(ranked, relevant, 10);
        n += ndcg_at_k(ranked, relevant, 10);
        count += 1.0;
    }
    let d = if count > 0.0 { count } else { 1.0 };
    Scores {
        recall: r / d,
        mrr: m / d,
        ndcg: n / d,
    }
}

/// The command.
pub async fn run(catalog: PathBuf, queries: PathBuf, json_out: bool) {
    let judged = read_queries(&queries);
    let b = Bench::start().await;
    let (plugins, took) = import_and_wait(&b, &catalog, "catalog").await;
    let map = catalogue_ids(&b, "catalog").await;
    let mut per_query = Vec::new();
    let mut ranked_all = Vec::new();
    let mut misspelled = Vec::new();
    for j in &judged {
        let (ranked, corrected) = top10_http(&b, &j.query, &map).await;
        ranked_all.push(ranked);
        misspelled.push(corrected);
    }
    let all = score(
        ranked_all
            .iter()
            .zip(&judged)
            .map(|(r, j)| (r.as_slice(), j.relevant.as_slice())),
    );
    let typo = score(
        ranked_all
            .iter()
            .zip(&judged)
            .zip(&misspelled)
            .filter(|(_, m)| **m)
            .map(|((r, j), _)| (r.as_slice(), j.relevant.as_slice())),
    );
    let typo_count = misspelled.iter().filter(|m| **m).count();
    for (r, j) in ranked_all.iter().zip(&judged) {
        let s = score([(r.as_slice(), j.relevant.as_slice())]);
        per_query.push(json!({
            "query": j.query,
            "recall_at_10": s.recall,
            "mrr_at_10": s.mrr,
            "ndcg_at_10": s.ndcg,
            "top10": r,
        }));
    }
    if json_out {
        let out = json!({
            "catalog": catalog.display().to_string(),
            "plugins": plugins,
            "queries": judged.len(),
            "recall_at_10": all.recall,
            "mrr_at_10": all.mrr,
            "ndcg_at_10": all.ndcg,
            "misspelled": {"queries": typo_count, "recall_at_10": typo.recall, "mrr_at_10": typo.mrr, "ndcg_at_10": typo.ndcg},
            "per_query": per_query,
        });
        println!("{}", serde_json::to_string_pretty(&out).expect("json"));
    } else {
        println!("# Trellis search relevance");
        println!(
            "catalogue: {} ({plugins} plugins, imported in {:.1} s); queries: {} ({} judged)",
            catalog.display(),
            took.as_secs_f64(),
            queries.display(),
            judged.len()
        );
        println!(
            "all queries:        recall@10 {:.3}  MRR@10 {:.3}  nDCG@10 {:.3}",
            all.recall, all.mrr, all.ndcg
        );
        println!(
            "misspelled ({typo_count:>2}):    recall@10 {:.3}  MRR@10 {:.3}  nDCG@10 {:.3}",
            typo.recall, typo.mrr, typo.ndcg
        );
    }
    b.stop().await;
}
