//! `/namespaces/{ns}`: a namespace's members and its plugins (paged by links);
//! unknown namespaces are a 404.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::{NamespaceOut, SearchQuery};

use crate::api::discovery::search_plugins;
use crate::api::plugin_pages::namespace_info;
use crate::components::results::{use_list_route, ResultPage};
use crate::components::time::date;
use crate::pages::not_found::{LoadFailed, NotFound};

/// Who runs the namespace.
#[component]
fn Members(ns: NamespaceOut) -> AnyView {
    view! {
        <p class="muted" id="namespace-members">
            {format!("Since {}. ", date(ns.created_at))}
            {(!ns.members.is_empty()).then_some("Members: ")}
            {ns.members.into_iter().enumerate().map(|(i, m)| view! {
                {(i > 0).then_some(", ")}
                <span class="member">{m.username}</span>
                <span class="muted">{format!(" ({})", m.role.as_str())}</span>
            }).collect_view()}
            {ns.require_signatures.then_some(". Every release is signed.")}
        </p>
    }
    .into_any()
}

/// The namespace page.
#[component]
pub fn NamespacePage() -> impl IntoView {
    let (name, links) = use_list_route("ns");
    let info = crate::resource::new(move || name.get(), namespace_info);
    let results = crate::resource::new(
        move || (name.get(), links.get()),
        |(ns, links)| {
            search_plugins(SearchQuery {
                namespace: vec![ns],
                ..links
            })
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let name = name.get();
                let ns = match info.await {
                    Ok(ns) => ns,
                    Err(e) if e.code == "not_found" => {
                        return view! { <NotFound what=format!("The namespace “{name}”")/> }.into_any();
                    }
                    Err(error) => return view! { <LoadFailed error/> }.into_any(),
                };
                let r = results.await;
                let path = format!("/namespaces/{name}");
                view! {
                    <Title text=format!("{name} — Namespaces — Trellis")/>
                    <header class="page-head">
                        <p class="crumbs">"Namespace"</p>
                        <h1 id="namespace-name">{name.clone()}</h1>
                        <Members ns/>
                    </header>
                    <ResultPage results=r links=links.get() path empty="This namespace has not published a plugin yet."/>
                }.into_any()
            })}
        </Transition>
    }
}
