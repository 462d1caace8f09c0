//! Discovery from the UI: searches (the search page, category and namespace
//! lists, the home page's lists), autocomplete and the category list. Every call
//! is public and goes to `trellis_platform::discovery` (the search index) or the
//! registry's services; an index that is not open yet answers `unavailable`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use trellis_types::{CategoryOut, HomeLists, SearchQuery, SearchResults, Suggestions};

use crate::error::UiError;

/// Autocomplete entries shown.
pub const SUGGESTIONS: u32 = 8;

/// Runs a search (the search page, and the lists of category and namespace pages).
#[server(input = Json)]
pub async fn search_plugins(query: SearchQuery) -> Result<SearchResults, UiError> {
    let state = super::ssr::state()?;
    Ok(trellis_platform::discovery::search(&state, &query)?)
}

/// Autocomplete for what has been typed so far.
#[server(input = Json)]
pub async fn suggest_plugins(q: String) -> Result<Suggestions, UiError> {
    let state = super::ssr::state()?;
    Ok(trellis_platform::discovery::suggest(
        &state,
        q.trim(),
        SUGGESTIONS,
    )?)
}

/// Every category (name and slug), in the registry's order.
#[server]
pub async fn list_categories() -> Result<Vec<CategoryOut>, UiError> {
    let state = super::ssr::state()?;
    Ok(trellis_platform::registry::categories(&state).await?)
}

/// The home page's lists and the categories with their counts (shared between
/// renders, see `trellis_platform::home`).
#[server]
pub async fn load_home() -> Result<HomeLists, UiError> {
    let state = super::ssr::state()?;
    Ok((*trellis_platform::home::lists(&state).await?).clone())
}
