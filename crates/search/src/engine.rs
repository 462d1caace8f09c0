//! The index as the services' [`Search`]: what `trellis_platform::discovery`
//! calls for REST, server functions and later GraphQL. Input the engine refuses
//! becomes a `bad_request` naming the parameter; an index failure an internal
//! error (its text goes to the log, never to the client).

use std::sync::Arc;

use trellis_platform::discovery::Search;
use trellis_platform::{AppError, AppResult};
use trellis_types::{ErrorCode, SearchQuery, SearchResults, Suggestions};

use crate::{SearchError, SearchIndex};

/// This process's index, installed in `AppState::search` at start.
pub struct Engine(pub Arc<SearchIndex>);

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Search for Engine {
    fn search(&self, query: &SearchQuery) -> AppResult<SearchResults> {
        self.0.search(query).map_err(app_error)
    }

    fn suggest(&self, q: &str, limit: u32) -> AppResult<Suggestions> {
        self.0.suggest(q, limit).map_err(app_error)
    }
}

fn app_error(e: SearchError) -> AppError {
    match e {
        SearchError::Invalid { field, message } => AppError::new(
            ErrorCode::BadRequest,
            format!("The query parameter `{field}` is not valid: {message}"),
        ),
        SearchError::Internal(cause) => AppError::internal(cause),
    }
}
