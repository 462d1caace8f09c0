//! One consistent view of the index for searching: the Tantivy searcher of a commit
//! with the segment tables, vocabulary, autocomplete lists and corpus statistics derived
//! from it. A new snapshot is built after every commit and swapped in whole, so a search
//! never mixes two commits.

use std::collections::HashMap;
use std::sync::Arc;

use semver::Version;
use tantivy::index::SegmentId;
use tantivy::Searcher;

use crate::schema::Fields;
use crate::suggest::SuggestIndex;
use crate::table::{DocMeta, RankColumns, SegmentTable, CATEGORY, NUM_FACETS};
use crate::vocab::Vocab;
use crate::SearchError;

/// A document's place in a snapshot: (segment ordinal, Tantivy doc id).
pub(crate) type DocKey = (u32, u32);

/// A map keyed by document: every query builds a few with one entry per matching
/// document, so they use a fast non-cryptographic hash (keys are not user-chosen).
pub(crate) type DocMap<V> = rustc_hash::FxHashMap<DocKey, V>;

/// Bayesian-average prior weight: a rating counts as much as this many votes at the
/// catalogue's mean.
pub(crate) const RATING_PRIOR_VOTES: f64 = 5.0;

/// Corpus-wide numbers popularity is normalised by.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stats {
    pub num_docs: u64,
    /// Rank by recent downloads (false when no document has any, as for an imported
    /// catalogue: then total downloads stand in).
    pub use_recent: bool,
    /// `ln(1 + downloads)` of the most downloaded document.
    pub max_log_downloads: f64,
    /// Mean rating over all votes (3.0 without any).
    pub rating_mean: f64,
    /// Per word of names: in how many names (ids) and display names it appears.
    pub name_word_docs: rustc_hash::FxHashMap<String, (u32, u32)>,
}

/// See the module doc.
pub(crate) struct Snapshot {
    pub searcher: Searcher,
    pub fields: Fields,
    /// Aligned with `searcher.segment_readers()`.
    pub tables: Vec<Arc<SegmentTable>>,
    pub vocab: Vocab,
    pub suggest: SuggestIndex,
    pub stats: Stats,
    /// Known plugin-API versions as the `api` facet writes them (`1.0`).
    pub api_labels: Vec<String>,
    /// Every facet value of every segment, once (see [`FacetValues`]).
    pub facet_values: FacetValues,
}

/// The distinct values of each facet across the snapshot's segments, and for each
/// segment the global number of each of its values: a search counts facets into one
/// array per facet instead of merging per-segment counts by string.
#[derive(Default)]
pub(crate) struct FacetValues {
    /// Per facet: (value, label) by global number.
    pub values: [Vec<(String, String)>; NUM_FACETS],
    /// Per segment, per facet: segment ordinal -> global number.
    pub global: Vec<[Vec<u32>; NUM_FACETS]>,
}

impl FacetValues {
    fn build(tables: &[Arc<SegmentTable>]) -> FacetValues {
        let mut out = FacetValues::default();
        let mut index: [HashMap<String, u32>; NUM_FACETS] = Default::default();
        for t in tables {
            let seg = std::array::from_fn(|f| {
                t.values[f]
                    .iter()
                    .enumerate()
                    .map(|(o, v)| {
                        *index[f].entry(v.clone()).or_insert_with(|| {
                            let label = if f == CATEGORY {
                                t.category_labels[o].clone()
                            } else {
                                v.clone()
                            };
                            out.values[f].push((v.clone(), label));
                            (out.values[f].len() - 1) as u32
                        })
                    })
                    .collect()
            });
            out.global.push(seg);
        }
        out
    }
}

impl Snapshot {
    /// Builds the view of `searcher`, reusing tables of segments seen before (`cache`
    /// is pruned to the current segments).
    pub(crate) fn build(
        searcher: Searcher,
        fields: &Fields,
        api: &[Version],
        api_labels: &[String],
        cache: &mut HashMap<SegmentId, Arc<SegmentTable>>,
    ) -> Result<Snapshot, SearchError> {
        let mut tables = Vec::new();
        let mut next_cache = HashMap::new();
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let table = match cache.get(&id) {
                Some(t) => t.clone(),
                None => Arc::new(SegmentTable::load(reader, fields, api, api_labels)?),
            };
            next_cache.insert(id, table.clone());
            tables.push(table);
        }
        *cache = next_cache;
        let vocab = Vocab::build(&searcher, fields.words)?;
        let facet_values = FacetValues::build(&tables);
        let mut snap = Snapshot {
            searcher,
            fields: fields.clone(),
            tables,
            vocab,
            suggest: SuggestIndex::default(),
            stats: Stats::default(),
            api_labels: api_labels.to_vec(),
            facet_values,
        };
        snap.stats = snap.compute_stats();
        snap.suggest = SuggestIndex::build(&snap);
        Ok(snap)
    }

    /// Every live document.
    pub(crate) fn alive(&self) -> impl Iterator<Item = DocKey> + '_ {
        self.searcher
            .segment_readers()
            .iter()
            .enumerate()
            .flat_map(|(seg, r)| r.doc_ids_alive().map(move |d| (seg as u32, d)))
    }

    pub(crate) fn meta(&self, key: DocKey) -> &DocMeta {
        &self.tables[key.0 as usize].docs[key.1 as usize]
    }

    pub(crate) fn table(&self, key: DocKey) -> &SegmentTable {
        &self.tables[key.0 as usize]
    }

    fn compute_stats(&self) -> Stats {
        let (mut n, mut any_recent, mut max_total, mut max_recent) = (0u64, false, 0u64, 0u64);
        let (mut votes, mut stars) = (0f64, 0f64);
        let mut name_word_docs: rustc_hash::FxHashMap<String, (u32, u32)> = Default::default();
        for key in self.alive() {
            let m = self.meta(key);
            n += 1;
            for (i, w) in m.name_words.iter().enumerate() {
                if !m.name_words[..i].contains(w) {
                    name_word_docs.entry(w.clone()).or_default().0 += 1;
                }
            }
            for (i, w) in m.display_words.iter().enumerate() {
                if !m.display_words[..i].contains(w) {
                    name_word_docs.entry(w.clone()).or_default().1 += 1;
                }
            }
            any_recent |= m.downloads_recent > 0;
            max_total = max_total.max(m.downloads_total);
            max_recent = max_recent.max(m.downloads_recent);
            if let Some(avg) = m.rating_avg {
                votes += m.rating_count as f64;
                stars += avg * m.rating_count as f64;
            }
        }
        let max = if any_recent { max_recent } else { max_total };
        Stats {
            num_docs: n,
            use_recent: any_recent,
            max_log_downloads: (max as f64).ln_1p(),
            rating_mean: if votes > 0.0 { stars / votes } else { 3.0 },
            name_word_docs,
        }
    }

    /// Downloads on a 0..1 log scale (recent ones, or all-time when the catalogue
    /// has no recent counts).
    pub(crate) fn popularity(&self, m: &DocMeta) -> f64 {
        let d = if self.stats.use_recent {
            m.downloads_recent
        } else {
            m.downloads_total
        };
        self.log_popularity((d as f64).ln_1p())
    }

    /// [`Snapshot::popularity`] from the dense ranking columns.
    pub(crate) fn popularity_of(&self, r: &RankColumns) -> f64 {
        self.log_popularity(if self.stats.use_recent {
            r.log_recent
        } else {
            r.log_total
        })
    }

    fn log_popularity(&self, log_downloads: f64) -> f64 {
        if self.stats.max_log_downloads <= 0.0 {
            0.0
        } else {
            log_downloads / self.stats.max_log_downloads
        }
    }

    /// The document's dense ranking columns.
    pub(crate) fn rank(&self, key: DocKey) -> &RankColumns {
        &self.tables[key.0 as usize].rank[key.1 as usize]
    }

    /// The Bayesian average rating: the mean pulls ratings with few votes towards it.
    pub(crate) fn bayes_rating(&self, m: &DocMeta) -> f64 {
        self.bayes(m.rating_avg, m.rating_count)
    }

    /// [`Snapshot::bayes_rating`] of an average over `count` ratings.
    pub(crate) fn bayes(&self, avg: Option<f64>, count: u64) -> f64 {
        let mean = self.stats.rating_mean;
        match avg {
            Some(avg) if count > 0 => {
                let n = count as f64;
                (RATING_PRIOR_VOTES * mean + avg * n) / (RATING_PRIOR_VOTES + n)
            }
            _ => mean,
        }
    }
}
