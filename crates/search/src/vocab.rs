//! The index vocabulary: every word of names, keywords, category labels and summaries
//! with its document frequency, as an FST rebuilt when the reader reloads. Query words
//! are expanded against it: by prefix (`kanb` -> kanban) and within the typo budget
//! (`calender` -> calendar), and "did you mean" picks its corrections from it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA, SINK_STATE};
use tantivy::schema::Field;
use tantivy::Searcher;
use tantivy_fst::raw::{Fst, Node, Output};
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
    /// most frequent first; with a budget of two, a word whose first character differs
    /// must match the rest exactly.
    ///
    /// Walking the whole vocabulary with a Levenshtein automaton was most of a query's
    /// planning: near the root every path is still within the budget. So the walk is
    /// split by the first character. Words that start with it are as far from `word` as
    /// their rest is from its rest, and only that character's part of the FST is walked
    /// (with the full budget). A word starting with another character spent one edit
    /// on it (replaced, inserted before, dropped, or swapped with the second): with the
    /// rest as typed, those are a few direct lookups. What a budget of two no longer
    /// finds is a wrong first character plus another edit.
    pub(crate) fn near(&self, word: &str, distance: u8, limit: usize) -> Vec<Near> {
        let Some(first) = word.chars().next() else {
            return Vec::new();
        };
        if distance == 0 {
            return Vec::new();
        }
        let rest = &word[first.len_utf8()..];
        let mut buf = [0u8; 4];
        let lead = first.encode_utf8(&mut buf).as_bytes();
        let mut out: Vec<Near> = Vec::new();
        let fuzzy = Fuzzy::word(rest, distance);
        let after = After { lead, tail: &fuzzy };
        let mut stream = self.map.search(&after).into_stream();
        while let Some((k, freq)) = stream.next() {
            if let (false, Ok(term), Some(d)) = (
                k == word.as_bytes(),
                std::str::from_utf8(k),
                fuzzy.distance(&k[lead.len()..]),
            ) {
                out.push(Near {
                    term: term.to_string(),
                    distance: d,
                    freq,
                });
            }
        }
        // One edit on the first character, the rest as typed.
        let mut found: Vec<(Vec<u8>, u64)> = Vec::new();
        let fst = self.map.as_fst();
        any_char_then(fst, rest.as_bytes(), &mut found); // replaced
        any_char_then(fst, word.as_bytes(), &mut found); // inserted before
        let mut chars = rest.chars();
        let swapped: String = chars.next().map_or_else(String::new, |second| {
            [second, first].into_iter().chain(chars).collect()
        });
        for candidate in [rest, swapped.as_str()] {
            if let Some(freq) = self.map.get(candidate) {
                found.push((candidate.as_bytes().to_vec(), freq)); // dropped, swapped
            }
        }
        for (k, freq) in found {
            match String::from_utf8(k) {
                Ok(term) if term != word && !out.iter().any(|n| n.term == term) => out.push(Near {
                    term,
                    distance: 1,
                    freq,
                }),
                _ => {}
            }
        }
        out.sort_by(|a, b| {
            a.distance
                .cmp(&b.distance)
                .then(b.freq.cmp(&a.freq))
                .then_with(|| a.term.cmp(&b.term))
        });
        out.truncate(limit);
        out
    }
}

/// Adds the words of `fst` made of any one character and then exactly `tail` to
/// `found`: each of the root's characters, then `tail` followed byte by byte.
fn any_char_then(fst: &Fst<Vec<u8>>, tail: &[u8], found: &mut Vec<(Vec<u8>, u64)>) {
    let mut key = Vec::with_capacity(tail.len() + 4);
    for t in fst.root().transitions() {
        // A character's first byte says how many continuation bytes follow it.
        let more = match t.inp {
            0x00..=0x7F => 0,
            0xC0..=0xDF => 1,
            0xE0..=0xEF => 2,
            0xF0..=0xF7 => 3,
            _ => continue,
        };
        key.clear();
        key.push(t.inp);
        follow(fst, fst.node(t.addr), t.out, more, tail, &mut key, found);
    }
}

/// From `node` (reached by `key`): `more` continuation bytes of any value, then `tail`.
fn follow(
    fst: &Fst<Vec<u8>>,
    node: Node<'_>,
    out: Output,
    more: u8,
    tail: &[u8],
    key: &mut Vec<u8>,
    found: &mut Vec<(Vec<u8>, u64)>,
) {
    if more > 0 {
        for t in node.transitions().filter(|t| t.inp & 0xC0 == 0x80) {
            key.push(t.inp);
            follow(
                fst,
                fst.node(t.addr),
                out.cat(t.out),
                more - 1,
                tail,
                key,
                found,
            );
            key.pop();
        }
        return;
    }
    let (mut node, mut out) = (node, out);
    for &b in tail {
        let Some(i) = node.find_input(b) else {
            return;
        };
        let t = node.transition(i);
        out = out.cat(t.out);
        node = fst.node(t.addr);
    }
    if node.is_final() {
        let mut word = key.clone();
        word.extend_from_slice(tail);
        found.push((word, out.cat(node.final_output()).value()));
    }
}

/// Words starting with the bytes `lead` whose rest the `tail` automaton accepts.
struct After<'a> {
    lead: &'a [u8],
    tail: &'a Fuzzy,
}

/// States of an [`After`]: this many bytes of the lead matched, or the tail
/// automaton's state.
#[derive(Clone, Copy)]
enum Step {
    Lead(usize),
    Tail(u32),
    Dead,
}

impl Automaton for &After<'_> {
    type State = Step;

    fn start(&self) -> Step {
        Step::Lead(0)
    }

    fn is_match(&self, state: &Step) -> bool {
        matches!(state, Step::Tail(s) if (&self.tail).is_match(s))
    }

    fn can_match(&self, state: &Step) -> bool {
        match state {
            Step::Lead(_) => true,
            Step::Tail(s) => (&self.tail).can_match(s),
            Step::Dead => false,
        }
    }

    fn accept(&self, state: &Step, byte: u8) -> Step {
        match *state {
            Step::Tail(s) => Step::Tail((&self.tail).accept(&s, byte)),
            Step::Lead(i) if self.lead.get(i) == Some(&byte) => {
                if i + 1 == self.lead.len() {
                    Step::Tail((&self.tail).start())
                } else {
                    Step::Lead(i + 1)
                }
            }
            _ => Step::Dead,
        }
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

    /// Optimal string alignment distance (a transposition of neighbours is one edit),
    /// over characters: what the automata compute.
    fn osa(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn near_finds_what_the_rule_says_and_nothing_else() {
        // A deterministic mix of short and long words over a small alphabet (so that
        // many are within two edits of each other), some with two- and three-byte
        // characters.
        let alphabet: Vec<char> = "abcdeéf日".chars().collect();
        let mut seed = 0x2545_f491_u64;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as usize % n
        };
        let mut all: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        let mut words = Vec::new();
        for _ in 0..3000 {
            let len = 1 + next(9);
            let w: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            all.insert(w.as_bytes().to_vec(), 1 + next(50) as u64);
            words.push(w);
        }
        let vocab = Vocab {
            map: Map::from_iter(all.clone()).unwrap(),
        };
        for (i, word) in words.iter().enumerate().step_by(7) {
            // Query words both in the vocabulary and not.
            let word = if i % 2 == 0 {
                word.clone()
            } else {
                format!("{word}{}", alphabet[next(alphabet.len())])
            };
            for budget in [1u8, 2] {
                let got: Vec<(String, u8)> = vocab
                    .near(&word, budget, usize::MAX)
                    .into_iter()
                    .map(|n| (n.term, n.distance))
                    .collect();
                let mut want: Vec<(String, u8)> = all
                    .keys()
                    .map(|k| String::from_utf8(k.clone()).unwrap())
                    .filter(|v| *v != word)
                    .filter_map(|v| {
                        let d = osa(&word, &v);
                        let same_first = v.chars().next() == word.chars().next();
                        (d <= usize::from(budget) && (same_first || d == 1)).then_some((v, d as u8))
                    })
                    .collect();
                let mut got_sorted = got.clone();
                got_sorted.sort();
                want.sort();
                assert_eq!(got_sorted, want, "near({word:?}, {budget})");
                // Closest first, then the most frequent.
                assert!(got.windows(2).all(|p| p[0].1 <= p[1].1), "{got:?}");
            }
        }
    }

    #[test]
    fn a_first_character_typo_is_one_edit_with_the_rest_as_typed() {
        let all: BTreeMap<Vec<u8>, u64> = ["yanki", "anki", "calendar", "kalendar", "alendar"]
            .into_iter()
            .map(|w| (w.as_bytes().to_vec(), 1))
            .collect();
        let vocab = Vocab {
            map: Map::from_iter(all).unwrap(),
        };
        let terms = |w: &str, d: u8| -> Vec<(String, u8)> {
            let mut v: Vec<(String, u8)> = vocab
                .near(w, d, 10)
                .into_iter()
                .map(|n| (n.term, n.distance))
                .collect();
            v.sort();
            v
        };
        assert_eq!(terms("anki", 1), vec![("yanki".into(), 1)]);
        assert_eq!(
            terms("calendar", 2),
            vec![("alendar".into(), 1), ("kalendar".into(), 1)]
        );
        // A wrong first letter and another typo: too far, whatever the budget.
        assert!(terms("xalendr", 2).iter().all(|(t, _)| t != "calendar"));
    }

    #[test]
    fn fuzzy_counts_a_transposition_as_one_edit() {
        let f = Fuzzy::word("kanbna", 1);
        assert_eq!(f.distance(b"kanban"), Some(1));
        assert_eq!(f.distance(b"kanbanx"), None);
    }
}
