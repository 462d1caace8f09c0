//! Discovery from the UI: searches (the search page, category and namespace
//! lists, the home page's lists), autocomplete and the category list. Every call
//! is public and goes to `trellis_platform::discovery` (the search index) or the
//! registry's services; an index that is not open yet answers `unavailable`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use trellis_types::{CategoryOut, SearchHit, SearchQuery, SearchResults, Suggestions};

use crate::error::UiError;

/// Plugins per list on the home page.
pub const HOME_LIST: u32 = 6;
/// Autocomplete entries shown.
pub const SUGGESTIONS: u32 = 8;

/// A category with how many plugins it holds (absent while the index is not open,
/// or when the index's category counts do not name it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub slug: String,
    pub name: String,
    pub count: Option<u64>,
}

/// What the home page lists; a list the index could not fill is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    /// Most downloads of all time (only plugins with downloads).
    pub popular: Vec<SearchHit>,
    /// Most downloads in the last 30 days (only plugins with recent downloads).
    pub trending: Vec<SearchHit>,
    /// Most recently updated (empty when it would repeat `newest` exactly, as it
    /// does when nothing has had a second version).
    pub updated: Vec<SearchHit>,
    pub newest: Vec<SearchHit>,
    pub categories: Vec<CategoryCount>,
    /// Plugins listed, when the index answered.
    pub total: Option<u64>,
    /// The catalogue demo content in these lists was imported from, when they hold
    /// demo content (e.g. `rockerBOO/awesome-neovim`).
    pub demo_source: Option<String>,
}

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

/// The home page's lists and the categories with their counts.
#[server]
pub async fn load_home() -> Result<HomeData, UiError> {
    use trellis_types::{SearchSort, SEARCH_DEFAULT_LIMIT};
    let state = super::ssr::state()?;
    let run = |sort: SearchSort, limit: u32| {
        let q = SearchQuery {
            sort,
            limit,
            page: 1,
            ..Default::default()
        };
        trellis_platform::discovery::search(&state, &q)
    };
    // One search with every category's count; the lists follow only when it answered.
    let all = match run(SearchSort::Downloads, SEARCH_DEFAULT_LIMIT.min(HOME_LIST)) {
        Ok(r) => Some(r),
        Err(e) if e.code == trellis_types::ErrorCode::Unavailable => None,
        Err(e) => return Err(e.into()),
    };
    // Categories that list plugins, with their counts.
    let categories: Vec<CategoryCount> = trellis_platform::registry::categories(&state)
        .await?
        .into_iter()
        .filter(|c| c.plugins > 0)
        .map(|c| CategoryCount {
            count: Some(c.plugins as u64),
            slug: c.slug,
            name: c.name,
        })
        .collect();
    let Some(all) = all else {
        return Ok(HomeData {
            popular: Vec::new(),
            trending: Vec::new(),
            updated: Vec::new(),
            newest: Vec::new(),
            categories,
            total: None,
            demo_source: None,
        });
    };
    let trending = run(SearchSort::RecentDownloads, HOME_LIST)?.hits;
    let mut updated = run(SearchSort::Updated, HOME_LIST)?.hits;
    let newest = run(SearchSort::Newest, HOME_LIST)?.hits;
    let ids = |hits: &[SearchHit]| hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    if ids(&updated) == ids(&newest) {
        updated.clear();
    }
    let demo_source = match all.hits.iter().chain(&newest).find(|h| h.demo) {
        Some(h) => {
            trellis_platform::registry::plugins::get_plugin(&state, &h.id)
                .await?
                .source
        }
        None => None,
    };
    Ok(HomeData {
        demo_source,
        total: Some(all.total),
        popular: all.hits.into_iter().filter(|h| h.downloads > 0).collect(),
        trending: trending
            .into_iter()
            .filter(|h| h.recent_downloads > 0)
            .collect(),
        updated,
        newest,
        categories,
    })
}
