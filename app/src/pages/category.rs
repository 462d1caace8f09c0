//! `/categories/{slug}`: the plugins of one category, most popular first (or
//! as the sort says), paged by links; unknown categories are a 404.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::SearchQuery;

use crate::api::discovery::{list_categories, search_plugins};
use crate::components::query::{blank, search_href};
use crate::components::results::{use_list_route, ResultPage, SortForm};
use crate::pages::not_found::{LoadFailed, NotFound};

/// The category page.
#[component]
pub fn CategoryPage() -> impl IntoView {
    let (slug, links) = use_list_route("slug");
    let categories = crate::resource::new(|| (), |_| list_categories());
    let results = crate::resource::new(
        move || (slug.get(), links.get()),
        |(slug, links)| {
            search_plugins(SearchQuery {
                category: vec![slug],
                ..links
            })
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let slug = slug.get();
                let links = links.get();
                let cats = match categories.await {
                    Ok(c) => c,
                    Err(error) => return view! { <LoadFailed error/> }.into_any(),
                };
                let Some(cat) = cats.into_iter().find(|c| c.slug == slug) else {
                    return view! { <NotFound what=format!("The category “{slug}”")/> }.into_any();
                };
                let path = format!("/categories/{slug}");
                let refine = search_href(&SearchQuery { category: vec![slug.clone()], ..blank() });
                let r = results.await;
                view! {
                    <Title text=format!("{} — Categories — Trellis", cat.name)/>
                    <header class="page-head">
                        <p class="crumbs"><a href="/#categories">"Categories"</a> " / " {cat.name.clone()}</p>
                        <h1 id="category-name">{cat.name.clone()}</h1>
                        <div class="page-tools">
                            <SortForm action=path.clone() sort=links.sort/>
                            <a href=refine>"Search and filter within this category"</a>
                        </div>
                    </header>
                    <ResultPage results=r links path empty="No plugin is in this category yet."/>
                }.into_any()
            })}
        </Transition>
    }
}
