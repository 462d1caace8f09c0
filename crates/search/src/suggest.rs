//! Autocomplete over plugin names. Built in memory with each snapshot: a sorted list of
//! whole names (display name and name, normalised) for "the name starts with what was
//! typed", and an FST of name words for "a word starts with it" and, from four letters,
//! "a word nearly starts with it" (within the typo budget). Best first: whole-name
//! prefix, then word prefix, then typo; within each, deprecated plugins last, more
//! popular first, then names of fewer meaningful words first (`telescop`: *telescope.nvim*
//! before *telescope-tabs* when neither has downloads, `nvim` being in most names).

use std::collections::BTreeMap;

use tantivy_fst::{IntoStreamer, Map, Streamer};
use trellis_types::{
    HighlightPart, Suggestion, Suggestions, SEARCH_MAX_LIMIT, SEARCH_MAX_QUERY_CHARS,
};

use crate::highlight::push;
use crate::ranking::is_noise;
use crate::snapshot::Snapshot;
use crate::tokenizer::is_stopword;
use crate::tokenizer::{terms, words};
use crate::vocab::{typo_budget, Fuzzy};
use crate::SearchError;

#[derive(Debug, Clone)]
struct Entry {
    id: String,
    display_name: String,
    kind: String,
    popularity: f64,
    deprecated: bool,
    /// Words of the display name and name.
    words: Vec<String>,
    /// Words of the display name that carry meaning (no stopwords, no words found in
    /// most names).
    meaningful: usize,
}

/// See the module doc.
#[derive(Default)]
pub(crate) struct SuggestIndex {
    entries: Vec<Entry>,
    /// (normalised whole name, entry), sorted.
    names: Vec<(String, u32)>,
    /// Name word -> index into `postings`.
    words: Option<Map<Vec<u8>>>,
    postings: Vec<Vec<u32>>,
}

impl SuggestIndex {
    pub(crate) fn build(snap: &Snapshot) -> SuggestIndex {
        let mut entries = Vec::new();
        let mut names = Vec::new();
        let mut by_word: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for key in snap.alive() {
            let meta = snap.meta(key);
            let e = entries.len() as u32;
            let mut ws = meta.display_words.clone();
            for w in &meta.name_words {
                if !ws.contains(w) {
                    ws.push(w.clone());
                }
            }
            for w in &ws {
                let list = by_word.entry(w.clone()).or_default();
                if list.last() != Some(&e) {
                    list.push(e);
                }
            }
            names.push((meta.display_words.join(" "), e));
            if meta.name_words != meta.display_words {
                names.push((meta.name_words.join(" "), e));
            }
            entries.push(Entry {
                id: meta.id.clone(),
                display_name: meta.display_name.clone(),
                kind: snap.table(key).kind(key.1),
                popularity: snap.popularity(meta),
                deprecated: meta.deprecated,
                words: ws,
                meaningful: meta
                    .display_words
                    .iter()
                    .filter(|w| !is_stopword(w) && !is_noise(snap, w, false))
                    .count(),
            });
        }
        names.sort();
        let mut postings = Vec::with_capacity(by_word.len());
        let map = Map::from_iter(by_word.into_iter().map(|(w, list)| {
            postings.push(list);
            (w, postings.len() as u64 - 1)
        }))
        .ok();
        SuggestIndex {
            entries,
            names,
            words: map,
            postings,
        }
    }
}

/// How an entry matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    NamePrefix,
    WordPrefix,
    Typo,
}

/// Answers an autocomplete request.
pub(crate) fn run(snap: &Snapshot, q: &str, limit: u32) -> Result<Suggestions, SearchError> {
    let q = q.trim();
    if q.chars().count() > SEARCH_MAX_QUERY_CHARS {
        return Err(SearchError::invalid(
            "q",
            format!("at most {SEARCH_MAX_QUERY_CHARS} characters"),
        ));
    }
    if limit == 0 || limit > SEARCH_MAX_LIMIT {
        return Err(SearchError::invalid(
            "limit",
            format!("must be 1 to {SEARCH_MAX_LIMIT}"),
        ));
    }
    let qw = terms(q);
    let mut out = Suggestions {
        q: q.to_string(),
        suggestions: Vec::new(),
    };
    let (Some(last), Some(map)) = (qw.last(), snap.suggest.words.as_ref()) else {
        return Ok(out);
    };
    let idx = &snap.suggest;
    let earlier = &qw[..qw.len() - 1];
    let mut best: rustc_hash::FxHashMap<u32, Tier> = Default::default();
    let mut note = |e: u32, tier: Tier| {
        let slot = best.entry(e).or_insert(tier);
        *slot = (*slot).min(tier);
    };
    // The whole name starts with the query.
    let key = qw.join(" ");
    let from = idx
        .names
        .partition_point(|(n, _)| n.as_str() < key.as_str());
    for (name, e) in &idx.names[from..] {
        if !name.starts_with(&key) {
            break;
        }
        note(*e, Tier::NamePrefix);
    }
    // A word starts with the last query word (and the others are words of the name).
    let has_earlier = |e: u32| {
        earlier
            .iter()
            .all(|w| idx.entries[e as usize].words.contains(w))
    };
    let mut stream = map.range().ge(last.as_str()).into_stream();
    while let Some((k, p)) = stream.next() {
        if !k.starts_with(last.as_bytes()) {
            break;
        }
        for &e in &idx.postings[p as usize] {
            if has_earlier(e) {
                note(e, Tier::WordPrefix);
            }
        }
    }
    // Nearly: within the typo budget of a word's beginning.
    let budget = typo_budget(last);
    if budget > 0 {
        let fuzzy = Fuzzy::prefix(last, budget);
        let mut stream = map.search(&fuzzy).into_stream();
        while let Some((_, p)) = stream.next() {
            for &e in &idx.postings[p as usize] {
                if has_earlier(e) {
                    note(e, Tier::Typo);
                }
            }
        }
    }
    let mut ranked: Vec<(u32, Tier)> = best.into_iter().collect();
    let entry = |e: u32| &idx.entries[e as usize];
    let order = |(a, ta): &(u32, Tier), (b, tb): &(u32, Tier)| {
        ta.cmp(tb)
            .then(entry(*a).deprecated.cmp(&entry(*b).deprecated))
            .then(entry(*b).popularity.total_cmp(&entry(*a).popularity))
            .then(entry(*a).meaningful.cmp(&entry(*b).meaningful))
            .then(
                entry(*a)
                    .display_name
                    .len()
                    .cmp(&entry(*b).display_name.len()),
            )
            .then_with(|| entry(*a).id.cmp(&entry(*b).id))
    };
    // The first `limit` in order (ids are unique, so the order is total): a
    // partial selection, then a sort of those only; a short prefix matches
    // thousands of names in a large catalogue.
    let limit = limit as usize;
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, order);
        ranked.truncate(limit);
    }
    ranked.sort_by(order);
    out.suggestions = ranked
        .into_iter()
        .map(|(e, tier)| {
            let entry = entry(e);
            Suggestion {
                id: entry.id.clone(),
                display_name: entry.display_name.clone(),
                kind: entry.kind.clone(),
                highlight: mark(&entry.display_name, earlier, last, tier == Tier::Typo),
            }
        })
        .collect();
    Ok(out)
}

/// The display name with the typed words marked: earlier words whole, the last one as
/// far as it was typed (a typo match marks the whole word).
fn mark(display: &str, earlier: &[String], last: &str, typo: bool) -> Vec<HighlightPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    let mut last_done = false;
    for w in words(display) {
        let end = if earlier.contains(&w.text) {
            Some(w.to)
        } else if !last_done && w.text.starts_with(last) {
            last_done = true;
            let typed = last.chars().count();
            Some(
                display[w.from..w.to]
                    .char_indices()
                    .nth(typed)
                    .map_or(w.to, |(i, _)| w.from + i),
            )
        } else if typo && !last_done && typo_budget(last) > 0 {
            let fuzzy = Fuzzy::prefix(last, typo_budget(last));
            fuzzy.distance(w.text.as_bytes()).map(|_| {
                last_done = true;
                w.to
            })
        } else {
            None
        };
        if let Some(end) = end {
            push(&mut parts, &display[at..w.from], false);
            push(&mut parts, &display[w.from..end], true);
            at = end;
        }
    }
    push(&mut parts, &display[at..], false);
    parts
}
