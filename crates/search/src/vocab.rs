//! The index vocabulary: every word of names, keywords, category labels and summaries
//! with its document frequency, as an FST rebuilt when the reader reloads. Query words
//! are expanded against it: by prefix (`kanb` -> kanban) and within the typo budget
//! (`calender` -> calendar), and "did you mean" picks its corrections from it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::schema::Field;
use tantivy::Searcher;
use tantivy_fst::{Automaton, IntoStreamer, Map, Streamer};

use crate::SearchError;

/// How many edits a word of this many characters may have: none under 4 letters, one
/// for 4 to 7, two from 8 (a transposition counts as one edit).
pub(crate) fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

fn builder(distance: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    match distance {
        1 => ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true)),
        _ => TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true)),
    }
}

/// A Levenshtein automaton (Damerau: transpositions cost one) over FST bytes.
pub(crate) struct Fuzzy(DFA);

impl Fuzzy {
    /// Words within `distance` edits of `word`.
    pub(crate) fn word(word: &str, distance: u8) -> Fuzzy {
        Fuzzy(builder(distance).build_dfa(word))
    }

    /// Words starting with something within `distance` edits of `prefix`.
    pub(crate) fn prefix(prefix: &str, distance: u8) -> Fuzzy {
        Fuzzy(builder(distance).build_prefix_dfa(prefix))
    }

    /// The edit distance of a match.
    pub(crate) fn distance(&self, text: &[u8]) -> Option<u8> {
        match self.0.eval(text) {
            Distance::Exact(d) => Some(d),
            Distance::AtLeast(_) => None,
        }
    }
}

impl Automaton for &Fuzzy {
    type State = u32;

    fn start(&self) -> u32 {
        self.0.initial_state()
    }

    fn is_match(&self, state: &u32) -> bool {
        matches!(self.0.distance(*state), Distance::Exact(_))
    }

    fn can_match(&self, state: &u32) -> bool {
        *state != SINK_STATE
    }

    fn accept(&self, state: &u32, byte: u8) -> u32 {
        self.0.transition(*state, byte)
    }
}

/// A word of the vocabulary near a query word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Near {
    pub term: String,
    pub distance: u8,
    pub freq: u64,
}

/// Words and their document frequencies.
pub(crate) struct Vocab {
    map: Map<Vec<u8>>,
}

impl Vocab {
    /// Reads the `words` field's term dictionaries of every segment.
    pub(crate) fn build(searcher: &Searcher, words: Field) -> Result<Vocab, SearchError> {
        let mut all: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for reader in searcher.segment_readers() {
            let inverted = reader.inverted_index(words)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                *all.entry(stream.key().to_vec()).or_default() +=
                    u64::from(stream.value().doc_freq);
            }
        }
        let map = Map::from_iter(all).map_err(|e| SearchError::Internal(e.to_string()))?;
        Ok(Vocab { map })
    }

    /// How many documents hold `term` (0 when none).
    pub(crate) fn freq(&self, term: &str) -> u64 {
        self.map.get(term).unwrap_or(0)
    }

    /// Words starting with `prefix` (not `prefix` itself), most frequent first.
    pub(crate) fn with_prefix(&self, prefix: &str, limit: usize) -> Vec<Near> {
        let mut out = Vec::new();
        let mut stream = self.map.range().ge(prefix).into_stream();
        while let Some((k, freq)) = stream.next() {
            if !k.starts_with(prefix.as_bytes()) {
                break;
            }
            if k.len() > prefix.len() {
                if let Ok(term) = std::str::from_utf8(k) {
                    out.push(Near {
                        term: term.to_string(),
                        distance: 0,
                        freq,
                    });
                }
            }
        }
        top(out, limit)
    }

    /// Words within `distance` edits of `word` (not `word` itself), closest and then
    /// most frequent first.
    pub(crate) fn near(&self, word: &str, distance: u8, limit: usize) -> Vec<Near> {
        if distance == 0 {
            return Vec::new();
        }
        let fuzzy = Fuzzy::word(word, distance);
        let mut out = Vec::new();
        let mut stream = self.map.search(&fuzzy).into_stream();
        while let Some((k, freq)) = stream.next() {
            if k == word.as_bytes() {
                continue;
            }
            if let (Ok(term), Some(d)) = (std::str::from_utf8(k), fuzzy.distance(k)) {
                out.push(Near {
                    term: term.to_string(),
                    distance: d,
                    freq,
                });
            }
        }
        out.sort_by(|a, b| a.distance.cmp(&b.distance).then(b.freq.cmp(&a.freq)));
        out.truncate(limit);
        out
    }
}

fn top(mut v: Vec<Near>, limit: usize) -> Vec<Near> {
    v.sort_by(|a, b| b.freq.cmp(&a.freq).then_with(|| a.term.cmp(&b.term)));
    v.truncate(limit);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_budget_by_length() {
        assert_eq!(typo_budget("git"), 0);
        assert_eq!(typo_budget("kanbn"), 1);
        assert_eq!(typo_budget("calender"), 2);
    }

    #[test]
    fn fuzzy_counts_a_transposition_as_one_edit() {
        let f = Fuzzy::word("kanbna", 1);
        assert_eq!(f.distance(b"kanban"), Some(1));
        assert_eq!(f.distance(b"kanbanx"), None);
    }
}
