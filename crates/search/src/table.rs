//! Per-segment columns in memory: for each document of a Tantivy segment, what
//! filters, facets, sorts, ranking and autocomplete need, read once from the fast fields
//! when the segment first appears (segments never change, so a table is reused until
//! its segment is merged away). Facet values are segment-local ordinals into
//! [`SegmentTable::values`].

use semver::{Version, VersionReq};
use tantivy::columnar::StrColumn;
use tantivy::schema::Field;
use tantivy::SegmentReader;

use crate::schema::{Fields, LABEL_SEP};
use crate::tokenizer::{stem, terms};
use crate::SearchError;

/// Facets are indexed in [`trellis_types::SEARCH_FACETS`] order: category, kind,
/// keyword, namespace, license, api.
pub(crate) const CATEGORY: usize = 0;
pub(crate) const KIND: usize = 1;
pub(crate) const API: usize = 5;
pub(crate) const NUM_FACETS: usize = 6;

/// What is known about one document without reading its stored copy.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocMeta {
    pub id: String,
    pub display_name: String,
    /// Lowercased display name, for the name sort.
    pub name_sort: String,
    pub display_words: Vec<String>,
    pub name_words: Vec<String>,
    /// The stems of `display_words` and `name_words` (what query words are matched
    /// against when ranking), computed once rather than for every query.
    pub display_stems: Vec<String>,
    pub name_stems: Vec<String>,
    pub downloads_total: u64,
    pub downloads_recent: u64,
    pub rating_avg: Option<f64>,
    pub rating_count: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deprecated: bool,
}

/// What scoring reads of every match, kept in one dense array per segment (reading
/// a [`DocMeta`] for each of tens of thousands of matches misses the cache on each).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RankColumns {
    /// `ln(1 + downloads)`, recent and all-time.
    pub log_recent: f64,
    pub log_total: f64,
    pub rating_avg: Option<f64>,
    pub rating_count: u64,
    pub deprecated: bool,
}

/// The columns of one segment.
#[derive(Debug, Default)]
pub(crate) struct SegmentTable {
    /// Indexed by Tantivy doc id (deleted documents included; the reader's alive
    /// bitset says which count).
    pub docs: Vec<DocMeta>,
    /// Per facet, the distinct values of this segment (category: slugs).
    pub values: [Vec<String>; NUM_FACETS],
    /// Category labels, parallel to `values[CATEGORY]`.
    pub category_labels: Vec<String>,
    /// Every document's facet ordinals into `values`, document after document and
    /// facet after facet: read for every match of every query, so kept in one
    /// contiguous array rather than behind each [`DocMeta`].
    facet_ords: Vec<u32>,
    /// Where each (document, facet) ends in `facet_ords`: `NUM_FACETS` per document.
    facet_ends: Vec<u32>,
    /// Indexed like `docs`.
    pub rank: Vec<RankColumns>,
}

impl SegmentTable {
    /// Document `doc`'s values of facet `f`, as ordinals into [`SegmentTable::values`].
    pub(crate) fn facet(&self, doc: u32, f: usize) -> &[u32] {
        let i = doc as usize * NUM_FACETS + f;
        let start = if i == 0 { 0 } else { self.facet_ends[i - 1] };
        &self.facet_ords[start as usize..self.facet_ends[i] as usize]
    }

    /// Document `doc`'s kind.
    pub(crate) fn kind(&self, doc: u32) -> String {
        self.facet(doc, KIND)
            .first()
            .map(|&o| self.values[KIND][o as usize].clone())
            .unwrap_or_default()
    }
}

fn str_column(reader: &SegmentReader, name: &str) -> Result<Option<StrColumn>, SearchError> {
    Ok(reader.fast_fields().str(name)?)
}

fn dictionary(col: &Option<StrColumn>) -> Result<Vec<String>, SearchError> {
    let Some(col) = col else {
        return Ok(Vec::new());
    };
    // One pass over the sorted terms: term `i` of the stream is ordinal `i`.
    // (`ord_to_str` per ordinal would read and decompress a block per term.)
    let mut out = Vec::with_capacity(col.num_terms());
    let mut terms = col.dictionary().stream()?;
    while terms.advance() {
        debug_assert_eq!(terms.term_ord(), out.len() as u64);
        let term = std::str::from_utf8(terms.key())
            .map_err(|e| SearchError::Internal(format!("a column term is not UTF-8: {e}")))?;
        out.push(term.to_owned());
    }
    Ok(out)
}

fn stems(words: &[String]) -> Vec<String> {
    words.iter().map(|w| stem(w).into_owned()).collect()
}

fn ords(col: &Option<StrColumn>, doc: u32) -> Vec<u32> {
    col.as_ref()
        .map(|c| c.term_ords(doc).map(|o| o as u32).collect())
        .unwrap_or_default()
}

fn first_str(col: &Option<StrColumn>, values: &[String], doc: u32) -> String {
    col.as_ref()
        .and_then(|c| c.term_ords(doc).next())
        .and_then(|o| values.get(o as usize).cloned())
        .unwrap_or_default()
}

impl SegmentTable {
    /// Reads a segment's columns. `api` lists the known plugin-API versions; a
    /// document's `api` facet values are those its requirement accepts.
    pub(crate) fn load(
        reader: &SegmentReader,
        fields: &Fields,
        api: &[Version],
        api_labels: &[String],
    ) -> Result<SegmentTable, SearchError> {
        let schema = reader.schema();
        let name = |f: Field| schema.get_field_name(f).to_string();
        let ff = reader.fast_fields();
        let facet_fields = [
            fields.category,
            fields.kind,
            fields.keyword,
            fields.namespace,
            fields.license,
        ];
        let mut cols = Vec::new();
        let mut values: [Vec<String>; NUM_FACETS] = Default::default();
        for (i, f) in facet_fields.iter().enumerate() {
            let col = str_column(reader, &name(*f))?;
            values[i] = dictionary(&col)?;
            cols.push(col);
        }
        values[API] = api_labels.to_vec();
        let mut category_labels = Vec::with_capacity(values[CATEGORY].len());
        for v in values[CATEGORY].iter_mut() {
            let (slug, label) = match v.split_once(LABEL_SEP) {
                Some((s, l)) => (s.to_string(), l.to_string()),
                None => (v.clone(), v.clone()),
            };
            *v = slug;
            category_labels.push(label);
        }
        let id_col = str_column(reader, &name(fields.id))?;
        let ids = dictionary(&id_col)?;
        let display_col = str_column(reader, &name(fields.display_name))?;
        let displays = dictionary(&display_col)?;
        let name_col = str_column(reader, &name(fields.name))?;
        let names = dictionary(&name_col)?;
        let api_col = str_column(reader, &name(fields.api_req))?;
        let api_reqs: Vec<Option<VersionReq>> = dictionary(&api_col)?
            .iter()
            .map(|r| VersionReq::parse(r).ok())
            .collect();
        let downloads_total = ff.u64(&name(fields.downloads_total))?;
        let downloads_recent = ff.u64(&name(fields.downloads_recent))?;
        let rating_avg = ff.f64(&name(fields.rating_avg))?;
        let rating_count = ff.u64(&name(fields.rating_count))?;
        let created_at = ff.i64(&name(fields.created_at))?;
        let updated_at = ff.i64(&name(fields.updated_at))?;
        let deprecated = ff.bool(&name(fields.deprecated))?;

        let mut docs = Vec::with_capacity(reader.max_doc() as usize);
        let mut facet_ords = Vec::new();
        let mut rank = Vec::with_capacity(reader.max_doc() as usize);
        let mut facet_ends = Vec::with_capacity(reader.max_doc() as usize * NUM_FACETS);
        for doc in 0..reader.max_doc() {
            let display_name = first_str(&display_col, &displays, doc);
            let plugin_name = first_str(&name_col, &names, doc);
            let mut facets: [Vec<u32>; NUM_FACETS] = Default::default();
            for (i, col) in cols.iter().enumerate() {
                facets[i] = ords(col, doc);
            }
            if let Some(req) = ords(&api_col, doc)
                .first()
                .and_then(|&o| api_reqs.get(o as usize))
                .and_then(Option::as_ref)
            {
                facets[API] = (0..api.len() as u32)
                    .filter(|&i| req.matches(&api[i as usize]))
                    .collect();
            }
            let display_words = terms(&display_name);
            let name_words = terms(&plugin_name);
            for values in facets {
                facet_ords.extend(values);
                facet_ends.push(facet_ords.len() as u32);
            }
            let doc_meta = DocMeta {
                id: first_str(&id_col, &ids, doc),
                name_sort: display_name.to_lowercase(),
                display_stems: stems(&display_words),
                name_stems: stems(&name_words),
                display_words,
                name_words,
                display_name,
                downloads_total: downloads_total.first(doc).unwrap_or(0),
                downloads_recent: downloads_recent.first(doc).unwrap_or(0),
                rating_avg: rating_avg.first(doc),
                rating_count: rating_count.first(doc).unwrap_or(0),
                created_at: created_at.first(doc).unwrap_or(0),
                updated_at: updated_at.first(doc).unwrap_or(0),
                deprecated: deprecated.first(doc).unwrap_or(false),
            };
            rank.push(RankColumns {
                log_recent: (doc_meta.downloads_recent as f64).ln_1p(),
                log_total: (doc_meta.downloads_total as f64).ln_1p(),
                rating_avg: doc_meta.rating_avg,
                rating_count: doc_meta.rating_count,
                deprecated: doc_meta.deprecated,
            });
            docs.push(doc_meta);
        }
        Ok(SegmentTable {
            docs,
            values,
            category_labels,
            facet_ords,
            facet_ends,
            rank,
        })
    }
}

/// How an API version is written in the `api` facet and filter: `major.minor`.
pub(crate) fn api_label(v: &Version) -> String {
    format!("{}.{}", v.major, v.minor)
}
