//! `/api`: the REST API reference, rendered on the server from the OpenAPI
//! document the API serves (`/api/v1/openapi.json`). Plain HTML: no script,
//! no external asset, so it works offline and without JavaScript.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::reference::{load_api_reference, ApiGroup, OperationView, ParamView, SchemaView};

/// Text with `backticked` spans shown as code (the document's descriptions use them).
fn rich(text: String) -> impl IntoView {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            let part = part.to_owned();
            if i % 2 == 1 {
                view! { <code>{part}</code> }.into_any()
            } else {
                part.into_any()
            }
        })
        .collect_view()
}

fn anchor(id: &str) -> String {
    format!("op-{}", id.replace('.', "-"))
}

#[component]
fn Params(params: Vec<ParamView>, heading: &'static str) -> impl IntoView {
    (!params.is_empty()).then(|| {
        view! {
            <table class="table api-params">
                <thead><tr><th>{heading}</th><th>"In"</th><th>"Type"</th><th>"Description"</th></tr></thead>
                <tbody>
                    {params.into_iter().map(|p| view! {
                        <tr>
                            <td><code>{p.name}</code>{p.required.then(|| view! { <span class="api-required">" required"</span> })}</td>
                            <td>{p.location}</td>
                            <td><code>{p.kind}</code></td>
                            <td>{rich(p.description)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
    })
}

#[component]
fn Operation(op: OperationView) -> impl IntoView {
    let method_class = format!("api-method api-method-{}", op.method.to_lowercase());
    view! {
        <article class="api-op" id=anchor(&op.id)>
            <h3>
                <span class=method_class>{op.method.clone()}</span>
                " "<code class="api-path">{op.path.clone()}</code>
            </h3>
            <p class="api-summary">{rich(op.summary.clone())}</p>
            {(!op.description.is_empty()).then(|| view! { <p class="muted">{rich(op.description.clone())}</p> })}
            <dl class="facts api-facts">
                <dt>"Operation id"</dt><dd><code>{op.id.clone()}</code></dd>
                <dt>"Access"</dt><dd>{op.access.clone()}</dd>
                {op.body.clone().map(|b| view! { <dt>"Request body"</dt><dd><code>{b}</code></dd> })}
            </dl>
            <Params params=op.params.clone() heading="Parameter"/>
            <table class="table api-responses">
                <thead><tr><th>"Status"</th><th>"Description"</th><th>"Body"</th></tr></thead>
                <tbody>
                    {op.responses.into_iter().map(|r| view! {
                        <tr>
                            <td><code>{r.status}</code></td>
                            <td>{rich(r.description)}</td>
                            <td>{r.body.map(|b| view! { <code>{b}</code> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </article>
    }
}

#[component]
fn Group(group: ApiGroup) -> impl IntoView {
    view! {
        <section class="panel api-group" id=format!("tag-{}", group.tag)>
            <h2>{group.tag.clone()}</h2>
            <p class="muted">{group.description.clone()}</p>
            {group.operations.into_iter().map(|op| view! { <Operation op/> }).collect_view()}
        </section>
    }
}

#[component]
fn Schema(schema: SchemaView) -> impl IntoView {
    view! {
        <article class="api-op" id=format!("schema-{}", schema.name)>
            <h3><code>{schema.name.clone()}</code></h3>
            {(!schema.description.is_empty()).then(|| view! { <p class="muted">{rich(schema.description.clone())}</p> })}
            <Params params=schema.fields.clone() heading="Field"/>
        </article>
    }
}

/// The API reference.
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = crate::resource::new_blocking(|| (), |_| load_api_reference());
    view! {
        <Title text="API reference — Trellis"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match reference.await {
                    Ok(r) => view! {
                        <section class="panel">
                            <h1>{r.title.clone()} " " <span class="tag">"v" {r.version.clone()}</span></h1>
                            <p>{rich(r.description.clone())}</p>
                            <p class="muted">
                                "The machine-readable document: "
                                <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>
                                " (OpenAPI 3.1)."
                            </p>
                            <nav class="api-toc" aria-label="Operations">
                                {r.groups.iter().map(|g| view! {
                                    <div>
                                        <h2 class="api-toc-tag"><a href=format!("#tag-{}", g.tag)>{g.tag.clone()}</a></h2>
                                        <ul>
                                            {g.operations.iter().map(|op| view! {
                                                <li><a href=format!("#{}", anchor(&op.id))><code>{op.method.clone()} " " {op.path.clone()}</code></a></li>
                                            }).collect_view()}
                                        </ul>
                                    </div>
                                }).collect_view()}
                            </nav>
                        </section>
                        {r.groups.into_iter().map(|group| view! { <Group group/> }).collect_view()}
                        <section class="panel api-group" id="schemas">
                            <h2>"Schemas"</h2>
                            {r.schemas.into_iter().map(|schema| view! { <Schema schema/> }).collect_view()}
                        </section>
                    }.into_any(),
                    Err(e) => view! {
                        <section class="panel"><h1>"API reference"</h1><p class="banner banner-error">{e.to_string()}</p></section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}
