//! `/plugins/{id}`: one plugin. Its README (sanitised HTML), a deprecation
//! notice with its replacement, the 90-day download chart, every version with
//! dates and yanked marks, and beside them the side column
//! (`components::plugin_side`): how to get it, its facts, permissions and
//! dependencies, with the install panel (`components::runtime_install_panel`).
//!
//! A listing (demo content imported without a package) has nothing to download:
//! it shows where it was imported from and its repository, and leaves out the
//! chart, permissions and dependencies, which only a package could tell.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use trellis_types::{CategoryOut, DeprecationOut, VersionOut};

use crate::api::plugin_pages::{plugin_page, PluginPageData};
use crate::components::chart::DownloadChart;
use crate::components::plugin_card::{count, DemoMark};
use crate::components::plugin_side::{
    is_listing, offered, size, Dependencies, Facts, GetIt, Permissions,
};
use crate::components::query::enc;
use crate::components::time::date;
use crate::pages::not_found::{LoadFailed, NotFound};

/// Why the plugin should not be used, and what to use instead.
#[component]
fn Deprecation(d: DeprecationOut) -> AnyView {
    view! {
        <div class="banner banner-warn" role="note" id="deprecation">
            <strong>"Deprecated. "</strong>
            {d.reason}
            {d.replacement.map(|r| view! {
                " Use " <a href=format!("/plugins/{r}") id="replacement">{r.clone()}</a> " instead."
            })}
        </div>
    }
    .into_any()
}

/// Every version, highest first. Imported versions have no package: no link,
/// no size, no API range.
#[component]
fn Versions(versions: Vec<VersionOut>) -> AnyView {
    if versions.is_empty() {
        return view! {
            <section class="panel" id="versions" aria-labelledby="versions-title">
                <h2 id="versions-title">"Versions"</h2>
                <p class="muted">"The catalogue this listing was imported from names no version."</p>
            </section>
        }
        .into_any();
    }
    let dash = |imported: bool, text: String| if imported { "—".to_owned() } else { text };
    view! {
        <section class="panel" id="versions" aria-labelledby="versions-title">
            <h2 id="versions-title">"Versions"</h2>
            <div class="table-wrap">
                <table class="table versions-table" id="version-table">
                    <thead><tr>
                        <th scope="col">"Version"</th><th scope="col">"Published"</th>
                        <th scope="col">"Plugin API"</th><th scope="col">"Downloads"</th>
                        <th scope="col">"Size"</th>
                    </tr></thead>
                    <tbody>
                        {versions.into_iter().map(|v| view! {
                            <tr class="version-row" class:yanked=v.yanked data-version=v.version.clone()>
                                <th scope="row">
                                    {if v.yanked || v.imported {
                                        view! { <span class="version">{v.version.clone()}</span> }.into_any()
                                    } else {
                                        view! { <a class="version" href=v.download_url.clone()
                                            aria-label=format!("Download {}", v.version)>{v.version.clone()}</a> }.into_any()
                                    }}
                                    {v.yanked.then(|| view! { <span class="tag tag-warn">"yanked"</span> })}
                                    {v.prerelease.then(|| view! { <span class="tag tag-muted">"pre-release"</span> })}
                                    {v.imported.then(|| view! {
                                        <span class="tag tag-muted" title="Imported from a catalogue: no package">"listed only"</span>
                                    })}
                                </th>
                                <td class="nowrap" data-label="Published"><time datetime=date(v.published_at)>{date(v.published_at)}</time></td>
                                <td data-label="Plugin API">{dash(v.imported, v.api.clone())}</td>
                                <td data-label="Downloads">{count(v.downloads.max(0) as u64)}</td>
                                <td class="nowrap" data-label="Size">{dash(v.imported, size(v.size))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// The whole page for loaded data.
#[component]
fn PluginView(
    d: PluginPageData,
    moderation: crate::components::report_plugin::ModerationState,
    reviews: crate::components::reviews::ReviewsState,
    install: crate::components::runtime_install_panel::InstallState,
) -> AnyView {
    let p = d.plugin;
    let latest = offered(&p, &d.versions).cloned();
    let listing = is_listing(&d.versions);
    let deps: Vec<(String, String)> = latest
        .as_ref()
        .map(|v| v.dependencies.clone().into_iter().collect())
        .unwrap_or_default();
    let perms = latest
        .as_ref()
        .map(|v| v.permissions.clone())
        .unwrap_or_default();
    let readme = p.readme_html.clone().filter(|r| !r.trim().is_empty());
    let cats: Vec<CategoryOut> = d.categories;
    view! {
        <Title text=format!("{} — Trellis", p.display_name)/>
        <header class="plugin-head">
            <p class="crumbs">
                <a href=format!("/namespaces/{}", p.namespace)>{p.namespace.clone()}</a>
                " / " {p.name.clone()}
            </p>
            <h1 id="plugin-name">{p.display_name.clone()}</h1>
            <p class="lead">{p.description.clone()}</p>
            <p class="tags">
                <span class="tag">{p.kind.clone()}</span>
                {p.latest_version.clone().map(|v| view! { <span class="tag tag-muted">"v" {v}</span> })}
                {d.demo_source.map(|s| view! { <DemoMark source=s/> })}
                {cats.into_iter().map(|c| view! {
                    <a class="tag tag-link" href=format!("/categories/{}", c.slug)>{c.name}</a>
                }).collect_view()}
                {p.keywords.iter().map(|k| view! {
                    <a class="tag tag-muted tag-link" href=format!("/search?keyword={}", enc(k))>"#" {k.clone()}</a>
                }).collect_view()}
            </p>
        </header>
        {p.deprecated.clone().map(|d| view! { <Deprecation d/> })}
        <crate::components::report_plugin::PluginModeration state=moderation/>
        <div class="plugin-layout">
            <div class="plugin-main">
                <section class="panel" id="readme" aria-labelledby="readme-title">
                    <h2 id="readme-title" class="section-kicker">"README"</h2>
                    {match (readme, listing.then(|| p.repository.clone()).flatten()) {
                        (Some(html), _) => view! { <article class="readme" inner_html=html></article> }.into_any(),
                        (None, Some(repo)) => view! {
                            <p class="muted">"No README was imported with this listing. Its repository may have one: "
                                <a href=repo.clone() rel="nofollow noopener" class="break">{repo.clone()}</a></p>
                        }.into_any(),
                        (None, None) => view! { <p class="muted">"This plugin has no README."</p> }.into_any(),
                    }}
                </section>
                {(!listing).then(|| view! {
                    <section class="panel" id="downloads" aria-labelledby="downloads-title">
                        <h2 id="downloads-title">"Downloads"</h2>
                        <DownloadChart days=d.chart/>
                        <p class="stats-link">
                            {format!("{} unique installs in the last 90 days (each installer counted once a day). ", d.recent_unique_installs)}
                            <a href=format!("/plugins/{}/stats", p.id) id="stats-link">"Statistics: every version, a year, all time"</a>
                        </p>
                    </section>
                })}
                <Versions versions=d.versions/>
                <crate::components::reviews::ReviewsSection state=reviews/>
            </div>
            <aside class="plugin-side" aria-label="Getting and judging this plugin">
                {latest.is_some().then(|| view! { <crate::components::runtime_install_panel::InstallPanel plugin=p.id.clone() state=install/> })}
                <GetIt p=p.clone() version=latest.clone() listing/>
                <Facts p=p.clone() version=latest listing/>
                {(!listing).then(|| view! {
                    <Permissions perms/>
                    <Dependencies deps/>
                })}
            </aside>
        </div>
    }
    .into_any()
}

/// The plugin page.
#[component]
pub fn PluginPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let data = crate::resource::new(id, plugin_page);
    // The sections' own resources, created here rather than inside the Suspend
    // below (see `ReviewsState`).
    let moderation = crate::components::report_plugin::ModerationState::new(id);
    let reviews = crate::components::reviews::ReviewsState::new(id);
    let install = crate::components::runtime_install_panel::InstallState::new(id);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <PluginView d moderation reviews install/> }.into_any(),
                    Err(e) if e.code == "not_found" => {
                        view! { <NotFound what=format!("The plugin {}", id())/> }.into_any()
                    }
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                }
            })}
        </Transition>
    }
}
