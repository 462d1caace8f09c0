//! `/dashboard/publish`: publish a version from the browser. A plain
//! `multipart/form-data` form posting the package (the `.tar.gz` that
//! `trellis package` writes) to `/dashboard/upload`, a server route that calls
//! the same publish service as `PUT /api/v1/plugins` and the CLI; it goes on
//! to the plugin's dashboard page, or comes back here with the package's
//! problems (kept in the session for one showing).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::dashboard::{publish_page_data, PublishProblems};
use crate::pages::dashboard::{dash_failed, DashTabs};

/// The problems of the last refused upload.
#[component]
fn Problems(p: PublishProblems) -> impl IntoView {
    view! {
        <div class="banner banner-error" role="alert" data-testid="publish-problems">
            <p><strong>{p.file.map(|f| format!("{f}: ")).unwrap_or_default()}</strong>{p.detail}</p>
            {(!p.problems.is_empty()).then(|| view! {
                <ul class="problem-list">
                    {p.problems.into_iter().map(|e| view! {
                        <li data-code=e.code.clone()>
                            {(!e.field.is_empty()).then(|| view! { <code>{e.field.clone()}</code> ": " })}
                            {e.detail.clone()}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// The page.
#[component]
pub fn DashboardPublishPage() -> impl IntoView {
    let query = use_query_map();
    let data = crate::resource::new(|| (), |_| publish_page_data());
    view! {
        <Title text="Publish a version — Dashboard — Trellis"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (namespaces, problems) = match data.await {
                    Ok(d) => d,
                    Err(e) => return dash_failed(e, "This page".into()),
                };
                let ns = query.with_untracked(|q| q.get("ns")).filter(|n| namespaces.contains(n));
                view! {
                    <section class="panel dash-head">
                        <DashTabs current="/dashboard/publish"/>
                        <p class="crumbs"><a href="/dashboard">"Dashboard"</a> " / publish"</p>
                        <h1>"Publish a version"</h1>
                        <p class="muted">
                            "Upload a package: the " <code>".tar.gz"</code> " that " <code>"trellis package"</code>
                            " writes from a plugin directory. Its " <code>"plugin.toml"</code>
                            " names the plugin and the version; you must be a member of its namespace"
                            {ns.map(|n| view! { " (" <strong>{n}</strong> ")" })}
                            ". A version, once published, never changes: publish a new one to fix it, and yank the old one if needed."
                        </p>
                    </section>
                    <section class="panel" id="publish">
                        {problems.map(|p| view! { <Problems p/> })}
                        {if namespaces.is_empty() {
                            view! {
                                <p data-testid="publish-no-namespace">"You are not a member of any namespace yet. "
                                    <a href="/dashboard#create-namespace">"Create one"</a> " first."</p>
                            }.into_any()
                        } else {
                            view! {
                                <form method="post" action="/dashboard/upload" enctype="multipart/form-data"
                                    class="publish-form" data-testid="publish-form">
                                    <div class="field">
                                        <label for="f-package">"Package (.tar.gz)"</label>
                                        <input id="f-package" type="file" name="package" required
                                            accept=".tar.gz,.tgz,application/gzip,application/x-gzip" data-testid="publish-file"/>
                                        <p class="hint">"Checked like every upload: manifest, size limits, WebAssembly exports, signatures, secrets, look-alike names."</p>
                                    </div>
                                    <button type="submit" class="btn btn-primary" data-testid="publish-submit">"Publish"</button>
                                </form>
                            }.into_any()
                        }}
                        <p class="hint">"From a terminal or CI: " <code>"trellis publish <dir>"</code>
                            " with an " <a href="/account/tokens">"API token"</a> " that has the " <code>"publish"</code> " scope."</p>
                    </section>
                }.into_any()
            })}
        </Transition>
    }
}
