//! [`SearchIndex`]: opening (and, when unusable, recreating) the index directory, writing
//! documents in atomic commits stamped with the caller's event-log position, and the
//! snapshot searches run against.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use semver::Version;
use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyError, Term};
use trellis_types::{SearchQuery, SearchResults, Suggestions};

use crate::cache::ResultsCache;
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::snapshot::Snapshot;
use crate::table::{api_label, SegmentTable};
use crate::{tokenizer, Opened, PluginDoc, RankingWeights, SearchError};

/// The indexing memory budget (one writer thread).
const WRITER_MEMORY_BYTES: usize = 50_000_000;

/// What each commit carries besides the documents.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    position: Option<String>,
}

/// A plugin search index, on disk or in memory. All methods take `&self` and may be
/// called from any thread: writes are serialised, searches run on the last commit.
pub struct SearchIndex {
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    snapshot: RwLock<Arc<Snapshot>>,
    tables: Mutex<HashMap<SegmentId, Arc<SegmentTable>>>,
    position: RwLock<Option<String>>,
    weights: RwLock<Arc<RankingWeights>>,
    /// Answers computed on the current snapshot (see [`crate::cache`]).
    results: ResultsCache,
    api: Vec<Version>,
    api_labels: Vec<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.doc_count())
            .field("position", &self.position())
            .field("api", &self.api_labels)
            .finish()
    }
}

/// Why an existing directory could not be opened.
enum OpenFailure {
    /// Corrupt or of another schema: wipe and recreate.
    Unusable(String),
    /// Something else (the directory is locked by another writer, I/O): give up.
    Fatal(SearchError),
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent and recreating it (empty) when
    /// it is corrupt or was written by another schema version; [`Opened`] says which.
    /// `api_versions` are the plugin-API versions the `api` facet and filter know.
    pub fn open(
        dir: &Path,
        api_versions: &[Version],
    ) -> Result<(SearchIndex, Opened), SearchError> {
        std::fs::create_dir_all(dir)?;
        let empty = std::fs::read_dir(dir)?.next().is_none();
        if empty {
            let index = Index::create_in_dir(dir, schema::build().0)?;
            return Ok((Self::create(index, api_versions)?, Opened::Created));
        }
        let reason = match Self::open_existing(dir, api_versions) {
            Ok(ix) => return Ok((ix, Opened::Existing)),
            Err(OpenFailure::Fatal(e)) => return Err(e),
            Err(OpenFailure::Unusable(reason)) => reason,
        };
        tracing::warn!(dir = %dir.display(), %reason, "search index unusable; recreating it empty");
        wipe(dir)?;
        let index = Index::create_in_dir(dir, schema::build().0)?;
        Ok((
            Self::create(index, api_versions)?,
            Opened::Recreated { reason },
        ))
    }

    /// A new, empty index in memory (tests, tools, benchmarks).
    pub fn in_memory(api_versions: &[Version]) -> Result<SearchIndex, SearchError> {
        Self::create(Index::create_in_ram(schema::build().0), api_versions)
    }

    fn create(index: Index, api: &[Version]) -> Result<SearchIndex, SearchError> {
        let ix = Self::from_index(index, api, None)?;
        ix.write(|_, _| Ok(()), None)?;
        Ok(ix)
    }

    fn open_existing(dir: &Path, api: &[Version]) -> Result<SearchIndex, OpenFailure> {
        let unusable =
            |what: &str, e: &dyn std::fmt::Display| OpenFailure::Unusable(format!("{what}: {e}"));
        let index = Index::open_in_dir(dir).map_err(|e| unusable("cannot open", &e))?;
        let metas = index
            .load_metas()
            .map_err(|e| unusable("cannot read metadata", &e))?;
        let payload: Payload = metas
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .ok_or_else(|| OpenFailure::Unusable("the last commit has no schema version".into()))?;
        if payload.schema != SCHEMA_VERSION {
            return Err(OpenFailure::Unusable(format!(
                "schema version {} (this build uses {SCHEMA_VERSION})",
                payload.schema
            )));
        }
        if !same_schema(&index.schema(), &schema::build().0) {
            return Err(OpenFailure::Unusable(
                "the fields differ from this build's".into(),
            ));
        }
        Self::from_index(index, api, payload.position).map_err(|e| match e {
            BuildFailure::Lock(e) => OpenFailure::Fatal(e),
            BuildFailure::Other(e) => OpenFailure::Unusable(format!("cannot read the index: {e}")),
        })
    }

    fn from_index(
        index: Index,
        api: &[Version],
        position: Option<String>,
    ) -> Result<SearchIndex, BuildFailure> {
        tokenizer::register(&index);
        let fields = schema::build().1;
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY_BYTES)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => BuildFailure::Lock(e.into()),
                e => BuildFailure::Other(e.into()),
            })?;
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e: TantivyError| BuildFailure::Other(e.into()))?;
        let api_labels: Vec<String> = api.iter().map(api_label).collect();
        let mut tables = HashMap::new();
        let snap = Snapshot::build(reader.searcher(), &fields, api, &api_labels, &mut tables)
            .map_err(BuildFailure::Other)?;
        Ok(SearchIndex {
            fields,
            writer: Mutex::new(writer),
            reader,
            snapshot: RwLock::new(Arc::new(snap)),
            tables: Mutex::new(tables),
            position: RwLock::new(position),
            weights: RwLock::new(Arc::new(RankingWeights::default())),
            results: ResultsCache::new(crate::cache::DEFAULT_ENTRIES),
            api: api.to_vec(),
            api_labels,
        })
    }

    /// Replaces every document with `docs` in one commit: searches see the old index
    /// until it is done. `position` is stored with the commit (see [`Self::position`]).
    pub fn replace_all(
        &self,
        docs: impl Iterator<Item = PluginDoc>,
        position: Option<String>,
    ) -> Result<(), SearchError> {
        self.write(
            |writer, fields| {
                writer.delete_all_documents()?;
                for doc in docs {
                    check(&doc)?;
                    writer.add_document(schema::document(fields, &doc))?;
                }
                Ok(())
            },
            position,
        )
    }

    /// Deletes `deletes` (ids) and adds or replaces `upserts` in one commit; the change
    /// is searchable when this returns.
    pub fn apply(
        &self,
        upserts: Vec<PluginDoc>,
        deletes: &[String],
        position: Option<String>,
    ) -> Result<(), SearchError> {
        self.write(
            |writer, fields| {
                for id in deletes {
                    writer.delete_term(Term::from_field_text(fields.id, id));
                }
                for doc in &upserts {
                    check(doc)?;
                    writer.delete_term(Term::from_field_text(fields.id, &doc.id));
                    writer.add_document(schema::document(fields, doc))?;
                }
                Ok(())
            },
            position,
        )
    }

    /// Runs `change` on the writer, commits with `position` and installs a snapshot of
    /// the commit; on failure the uncommitted change is rolled back.
    fn write(
        &self,
        change: impl FnOnce(&mut IndexWriter, &Fields) -> Result<(), SearchError>,
        position: Option<String>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            position: position.clone(),
        })
        .map_err(|e| SearchError::Internal(e.to_string()))?;
        let done = change(&mut writer, &self.fields).and_then(|()| {
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&payload);
            commit.commit()?;
            Ok(())
        });
        if let Err(e) = done {
            if let Err(r) = writer.rollback() {
                tracing::error!(error = %r, "search index rollback failed");
            }
            return Err(e);
        }
        self.reader.reload()?;
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let snap = Snapshot::build(
            self.reader.searcher(),
            &self.fields,
            &self.api,
            &self.api_labels,
            &mut tables,
        )?;
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(snap);
        *self.position.write().unwrap_or_else(|e| e.into_inner()) = position;
        Ok(())
    }

    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The event-log position stored with the last commit (`None` before any).
    pub fn position(&self) -> Option<String> {
        self.position
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many documents the index holds.
    pub fn doc_count(&self) -> u64 {
        self.snapshot().stats.num_docs
    }

    /// Runs a search; see [`trellis_types::SearchQuery`] for what may be asked. An
    /// answer already computed since the last commit is reused (see [`crate::cache`]).
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let weights = self
            .weights
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let snap = self.snapshot();
        if let Some(kept) = self.results.get(&snap, &weights, query) {
            return Ok((*kept).clone());
        }
        let answer = crate::search::run(&snap, &weights, query)?;
        self.results
            .put(&snap, &weights, query, Arc::new(answer.clone()));
        Ok(answer)
    }

    /// How many answers the results cache keeps (default 512; 0 turns it off, as the
    /// benchmarks do to measure the engine itself).
    pub fn set_results_cache(&self, entries: usize) {
        self.results.set_capacity(entries);
    }

    /// Autocomplete: up to `limit` plugins whose name or id starts with (or, from four
    /// letters, nearly with) `q`, best first.
    pub fn suggest(&self, q: &str, limit: u32) -> Result<Suggestions, SearchError> {
        crate::suggest::run(&self.snapshot(), q, limit)
    }

    /// The ranking weights searches use.
    pub fn weights(&self) -> RankingWeights {
        (**self.weights.read().unwrap_or_else(|e| e.into_inner())).clone()
    }

    /// Replaces the ranking weights (for tuning; the defaults are the tuned ones).
    pub fn set_weights(&self, weights: RankingWeights) {
        *self.weights.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(weights);
    }

    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Why building a [`SearchIndex`] on an opened Tantivy index failed.
enum BuildFailure {
    Lock(SearchError),
    Other(SearchError),
}

impl From<BuildFailure> for SearchError {
    fn from(e: BuildFailure) -> SearchError {
        match e {
            BuildFailure::Lock(e) | BuildFailure::Other(e) => e,
        }
    }
}

fn check(doc: &PluginDoc) -> Result<(), SearchError> {
    if doc.id.trim().is_empty() {
        return Err(SearchError::invalid("id", "a document needs an id"));
    }
    Ok(())
}

fn same_schema(a: &Schema, b: &Schema) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

/// Removes everything inside `dir`.
fn wipe(dir: &Path) -> Result<(), SearchError> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
