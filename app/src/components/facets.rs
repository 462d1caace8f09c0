//! The search page's refinements: one checkbox list per facet with counts, the
//! sort select and the active filters as removable chips. They are fields of
//! the page's GET form, so without JavaScript "Apply" submits them; in the
//! search page's island each change searches at once (`on_change`).

use leptos::prelude::*;
use trellis_types::{Facet, SearchQuery, SearchSort};

use crate::components::plugin_card::{count, license_label, plural};
use crate::components::query::{filters, search_href, without_filter};

/// The heading of a facet.
pub fn facet_title(name: &str) -> &'static str {
    match name {
        "category" => "Category",
        "kind" => "Kind",
        "keyword" => "Keyword",
        "namespace" => "Namespace",
        "license" => "License",
        "api" => "Plugin API",
        _ => "Other",
    }
}

/// Values shown per facet before the rest fold away.
const SHOWN: usize = 8;

/// One facet as a fieldset of checkboxes (`api`, which takes one value, as radio buttons).
#[component]
fn FacetGroup(facet: Facet, on_change: Callback<()>) -> impl IntoView {
    let kind = if facet.name == "api" {
        "radio"
    } else {
        "checkbox"
    };
    let name = facet.name.clone();
    let row = move |i: usize, v: trellis_types::FacetValue| {
        let id = format!("facet-{name}-{i}");
        let label = if name == "license" {
            license_label(&v.label).to_owned()
        } else {
            v.label
        };
        view! {
            <li>
                <input type=kind id=id.clone() name=name.clone() value=v.value.clone()
                    checked=v.selected on:change=move |_| on_change.run(())/>
                <label for=id>
                    <span class="facet-label">{label}</span>
                    <span class="facet-count" aria-label=plural(v.count, "plugin", "plugins")>{count(v.count)}</span>
                </label>
            </li>
        }
    };
    let mut values = facet.values.into_iter().enumerate();
    let first: Vec<_> = values
        .by_ref()
        .take(SHOWN)
        .map(|(i, v)| row.clone()(i, v))
        .collect();
    let rest: Vec<_> = values.map(|(i, v)| row.clone()(i, v)).collect();
    view! {
        <fieldset class="facet" data-facet=facet.name.clone()>
            <legend>{facet_title(&facet.name)}</legend>
            <ul class="facet-values">{first}</ul>
            {(!rest.is_empty()).then(|| view! {
                <details class="facet-more">
                    <summary>{format!("{} more", rest.len())}</summary>
                    <ul class="facet-values">{rest}</ul>
                </details>
            })}
        </fieldset>
    }
}

/// Every facet that has values, in the contract's order.
#[component]
pub fn Facets(facets: Vec<Facet>, on_change: Callback<()>) -> impl IntoView {
    facets
        .into_iter()
        .filter(|f| !f.values.is_empty())
        .map(|facet| view! { <FacetGroup facet on_change/> })
        .collect_view()
}

/// The sort select.
#[component]
pub fn SortSelect(sort: SearchSort, on_change: Callback<()>) -> impl IntoView {
    view! {
        <div class="sort">
            <label for="sort">"Sort by"</label>
            <select id="sort" name="sort" on:change=move |_| on_change.run(())>
                {SearchSort::ALL.into_iter().map(|s| view! {
                    <option value=s.as_str() selected=s == sort>{s.label()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The filters in force, each a link that removes it, and one that removes them all.
#[component]
pub fn ActiveFilters(query: SearchQuery) -> impl IntoView {
    let mut chips: Vec<(String, String)> = Vec::new();
    for (facet, values) in filters(&query) {
        for v in values {
            chips.push((
                format!("{}: {v}", facet_title(facet)),
                search_href(&without_filter(&query, facet, Some(v))),
            ));
        }
    }
    if let Some(api) = &query.api {
        chips.push((
            format!("Plugin API: {api}"),
            search_href(&without_filter(&query, "api", None)),
        ));
    }
    if chips.is_empty() {
        return None;
    }
    let mut none = query.clone();
    for (facet, _) in filters(&query) {
        none = without_filter(&none, facet, None);
    }
    none.api = None;
    Some(view! {
        <ul class="chips" aria-label="Filters in use">
            {chips.into_iter().map(|(text, href)| {
                let label = format!("Remove filter {text}");
                view! {
                    <li><a class="chip" href=href aria-label=label>{text} <span aria-hidden="true">" ×"</span></a></li>
                }
            }).collect_view()}
            <li><a class="chip chip-clear" href=search_href(&none)>"Clear all filters"</a></li>
        </ul>
    })
}
