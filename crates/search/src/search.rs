//! Answering a [`SearchQuery`] on a snapshot: validate, plan, match, filter and count
//! facets, score, sort, page, and dress the page's hits (stored fields, highlights,
//! explanations).

use serde::de::DeserializeOwned;
use tantivy::schema::Value;
use tantivy::{DocAddress, TantivyDocument};
use trellis_types::{Highlights, SearchHit, SearchQuery, SearchResults, SearchSort};

use crate::facets::{FacetCounter, Filters};
use crate::feedback::{Feedback, Said};
use crate::highlight::Highlighter;
use crate::matching::{self, DocMatch, Matches};
use crate::query::{validate, Plan};
use crate::ranking::{self, compare, explanation, Ranker};
use crate::schema::TextField;
use crate::snapshot::{DocKey, Snapshot};
use crate::{PluginDoc, RankingWeights, SearchError};

/// Runs `query` on `snap`.
pub(crate) fn run(
    snap: &Snapshot,
    weights: &RankingWeights,
    query: &SearchQuery,
) -> Result<SearchResults, SearchError> {
    let v = validate(query, &snap.api_labels)?;
    let plan = Plan::build(&v.text, &snap.vocab, snap.stats.num_docs, weights);
    // An empty query matches everything; text without a single word (only symbols or
    // emoji) matches nothing.
    let matches: Option<Matches> = if v.text.is_empty() {
        None
    } else if plan.is_empty() {
        Some(Matches::default())
    } else {
        Some(matching::collect(snap, &plan, &weights.field_boosts)?)
    };
    let filters = Filters::new(snap, &v.filters);
    let mut counter = FacetCounter::new(snap);
    let implied = match &matches {
        Some(map) if v.sort == SearchSort::Relevance => {
            ranking::implied(plan.clauses.len(), map.iter().map(|(_, m)| m))
        }
        _ => Vec::new(),
    };
    let relevance = v.sort == SearchSort::Relevance;
    let mut ranker = Ranker::new(snap, &plan, weights, &implied, None, false);
    // (document, score, first-pass text score when it is a candidate for feedback)
    let mut results: Vec<(DocKey, f64)> = Vec::new();
    let mut firsts: Vec<(DocKey, f64, f64, f64)> = Vec::new();
    let mut consider = |key: DocKey, m: Option<DocMatch<'_>>| {
        let failures = filters.failures(snap, key);
        counter.add(snap, key, failures);
        if failures == 0 {
            let score = if relevance {
                let s = ranker.score(key, m);
                if m.is_some() {
                    firsts.push((key, s.score, s.score - s.exact, s.text));
                }
                s.score
            } else {
                0.0
            };
            results.push((key, score));
        }
    };
    match &matches {
        None => snap.alive().for_each(|k| consider(k, None)),
        // In index order: the per-document columns are then read front to back (a
        // large result set in any other order misses the cache on nearly every one).
        Some(map) => map.iter().for_each(|(k, m)| consider(k, Some(m))),
    }
    // Pseudo-relevance feedback: the words the best results share find more of the same.
    let feedback = match &matches {
        Some(map) if relevance && weights.feedback > 0.0 && !map.is_empty() => {
            let feedback = feedback(snap, &plan, weights, &mut firsts)?;
            if let Some(fb) = &feedback {
                let mut ranker = Ranker::new(snap, &plan, weights, &implied, Some(fb), false);
                for r in results.iter_mut() {
                    if fb.of(r.0).0 > 0.0 {
                        r.1 = ranker.score(r.0, map.get(r.0)).score;
                    }
                }
            }
            feedback.map(|mut fb| {
                fb.floor = results
                    .iter()
                    .map(|r| r.1)
                    .fold(f64::INFINITY, f64::min)
                    .min(1.0e9);
                if !fb.floor.is_finite() || fb.floor <= 0.0 {
                    fb.floor = 1.0;
                }
                let mut ranker = Ranker::new(snap, &plan, weights, &implied, Some(&fb), false);
                for key in fb.alone(snap, map, weights.feedback_docs) {
                    let failures = filters.failures(snap, key);
                    counter.add(snap, key, failures);
                    if failures == 0 {
                        results.push((key, ranker.score_alone(key).score));
                    }
                }
                fb
            })
        }
        _ => None,
    };
    let total = results.len() as u64;
    let offset = ((v.page - 1) * v.limit) as usize;
    let wanted = offset + v.limit as usize;
    let cmp = |a: &(DocKey, f64), b: &(DocKey, f64)| {
        compare(snap, v.sort, (snap.meta(a.0), a.1), (snap.meta(b.0), b.1))
    };
    if wanted < results.len() {
        results.select_nth_unstable_by(wanted, cmp);
        results.truncate(wanted);
    }
    results.sort_by(cmp);
    let page: Vec<(DocKey, f64)> = results.into_iter().skip(offset).collect();

    let highlighter = Highlighter::new(&plan.highlight);
    let mut explainer = Ranker::new(snap, &plan, weights, &implied, feedback.as_ref(), true);
    let mut hits = Vec::with_capacity(page.len());
    for (key, _) in page {
        let doc: PluginDoc = stored(snap, key)?;
        let m = matches.as_ref().and_then(|m| m.get(key));
        let highlights = if plan.is_empty() {
            Highlights::default()
        } else {
            // A README excerpt only where the README matched: looking for a match in
            // one that did not would read all of it for nothing.
            let in_readme = m.is_some_and(|m| {
                m.hits
                    .iter()
                    .any(|h| h[TextField::Readme.index()].is_some())
            });
            Highlights {
                display_name: highlighter.field(&doc.display_name),
                summary: highlighter.field(&doc.summary),
                readme: in_readme
                    .then(|| highlighter.excerpt(&doc.readme_text))
                    .flatten(),
            }
        };
        let explain = v.explain.then(|| {
            let scored = match (&matches, m) {
                (Some(_), None) => explainer.score_alone(key),
                _ => explainer.score(key, m),
            };
            explanation(&scored)
        });
        hits.push(hit(doc, highlights, explain));
    }
    Ok(SearchResults {
        q: v.text,
        total,
        page: v.page,
        limit: v.limit,
        sort: v.sort,
        hits,
        facets: counter.finish(snap, &filters),
        did_you_mean: plan.did_you_mean,
    })
}

/// The feedback of the best first-pass results `firsts` (document, score, score
/// without the exact-name tier, text score).
fn feedback(
    snap: &Snapshot,
    plan: &Plan,
    weights: &RankingWeights,
    firsts: &mut [(DocKey, f64, f64, f64)],
) -> Result<Option<Feedback>, SearchError> {
    let k = weights.feedback_docs.min(firsts.len());
    if k == 0 || k < weights.feedback_min_docs {
        return Ok(None);
    }
    let cmp = |a: &(DocKey, f64, f64, f64), b: &(DocKey, f64, f64, f64)| {
        b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))
    };
    if k < firsts.len() {
        firsts.select_nth_unstable_by(k - 1, cmp);
    }
    let top = &mut firsts[..k];
    top.sort_by(cmp);
    let mut docs = Vec::with_capacity(k);
    for &(key, _, weight, text) in top.iter() {
        let said: Said = stored(snap, key)?;
        docs.push((said, weight.max(0.0), text));
    }
    Feedback::build(snap, plan, weights, &docs)
}

/// The stored copy of a document, as a [`PluginDoc`] or as any part of one (what is
/// not asked for is skipped, not copied: a README can be long).
fn stored<T: DeserializeOwned>(snap: &Snapshot, key: DocKey) -> Result<T, SearchError> {
    let doc: TantivyDocument = snap.searcher.doc(DocAddress::new(key.0, key.1))?;
    let json = doc
        .get_first(snap.fields.stored)
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| SearchError::Internal("a document has no stored copy".into()))?;
    serde_json::from_str(&json)
        .map_err(|e| SearchError::Internal(format!("a stored document does not parse: {e}")))
}

fn hit(
    d: PluginDoc,
    highlights: Highlights,
    explain: Option<trellis_types::Explanation>,
) -> SearchHit {
    SearchHit {
        id: d.id,
        namespace: d.namespace,
        display_name: d.display_name,
        summary: d.summary,
        kind: d.kind,
        categories: d.categories,
        keywords: d.keywords,
        license: d.license,
        latest_version: d.latest_version,
        downloads: d.downloads_total,
        recent_downloads: d.downloads_recent,
        rating: d.rating_avg,
        rating_count: d.rating_count,
        created_at: d.created_at,
        updated_at: d.updated_at,
        deprecated: d.deprecated,
        demo: d.demo,
        highlights,
        explain,
    }
}
