//! Discovery: what a client asks the search (`GET /api/v1/search`, the search page)
//! and autocomplete (`GET /api/v1/search/suggest`) for, and what they answer.
//!
//! Filters within one facet are alternatives (category=a&category=b: either), filters of
//! different facets all apply. Facet counts are disjunctive: a facet's counts apply every
//! filter except that facet's own, so choosing one value never hides its siblings.

use serde::{Deserialize, Serialize};

/// Largest page size a client may ask for.
pub const SEARCH_MAX_LIMIT: u32 = 100;
/// Page size when none is asked for.
pub const SEARCH_DEFAULT_LIMIT: u32 = 20;
/// Longest query accepted, in characters (longer is a 400).
pub const SEARCH_MAX_QUERY_CHARS: usize = 200;
/// Deepest result reachable by paging (page * limit); deeper pages are a 400.
pub const SEARCH_MAX_DEPTH: u32 = 10_000;

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    /// Text match blended with popularity (downloads by name when the query is empty).
    #[default]
    Relevance,
    /// Most downloads of all time first.
    Downloads,
    /// Most downloads in the last 30 days first.
    RecentDownloads,
    /// Highest Bayesian-average rating first.
    Rating,
    /// Most recently updated first.
    Updated,
    /// Most recently created first.
    Newest,
    /// By display name, A to Z.
    Name,
}

impl SearchSort {
    /// Every sort, in the order the UI offers them.
    pub const ALL: [SearchSort; 7] = [
        SearchSort::Relevance,
        SearchSort::Downloads,
        SearchSort::RecentDownloads,
        SearchSort::Rating,
        SearchSort::Updated,
        SearchSort::Newest,
        SearchSort::Name,
    ];

    /// The value used in URLs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Downloads => "downloads",
            SearchSort::RecentDownloads => "recent_downloads",
            SearchSort::Rating => "rating",
            SearchSort::Updated => "updated",
            SearchSort::Newest => "newest",
            SearchSort::Name => "name",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            SearchSort::Relevance => "Best match",
            SearchSort::Downloads => "Most downloads",
            SearchSort::RecentDownloads => "Trending",
            SearchSort::Rating => "Highest rated",
            SearchSort::Updated => "Recently updated",
            SearchSort::Newest => "Newest",
            SearchSort::Name => "Name",
        }
    }

    /// Parses [`SearchSort::as_str`]'s form.
    pub fn parse(s: &str) -> Option<SearchSort> {
        SearchSort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The facets results can be filtered and counted by, in display order.
pub const SEARCH_FACETS: [&str; 6] = ["category", "kind", "keyword", "namespace", "license", "api"];

/// A search. `q` may be empty (then everything matches, and relevance means popularity).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchQuery {
    /// Free text, at most [`SEARCH_MAX_QUERY_CHARS`] characters; any characters are
    /// allowed (there is no query syntax to break).
    #[serde(default)]
    pub q: String,
    /// Category slugs (any of them).
    #[serde(default)]
    pub category: Vec<String>,
    /// Plugin kinds: agent, integration, tool (any of them).
    #[serde(default)]
    pub kind: Vec<String>,
    /// Keywords (any of them).
    #[serde(default)]
    pub keyword: Vec<String>,
    /// Namespaces (any of them).
    #[serde(default)]
    pub namespace: Vec<String>,
    /// SPDX license expressions, as published (any of them).
    #[serde(default)]
    pub license: Vec<String>,
    /// A Trellis plugin-API version (`1.0`): only plugins whose latest version works with it.
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default)]
    pub sort: SearchSort,
    /// 1-based page number.
    #[serde(default = "first_page")]
    pub page: u32,
    /// Hits per page, 1 to [`SEARCH_MAX_LIMIT`].
    #[serde(default = "default_limit")]
    pub limit: u32,
    /// Return each hit's score components.
    #[serde(default)]
    pub explain: bool,
}

fn first_page() -> u32 {
    1
}

fn default_limit() -> u32 {
    SEARCH_DEFAULT_LIMIT
}

/// A piece of highlighted text: the pieces in order make up the field's text (or an
/// excerpt of it); `hit` marks the words the query matched. Plain text, never HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HighlightPart {
    pub text: String,
    pub hit: bool,
}

/// Highlighted fields of a hit; a field is absent when the query matched nothing in it
/// (the summary is then shown plain).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Highlights {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<Vec<HighlightPart>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Vec<HighlightPart>>,
    /// An excerpt of the README around the first match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readme: Option<Vec<HighlightPart>>,
}

/// One part of a hit's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreComponent {
    /// e.g. `exact_match`, `text`, `typos`, `popularity`, `rating`, `deprecated`.
    pub name: String,
    pub value: f64,
    /// What was measured, for people (`"name" matched "kanban" by prefix`).
    pub detail: String,
}

/// Why a hit scored what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    pub score: f64,
    pub components: Vec<ScoreComponent>,
}

/// A plugin in search results, with what a result list shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// `namespace.name`.
    pub id: String,
    pub namespace: String,
    pub display_name: String,
    pub summary: String,
    pub kind: String,
    pub categories: Vec<String>,
    pub keywords: Vec<String>,
    pub license: String,
    pub latest_version: Option<String>,
    pub downloads: u64,
    /// Downloads in the last 30 days.
    pub recent_downloads: u64,
    /// Average stars (1-5), absent without ratings.
    pub rating: Option<f64>,
    pub rating_count: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deprecated: bool,
    /// Demo content imported from a public catalogue, not published on this instance.
    pub demo: bool,
    pub highlights: Highlights,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explain: Option<Explanation>,
}

/// One value of a facet and how many results have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FacetValue {
    pub value: String,
    /// For people (a category's name; otherwise the value).
    pub label: String,
    pub count: u64,
    /// Whether the query filters on it.
    pub selected: bool,
}

/// Counts for one facet (one of [`SEARCH_FACETS`]), most frequent first (selected values
/// always included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Facet {
    pub name: String,
    pub values: Vec<FacetValue>,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    /// The query as understood (trimmed).
    pub q: String,
    /// Results matching the query and filters.
    pub total: u64,
    pub page: u32,
    pub limit: u32,
    pub sort: SearchSort,
    pub hits: Vec<SearchHit>,
    pub facets: Vec<Facet>,
    /// A corrected query when the words look misspelled ("calender" -> "calendar").
    pub did_you_mean: Option<String>,
}

/// One autocomplete entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestion {
    pub id: String,
    pub display_name: String,
    pub kind: String,
    /// The display name with the typed prefix marked.
    pub highlight: Vec<HighlightPart>,
}

/// Autocomplete answers, best first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suggestions {
    pub q: String,
    pub suggestions: Vec<Suggestion>,
}
