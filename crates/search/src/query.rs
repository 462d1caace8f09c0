//! From a [`SearchQuery`] to what is looked up: input validation, and the query plan —
//! each query word with its alternatives (the word itself, typo corrections within the
//! budget, completions of the last word, a split into two known words, a join with its
//! neighbour), plus "did you mean".

use std::collections::HashSet;

use trellis_types::{
    SearchQuery, SearchSort, SEARCH_FACETS, SEARCH_MAX_DEPTH, SEARCH_MAX_LIMIT,
    SEARCH_MAX_QUERY_CHARS,
};

use crate::table::{API, NUM_FACETS};
use crate::tokenizer::terms;
use crate::vocab::{typo_budget, Vocab};
use crate::SearchError;

/// Query words beyond this many are ignored.
const MAX_WORDS: usize = 10;
/// Most values one facet filter may list.
const MAX_FILTER_VALUES: usize = 50;
/// Longest facet filter value.
const MAX_FILTER_CHARS: usize = 128;
/// Completions tried for the last word.
const MAX_PREFIX_EXPANSIONS: usize = 20;
/// Typo corrections tried per word.
const MAX_TYPO_EXPANSIONS: usize = 10;

/// Weight of a typo match relative to an exact one, by edit count.
pub(crate) const TYPO_FACTOR: [f64; 3] = [1.0, 0.6, 0.4];
/// Typo matches of a word that is itself in the vocabulary count for less again.
pub(crate) const KNOWN_WORD_TYPO_DAMPING: f64 = 0.5;
/// A completion's weight is `PREFIX_BASE + PREFIX_SPAN * typed/complete length`.
pub(crate) const PREFIX_BASE: f64 = 0.45;
pub(crate) const PREFIX_SPAN: f64 = 0.4;
/// Weight of matching two adjacent query words as one word (per word).
pub(crate) const JOIN_FACTOR: f64 = 0.75;
/// Weight of matching one query word as two words.
pub(crate) const SPLIT_FACTOR: f64 = 0.8;

/// Words that never make a clause of their own (unless the query has nothing else).
pub(crate) const STOPWORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or",
    "the", "to", "with", "your", "my",
];

pub(crate) fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

/// A query that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct Validated {
    pub text: String,
    /// Selected values per facet, in [`SEARCH_FACETS`] order.
    pub filters: [Vec<String>; NUM_FACETS],
    pub sort: SearchSort,
    pub page: u32,
    pub limit: u32,
    pub explain: bool,
}

/// Checks a query's bounds and filter values.
pub(crate) fn validate(q: &SearchQuery, api_labels: &[String]) -> Result<Validated, SearchError> {
    let text = q.q.trim();
    let n = text.chars().count();
    if n > SEARCH_MAX_QUERY_CHARS {
        return Err(SearchError::invalid(
            "q",
            format!("at most {SEARCH_MAX_QUERY_CHARS} characters ({n} given)"),
        ));
    }
    if q.limit == 0 || q.limit > SEARCH_MAX_LIMIT {
        return Err(SearchError::invalid(
            "limit",
            format!("must be 1 to {SEARCH_MAX_LIMIT}"),
        ));
    }
    if q.page == 0 {
        return Err(SearchError::invalid("page", "pages start at 1"));
    }
    if u64::from(q.page) * u64::from(q.limit) > u64::from(SEARCH_MAX_DEPTH) {
        return Err(SearchError::invalid(
            "page",
            format!("results deeper than {SEARCH_MAX_DEPTH} cannot be paged to"),
        ));
    }
    let lists = [&q.category, &q.kind, &q.keyword, &q.namespace, &q.license];
    let mut filters: [Vec<String>; NUM_FACETS] = Default::default();
    for (i, list) in lists.into_iter().enumerate() {
        let field = SEARCH_FACETS[i];
        if list.len() > MAX_FILTER_VALUES {
            return Err(SearchError::invalid(
                field,
                format!("at most {MAX_FILTER_VALUES} values"),
            ));
        }
        for v in list {
            check_value(field, v)?;
            if !filters[i].contains(v) {
                filters[i].push(v.clone());
            }
        }
    }
    if let Some(api) = &q.api {
        let label = api_filter_label(api)
            .filter(|l| api_labels.contains(l))
            .ok_or_else(|| {
                SearchError::invalid(
                    "api",
                    format!(
                        "`{}` is not a known plugin-API version (known: {})",
                        api.chars().take(32).collect::<String>(),
                        api_labels.join(", ")
                    ),
                )
            })?;
        filters[API].push(label);
    }
    Ok(Validated {
        text: text.to_string(),
        filters,
        sort: q.sort,
        page: q.page,
        limit: q.limit,
        explain: q.explain,
    })
}

fn check_value(field: &'static str, v: &str) -> Result<(), SearchError> {
    let n = v.chars().count();
    if n == 0 || n > MAX_FILTER_CHARS || v.chars().any(char::is_control) || v.trim() != v {
        return Err(SearchError::invalid(
            field,
            format!("a value must be 1 to {MAX_FILTER_CHARS} printable characters without surrounding spaces"),
        ));
    }
    Ok(())
}

/// `1.0`, `1.0.3` or `1` -> `1.0`.
fn api_filter_label(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.trim().split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 9)
    {
        return None;
    }
    let major: u64 = parts[0].parse().ok()?;
    let minor: u64 = parts.get(1).map_or(Some(0), |p| p.parse().ok())?;
    Some(format!("{major}.{minor}"))
}

/// How a query word met a document's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MatchKind {
    Exact,
    /// A completion of the last query word.
    Prefix,
    /// Within the typo budget, with this many edits.
    Typo(u8),
    /// Two adjacent query words written as one (`mind map` -> mindmap).
    Join,
    /// One query word written as two (`mindmap` -> mind map).
    Split,
}

/// One way a query word may appear in a document.
#[derive(Debug, Clone)]
pub(crate) struct Alt {
    /// One word, or two that must both appear in the same field (a split).
    pub terms: Vec<String>,
    pub kind: MatchKind,
    /// Its weight relative to an exact match of the word.
    pub factor: f64,
}

/// A query word and its alternatives.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub word: String,
    pub alts: Vec<Alt>,
}

impl Clause {
    /// The weight with which `word` (a document word) stands for this clause, if it does.
    pub(crate) fn accepts(&self, word: &str) -> Option<f64> {
        self.alts
            .iter()
            .filter(|a| a.terms.len() == 1 && a.kind != MatchKind::Join && a.terms[0] == word)
            .map(|a| a.factor)
            .fold(None, |best, f| Some(best.map_or(f, |b: f64| b.max(f))))
    }
}

/// What the query asks for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    pub clauses: Vec<Clause>,
    /// Every document word that should be highlighted.
    pub highlight: HashSet<String>,
    pub did_you_mean: Option<String>,
}

impl Plan {
    /// Plans the text of a query against the vocabulary.
    pub(crate) fn build(text: &str, vocab: &Vocab) -> Plan {
        let all: Vec<String> = terms(text).into_iter().take(MAX_WORDS).collect();
        let mut words: Vec<String> = all.iter().filter(|w| !is_stopword(w)).cloned().collect();
        if words.is_empty() {
            words = all.clone();
        }
        let n = words.len();
        let mut clauses: Vec<Clause> = Vec::with_capacity(n);
        let mut corrected = all.clone();
        let mut any_correction = false;
        for (i, w) in words.iter().enumerate() {
            let last = i + 1 == n;
            let mut alts = vec![Alt {
                terms: vec![w.clone()],
                kind: MatchKind::Exact,
                factor: 1.0,
            }];
            let freq = vocab.freq(w);
            let completions = if last && w.chars().count() >= 2 {
                vocab.with_prefix(w, MAX_PREFIX_EXPANSIONS)
            } else {
                Vec::new()
            };
            let typed = w.chars().count() as f64;
            for c in &completions {
                alts.push(Alt {
                    terms: vec![c.term.clone()],
                    kind: MatchKind::Prefix,
                    factor: PREFIX_BASE + PREFIX_SPAN * typed / c.term.chars().count() as f64,
                });
            }
            let near = vocab.near(w, typo_budget(w), MAX_TYPO_EXPANSIONS);
            for c in &near {
                let damping = if freq > 0 {
                    KNOWN_WORD_TYPO_DAMPING
                } else {
                    1.0
                };
                alts.push(Alt {
                    terms: vec![c.term.clone()],
                    kind: MatchKind::Typo(c.distance),
                    factor: TYPO_FACTOR[c.distance as usize] * damping,
                });
            }
            let split = best_split(w, vocab);
            if let Some((a, b)) = &split {
                alts.push(Alt {
                    terms: vec![a.clone(), b.clone()],
                    kind: MatchKind::Split,
                    factor: SPLIT_FACTOR,
                });
            }
            // "Did you mean": an unknown word (or a very rare one next to a common one)
            // is replaced by the most frequent word within its typo budget.
            let known = freq > 0 || !completions.is_empty() || split.is_some();
            if let Some(best) = near.iter().max_by_key(|c| c.freq) {
                if !known || (freq <= 2 && best.freq >= 50 * freq) {
                    if let Some(slot) = corrected.iter_mut().find(|x| *x == w) {
                        *slot = best.term.clone();
                        any_correction = true;
                    }
                }
            }
            clauses.push(Clause {
                word: w.clone(),
                alts,
            });
        }
        for i in 1..n {
            let joined = format!("{}{}", words[i - 1], words[i]);
            for c in [i - 1, i] {
                clauses[c].alts.push(Alt {
                    terms: vec![joined.clone()],
                    kind: MatchKind::Join,
                    factor: JOIN_FACTOR,
                });
            }
        }
        let highlight = clauses
            .iter()
            .flat_map(|c| c.alts.iter())
            .filter(|a| a.kind != MatchKind::Join)
            .flat_map(|a| a.terms.iter().cloned())
            .collect();
        Plan {
            clauses,
            highlight,
            did_you_mean: any_correction.then(|| corrected.join(" ")),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// `mindmap` -> (mind, map) when both halves (3+ letters) are known words; the split
/// whose rarer half is most frequent wins.
fn best_split(w: &str, vocab: &Vocab) -> Option<(String, String)> {
    let chars: Vec<(usize, char)> = w.char_indices().collect();
    if chars.len() < 6 {
        return None;
    }
    (3..=chars.len() - 3)
        .filter_map(|k| {
            let at = chars[k].0;
            let (a, b) = (&w[..at], &w[at..]);
            let f = vocab.freq(a).min(vocab.freq(b));
            (f > 0).then(|| (f, a.to_string(), b.to_string()))
        })
        .max_by_key(|(f, ..)| *f)
        .map(|(_, a, b)| (a, b))
}
