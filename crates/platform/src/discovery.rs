//! Discovery as the services see it: the [`Search`] trait that REST, server functions
//! and later GraphQL call, and the [`SearchSlot`] in `AppState` that holds this
//! process's index once it is open.
//!
//! `platform` never depends on the search engine (Tantivy lives in `crates/search`,
//! which implements [`Search`]); the server opens the index at start and puts it in
//! the slot. Until then searches answer `unavailable`.

use std::sync::{Arc, RwLock};

use trellis_types::{SearchQuery, SearchResults, Suggestions};

use crate::error::{AppError, AppResult};

/// A search engine over the plugins this instance lists.
pub trait Search: Send + Sync + std::fmt::Debug {
    /// Runs a query; bad input (unknown sort or facet value, too long a query, a page
    /// past the end of what can be paged) is a validation error, never a 500.
    fn search(&self, query: &SearchQuery) -> AppResult<SearchResults>;
    /// Autocomplete: plugins whose names or ids start with (or nearly with) `q`.
    fn suggest(&self, q: &str, limit: u32) -> AppResult<Suggestions>;
}

/// Where this process's search engine lives once it is ready.
#[derive(Debug, Default)]
pub struct SearchSlot(RwLock<Option<Arc<dyn Search>>>);

impl SearchSlot {
    /// Installs the engine (at start, once its index is open).
    pub fn set(&self, engine: Arc<dyn Search>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(engine);
    }

    /// The engine, or `unavailable` while the index is still being opened or rebuilt.
    pub fn get(&self) -> AppResult<Arc<dyn Search>> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| AppError::unavailable("the search index is not open yet"))
    }
}

/// Runs a search on this process's index.
pub fn search(state: &crate::AppState, query: &SearchQuery) -> AppResult<SearchResults> {
    state.search.get()?.search(query)
}

/// Autocomplete on this process's index.
pub fn suggest(state: &crate::AppState, q: &str, limit: u32) -> AppResult<Suggestions> {
    state.search.get()?.suggest(q, limit)
}
