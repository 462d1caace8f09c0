//! Relevance metrics for judged queries (binary relevance): recall@k, reciprocal rank
//! and nDCG@k. Used by the relevance harness (`examples/relevance.rs`) and benchmarks.

use std::collections::HashSet;

/// Share of the relevant ids found in the first `k` results (1.0 when none are relevant).
pub fn recall_at_k(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    let relevant: HashSet<&str> = relevant.iter().map(String::as_str).collect();
    if relevant.is_empty() {
        return 1.0;
    }
    let found = ranked
        .iter()
        .take(k)
        .collect::<HashSet<_>>()
        .into_iter()
        .filter(|id| relevant.contains(id.as_str()))
        .count();
    found as f64 / relevant.len() as f64
}

/// 1 / rank of the first relevant result within the first `k` (0.0 when none).
pub fn reciprocal_rank(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    ranked
        .iter()
        .take(k)
        .position(|id| relevant.contains(id))
        .map_or(0.0, |i| 1.0 / (i as f64 + 1.0))
}

/// Normalised discounted cumulative gain of the first `k` results, with gain 1 for a
/// relevant result: DCG / the DCG of a perfect ranking.
pub fn ndcg_at_k(ranked: &[String], relevant: &[String], k: usize) -> f64 {
    let relevant: HashSet<&str> = relevant.iter().map(String::as_str).collect();
    if relevant.is_empty() {
        return 1.0;
    }
    let gain = |i: usize| 1.0 / (i as f64 + 2.0).log2();
    let mut seen = HashSet::new();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| relevant.contains(id.as_str()) && seen.insert(id.as_str()))
        .map(|(i, _)| gain(i))
        .sum();
    let ideal: f64 = (0..relevant.len().min(k)).map(gain).sum();
    dcg / ideal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn metrics_on_a_small_ranking() {
        let ranked = ids(&["x", "a", "y", "b"]);
        let relevant = ids(&["a", "b", "c"]);
        assert!((recall_at_k(&ranked, &relevant, 10) - 2.0 / 3.0).abs() < 1e-9);
        assert!((recall_at_k(&ranked, &relevant, 2) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(reciprocal_rank(&ranked, &relevant, 10), 0.5);
        assert_eq!(reciprocal_rank(&ranked, &relevant, 1), 0.0);
        let perfect = ids(&["a", "b", "c"]);
        assert!((ndcg_at_k(&perfect, &relevant, 10) - 1.0).abs() < 1e-9);
        let n = ndcg_at_k(&ranked, &relevant, 10);
        assert!(n > 0.0 && n < 1.0);
    }
}
