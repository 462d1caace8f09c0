//! Finding the documents a query plan matches: each alternative of each query word is
//! looked up in each text field (Tantivy postings, BM25-scored with that field's
//! statistics), and each document keeps, per query word and field, its best match.

use std::collections::HashMap;
use std::rc::Rc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, Term};

use crate::query::{MatchKind, Plan};
use crate::schema::TextField;
use crate::snapshot::{DocKey, DocMap, Snapshot};
use crate::tokenizer::stem;
use crate::SearchError;

/// One word's best match in one field of a document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldHit {
    /// BM25 times the field boost, as if the match were exact.
    pub full: f64,
    /// The weight of the way it matched ([`crate::query::Alt::factor`]).
    pub factor: f64,
    pub kind: MatchKind,
    /// Which of the clause's alternatives matched (its `terms` are the document words).
    pub alt: u16,
}

impl FieldHit {
    pub(crate) fn score(&self) -> f64 {
        self.full * self.factor
    }
}

/// A matched document: per query word (clause), per field, the best match.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocMatch<'a> {
    pub hits: &'a [[Option<FieldHit>; 6]],
}

/// Every document a query matched, with its [`DocMatch`]: the hits of all of them in
/// one array (`n` entries per document, one per query word) and, per segment, a
/// dense slot per document id pointing into it. A broad query on a large catalogue
/// matches tens of thousands of documents; a hash map of per-document vectors cost a
/// hash, a heap allocation and a cache miss each. The default is the empty set (a
/// query of symbols only).
#[derive(Default)]
pub(crate) struct Matches {
    n: usize,
    /// Per segment, per document id: its place in `hits` (in units of `n`) plus one
    /// (0: no match).
    slots: Vec<Vec<u32>>,
    /// `n` entries per matched document, in the order they were first matched.
    hits: Vec<[Option<FieldHit>; 6]>,
}

impl Matches {
    /// No match yet, for a plan of `n` words on `snap`.
    pub(crate) fn new(snap: &Snapshot, n: usize) -> Matches {
        Matches {
            n,
            slots: snap.tables.iter().map(|t| vec![0; t.docs.len()]).collect(),
            hits: Vec::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    pub(crate) fn contains(&self, key: DocKey) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn get(&self, key: DocKey) -> Option<DocMatch<'_>> {
        let s = *self.slots.get(key.0 as usize)?.get(key.1 as usize)?;
        (s > 0).then(|| self.at(s))
    }

    /// The document in slot `s` (one-based).
    fn at(&self, s: u32) -> DocMatch<'_> {
        let i = s as usize - 1;
        DocMatch {
            hits: &self.hits[i * self.n..(i + 1) * self.n],
        }
    }

    /// The hits of `key`, added empty when it had none.
    fn entry(&mut self, key: DocKey) -> &mut [[Option<FieldHit>; 6]] {
        let slot = &mut self.slots[key.0 as usize][key.1 as usize];
        if *slot == 0 {
            self.hits
                .resize(self.hits.len() + self.n, Default::default());
            *slot = (self.hits.len() / self.n) as u32;
        }
        let i = *slot as usize - 1;
        &mut self.hits[i * self.n..(i + 1) * self.n]
    }

    /// Every match in index order (segment, then document id), so that per-document
    /// columns are read front to back.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (DocKey, DocMatch<'_>)> + '_ {
        self.slots.iter().enumerate().flat_map(move |(seg, slots)| {
            slots
                .iter()
                .enumerate()
                .filter(|(_, &s)| s > 0)
                .map(move |(doc, &s)| ((seg as u32, doc as u32), self.at(s)))
        })
    }
}

type Postings = Rc<Vec<(DocKey, f64)>>;

/// Collects every matching document with its score.
struct AllScores;

struct SegmentScores {
    segment: SegmentOrdinal,
    out: Vec<(DocKey, f64)>,
}

impl Collector for AllScores {
    type Fruit = Vec<(DocKey, f64)>;
    type Child = SegmentScores;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _: &SegmentReader,
    ) -> tantivy::Result<SegmentScores> {
        Ok(SegmentScores {
            segment,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(DocKey, f64)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentScores {
    type Fruit = Vec<(DocKey, f64)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.out.push(((self.segment, doc), f64::from(score)));
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}

/// Looks terms up once per query.
struct Lookup<'a> {
    snap: &'a Snapshot,
    cache: HashMap<(usize, String), Postings>,
}

impl Lookup<'_> {
    fn postings(&mut self, field: TextField, term: &str) -> Result<Postings, SearchError> {
        let term = if field.stemmed() {
            stem(term).into_owned()
        } else {
            term.to_string()
        };
        let key = (field.index(), term);
        if let Some(p) = self.cache.get(&key) {
            return Ok(p.clone());
        }
        let tantivy_field = self.snap.fields.text[field.index()];
        let t = Term::from_field_text(tantivy_field, &key.1);
        let postings = if self.snap.searcher.doc_freq(&t)? == 0 {
            Vec::new()
        } else {
            let q = TermQuery::new(t, IndexRecordOption::WithFreqs);
            self.snap.searcher.search(&q, &AllScores)?
        };
        let postings = Rc::new(postings);
        self.cache.insert(key, postings.clone());
        Ok(postings)
    }
}

/// The documents holding `term` (already in the field's form: stemmed where the field
/// is) in `field`.
pub(crate) fn term_docs(
    snap: &Snapshot,
    field: TextField,
    term: &str,
) -> Result<Vec<DocKey>, SearchError> {
    let t = Term::from_field_text(snap.fields.text[field.index()], term);
    if snap.searcher.doc_freq(&t)? == 0 {
        return Ok(Vec::new());
    }
    let q = TermQuery::new(t, IndexRecordOption::Basic);
    Ok(snap
        .searcher
        .search(&q, &AllScores)?
        .into_iter()
        .map(|(k, _)| k)
        .collect())
}

/// Every document matching at least one word of `plan`.
pub(crate) fn collect(
    snap: &Snapshot,
    plan: &Plan,
    boosts: &[f64; 6],
) -> Result<Matches, SearchError> {
    let n = plan.clauses.len();
    let mut lookup = Lookup {
        snap,
        cache: HashMap::new(),
    };
    let mut docs = Matches::new(snap, n);
    for (ci, clause) in plan.clauses.iter().enumerate() {
        for (alt_index, alt) in clause.alts.iter().enumerate() {
            for field in TextField::ALL {
                // Joined word pairs only meet exact words and joins; typos and completions
                // of a pair would match too loosely.
                if field == TextField::Bigrams
                    && !matches!(alt.kind, MatchKind::Exact | MatchKind::Join)
                {
                    continue;
                }
                let single;
                let pair: Vec<(DocKey, f64)>;
                let scored: &[(DocKey, f64)] = match alt.terms.as_slice() {
                    [one] => {
                        single = lookup.postings(field, one)?;
                        &single
                    }
                    [a, b] if field != TextField::Bigrams => {
                        let pa = lookup.postings(field, a)?;
                        let pb = lookup.postings(field, b)?;
                        let pb: DocMap<f64> = pb.iter().copied().collect();
                        pair = pa
                            .iter()
                            .filter_map(|(k, sa)| pb.get(k).map(|sb| (*k, (sa + sb) / 2.0)))
                            .collect();
                        &pair
                    }
                    _ => continue,
                };
                let boost = boosts[field.index()];
                for &(key, bm25) in scored {
                    let hit = FieldHit {
                        full: bm25 * boost,
                        factor: alt.factor,
                        kind: alt.kind,
                        alt: alt_index as u16,
                    };
                    let slot = &mut docs.entry(key)[ci][field.index()];
                    if slot.as_ref().is_none_or(|old| hit.score() > old.score()) {
                        *slot = Some(hit);
                    }
                }
            }
        }
    }
    Ok(docs)
}
