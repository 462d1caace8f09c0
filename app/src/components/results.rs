//! A page of plugins from a search as the category and namespace pages show
//! it: how many, the list, the page links, and an honest notice when the list
//! is empty or the search index cannot answer yet. Also what the list pages
//! share: their sort form (an island) and reading their route.

use leptos::prelude::*;
use trellis_types::{SearchQuery, SearchResults, SearchSort};

use crate::components::facets::SortSelect;
use crate::components::pagination::Pagination;
use crate::components::plugin_card::{plural, PluginList};
use crate::error::UiError;

/// A list page's sort: a GET form to `action` with the sort select and an
/// "Apply" button (without JavaScript), an island so that in the browser a
/// change of the select submits it at once.
#[island]
pub fn SortForm(#[prop(into)] action: String, sort: SearchSort) -> impl IntoView {
    let form = NodeRef::<leptos::html::Form>::new();
    let submit = Callback::new(move |()| {
        if let Some(form) = form.get() {
            let _ = form.request_submit();
        }
    });
    view! {
        <form method="get" action=action class="inline-form" node_ref=form>
            <SortSelect sort on_change=submit/>
            <button type="submit" class="btn btn-small">"Apply"</button>
        </form>
    }
}

/// A list page's path parameter `name` and the search its URL's query asks for
/// (sort and page; the text is dropped, the path says what is listed). The search
/// is what the page's links keep.
pub fn use_list_route(name: &'static str) -> (Memo<String>, Memo<SearchQuery>) {
    let params = leptos_router::hooks::use_params_map();
    let query = leptos_router::hooks::use_query_map();
    let value = Memo::new(move |_| params.with(|p| p.get(name).unwrap_or_default()));
    let links = Memo::new(move |_| {
        query.with(|q| SearchQuery {
            q: String::new(),
            ..crate::components::query::from_params(q)
        })
    });
    (value, links)
}

/// What to say when a search failed.
pub fn search_failure(e: &UiError) -> String {
    match e.code.as_str() {
        "unavailable" => "Plugin lists are not available right now: the search index is still opening. Try again in a moment.".to_owned(),
        _ => e.detail.clone(),
    }
}

/// A page of results. `links` is the query the page links keep (without what
/// the page's own path already says); `path` is where they point.
#[component]
pub fn ResultPage(
    results: Result<SearchResults, UiError>,
    links: SearchQuery,
    path: String,
    empty: &'static str,
) -> impl IntoView {
    match results {
        Err(e) => view! {
            <div class="banner banner-info" role="status" id="results-unavailable">{search_failure(&e)}</div>
        }
        .into_any(),
        Ok(r) if r.hits.is_empty() => view! { <p class="muted" id="no-results">{empty}</p> }.into_any(),
        Ok(r) => {
            let first = (u64::from(r.page) - 1) * u64::from(r.limit) + 1;
            let last = first + r.hits.len() as u64 - 1;
            view! {
                <p class="result-count" role="status">
                    {format!("{}, showing {first}–{last}", plural(r.total, "plugin", "plugins"))}
                </p>
                <PluginList hits=r.hits id="results"/>
                <Pagination query=SearchQuery { page: r.page, ..links } total=r.total path/>
            }
            .into_any()
        }
    }
}
