//! Pseudo-relevance feedback (after RM3 / Rocchio): the words that the best first-pass
//! results share, and the query lacks, stand for what the query is about, and find
//! plugins that say the same thing in other words.
//!
//! The top [`RankingWeights::feedback_docs`] results, each weighted by its score (the
//! exact-name tier aside), lend the words of their names, keywords and summaries. A word
//! scores its weighted share of the feedback documents times its inverse document
//! frequency; words of the query (and of its alternatives), stopwords, short words,
//! numbers, words in more than [`MAX_DF_SHARE`] of documents and words of a single
//! feedback document are left out. The best [`RankingWeights::feedback_terms`] become the
//! *related* words, and a document's *related* share is the weighted share of them it
//! holds (a name or keyword match counts fully, a summary or category match by its field
//! boost). The ranking adds a bounded amount for it (see `ranking.rs`).

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;

use crate::matching::{self, Matches};
use crate::query::Plan;
use crate::schema::TextField;
use crate::snapshot::{DocKey, DocMap, Snapshot};
use crate::tokenizer::{is_stopword, stem, terms};
use crate::{RankingWeights, SearchError};

/// Words in more than this share of the documents are too common to stand for a topic.
pub(crate) const MAX_DF_SHARE: f64 = 0.02;
/// A related word must come from at least this many feedback documents.
const MIN_SHARED: usize = 2;
/// A document matching none of the query's words must hold this many related words to
/// be a result.
pub(crate) const MIN_TERMS_ALONE: usize = 2;
/// The fields related words are looked up in.
const FIELDS: [TextField; 4] = [
    TextField::Name,
    TextField::Keywords,
    TextField::Categories,
    TextField::Summary,
];

/// What a feedback document lends its words from: the part of its stored
/// [`crate::PluginDoc`] they are taken from, read without its README.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Said {
    pub display_name: String,
    pub name: String,
    pub summary: String,
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// What the feedback documents say about a query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Feedback {
    /// Related words (stemmed) and their weights (summing to 1), best first.
    pub terms: Vec<(String, f64)>,
    /// Per document holding any related word: its related share (0..1] and how many
    /// related words it holds.
    pub related: DocMap<(f64, usize)>,
    /// What a full related share is worth: the weighted mean text score of the
    /// feedback documents.
    pub scale: f64,
    /// Documents matching no query word score below this (the lowest score of a
    /// document that does).
    pub floor: f64,
}

impl Feedback {
    /// The feedback of `top`: the best first-pass results as (stored copy, weight, text
    /// score), best first. `None` when there are too few of them or nothing is shared.
    pub(crate) fn build(
        snap: &Snapshot,
        plan: &Plan,
        w: &RankingWeights,
        top: &[(Said, f64, f64)],
    ) -> Result<Option<Feedback>, SearchError> {
        if top.len() < w.feedback_min_docs.max(1) || w.feedback_terms == 0 {
            return Ok(None);
        }
        let total_weight: f64 = top.iter().map(|t| t.1).sum();
        if total_weight <= 0.0 {
            return Ok(None);
        }
        // The query's own words, in every form it is matched in.
        let mut own: FxHashSet<String> = FxHashSet::default();
        for c in &plan.clauses {
            own.insert(stem(&c.word).into_owned());
            for a in &c.alts {
                for t in &a.terms {
                    own.insert(stem(t).into_owned());
                }
            }
        }
        // stem -> (weighted share, documents, most frequent surface form's df)
        let mut seen: FxHashMap<String, (f64, usize, u64)> = FxHashMap::default();
        for (doc, weight, _) in top {
            let mut words: FxHashSet<String> = FxHashSet::default();
            let mut df_of: FxHashMap<String, u64> = FxHashMap::default();
            let texts = [&doc.display_name, &doc.name, &doc.summary]
                .into_iter()
                .chain(doc.keywords.iter());
            for text in texts {
                for word in terms(text) {
                    if word.chars().count() < 3
                        || word.chars().all(|c| c.is_ascii_digit())
                        || is_stopword(&word)
                    {
                        continue;
                    }
                    let s = stem(&word).into_owned();
                    if own.contains(&s) {
                        continue;
                    }
                    let df = snap.vocab.freq(&word).max(snap.vocab.freq(&s));
                    let slot = df_of.entry(s.clone()).or_insert(0);
                    *slot = (*slot).max(df);
                    words.insert(s);
                }
            }
            for s in words {
                let df = df_of[&s];
                let e = seen.entry(s).or_insert((0.0, 0, 0));
                e.0 += weight / total_weight;
                e.1 += 1;
                e.2 = e.2.max(df);
            }
        }
        let n = snap.stats.num_docs.max(1) as f64;
        let mut scored: Vec<(String, f64)> = seen
            .into_iter()
            .filter(|(_, (_, docs, df))| *docs >= MIN_SHARED && (*df as f64) <= MAX_DF_SHARE * n)
            .map(|(s, (share, _, df))| {
                // Its contribution to the divergence of the feedback documents from
                // the catalogue: P(t | feedback) x ln(P(t | feedback) / P(t)).
                let p = df.max(1) as f64 / n;
                (s, share * (share / p).ln())
            })
            .filter(|(_, score)| *score > 0.0)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        scored.truncate(w.feedback_terms);
        let sum: f64 = scored.iter().map(|t| t.1).sum();
        if scored.is_empty() || sum <= 0.0 {
            return Ok(None);
        }
        let terms: Vec<(String, f64)> = scored.into_iter().map(|(s, v)| (s, v / sum)).collect();
        // A related word counts fully in a name or keyword, by its field boost elsewhere.
        let max_boost = FIELDS
            .iter()
            .map(|f| w.field_boosts[f.index()])
            .fold(f64::MIN_POSITIVE, f64::max);
        let mut related: DocMap<(f64, usize)> = DocMap::default();
        for (term, tw) in &terms {
            let mut best: DocMap<f64> = DocMap::default();
            for f in FIELDS {
                let fw = (w.field_boosts[f.index()] / max_boost).clamp(0.0, 1.0);
                for key in matching::term_docs(snap, f, term)? {
                    let slot = best.entry(key).or_insert(0.0);
                    *slot = slot.max(fw);
                }
            }
            for (key, fw) in best {
                let e = related.entry(key).or_insert((0.0, 0));
                e.0 += tw * fw;
                e.1 += 1;
            }
        }
        let scale = top.iter().map(|t| t.1 * t.2).sum::<f64>() / total_weight;
        Ok(Some(Feedback {
            terms,
            related,
            scale,
            floor: 1.0,
        }))
    }

    /// A document's related share and how many related words it holds.
    pub(crate) fn of(&self, key: DocKey) -> (f64, usize) {
        self.related.get(&key).copied().unwrap_or((0.0, 0))
    }

    /// The documents matching no query word that hold enough related words, at most
    /// `limit` of them, the most related first.
    pub(crate) fn alone(&self, snap: &Snapshot, matches: &Matches, limit: usize) -> Vec<DocKey> {
        let mut out: Vec<(DocKey, f64)> = self
            .related
            .iter()
            .filter(|(k, (_, count))| *count >= MIN_TERMS_ALONE && !matches.contains(**k))
            .map(|(k, (share, _))| (*k, *share))
            .collect();
        out.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| snap.meta(a.0).id.cmp(&snap.meta(b.0).id))
        });
        out.truncate(limit);
        out.into_iter().map(|(k, _)| k).collect()
    }

    /// The related words, for explanations.
    pub(crate) fn words(&self) -> String {
        self.terms
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
