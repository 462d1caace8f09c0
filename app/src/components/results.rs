//! A page of plugins from a search as the category and namespace pages show
//! it: how many, the list, the page links, and an honest notice when the list
//! is empty or the search index cannot answer yet. Also the small helpers the
//! result pages share (submitting their GET form from a change).

use leptos::prelude::*;
use trellis_types::{SearchQuery, SearchResults};

use crate::components::pagination::Pagination;
use crate::components::plugin_card::{plural, PluginList};
use crate::error::UiError;

/// Submits the form with this id as if its button were pressed; the router's
/// `<Form>` turns that into a client-side navigation. Only ever called in the browser.
pub fn submit_form(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(form) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<leptos::web_sys::HtmlFormElement>().ok())
        {
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
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
