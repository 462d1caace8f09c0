//! How a matched document's score is made, and how results are ordered.
//!
//! `text` = the sum over query words of each field's best match (BM25 x field boost x
//! match weight), scaled by the share of query words matched (to a power; a missing word
//! counts in part when the matched words imply it, see [`implied`]), plus a bonus
//! when a name starts with the query. Popularity and rating multiply it:
//! `(text x (1 + w_pop x pop^e + w_rating x rating) + exact) x (deprecated ? 0.5 : 1)`,
//! where `exact` is a large constant when a name *is* the query, putting exact matches in
//! a tier of their own (a smaller one when it is the query with its last word completed
//! as typed; the `names` module reads names). Related words (pseudo-relevance feedback,
//! see the `feedback` module) add a bounded share to `text`, and documents matching only
//! them score below
//! every direct match. With `explain`, the parts are reported so that they add up to
//! the score. The weights are [`RankingWeights`].

use std::cmp::Ordering;
use trellis_types::{Explanation, ScoreComponent, SearchSort};

use crate::feedback::Feedback;
use crate::matching::{DocMatch, FieldHit};
use crate::query::{MatchKind, Plan};
use crate::schema::TextField;
use crate::snapshot::{DocKey, Snapshot};
use crate::table::DocMeta;
use crate::RankingWeights;

mod names;
pub(crate) use names::is_noise;

/// Pseudo-count added to a word's matches when estimating how often another query
/// word comes with it (so that a handful of documents proves little).
const IMPLIED_PRIOR: f64 = 5.0;

/// How often each query word comes with each other one among the matched documents:
/// `implied[i * n + j]` estimates P(word i | word j) from the documents matching word j
/// outside the README. A document missing a word that nearly always comes with the words
/// it has (`diagrams` with `mermaid`) is probably about it all the same.
pub(crate) fn implied<'m>(n: usize, matches: impl Iterator<Item = DocMatch<'m>>) -> Vec<f64> {
    let mut count = vec![0f64; n];
    let mut both = vec![0f64; n * n];
    if n < 2 {
        return both;
    }
    for m in matches {
        // Which words the document is about, one bit each (a plan has at most 10).
        let has = m
            .hits
            .iter()
            .enumerate()
            .fold(0u64, |bits, (i, h)| bits | (u64::from(about(h)) << i));
        for j in 0..n {
            if has & (1 << j) == 0 {
                continue;
            }
            count[j] += 1.0;
            for i in 0..n {
                if i != j && has & (1 << i) != 0 {
                    both[i * n + j] += 1.0;
                }
            }
        }
    }
    for j in 0..n {
        for i in 0..n {
            both[i * n + j] /= count[j] + IMPLIED_PRIOR;
        }
    }
    both
}

/// Whether a word matched a document outside its README.
fn about(per_field: &[Option<FieldHit>; 6]) -> bool {
    per_field
        .iter()
        .enumerate()
        .any(|(fi, h)| h.is_some() && fi != TextField::Readme.index())
}

/// A scored result.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub score: f64,
    /// The exact-name tier bonus in `score`.
    pub exact: f64,
    /// The text score before popularity and the related words.
    pub text: f64,
    pub components: Vec<ScoreComponent>,
}

/// Scores documents for one query.
pub(crate) struct Ranker<'a> {
    snap: &'a Snapshot,
    plan: &'a Plan,
    w: &'a RankingWeights,
    implied: &'a [f64],
    feedback: Option<&'a Feedback>,
    explain: bool,
}

fn component(name: &str, value: f64, detail: String) -> ScoreComponent {
    ScoreComponent {
        name: name.to_string(),
        value,
        detail,
    }
}

impl<'a> Ranker<'a> {
    pub(crate) fn new(
        snap: &'a Snapshot,
        plan: &'a Plan,
        w: &'a RankingWeights,
        implied: &'a [f64],
        feedback: Option<&'a Feedback>,
        explain: bool,
    ) -> Ranker<'a> {
        Ranker {
            snap,
            plan,
            w,
            implied,
            feedback,
            explain,
        }
    }

    /// The score of a document matched by the text (`None`: the query was empty).
    pub(crate) fn score(&mut self, key: DocKey, matched: Option<DocMatch<'_>>) -> Scored {
        let meta = self.snap.meta(key);
        let mut parts = Vec::new();
        let (text, exact, quality) = match matched {
            None => {
                if self.explain {
                    parts.push(component(
                        "text",
                        1.0,
                        "an empty query matches everything equally".into(),
                    ));
                }
                (1.0, 0.0, 1.0)
            }
            Some(m) => self.text(meta, m, &mut parts),
        };
        let first_text = text;
        // Related words (pseudo-relevance feedback): up to `feedback` times the feedback
        // documents' mean text score, by the related share, applied as far as the query
        // words match (`quality`), so it reorders close matches but cannot carry a
        // partial or README-only match far.
        let mut text = text;
        if let (Some(fb), Some(_)) = (self.feedback, matched) {
            let (share, count) = fb.of(key);
            let related = self.w.feedback * fb.scale * share * quality;
            if related > 0.0 {
                text += related;
                if self.explain {
                    parts.push(component(
                        "related",
                        related,
                        format!(
                            "{count} of the words the best results share ({}): {share:.2} \
                             of their weight",
                            fb.words()
                        ),
                    ));
                }
            }
        }
        let rank = self.snap.rank(key);
        let pop = self.snap.popularity_of(rank);
        let bayes = self.snap.bayes(rank.rating_avg, rank.rating_count);
        let rating = (bayes - self.snap.stats.rating_mean) / 4.0;
        let pop_part = text * self.w.popularity * pop.powf(self.w.popularity_exponent) * quality;
        let rating_part = text * self.w.rating * rating;
        let mut score = text + pop_part + rating_part + exact;
        if self.explain {
            let downloads = if self.snap.stats.use_recent {
                format!("{} downloads in 30 days", meta.downloads_recent)
            } else {
                format!("{} downloads", meta.downloads_total)
            };
            parts.push(component(
                "popularity",
                pop_part,
                format!("{downloads}: {pop:.3} on a log scale, applied at {quality:.2} for match quality"),
            ));
            parts.push(component(
                "rating",
                rating_part,
                format!(
                    "Bayesian average {:.2} from {} ratings (mean {:.2})",
                    bayes, rank.rating_count, self.snap.stats.rating_mean
                ),
            ));
        }
        if rank.deprecated {
            let cut = score * (1.0 - self.w.deprecated);
            score -= cut;
            if self.explain {
                parts.push(component(
                    "deprecated",
                    -cut,
                    "deprecated plugins are demoted".into(),
                ));
            }
        }
        Scored {
            score,
            exact,
            text: first_text,
            components: parts,
        }
    }

    /// The score of a document matching none of the query's words but enough of the
    /// related ones: below `feedback.floor`, the lowest score of a document matching a
    /// query word, by its related share and (at most doubling it) popularity.
    pub(crate) fn score_alone(&mut self, key: DocKey) -> Scored {
        let meta = self.snap.meta(key);
        let (share, count, floor, words) = match self.feedback {
            Some(fb) => {
                let (share, count) = fb.of(key);
                (share, count, fb.floor, fb.words())
            }
            None => (0.0, 0, 0.0, String::new()),
        };
        let related = 0.25 * floor * share;
        let pop = self.snap.popularity(meta);
        let pop_part = related * pop;
        let mut parts = Vec::new();
        if self.explain {
            parts.push(component(
                "related",
                related,
                format!(
                    "no query word; {count} of the words the best results share ({words}): \
                     {share:.2} of their weight, ranked below every direct match"
                ),
            ));
            parts.push(component(
                "popularity",
                pop_part,
                format!("{pop:.3} on a log scale"),
            ));
        }
        Scored {
            score: related + pop_part,
            exact: 0.0,
            text: 0.0,
            components: parts,
        }
    }

    /// The text score and the exact-name tier bonus.
    ///
    /// Also how far popularity may amplify the match (0..1): the share of query words
    /// matched (by weight, squared) times the share of the text score not from the
    /// README, so a popular plugin that merely mentions a word, or matches only some of
    /// the words, does not overtake a clearly better match.
    fn text(
        &mut self,
        meta: &DocMeta,
        m: DocMatch<'_>,
        parts: &mut Vec<ScoreComponent>,
    ) -> (f64, f64, f64) {
        let n = self.plan.clauses.len();
        let mut field_full = [0f64; 6];
        let mut field_terms: [Vec<String>; 6] = Default::default();
        let (mut typo_loss, mut prefix_loss, mut split_loss) = (0f64, 0f64, 0f64);
        let mut matched = 0usize;
        let (mut weight_matched, mut weight_all) = (0f64, 0f64);
        for (ci, per_field) in m.hits.iter().enumerate() {
            let mut any = false;
            for (fi, hit) in per_field.iter().enumerate() {
                let Some(hit) = hit else { continue };
                any = true;
                field_full[fi] += hit.full;
                let loss = hit.full - hit.score();
                match hit.kind {
                    MatchKind::Exact => {}
                    MatchKind::Typo(_) => typo_loss += loss,
                    MatchKind::Prefix => prefix_loss += loss,
                    MatchKind::Join | MatchKind::Split | MatchKind::Acronym => split_loss += loss,
                }
                if self.explain {
                    let word = &self.plan.clauses[ci].word;
                    let how = match hit.kind {
                        MatchKind::Exact => String::new(),
                        MatchKind::Prefix => " by prefix".into(),
                        MatchKind::Typo(d) => {
                            format!(" with {d} typo{}", if d > 1 { "s" } else { "" })
                        }
                        MatchKind::Join => " joined with its neighbour".into(),
                        MatchKind::Split => " split in two".into(),
                        MatchKind::Acronym => " as the query's initials".into(),
                    };
                    let term = self.plan.clauses[ci].alts[hit.alt as usize].terms.join(" ");
                    field_terms[fi].push(format!("\"{word}\" as \"{term}\"{how}"));
                }
            }
            matched += usize::from(any);
            let weight = self.plan.clauses[ci].weight;
            weight_all += weight;
            if any {
                weight_matched += weight;
            }
        }
        // A missing word counts as matched in the measure in which the words the
        // document does have imply it (see [`implied`]).
        let mut weight_implied = 0f64;
        if self.w.implied > 0.0 && self.implied.len() == n * n {
            for i in 0..n {
                if m.hits[i].iter().any(Option::is_some) {
                    continue;
                }
                let p = (0..n)
                    .filter(|&j| about(&m.hits[j]))
                    .map(|j| self.implied[i * n + j])
                    .fold(0f64, f64::max);
                weight_implied += self.plan.clauses[i].weight * (self.w.implied * p).min(1.0);
            }
        }
        let matched_share = (weight_matched + weight_implied) / weight_all.max(f64::MIN_POSITIVE);
        let base: f64 = field_full.iter().sum::<f64>() - typo_loss - prefix_loss - split_loss;
        let coverage = if n == 0 {
            1.0
        } else {
            matched_share.powf(self.w.coverage_exponent)
        };
        let coverage_loss = base * (1.0 - coverage);
        // A name can only start with the query when its first word matched the name
        // field (as itself, a typo, completion, split or join): most matches of a
        // broad query do not, and reading their names is the costly part of scoring.
        let name_hit = m
            .hits
            .first()
            .is_some_and(|h| h[TextField::Name.index()].is_some());
        let bonus = if name_hit {
            self.name_bonus(meta)
        } else {
            None
        };
        let (exact, prefix_bonus) = match &bonus {
            Some(b) if b.is_tier() => (b.value, 0.0),
            Some(b) => (0.0, b.value),
            None => (0.0, 0.0),
        };
        if self.explain {
            if let Some(b) = bonus.as_ref().filter(|b| b.value > 0.0) {
                let (name, detail) = b.explained();
                parts.push(component(name, b.value, detail));
            }
            for f in TextField::ALL {
                if field_full[f.index()] > 0.0 {
                    parts.push(component(
                        &format!("text:{}", f.name()),
                        field_full[f.index()],
                        format!(
                            "BM25 x {}: {}",
                            self.w.field_boosts[f.index()],
                            field_terms[f.index()].join(", ")
                        ),
                    ));
                }
            }
            for (name, loss, what) in [
                (
                    "typos",
                    typo_loss,
                    "matches within the typo budget count for less",
                ),
                (
                    "prefix",
                    prefix_loss,
                    "completions of the last word count for less",
                ),
                (
                    "split_join",
                    split_loss,
                    "words matched split, joined or as initials count for less",
                ),
                ("coverage", coverage_loss, "not every query word matched"),
            ] {
                if loss > 0.0 {
                    let detail = if name == "coverage" {
                        format!(
                            "{matched} of {n} query words matched; by weight, with the words \
                             the matched ones imply, {:.2}",
                            matched_share
                        )
                    } else {
                        what.to_string()
                    };
                    parts.push(component(name, -loss, detail));
                }
            }
        }
        let total_full: f64 = field_full.iter().sum();
        let readme_share = if total_full > 0.0 {
            field_full[TextField::Readme.index()] / total_full
        } else {
            0.0
        };
        let quality = if n == 0 { 1.0 } else { matched_share.powi(2) } * (1.0 - readme_share);
        (base * coverage + prefix_bonus, exact, quality)
    }
}

/// Orders results for a sort; ties go by id so pages are stable.
pub(crate) fn compare(
    snap: &Snapshot,
    sort: SearchSort,
    a: (&DocMeta, f64),
    b: (&DocMeta, f64),
) -> Ordering {
    let (ma, sa) = a;
    let (mb, sb) = b;
    let primary = match sort {
        SearchSort::Relevance => sb.total_cmp(&sa),
        SearchSort::Downloads => mb.downloads_total.cmp(&ma.downloads_total),
        SearchSort::RecentDownloads => mb.downloads_recent.cmp(&ma.downloads_recent),
        SearchSort::Rating => snap
            .bayes_rating(mb)
            .total_cmp(&snap.bayes_rating(ma))
            .then(mb.rating_count.cmp(&ma.rating_count)),
        SearchSort::Updated => mb.updated_at.cmp(&ma.updated_at),
        SearchSort::Newest => mb.created_at.cmp(&ma.created_at),
        SearchSort::Name => ma.name_sort.cmp(&mb.name_sort),
    };
    primary.then_with(|| ma.id.cmp(&mb.id))
}

/// The explanation of a score.
pub(crate) fn explanation(s: &Scored) -> Explanation {
    Explanation {
        score: s.score,
        components: s.components.clone(),
    }
}
