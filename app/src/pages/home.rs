//! `/`: the search box, then what this registry holds: popular plugins,
//! trending ones (recent downloads), recently updated, new, and the categories.
//! A list with nothing to show is left out (popular and trending list only
//! plugins that were downloaded, so demo content alone shows neither), and a
//! note says where demo content comes from when the lists hold some.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::{CategoryCount, HomeLists, SearchHit, SearchSort};

use crate::api::discovery::load_home;
use crate::components::plugin_card::{exact, plural, PluginList};
use crate::components::search_box::SearchBox;
use crate::pages::not_found::LoadFailed;

/// One list of plugins with a link to the whole list in search.
#[component]
fn Shelf(
    id: &'static str,
    title: &'static str,
    blurb: &'static str,
    sort: SearchSort,
    hits: Vec<SearchHit>,
) -> impl IntoView {
    (!hits.is_empty()).then(|| {
        let heading = format!("{id}-title");
        let labelled_by = heading.clone();
        view! {
            <section class="shelf" id=id aria-labelledby=labelled_by>
                <div class="shelf-head">
                    <h2 id=heading>{title}</h2>
                    <a href=format!("/search?sort={}", sort.as_str())>"See all"</a>
                </div>
                <p class="muted shelf-blurb">{blurb}</p>
                <PluginList hits/>
            </section>
        }
    })
}

/// The category grid.
#[component]
fn Categories(categories: Vec<CategoryCount>) -> AnyView {
    view! {
        <section class="shelf" id="categories" aria-labelledby="categories-title">
            <div class="shelf-head"><h2 id="categories-title">"Categories"</h2></div>
            <ul class="category-grid">
                {categories.into_iter().map(|c| view! {
                    <li>
                        <a class="category-tile" href=format!("/categories/{}", c.slug)>
                            <span class="category-name">{c.name}</span>
                            {c.count.map(|n| view! {
                                <span class="category-count">{plural(n, "plugin", "plugins")}</span>
                            })}
                        </a>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// What demo content is, when the lists hold some.
#[component]
fn DemoNote(source: String) -> AnyView {
    view! {
        <section class="banner banner-info" id="demo-note" aria-label="About the demo content">
            <p>
                "Plugins marked “Demo listing” were imported from the public catalogue "
                <strong>{source}</strong>
                " so there is something to browse. They are listings, not packages: each page links to the "
                "plugin's repository, and nothing of them is downloaded from here."
            </p>
        </section>
    }
    .into_any()
}

/// Everything below the search box.
#[component]
fn Shelves(d: HomeLists) -> AnyView {
    let empty = d.total == Some(0);
    view! {
        {d.demo_source.map(|source| view! { <DemoNote source/> })}
        {empty.then(|| view! {
            <section class="panel" id="registry-empty">
                <h2>"Nothing has been published here yet"</h2>
                <p>"Publishers sign in, create an API token with the publish scope, then run "
                    <code>"trellis login"</code> " and " <code>"trellis publish"</code>
                    " in their plugin's folder. The "<a href="/docs/api">"API reference"</a>
                    " describes the same steps over HTTP."</p>
            </section>
        })}
        <Shelf id="popular" title="Popular" blurb="Most downloaded of all time."
            sort=SearchSort::Downloads hits=d.popular/>
        <Shelf id="trending" title="Trending" blurb="Most downloaded in the last 30 days."
            sort=SearchSort::RecentDownloads hits=d.trending/>
        <Shelf id="updated" title="Recently updated" blurb="New versions, newest first."
            sort=SearchSort::Updated hits=d.updated/>
        <Shelf id="new" title="New" blurb="Added to this registry most recently."
            sort=SearchSort::Newest hits=d.newest/>
        <Categories categories=d.categories/>
    }
    .into_any()
}

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let data = crate::resource::new(|| (), |_| load_home());
    view! {
        <Title text="Trellis — plugins for the open extension platform"/>
        <section class="hero">
            <h1>"Find a plugin"</h1>
            <p class="lead">
                "Agents, integrations and tools published to this Trellis registry, each with its README, "
                "versions, the permissions it asks for and its download history."
            </p>
            <form method="get" action="/search" class="search-form hero-search" role="search">
                <SearchBox value="" id="home-search"/>
                <button type="submit" class="btn btn-primary">"Search"</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    data.await.ok().and_then(|d| d.total).filter(|n| *n > 0).map(|n| view! {
                        <p class="hint hero-count">
                            <a href="/search">{format!("Browse all {} {}", exact(n), if n == 1 { "plugin" } else { "plugins" })}</a>
                        </p>
                    })
                })}
            </Transition>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Shelves d/> }.into_any(),
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
