//! `/api/v1/search` and `/api/v1/search/suggest`: discovery over this process's
//! search index (`trellis_platform::discovery`). Parameters are read by
//! [`SearchQuery::from_pairs`], the same reader the search page uses, so a page
//! URL and an API URL mean the same search.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::Deserialize;
use trellis_platform::{discovery, AppError, AppState};
use trellis_types::{ErrorCode, SearchQuery, SearchResults, Suggestions};
use utoipa::IntoParams;

use super::extract::ApiQuery;
use super::problem::ApiError;

/// The parameters of a search (for the OpenAPI document; the handler reads the
/// raw query so that filters can repeat).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchParams {
    /// Free text (at most 200 characters; any characters, there is no query syntax).
    /// Empty or absent: every plugin.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Category slugs; repeat the parameter for several (any of them matches).
    #[param(explode = true, style = Form)]
    category: Option<Vec<String>>,
    /// Plugin kinds (`agent`, `integration`, `tool`); repeat for several.
    #[param(explode = true, style = Form)]
    kind: Option<Vec<String>>,
    /// Keywords; repeat for several.
    #[param(explode = true, style = Form)]
    keyword: Option<Vec<String>>,
    /// Namespaces; repeat for several.
    #[param(explode = true, style = Form)]
    namespace: Option<Vec<String>>,
    /// SPDX license expressions as published; repeat for several.
    #[param(explode = true, style = Form)]
    license: Option<Vec<String>>,
    /// A Trellis plugin-API version (`1.0`): only plugins that work with it.
    api: Option<String>,
    /// Order of the hits (default `relevance`).
    #[param(inline)]
    sort: Option<trellis_types::SearchSort>,
    /// 1-based page (page × limit at most 10000).
    #[param(minimum = 1, maximum = 10000)]
    page: Option<u32>,
    /// Hits per page (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Return each hit's score components.
    explain: Option<bool>,
}

/// Search the plugins: typo tolerant, prefix matching, facets with counts.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    operation_id = "v1.search.query",
    tag = "plugins",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of hits, with facet counts, the total and a \
                                      did-you-mean suggestion when words look misspelled.",
         body = SearchResults),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let pairs = form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes());
    let query = SearchQuery::from_pairs(pairs, true)
        .map_err(|e| AppError::new(ErrorCode::BadRequest, e.message))?;
    Ok(Json(discovery::search(&state, &query)?))
}

/// The parameters of autocomplete.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestParams {
    /// What has been typed so far (at most 100 characters).
    #[param(max_length = 100)]
    q: String,
    /// How many suggestions (default 8).
    #[param(minimum = 1, maximum = 20)]
    limit: Option<u32>,
}

/// Autocomplete: plugins whose names or ids start with (or nearly with) what was typed.
#[utoipa::path(
    get,
    path = "/api/v1/search/suggest",
    operation_id = "v1.search.suggest",
    tag = "plugins",
    params(SuggestParams),
    responses((status = 200, description = "Suggestions, best first.", body = Suggestions))
)]
pub async fn suggest(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SuggestParams>,
) -> Result<Json<Suggestions>, ApiError> {
    if p.q.chars().count() > 100 {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "`q` is too long for autocomplete: at most 100 characters.",
        )
        .into());
    }
    let limit = p.limit.unwrap_or(8);
    if !(1..=20).contains(&limit) {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "`limit` must be a whole number from 1 to 20.",
        )
        .into());
    }
    Ok(Json(discovery::suggest(&state, p.q.trim(), limit)?))
}
