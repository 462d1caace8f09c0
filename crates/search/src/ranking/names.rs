//! Reading a plugin's display name and name against the query: the exact tier, the
//! completion tier and the name-prefix bonus of [`Ranker`], and the noise words skipped
//! while reading (which autocomplete also leaves out).

use super::Ranker;
use crate::query::NameFit;
use crate::snapshot::Snapshot;
use crate::table::DocMeta;
use crate::tokenizer::is_stopword;

/// A word found in at least this share of names (or display names) carries no meaning
/// in a name (`nvim` in a Neovim catalogue) and is skipped for exact matching.
const NOISE_SHARE: f64 = 0.25;
/// A word of names (ids) found in at least this share of them, and at least
/// [`NOISE_ID_RATIO`] times as often as in display names, is packaging
/// (`obsidian-…`, `…-plugin`) and is skipped when reading a name (not a display name).
const NOISE_ID_SHARE: f64 = 0.01;
const NOISE_ID_RATIO: f64 = 3.0;
/// Catalogues smaller than this have no noise words.
const NOISE_MIN_DOCS: u64 = 50;

impl Ranker<'_> {
    /// The best of the exact-name tier, the completion tier and the name-prefix bonus
    /// earned by the display name or the name, read word by word against the query
    /// words (accepting their typo, completion, split and join alternatives, skipping
    /// words found in many names); `None` when neither starts with the query.
    pub(super) fn name_bonus(&mut self, meta: &DocMeta) -> Option<NameBonus> {
        let mut best: Option<NameBonus> = None;
        let n = self.plan.clauses.len() as f64;
        // Display names are read as written; names (ids) may carry ecosystem words
        // (`obsidian-excalidraw-plugin`), which are skipped.
        for (label, words, stems, in_id) in [
            (
                "display name",
                &meta.display_words,
                &meta.display_stems,
                false,
            ),
            ("name", &meta.name_words, &meta.name_stems, true),
        ] {
            let Some((how, factor)) = self.walk(words, stems, in_id) else {
                continue;
            };
            let value = match how {
                Reading::Whole => self.w.exact_name * factor,
                Reading::Completed => self.w.exact_name * self.w.name_completion,
                Reading::Prefix => self.w.name_prefix * n * factor,
            };
            // A tier (worth anything) beats any prefix bonus; within a kind, the larger.
            let rank = |how: Reading, value: f64| (how != Reading::Prefix && value > 0.0, value);
            let better = best
                .as_ref()
                .is_none_or(|b| rank(how, value) > rank(b.how, b.value));
            if better {
                best = Some(NameBonus { value, how, label });
            }
        }
        best
    }

    /// `Some((how, weight))` when `words` (stemmed: `stems`) start with the query's
    /// words.
    fn walk(&mut self, words: &[String], stems: &[String], in_id: bool) -> Option<(Reading, f64)> {
        let clauses = &self.plan.clauses;
        let (mut i, mut j, mut factor) = (0usize, 0usize, 1.0f64);
        // A name matched through a completion or a loose correction is never exact;
        // through the completion of a word being typed it may be the completed query.
        let (mut loose, mut completed) = (false, false);
        while i < clauses.len() {
            let w = words.get(j)?;
            if clauses[i].joined_with_next.as_ref() == Some(w) {
                i += 2;
                j += 1;
            } else if let Some((f, fit)) = clauses[i].accepts(&stems[j]) {
                factor *= f;
                loose |= fit == NameFit::Loose;
                completed |= fit == NameFit::Completes;
                i += 1;
                j += 1;
            } else if words
                .get(j + 1)
                .is_some_and(|next| is_concat(&clauses[i].word, w, next))
            {
                i += 1;
                j += 2;
            } else if self.skippable(w, in_id) {
                j += 1;
            } else {
                return None;
            }
        }
        let how = if loose || !words[j..].iter().all(|w| self.skippable(w, in_id)) {
            Reading::Prefix
        } else if completed {
            Reading::Completed
        } else {
            Reading::Whole
        };
        Some((how, factor))
    }

    /// A stopword, or a word that carries no meaning in names (`in_id`: reading a
    /// name, where packaging words like `obsidian` or `plugin` are skipped too).
    fn skippable(&self, w: &str, in_id: bool) -> bool {
        is_stopword(w) || is_noise(self.snap, w, in_id)
    }
}

/// A word without meaning in names: in a very large share of names or display names,
/// or (`in_id`: reading a name) much more common in names than in display names.
pub(crate) fn is_noise(snap: &Snapshot, w: &str, in_id: bool) -> bool {
    let stats = &snap.stats;
    if stats.num_docs < NOISE_MIN_DOCS {
        return false;
    }
    let (ids, shown) = stats.name_word_docs.get(w).copied().unwrap_or((0, 0));
    let n = stats.num_docs as f64;
    let (ids, shown) = (f64::from(ids) / n, f64::from(shown) / n);
    ids.max(shown) >= NOISE_SHARE
        || (in_id && ids >= NOISE_ID_SHARE && ids >= NOISE_ID_RATIO * shown)
}

/// What reading a document's names earned ([`Ranker::name_bonus`]).
pub(super) struct NameBonus {
    pub value: f64,
    pub how: Reading,
    /// Which name earned it: "display name" or "name".
    pub label: &'static str,
}

impl NameBonus {
    /// Added after popularity (a tier), rather than to the text score.
    pub(super) fn is_tier(&self) -> bool {
        self.how != Reading::Prefix
    }

    /// Its explanation component's name and detail.
    pub(super) fn explained(&self) -> (&'static str, String) {
        let label = self.label;
        match self.how {
            Reading::Whole => ("exact_match", format!("the {label} is the query")),
            Reading::Completed => (
                "name_completion",
                format!("the {label} is the query with its last word completed"),
            ),
            Reading::Prefix => ("name_prefix", format!("the {label} starts with the query")),
        }
    }
}

/// How a name reads against the query ([`Ranker::walk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reading {
    /// The name is the query (the exact tier).
    Whole,
    /// The name is the query with its last word completed, as typed so far (the
    /// completion tier).
    Completed,
    /// The name starts with the query (the name-prefix bonus).
    Prefix,
}

/// Whether `whole` is `a` followed by `b`.
fn is_concat(whole: &str, a: &str, b: &str) -> bool {
    whole.len() == a.len() + b.len() && whole.starts_with(a) && whole.ends_with(b)
}
