//! Trellis's search engine core: plugin documents in, ranked, faceted, highlighted
//! results out.
//!
//! The engine itself is pure (documents in, results out); two modules connect it
//! to the rest of Trellis: [`indexer`] builds documents from the database and keeps
//! the index current as a follower of the event log, and [`engine`] is the index as
//! the services' `trellis_platform::discovery::Search`. A caller builds
//! [`PluginDoc`]s, feeds them to a [`SearchIndex`] (a full [`SearchIndex::replace_all`]
//! or incremental [`SearchIndex::apply`], each stamped with an opaque event-log
//! position that survives restarts), and answers [`trellis_types::SearchQuery`]s with
//! [`SearchIndex::search`] and autocomplete with [`SearchIndex::suggest`].
//!
//! Tantivy stores the documents and their postings; the ranking itself (typo budget,
//! prefixes, word splits and joins, exact-name boosts, popularity blend) is computed here
//! so each hit can explain its score. See `docs/search.md` for how ranking works.

mod cache;
mod doc;
pub mod engine;
mod error;
pub mod evaluation;
mod facets;
mod feedback;
mod highlight;
mod index;
pub mod indexer;
mod matching;
mod query;
mod ranking;
mod schema;
mod search;
mod snapshot;
mod suggest;
mod table;
mod tokenizer;
mod vocab;
mod weights;

pub use doc::PluginDoc;
pub use engine::Engine;
pub use error::{Opened, SearchError};
pub use index::SearchIndex;
pub use weights::RankingWeights;
