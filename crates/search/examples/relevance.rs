//! Relevance tuning harness: indexes a public catalogue in memory and scores judged
//! queries with recall@10, MRR@10 and nDCG@10, overall and for the misspelled queries
//! (those the engine offers a "did you mean" for).
//!
//! ```text
//! cargo run --release -p trellis-search --example relevance -- \
//!     ../shared/data/catalog_obsidian.jsonl ../shared/data/queries_obsidian.jsonl [--json] [--verbose]
//! cargo run --release -p trellis-search --example relevance -- \
//!     ../shared/data/catalog_neovim.jsonl --ask colorscheme --ask "fuzzy finder"
//! ... --weights '{"popularity": 4.0}'   # try other ranking weights
//! ... --ask "git sync" --verbose --limit 20   # 20 results, each with its score's parts
//! ... --readme-bytes 8000   # every plugin with a README of ~8 KB (its summary, repeated)
//! ```

use std::io::BufRead;
use std::time::Instant;

use serde::Deserialize;
use trellis_search::evaluation::{ndcg_at_k, recall_at_k, reciprocal_rank};
use trellis_search::{PluginDoc, RankingWeights, SearchIndex};
use trellis_types::{SearchQuery, SearchSort};

const K: usize = 10;

#[derive(Deserialize)]
struct CatalogEntry {
    id: String,
    name: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    downloads_total: Option<u64>,
    #[serde(default)]
    versions: Vec<Version>,
}

#[derive(Deserialize)]
struct Version {
    version: String,
    #[serde(default)]
    downloads: u64,
}

#[derive(Deserialize)]
struct Judged {
    query: String,
    relevant_ids: Vec<String>,
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn to_doc(e: CatalogEntry) -> PluginDoc {
    let downloads = e
        .downloads_total
        .unwrap_or_else(|| e.versions.iter().map(|v| v.downloads).sum());
    PluginDoc {
        namespace: slug(e.author.as_deref().unwrap_or("")),
        name: e.id.clone(),
        display_name: e.name,
        summary: e.summary.unwrap_or_default(),
        keywords: e.tags.iter().map(|t| t.to_lowercase()).collect(),
        categories: e.categories.iter().map(|c| slug(c)).collect(),
        category_labels: e.categories,
        kind: "tool".into(),
        license: String::new(),
        latest_version: e.versions.last().map(|v| v.version.clone()),
        downloads_total: downloads,
        demo: true,
        id: e.id,
        ..PluginDoc::default()
    }
}

fn read_lines<T: for<'de> Deserialize<'de>>(path: &str) -> Vec<T> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    std::io::BufReader::new(file)
        .lines()
        .map(|l| l.expect("readable line"))
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

fn query(q: &str) -> SearchQuery {
    SearchQuery {
        q: q.to_string(),
        sort: SearchSort::Relevance,
        page: 1,
        limit: K as u32,
        ..SearchQuery::default()
    }
}

#[derive(Default)]
struct Means {
    n: usize,
    recall: f64,
    rr: f64,
    ndcg: f64,
}

impl Means {
    fn add(&mut self, r: f64, rr: f64, n: f64) {
        self.n += 1;
        self.recall += r;
        self.rr += rr;
        self.ndcg += n;
    }

    fn line(&self, label: &str) -> String {
        let d = self.n.max(1) as f64;
        format!(
            "{label:<12} queries {:>3}  recall@10 {:.3}  MRR@10 {:.3}  nDCG@10 {:.3}",
            self.n,
            self.recall / d,
            self.rr / d,
            self.ndcg / d
        )
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let verbose = args.iter().any(|a| a == "--verbose");
    let mut asks = Vec::new();
    let mut weights: Option<String> = None;
    // Copies of the catalogue to index (ids suffixed), to measure at a larger size.
    let mut scale = 1usize;
    // How many results `--ask` prints (the judged queries always take K).
    let mut ask_limit = K as u32;
    // A README of about this many bytes for every plugin (its summary, repeated): the
    // catalogues have none, and real plugins do.
    let mut readme_bytes = 0usize;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ask" => asks.push(it.next().expect("--ask needs a query").clone()),
            "--weights" => weights = Some(it.next().expect("--weights needs JSON").clone()),
            "--scale" => {
                scale = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--scale needs a number")
            }
            "--readme-bytes" => {
                readme_bytes = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--readme-bytes needs a number")
            }
            "--limit" => {
                ask_limit = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--limit needs a number")
            }
            "--json" | "--verbose" => {}
            _ => positional.push(a.clone()),
        }
    }
    let catalog = positional
        .first()
        .expect("usage: relevance CATALOG.jsonl [QUERIES.jsonl] [--json] [--verbose] [--ask Q]...");
    let base: Vec<PluginDoc> = read_lines::<CatalogEntry>(catalog)
        .into_iter()
        .map(to_doc)
        .collect();
    let docs: Vec<PluginDoc> = (0..scale)
        .flat_map(|copy| {
            base.iter().cloned().map(move |mut d| {
                if readme_bytes > 0 && !d.summary.is_empty() {
                    let times = readme_bytes / (d.summary.len() + 1) + 1;
                    d.readme_text = vec![d.summary.as_str(); times].join(" ");
                }
                if copy > 0 {
                    d.id = format!("{}-copy{copy}", d.id);
                    d.downloads_total /= copy as u64 + 1;
                }
                d
            })
        })
        .collect();
    let index = SearchIndex::in_memory(&[semver::Version::new(1, 0, 0)]).expect("index");
    if let Some(w) = &weights {
        let w: RankingWeights = serde_json::from_str(w).expect("--weights: RankingWeights as JSON");
        index.set_weights(w);
    }
    let started = Instant::now();
    let n = docs.len();
    index.replace_all(docs.into_iter(), None).expect("indexing");
    eprintln!("indexed {n} plugins in {:.2?}", started.elapsed());
    let started = Instant::now();
    let probe = PluginDoc {
        id: "probe.plugin".into(),
        display_name: "Probe".into(),
        ..PluginDoc::default()
    };
    index.apply(vec![probe], &[], None).expect("apply");
    index
        .apply(Vec::new(), &["probe.plugin".to_string()], None)
        .expect("apply");
    eprintln!(
        "apply (commit + snapshot), mean of 2: {:.2?}",
        started.elapsed() / 2
    );

    for q in &asks {
        let mut sq = query(q);
        sq.explain = verbose;
        sq.limit = ask_limit;
        let res = index.search(&sq).expect("search");
        println!(
            "{q:?}: {} results, did you mean {:?}",
            res.total, res.did_you_mean
        );
        for (i, h) in res.hits.iter().enumerate() {
            println!(
                "  {:>2}. {:<40} {}",
                i + 1,
                h.id,
                h.summary.chars().take(70).collect::<String>()
            );
            if let Some(e) = &h.explain {
                let parts: Vec<String> = e
                    .components
                    .iter()
                    .filter(|c| c.value != 0.0)
                    .map(|c| format!("{} {:.2}", c.name, c.value))
                    .collect();
                println!("      {:.2} = {}", e.score, parts.join(", "));
            }
        }
        // The related words (pseudo-relevance feedback), once per query.
        if let Some(c) = res
            .hits
            .iter()
            .filter_map(|h| h.explain.as_ref())
            .flat_map(|e| e.components.iter())
            .find(|c| c.name == "related")
        {
            println!("  related: {}", c.detail);
        }
    }
    let Some(queries_path) = positional.get(1) else {
        return;
    };
    let judged: Vec<Judged> = read_lines(queries_path);
    let (mut all, mut misspelled) = (Means::default(), Means::default());
    let mut rows = Vec::new();
    let mut downloads = std::collections::HashMap::new();
    for j in &judged {
        let res = index.search(&query(&j.query)).expect("search");
        let ids: Vec<String> = res.hits.iter().map(|h| h.id.clone()).collect();
        let (r, rr, nd) = (
            recall_at_k(&ids, &j.relevant_ids, K),
            reciprocal_rank(&ids, &j.relevant_ids, K),
            ndcg_at_k(&ids, &j.relevant_ids, K),
        );
        all.add(r, rr, nd);
        if res.did_you_mean.is_some() {
            misspelled.add(r, rr, nd);
        }
        if verbose {
            for h in &res.hits {
                downloads.insert(h.id.clone(), (h.downloads, h.display_name.clone()));
            }
        }
        rows.push((j, r, rr, nd, ids, res.did_you_mean.clone()));
    }
    rows.sort_by(|a, b| (a.1 + a.2).total_cmp(&(b.1 + b.2)));
    for (j, r, rr, nd, ids, dym) in &rows {
        if json {
            println!(
                "{}",
                serde_json::json!({"query": j.query, "recall_at_10": r, "rr": rr, "ndcg_at_10": nd,
                    "did_you_mean": dym, "top": ids, "missed": j.relevant_ids.iter().filter(|x| !ids.contains(x)).collect::<Vec<_>>()})
            );
        } else if verbose {
            println!(
                "{:<32} recall {r:.2} rr {rr:.2} ndcg {nd:.2} dym {dym:?}",
                j.query
            );
            for id in ids {
                let (d, name) = downloads.get(id).cloned().unwrap_or_default();
                let mark = if j.relevant_ids.contains(id) {
                    "+"
                } else {
                    " "
                };
                println!("    {mark} {id:<40} {name:<30} {d:>9}");
            }
            let deep = index
                .search(&SearchQuery {
                    limit: 100,
                    ..query(&j.query)
                })
                .expect("search");
            let missed: Vec<String> = j
                .relevant_ids
                .iter()
                .filter(|x| !ids.contains(x))
                .map(|x| match deep.hits.iter().position(|h| &h.id == x) {
                    Some(p) => format!("{x} (#{})", p + 1),
                    None => format!("{x} (not in top 100)"),
                })
                .collect();
            println!("    missed: {}", missed.join(", "));
        }
    }
    println!("{}", all.line("overall"));
    println!("{}", misspelled.line("misspelled"));
    let worst: Vec<String> = rows
        .iter()
        .take(5)
        .map(|(j, r, rr, ..)| format!("{} (recall {r:.2}, rr {rr:.2})", j.query))
        .collect();
    println!("worst: {}", worst.join("; "));

    // Throughput, in process, every query computed (the results cache would answer
    // repeats from memory).
    index.set_results_cache(0);
    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        for j in &judged {
            index.search(&query(&j.query)).expect("search");
        }
    }
    let elapsed = started.elapsed();
    let total = rounds * judged.len();
    println!(
        "search: {total} queries in {elapsed:.2?}: {:.0} queries/s, {:.2} ms mean",
        total as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / total as f64
    );
    let prefixes: Vec<String> = judged
        .iter()
        .flat_map(|j| {
            (1..=j.query.chars().count().min(8))
                .map(|n| j.query.chars().take(n).collect::<String>())
        })
        .collect();
    let started = Instant::now();
    for _ in 0..rounds {
        for p in &prefixes {
            index.suggest(p, 8).expect("suggest");
        }
    }
    let elapsed = started.elapsed();
    let total = rounds * prefixes.len();
    println!(
        "suggest: {total} prefixes in {elapsed:.2?}: {:.3} ms mean",
        elapsed.as_secs_f64() * 1000.0 / total as f64
    );
}
