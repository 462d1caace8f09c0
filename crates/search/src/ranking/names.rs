//! Reading a plugin's display name and name against the query: the exact tier, the
//! completion tier and the name-prefix bonus of [`Ranker`], and the noise words skipped
//! while reading (which autocomplete also leaves out).

use super::Ranker;
use crate::query::{is_stopword, NameFit};
use crate::snapshot::Snapshot;
use crate::table::DocMeta;

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
    /// The exact-name tier bonus, the completion tier bonus or the name-prefix bonus
    /// (what earned it, and the tier's component name for explanations): the
    /// display name or name, read word by word against the query words (accepting their
    /// typo, completion, split and join alternatives, skipping words found in many names).
    pub(super) fn name_bonus(&mut self, meta: &DocMeta) -> (f64, f64, String, &'static str) {
        let mut best = (0.0, 0.0, String::new(), "exact_match");
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
            match self.walk(words, stems, in_id) {
                Some((Reading::Whole, factor)) if self.w.exact_name * factor > best.0 => {
                    best = (
                        self.w.exact_name * factor,
                        0.0,
                        format!("the {label} is the query"),
                        "exact_match",
                    );
                }
                Some((Reading::Completed, _))
                    if self.w.exact_name * self.w.name_completion > best.0 =>
                {
                    best = (
                        self.w.exact_name * self.w.name_completion,
                        0.0,
                        format!("the {label} is the query with its last word completed"),
                        "name_completion",
                    );
                }
                Some((Reading::Prefix, factor))
                    if best.0 == 0.0 && self.w.name_prefix * n * factor > best.1 =>
                {
                    best = (
                        0.0,
                        self.w.name_prefix * n * factor,
                        format!("the {label} starts with the query"),
                        "name_prefix",
                    );
                }
                _ => {}
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

/// How a name reads against the query ([`Ranker::walk`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
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
