//! What the marketplace's home page lists: popular, trending, recently updated and
//! new plugins, and the categories with their counts. The same for every visitor, so
//! the services compute it once and share it (see `trellis_platform::home`).

use serde::{Deserialize, Serialize};

use crate::SearchHit;

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
pub struct HomeLists {
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
