//! `/search?q=&category=&kind=&keyword=&namespace=&license=&api=&sort=&page=`:
//! search results with facet counts, sort, highlighted matches, "did you mean",
//! page links and an empty state that helps.
//!
//! Everything is in one GET form, so the page works without JavaScript (the
//! "Apply" button submits facets and sort). On narrow screens the refinements
//! fold away behind a CSS-only switch, so the results come first. The form is
//! an island ([`SearchApp`]): in the browser typing searches after a pause and
//! every facet or sort change at once, in place, with the URL kept to the
//! search shown (`live`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use trellis_types::{CategoryOut, SearchQuery, SearchResults};

use crate::api::discovery::{list_categories, search_plugins};
use crate::components::facets::{ActiveFilters, Facets, SortSelect};
use crate::components::pagination::Pagination;
use crate::components::plugin_card::{plural, PluginList};
use crate::components::query::{from_params, has_filters, search_href, with_text};
use crate::components::results::search_failure;
use crate::components::search_box::Combobox;
use crate::error::UiError;

mod live;

const FORM_ID: &str = "search-form";

/// What the results heading says.
fn heading(r: &SearchResults, q: &SearchQuery) -> String {
    let n = plural(r.total, "plugin", "plugins");
    match (q.q.is_empty(), has_filters(q)) {
        (true, false) => format!("All plugins: {n}"),
        (true, true) => format!("{n} match these filters"),
        (false, _) => format!("{n} for “{}”", q.q),
    }
}

/// No result: what to try instead.
#[component]
fn EmptyState(query: SearchQuery, categories: Vec<CategoryOut>) -> AnyView {
    let title = if query.q.is_empty() {
        "No plugin matches these filters".to_owned()
    } else {
        format!("No plugin matches “{}”", query.q)
    };
    let filtered = has_filters(&query);
    let unfiltered = SearchQuery {
        category: vec![],
        kind: vec![],
        keyword: vec![],
        namespace: vec![],
        license: vec![],
        api: None,
        page: 1,
        ..query.clone()
    };
    view! {
        <div class="empty-state" id="no-results">
            <h2>{title}</h2>
            <ul class="tips">
                {(!query.q.is_empty()).then(|| view! {
                    <li>"Check the spelling, or try a shorter or more general word (“calendar” rather than “calendar sync for teams”)."</li>
                })}
                {filtered.then(|| view! {
                    <li><a href=search_href(&unfiltered) id="remove-filters">"Search again without the filters"</a></li>
                })}
                {(!query.q.is_empty()).then(|| view! {
                    <li><a href="/search">"See every plugin"</a></li>
                })}
            </ul>
            {(!categories.is_empty()).then(|| view! {
                <h3>"Or browse a category"</h3>
                <ul class="category-links">
                    {categories.into_iter().map(|c| view! {
                        <li><a href=format!("/categories/{}", c.slug)>{c.name}</a></li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
    .into_any()
}

/// The results column for loaded results.
#[component]
fn Results(r: SearchResults, query: SearchQuery, categories: Vec<CategoryOut>) -> AnyView {
    let did_you_mean = r.did_you_mean.clone().map(|s| {
        let href = search_href(&with_text(&query, &s));
        view! {
            <p class="did-you-mean" id="did-you-mean">
                "Did you mean " <a href=href>{s}</a> "?"
            </p>
        }
    });
    let title = heading(&r, &query);
    let total = r.total;
    view! {
        <section class="results" aria-labelledby="results-title">
            <h2 id="results-title" class="result-count" aria-live="polite">{title}</h2>
            <ActiveFilters query=query.clone()/>
            {did_you_mean}
            {if r.hits.is_empty() {
                view! { <EmptyState query=query.clone() categories/> }.into_any()
            } else {
                view! {
                    <PluginList hits=r.hits id="results"/>
                    <Pagination query=SearchQuery { page: r.page, ..query } total path="/search"/>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The sort, the facets and the results of one search, or why there are none.
#[component]
fn SearchBody(
    query: SearchQuery,
    results: Result<SearchResults, UiError>,
    categories: Vec<CategoryOut>,
    changed: Callback<()>,
) -> AnyView {
    match results {
        Ok(r) => {
            let facets = r.facets.clone();
            let sort = r.sort;
            view! {
                <div class="search-body">
                    <aside class="refine" aria-labelledby="refine-title">
                        <h2 id="refine-title" class="refine-title">"Refine"</h2>
                        // On narrow screens the refinements fold behind this
                        // switch (CSS only, so also without JavaScript); it has
                        // no name, so the form never sends it.
                        <input type="checkbox" id="refine-open" class="refine-switch"/>
                        <label for="refine-open" class="btn refine-toggle">"Show sort and filters"</label>
                        <div class="refine-body">
                            <SortSelect sort on_change=changed/>
                            <Facets facets on_change=changed/>
                            <button type="submit" class="btn wide" id="apply-filters">"Apply"</button>
                        </div>
                    </aside>
                    <Results r query categories/>
                </div>
            }
            .into_any()
        }
        Err(e) => {
            let class = if e.code == "unavailable" {
                "banner banner-info"
            } else {
                "banner banner-error"
            };
            view! { <div class=class role="alert" id="search-error">{search_failure(&e)}</div> }
                .into_any()
        }
    }
}

/// The search page: the search its URL asks for, answered on the server and
/// handed to [`SearchApp`].
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map().with_untracked(from_params);
    let title = page_title(&query.q);
    view! {
        <Title text=title/>
        <Suspense fallback=|| view! { <p class="muted">"Searching…"</p> }>
            {Suspend::new(async move {
                let categories = list_categories().await.unwrap_or_default();
                let results = search_plugins(query.clone()).await;
                view! { <SearchApp query results categories/> }
            })}
        </Suspense>
    }
}

/// The search form with its results, an island: in the browser every change
/// (typing, after a pause; a facet; the sort; a link to another search or
/// page of this one) asks the server for the results and shows them in place,
/// and the address bar follows, so it is always the link to what is shown.
/// Without JavaScript the same form submits and the links load pages.
#[island]
fn SearchApp(
    query: SearchQuery,
    results: Result<SearchResults, UiError>,
    categories: Vec<CategoryOut>,
) -> impl IntoView {
    let initial = query.q.clone();
    let shown = RwSignal::new((query, results));
    let categories = StoredValue::new(categories);
    let live = live::Search::new(FORM_ID, "search-input", move |q, r| shown.set((q, r)));
    let changed = Callback::new(move |()| live.search_form());
    let typed = Callback::new(move |_: String| live.search_form());
    view! {
        <form method="get" action="/search" id=FORM_ID class="search-page" role="search"
            on:submit=move |ev| live.on_submit(ev) on:click=move |ev| live.on_click(ev)>
            <h1 class="visually-hidden">"Search plugins"</h1>
            <div class="search-row">
                <Combobox value=initial id="search-input" label="Search plugins" on_typed=typed/>
                <button type="submit" class="btn btn-primary">"Search"</button>
            </div>
            {move || {
                let (query, results) = shown.get();
                view! { <SearchBody query results categories=categories.get_value() changed/> }
            }}
        </form>
    }
}

/// The document title for a search for `q`.
fn page_title(q: &str) -> String {
    if q.is_empty() {
        "Search plugins — Trellis".to_owned()
    } else {
        format!("{q} — Search — Trellis")
    }
}
