//! The home page's lists (popular, trending, recently updated, new, the categories
//! with their counts): the same for every visitor, so computed once and shared for
//! `server.page_cache_ms`, the freshness the page microcache already gives
//! anonymous visitors. Signed-in visitors' pages are rendered for each request (the
//! page cache never answers them), and without this share each of those renders
//! ran four searches, two category queries (one counting over every plugin) and a
//! plugin read. With `page_cache_ms = 0` every call computes the lists afresh.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use trellis_types::{
    CategoryCount, ErrorCode, HomeLists, SearchHit, SearchQuery, SearchSort, SEARCH_DEFAULT_LIMIT,
};

use crate::{discovery, registry, AppResult, AppState};

/// Plugins per list.
pub const PER_LIST: u32 = 6;

/// The lists last computed, and when.
#[derive(Debug, Default)]
pub struct HomeShare(RwLock<Option<(Instant, Arc<HomeLists>)>>);

impl HomeShare {
    fn fresh(&self, max_age: Duration) -> Option<Arc<HomeLists>> {
        let kept = self.0.read().unwrap_or_else(|e| e.into_inner());
        match &*kept {
            Some((at, lists)) if at.elapsed() < max_age => Some(lists.clone()),
            _ => None,
        }
    }

    fn keep(&self, lists: Arc<HomeLists>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), lists));
    }
}

/// The home page's lists, shared for `server.page_cache_ms` after they are computed.
pub async fn lists(state: &AppState) -> AppResult<Arc<HomeLists>> {
    let max_age = Duration::from_millis(state.config.page_cache_ms);
    if let Some(kept) = state.home.fresh(max_age) {
        return Ok(kept);
    }
    let lists = Arc::new(compute(state).await?);
    if !max_age.is_zero() {
        state.home.keep(lists.clone());
    }
    Ok(lists)
}

async fn compute(state: &AppState) -> AppResult<HomeLists> {
    let run = |sort: SearchSort, limit: u32| {
        let q = SearchQuery {
            sort,
            limit,
            page: 1,
            ..Default::default()
        };
        discovery::search(state, &q)
    };
    // The most downloaded first: when the index is not open yet, only the categories.
    let all = match run(SearchSort::Downloads, SEARCH_DEFAULT_LIMIT.min(PER_LIST)) {
        Ok(r) => Some(r),
        Err(e) if e.code == ErrorCode::Unavailable => None,
        Err(e) => return Err(e),
    };
    // Categories that list plugins, with their counts, by name (Trellis's own and an
    // imported catalogue's read as one list).
    let mut categories: Vec<CategoryCount> = registry::categories(state)
        .await?
        .into_iter()
        .filter(|c| c.plugins > 0)
        .map(|c| CategoryCount {
            count: Some(c.plugins as u64),
            slug: c.slug,
            name: c.name,
        })
        .collect();
    categories.sort_by_cached_key(|c| (c.name.to_lowercase(), c.slug.clone()));
    let Some(all) = all else {
        return Ok(HomeLists {
            popular: Vec::new(),
            trending: Vec::new(),
            updated: Vec::new(),
            newest: Vec::new(),
            categories,
            total: None,
            demo_source: None,
        });
    };
    let trending = run(SearchSort::RecentDownloads, PER_LIST)?.hits;
    let mut updated = run(SearchSort::Updated, PER_LIST)?.hits;
    let newest = run(SearchSort::Newest, PER_LIST)?.hits;
    let ids = |hits: &[SearchHit]| hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    if ids(&updated) == ids(&newest) {
        updated.clear();
    }
    let demo_source = match all.hits.iter().chain(&newest).find(|h| h.demo) {
        Some(h) => registry::plugins::get_plugin(state, &h.id).await?.source,
        None => None,
    };
    Ok(HomeLists {
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
