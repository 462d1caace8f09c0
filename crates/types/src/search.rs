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
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
    /// e.g. `exact_match`, `name_completion`, `text`, `typos`, `popularity`, `rating`, `deprecated`.
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

/// Why a search's parameters were refused: the parameter and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchParamError {
    pub param: String,
    pub message: String,
}

impl SearchQuery {
    /// Reads a search from URL query pairs (`q`, repeatable facet filters, `api`,
    /// `sort`, `page`, `limit`, `explain`), the one parser of the REST endpoint and the
    /// search page. Empty values are ignored. With `strict`, an unknown parameter is an
    /// error (the API); without, it is ignored (a page URL a person edited).
    pub fn from_pairs<K, V>(
        pairs: impl IntoIterator<Item = (K, V)>,
        strict: bool,
    ) -> Result<SearchQuery, SearchParamError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let err = |param: &str, message: String| SearchParamError {
            param: param.to_owned(),
            message,
        };
        let number = |param: &str, v: &str, max: u32| -> Result<u32, SearchParamError> {
            match v.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(err(
                    param,
                    format!("`{param}` must be a whole number from 1 to {max}."),
                )),
            }
        };
        let mut q = SearchQuery {
            page: 1,
            limit: SEARCH_DEFAULT_LIMIT,
            ..SearchQuery::default()
        };
        for (k, v) in pairs {
            let (k, v) = (k.as_ref(), v.as_ref().trim());
            if v.is_empty() && k != "q" {
                // An empty filter is no filter (a form's blank field), but the API's
                // single-valued parameters have a type an empty value is not.
                if strict && matches!(k, "sort" | "page" | "limit" | "explain") {
                    return Err(err(
                        k,
                        format!("`{k}` is empty: leave it out for the default."),
                    ));
                }
                continue;
            }
            match k {
                "q" => {
                    if v.chars().count() > SEARCH_MAX_QUERY_CHARS {
                        return Err(err(
                            "q",
                            format!(
                                "The query is too long: at most {SEARCH_MAX_QUERY_CHARS} characters."
                            ),
                        ));
                    }
                    q.q = v.to_owned();
                }
                "category" => q.category.push(v.to_owned()),
                "kind" => {
                    if !matches!(v, "agent" | "integration" | "tool") {
                        return Err(err(
                            "kind",
                            format!(
                                "Unknown kind `{}`: one of agent, integration, tool.",
                                clip(v)
                            ),
                        ));
                    }
                    q.kind.push(v.to_owned());
                }
                "keyword" => q.keyword.push(v.to_owned()),
                "namespace" => q.namespace.push(v.to_owned()),
                "license" => q.license.push(v.to_owned()),
                "api" => q.api = Some(v.to_owned()),
                "sort" => {
                    q.sort = SearchSort::parse(v).ok_or_else(|| {
                        let all: Vec<&str> = SearchSort::ALL.iter().map(|s| s.as_str()).collect();
                        err(
                            "sort",
                            format!("Unknown sort `{}`: one of {}.", clip(v), all.join(", ")),
                        )
                    })?
                }
                "page" => q.page = number("page", v, SEARCH_MAX_DEPTH)?,
                "limit" => q.limit = number("limit", v, SEARCH_MAX_LIMIT)?,
                "explain" => {
                    q.explain = match v {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(err("explain", "`explain` must be true or false.".into())),
                    }
                }
                other if strict => {
                    return Err(err(
                        other,
                        format!(
                            "Unknown parameter `{}`: use q, {}, sort, page, limit or explain.",
                            clip(other),
                            SEARCH_FACETS.join(", ")
                        ),
                    ))
                }
                _ => {}
            }
        }
        if u64::from(q.page) * u64::from(q.limit) > u64::from(SEARCH_MAX_DEPTH) {
            return Err(err(
                "page",
                format!(
                    "Results can be paged to the {SEARCH_MAX_DEPTH}th at most: narrow the search instead."
                ),
            ));
        }
        Ok(q)
    }

    /// The query as URL pairs (defaults left out), for links to this search with
    /// `page` replaced. [`SearchQuery::from_pairs`] reads them back.
    pub fn to_pairs(&self, page: u32) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q", self.q.clone()));
        }
        for (name, values) in [
            ("category", &self.category),
            ("kind", &self.kind),
            ("keyword", &self.keyword),
            ("namespace", &self.namespace),
            ("license", &self.license),
        ] {
            out.extend(values.iter().map(|v| (name, v.clone())));
        }
        if let Some(api) = &self.api {
            out.push(("api", api.clone()));
        }
        if self.sort != SearchSort::Relevance {
            out.push(("sort", self.sort.as_str().to_owned()));
        }
        if page > 1 {
            out.push(("page", page.to_string()));
        }
        if self.limit != SEARCH_DEFAULT_LIMIT {
            out.push(("limit", self.limit.to_string()));
        }
        if self.explain {
            out.push(("explain", "true".to_owned()));
        }
        out
    }
}

/// At most 40 characters of user input, for quoting it back in a message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_same_pairs() {
        let pairs = [
            ("q", "kanban board"),
            ("category", "productivity"),
            ("category", "automation"),
            ("kind", "tool"),
            ("sort", "downloads"),
            ("page", "3"),
            ("utm", "x"),
        ];
        let q = SearchQuery::from_pairs(pairs, false).unwrap();
        assert_eq!(q.category, ["productivity", "automation"]);
        assert_eq!(q.sort, SearchSort::Downloads);
        assert_eq!(q.page, 3);
        let back = SearchQuery::from_pairs(q.to_pairs(3), true).unwrap();
        assert_eq!(back, q);
        assert_eq!(
            SearchQuery::from_pairs(pairs, true).unwrap_err().param,
            "utm"
        );
    }

    #[test]
    fn refuses_what_it_cannot_honour() {
        for (k, v) in [
            ("sort", "best"),
            ("kind", "theme"),
            ("page", "0"),
            ("limit", "101"),
            ("page", "-1"),
            ("explain", "maybe"),
        ] {
            let e = SearchQuery::from_pairs([(k, v)], true).unwrap_err();
            assert_eq!(e.param, k, "{k}={v}");
        }
        let long = "x".repeat(SEARCH_MAX_QUERY_CHARS + 1);
        assert_eq!(
            SearchQuery::from_pairs([("q", long.as_str())], true)
                .unwrap_err()
                .param,
            "q"
        );
        let deep = SearchQuery::from_pairs([("page", "600"), ("limit", "20")], true);
        assert_eq!(deep.unwrap_err().param, "page");
        let q = SearchQuery::from_pairs([("q", "  "), ("category", "")], true).unwrap();
        assert!(q.q.is_empty() && q.category.is_empty());
        for k in ["sort", "page", "limit", "explain"] {
            assert_eq!(
                SearchQuery::from_pairs([(k, "")], true).unwrap_err().param,
                k
            );
            assert!(SearchQuery::from_pairs([(k, "")], false).is_ok(), "{k}");
        }
    }
}
