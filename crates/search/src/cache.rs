//! The results cache: answers already computed on the current snapshot, kept the way
//! Elasticsearch's request cache and Solr's query-result cache keep them. A search
//! engine's traffic repeats itself (the home page's lists, category pages, popular
//! queries, a results page reloaded), and an answer can only change when the index
//! does, so answers are reused until the next commit replaces the snapshot (or the
//! ranking weights change); then the cache starts empty. Bounded in entries; when
//! full, the oldest entry goes.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use trellis_types::{SearchQuery, SearchResults};

use crate::snapshot::Snapshot;
use crate::RankingWeights;

/// Entries kept by default.
pub(crate) const DEFAULT_ENTRIES: usize = 512;

pub(crate) struct ResultsCache {
    inner: Mutex<Inner>,
}

struct Inner {
    capacity: usize,
    /// What the entries were computed on (a `Weak` keeps the allocation, so a later
    /// snapshot can never share its address).
    snapshot: Weak<Snapshot>,
    weights: Weak<RankingWeights>,
    answers: HashMap<SearchQuery, Arc<SearchResults>>,
    order: VecDeque<SearchQuery>,
}

impl ResultsCache {
    pub(crate) fn new(capacity: usize) -> ResultsCache {
        ResultsCache {
            inner: Mutex::new(Inner {
                capacity,
                snapshot: Weak::new(),
                weights: Weak::new(),
                answers: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// Changes how many answers are kept (0 turns the cache off).
    pub(crate) fn set_capacity(&self, capacity: usize) {
        let mut inner = self.lock();
        inner.capacity = capacity;
        inner.answers.clear();
        inner.order.clear();
    }

    /// The answer to `query` computed on `snap` with `weights`, if kept.
    pub(crate) fn get(
        &self,
        snap: &Arc<Snapshot>,
        weights: &Arc<RankingWeights>,
        query: &SearchQuery,
    ) -> Option<Arc<SearchResults>> {
        let mut inner = self.lock();
        inner.align(snap, weights);
        inner.answers.get(query).cloned()
    }

    /// Keeps the answer to `query` computed on `snap` with `weights`.
    pub(crate) fn put(
        &self,
        snap: &Arc<Snapshot>,
        weights: &Arc<RankingWeights>,
        query: &SearchQuery,
        answer: Arc<SearchResults>,
    ) {
        let mut inner = self.lock();
        inner.align(snap, weights);
        if inner.capacity == 0 || inner.answers.contains_key(query) {
            return;
        }
        while inner.answers.len() >= inner.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.answers.remove(&old);
                }
                None => break,
            }
        }
        inner.order.push_back(query.clone());
        inner.answers.insert(query.clone(), answer);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// Forgets every answer when the snapshot or the weights are not those they were
    /// computed on.
    fn align(&mut self, snap: &Arc<Snapshot>, weights: &Arc<RankingWeights>) {
        let same = Weak::ptr_eq(&self.snapshot, &Arc::downgrade(snap))
            && Weak::ptr_eq(&self.weights, &Arc::downgrade(weights));
        if !same {
            self.answers.clear();
            self.order.clear();
            self.snapshot = Arc::downgrade(snap);
            self.weights = Arc::downgrade(weights);
        }
    }
}
