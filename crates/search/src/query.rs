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
use crate::tokenizer::{is_stopword, stem, terms};
use crate::vocab::{typo_budget, Vocab};
use crate::{RankingWeights, SearchError};

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
    /// The initials of a query of three or more words (`table of contents` -> toc).
    Acronym,
}

/// One way a query word may appear in a document.
#[derive(Debug, Clone)]
pub(crate) struct Alt {
    /// One word, or two that must both appear in the same field (a split).
    pub terms: Vec<String>,
    pub kind: MatchKind,
    /// Its weight relative to an exact match of the word.
    pub factor: f64,
    /// How a name matched this way counts against the query (see [`NameFit`]).
    pub name: NameFit,
}

/// How a name word matched through an alternative counts when a name is read against
/// the query (the exact tier and the completion tier, `ranking/names.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameFit {
    /// Still the query itself: exact words, and the closest corrections of a word the
    /// index does not know.
    Exact,
    /// A completion of the last word while it is being typed (a word the index does
    /// not know): the name is what the visitor is typing.
    Completes,
    /// Anything else (completions of known words, other forms, looser corrections,
    /// splits and joins): never the query itself.
    Loose,
}

/// A query word and its alternatives.
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub word: String,
    pub alts: Vec<Alt>,
    /// How much matching this word matters for coverage: its inverse document
    /// frequency (a rare word like `encrypt` outweighs a common one like `notes`).
    pub weight: f64,
    /// This word run together with the next one (`mind map` -> mindmap).
    pub joined_with_next: Option<String>,
    /// Stems of the single-word alternatives a name word may match, with the best
    /// weight and how the name then counts (see [`Clause::accepts`]).
    accepted: rustc_hash::FxHashMap<String, (f64, NameFit)>,
}

impl Clause {
    /// How a document word, given by its stem (`tokenizer::stem`), stands for this
    /// clause, if it does (plurals aside): the best single-word alternative's weight
    /// and how the name then counts.
    pub(crate) fn accepts(&self, stemmed: &str) -> Option<(f64, NameFit)> {
        self.accepted.get(stemmed).copied()
    }

    fn index_alternatives(&mut self) {
        for a in &self.alts {
            if a.terms.len() == 1
                && matches!(
                    a.kind,
                    MatchKind::Exact | MatchKind::Prefix | MatchKind::Typo(_)
                )
            {
                let slot = self
                    .accepted
                    .entry(stem(&a.terms[0]).into_owned())
                    .or_insert((a.factor, a.name));
                if a.factor > slot.0 {
                    *slot = (a.factor, a.name);
                }
            }
        }
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
    pub(crate) fn build(
        text: &str,
        vocab: &Vocab,
        num_docs: u64,
        weights: &RankingWeights,
    ) -> Plan {
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
                name: NameFit::Exact,
            }];
            let freq = vocab.freq(w);
            // The last word may be unfinished; earlier ones complete at a discount.
            let typed = w.chars().count();
            let (completions, discount) = if last && typed >= 2 {
                (vocab.with_prefix(w, MAX_PREFIX_EXPANSIONS), 1.0)
            } else if !last && typed >= 3 && weights.prefix_inner > 0.0 {
                (
                    vocab.with_prefix(w, MAX_PREFIX_EXPANSIONS / 2),
                    weights.prefix_inner,
                )
            } else {
                (Vec::new(), 1.0)
            };
            // A word the index knows was probably typed in full: its completions and
            // corrections count for less.
            let damping = if freq > 0 { weights.known_word } else { 1.0 };
            for c in &completions {
                alts.push(Alt {
                    terms: vec![c.term.clone()],
                    kind: MatchKind::Prefix,
                    name: if last && freq == 0 {
                        NameFit::Completes
                    } else {
                        NameFit::Loose
                    },
                    factor: damping
                        * discount
                        * (weights.prefix_base
                            + weights.prefix_span * typed as f64 / c.term.chars().count() as f64),
                });
            }
            // Other forms of a long word: words sharing all but its last three letters
            // (`translate` -> translator, translation), a crude but language-light stem.
            if typed >= 7 && weights.word_forms > 0.0 {
                let cut: String = w.chars().take(typed - 3).collect();
                for c in vocab.with_prefix(&cut, MAX_PREFIX_EXPANSIONS / 2) {
                    if c.term != *w && !alts.iter().any(|a| a.terms == [c.term.clone()]) {
                        alts.push(Alt {
                            terms: vec![c.term],
                            kind: MatchKind::Prefix,
                            name: NameFit::Loose,
                            factor: weights.word_forms,
                        });
                    }
                }
            }
            let near = vocab.near(w, typo_budget(w), MAX_TYPO_EXPANSIONS);
            let closest = near.first().map(|c| c.distance);
            for c in &near {
                let factor = if c.distance == 1 {
                    weights.typo1
                } else {
                    weights.typo2
                };
                alts.push(Alt {
                    terms: vec![c.term.clone()],
                    kind: MatchKind::Typo(c.distance),
                    factor: factor * damping,
                    name: if freq == 0 && Some(c.distance) == closest {
                        NameFit::Exact
                    } else {
                        NameFit::Loose
                    },
                });
            }
            let split = best_split(w, vocab);
            if let Some((a, b)) = &split {
                alts.push(Alt {
                    terms: vec![a.clone(), b.clone()],
                    kind: MatchKind::Split,
                    factor: weights.split,
                    name: NameFit::Loose,
                });
            }
            // "Did you mean": an unknown word (or a very rare one next to a common one)
            // is replaced by the most frequent word within its typo budget. A last word
            // that completes to words of the index is unfinished, not misspelt (`kanb`
            // is on its way to `kanban`, not a typo of `kana`).
            let known = freq > 0 || (last && !completions.is_empty()) || split.is_some();
            let df = alts
                .iter()
                .filter(|a| a.terms.len() == 1)
                .map(|a| vocab.freq(&a.terms[0]))
                .max()
                .unwrap_or(0);
            let weight = (1.0 + num_docs as f64 / (1.0 + df as f64)).ln();
            if let Some(best) = near.iter().max_by_key(|c| c.freq) {
                if !known || (freq > 0 && freq <= 2 && best.freq >= 50 * freq) {
                    if let Some(slot) = corrected.iter_mut().find(|x| *x == w) {
                        *slot = best.term.clone();
                        any_correction = true;
                    }
                }
            }
            clauses.push(Clause {
                word: w.clone(),
                alts,
                weight,
                joined_with_next: None,
                accepted: Default::default(),
            });
        }
        for i in 1..n {
            let joined = format!("{}{}", words[i - 1], words[i]);
            for c in [i - 1, i] {
                clauses[c].alts.push(Alt {
                    terms: vec![joined.clone()],
                    kind: MatchKind::Join,
                    factor: weights.join,
                    name: NameFit::Loose,
                });
            }
        }
        if all.len() >= 3 && weights.acronym > 0.0 {
            let initials: String = all.iter().filter_map(|w| w.chars().next()).collect();
            for clause in &mut clauses {
                clause.alts.push(Alt {
                    terms: vec![initials.clone()],
                    kind: MatchKind::Acronym,
                    factor: weights.acronym,
                    name: NameFit::Loose,
                });
            }
        }
        for i in 0..clauses.len() {
            clauses[i].index_alternatives();
            if i + 1 < clauses.len() {
                clauses[i].joined_with_next =
                    Some(format!("{}{}", clauses[i].word, clauses[i + 1].word));
            }
        }
        let highlight = clauses
            .iter()
            .flat_map(|c| c.alts.iter())
            .filter(|a| !matches!(a.kind, MatchKind::Join))
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
