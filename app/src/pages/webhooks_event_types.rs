//! `/webhooks/event-types`: the event-type catalogue an endpoint can subscribe
//! to. Each type with its description, its subject, and (folded) the JSON
//! Schema of its `data` and an example. Public, like `GET /api/v1/event-types`.

use leptos::prelude::*;
use leptos_meta::Title;
use trellis_types::EventTypeOut;

use crate::api::webhooks::event_type_catalogue;
use crate::components::webhook_ui::group_types;
use crate::pages::not_found::LoadFailed;
use crate::pages::webhooks::WebhookTabs;

/// One type of the catalogue.
#[component]
fn EventTypeEntry(t: EventTypeOut) -> impl IntoView {
    let schema = format!("{:#}", t.schema);
    let example = format!("{:#}", t.example);
    view! {
        <article class="event-type-entry" id=format!("type-{}", t.kind) data-testid="event-type-entry">
            <h3><code>{t.kind.clone()}</code></h3>
            <p>{t.description.clone()}</p>
            <p class="hint">"Subject: " <code>{t.subject.clone()}</code></p>
            <details>
                <summary>"Example of " <code>"data"</code></summary>
                <pre class="payload">{example}</pre>
            </details>
            <details>
                <summary>"JSON Schema of " <code>"data"</code></summary>
                <pre class="payload">{schema}</pre>
            </details>
        </article>
    }
}

/// The catalogue page.
#[component]
pub fn WebhookEventTypesPage() -> impl IntoView {
    let types = crate::resource::new(|| (), |_| event_type_catalogue());
    view! {
        <Title text="Event types — Webhooks — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match types.await {
                    Ok(list) => {
                        let names: Vec<String> = list.iter().map(|t| t.kind.clone()).collect();
                        let groups = group_types(&names).into_iter().map(|(prefix, kinds)| {
                            let entries = kinds.iter()
                                .filter_map(|k| list.iter().find(|t| t.kind == *k).cloned())
                                .map(|t| view! { <EventTypeEntry t/> })
                                .collect_view();
                            view! {
                                <section class="panel" id=format!("group-{prefix}")>
                                    <h2><code>{format!("{prefix}.*")}</code></h2>
                                    {entries}
                                </section>
                            }
                        }).collect_view();
                        view! {
                            <section class="panel">
                                <WebhookTabs current="/webhooks/event-types"/>
                                <h1>"Event types"</h1>
                                <p class="muted">
                                    "What an endpoint can subscribe to: a type, a whole group with "
                                    <code>"prefix.*"</code> ", or every type with " <code>"*"</code>
                                    ". Each delivery's body is the event's envelope, whose "
                                    <code>"data"</code> " follows the type's schema."
                                </p>
                            </section>
                            {groups}
                        }.into_any()
                    }
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
