//! The ranking's tunable numbers in one place, with the defaults tuned on the Obsidian
//! catalogue's judged queries (see `docs/search.md`). The relevance harness can try
//! others without rebuilding (`--weights '{"popularity": 4.0}'`).

use serde::{Deserialize, Serialize};

/// Weights of the ranking formula (see the `ranking` module and `docs/search.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RankingWeights {
    /// Per field, how much its BM25 counts: name, keywords, categories, summary, README,
    /// joined word pairs.
    pub field_boosts: [f64; 6],
    /// Weight of a match with one / two typos relative to an exact one.
    pub typo1: f64,
    pub typo2: f64,
    /// Typo and completion matches of a word that is itself in the vocabulary count this
    /// much again.
    pub known_word: f64,
    /// A completion of the last word weighs `prefix_base + prefix_span * typed/complete`.
    pub prefix_base: f64,
    pub prefix_span: f64,
    /// Completions of earlier (not last) query words of 3+ letters weigh this much more
    /// (0 turns them off).
    pub prefix_inner: f64,
    /// Weight of another form of a word of 7+ letters: a word sharing all but its last
    /// three letters (0 turns them off).
    pub word_forms: f64,
    /// Weight of the initials of a 3+ word query (`toc`) standing for each word.
    pub acronym: f64,
    /// Weight of two query words matched as one document word (per query word).
    pub join: f64,
    /// Weight of one query word matched as two document words.
    pub split: f64,
    /// Exponent of the share of query words matched, each weighted by its inverse
    /// document frequency, missing words credited by [`RankingWeights::implied`] (the
    /// coverage factor; the same share, squared, scales popularity).
    pub coverage_exponent: f64,
    /// How much a missing query word counts as matched when the words a document does
    /// match imply it: `min(1, implied * P(missing | matched))`, P estimated among the
    /// documents the query matched, outside READMEs (0 turns this off).
    pub implied: f64,
    /// Added after popularity when a name is exactly the query: a tier above the rest.
    pub exact_name: f64,
    /// A share of `exact_name` added when a name is the query with its last word
    /// completed as typed so far (`telescop` -> *telescope.nvim*): a tier below the
    /// exact one, above the names that merely start with the query.
    pub name_completion: f64,
    /// Added to the text score (per query word) when a name starts with the query.
    pub name_prefix: f64,
    /// Popularity multiplies the text score by `1 + popularity * p^popularity_exponent`,
    /// `p` being downloads on a 0..1 log scale.
    pub popularity: f64,
    pub popularity_exponent: f64,
    /// Pseudo-relevance feedback: a document holding every related word (the words the
    /// best `feedback_docs` first-pass results share, see the `feedback` module) gains
    /// this times their mean text score, scaled by its related share and by how well it
    /// matches the query words (`quality`, as for popularity); 0 turns feedback off.
    pub feedback: f64,
    /// How many of the best first-pass results lend their words; also the most
    /// documents matching no query word (only related ones) that are added, below
    /// every direct match.
    pub feedback_docs: usize,
    /// How many related words are kept (the best by P(t | feedback) x
    /// ln(P(t | feedback) / P(t)); words of the query, stopwords and words in over 2 %
    /// of documents never are).
    pub feedback_terms: usize,
    /// No feedback unless the query matched at least this many documents.
    pub feedback_min_docs: usize,
    /// Per star of Bayesian-average rating above (or below) the catalogue mean.
    pub rating: f64,
    /// A deprecated plugin keeps this share of its score.
    pub deprecated: f64,
}

impl Default for RankingWeights {
    fn default() -> RankingWeights {
        RankingWeights {
            field_boosts: [2.5, 2.5, 1.8, 1.0, 0.3, 1.5],
            typo1: 0.6,
            typo2: 0.4,
            known_word: 0.5,
            prefix_base: 0.45,
            prefix_span: 0.4,
            prefix_inner: 0.6,
            acronym: 0.7,
            word_forms: 0.5,
            join: 0.75,
            split: 0.8,
            coverage_exponent: 1.5,
            implied: 1.5,
            exact_name: 1000.0,
            name_completion: 0.3,
            name_prefix: 1.0,
            popularity: 40.0,
            popularity_exponent: 3.0,
            feedback: 0.3,
            feedback_docs: 10,
            feedback_terms: 8,
            feedback_min_docs: 3,
            rating: 0.1,
            deprecated: 0.5,
        }
    }
}
