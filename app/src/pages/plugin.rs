//! `/plugins/{id}`: one plugin. Its README (sanitised HTML), a deprecation
//! notice with its replacement, the 90-day download chart, every version with
//! dates and yanked marks, and beside them how to get it today (the latest
//! version's download and checksum), its facts (license, compatibility,
//! repository), the permissions it asks for and its dependencies.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use trellis_types::{CategoryOut, DeprecationOut, PermissionsOut, PluginOut, VersionOut};

use crate::api::plugin_pages::{plugin_page, PluginPageData};
use crate::components::chart::DownloadChart;
use crate::components::plugin_card::{count, DemoMark};
use crate::components::query::enc;
use crate::components::time::date;
use crate::pages::not_found::{LoadFailed, NotFound};

/// A size in bytes for people: `812 B`, `12.4 KB`, `3.1 MB`.
pub fn size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The version offered for download: the latest, else the newest one not yanked.
fn offered<'a>(p: &PluginOut, versions: &'a [VersionOut]) -> Option<&'a VersionOut> {
    versions
        .iter()
        .find(|v| Some(&v.version) == p.latest_version.as_ref())
        .or_else(|| versions.iter().find(|v| !v.yanked))
}

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

/// How to get the plugin today: its download, checksum and the API that lists versions.
#[component]
fn GetIt(id: String, version: Option<VersionOut>) -> AnyView {
    view! {
        <section class="panel side-panel" id="get-plugin" aria-labelledby="get-title">
            <h2 id="get-title">"Get it"</h2>
            {match version {
                Some(v) => view! {
                    <a class="btn btn-primary wide" href=v.download_url.clone() id="download-latest">
                        {format!("Download {} ({})", v.version, size(v.size))}
                    </a>
                    <p class="hint">"A .tar.gz package. Its SHA-256:"</p>
                    <code class="hash">{v.sha256.clone()}</code>
                    <p class="hint">"From a script:"</p>
                    <pre class="snippet"><code>{format!("curl -fLO {}", v.download_url)}</code></pre>
                    <p class="hint">
                        "Every version: " <code>{format!("GET /api/v1/plugins/{id}/versions")}</code>
                        " (" <a href="/docs/api">"API reference"</a> ")."
                    </p>
                }.into_any(),
                None => view! {
                    <p class="muted">"Every version of this plugin has been yanked: nothing is offered for download."</p>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// License, compatibility, links and statistics.
#[component]
fn Facts(p: PluginOut, version: Option<VersionOut>) -> AnyView {
    let link = |url: Option<String>| {
        url.map(|u| {
            view! { <a href=u.clone() rel="nofollow noopener" class="break">{u.clone()}</a> }
                .into_any()
        })
        .unwrap_or_else(|| "—".into_any())
    };
    view! {
        <section class="panel side-panel" aria-labelledby="facts-title">
            <h2 id="facts-title">"About"</h2>
            <dl class="facts facts-side" id="plugin-facts">
                <dt>"Latest version"</dt><dd>{p.latest_version.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"License"</dt><dd>{p.license.clone()}</dd>
                <dt>"Works with"</dt>
                <dd>{version.map(|v| format!("plugin API {}", v.api)).unwrap_or_else(|| "—".into())}</dd>
                <dt>"Repository"</dt><dd>{link(p.repository.clone())}</dd>
                <dt>"Homepage"</dt><dd>{link(p.homepage.clone())}</dd>
                <dt>"Downloads"</dt><dd title=p.downloads.to_string()>{count(p.downloads.max(0) as u64)}</dd>
                <dt>"Installs"</dt><dd title="Distinct signed-in users who downloaded it">{count(p.installs.max(0) as u64)}</dd>
                <dt>"Namespace"</dt><dd><a href=format!("/namespaces/{}", p.namespace)>{p.namespace.clone()}</a></dd>
                <dt>"First published"</dt><dd>{date(p.created_at)}</dd>
                <dt>"Updated"</dt><dd>{date(p.updated_at)}</dd>
            </dl>
        </section>
    }
    .into_any()
}

/// What the plugin may do when it runs.
#[component]
fn Permissions(perms: PermissionsOut) -> AnyView {
    let none =
        perms.network.is_empty() && perms.host_functions.is_empty() && perms.secrets.is_empty();
    let group = |title: &'static str, items: Vec<String>| {
        (!items.is_empty()).then(|| view! {
            <h3>{title}</h3>
            <ul class="plain-list">{items.into_iter().map(|i| view! { <li><code>{i}</code></li> }).collect_view()}</ul>
        })
    };
    view! {
        <section class="panel side-panel" id="permissions" aria-labelledby="perm-title">
            <h2 id="perm-title">"Permissions"</h2>
            {if none {
                view! { <p class="muted">"Asks for nothing: no network access, no host functions, no secrets."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"What the latest version may use when it runs:"</p>
                    {group("Network access to", perms.network)}
                    {group("Host functions", perms.host_functions)}
                    {group("Secrets", perms.secrets)}
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The plugins the latest version needs.
#[component]
fn Dependencies(deps: Vec<(String, String)>) -> AnyView {
    view! {
        <section class="panel side-panel" id="dependencies" aria-labelledby="deps-title">
            <h2 id="deps-title">"Dependencies"</h2>
            {if deps.is_empty() {
                view! { <p class="muted">"None."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain-list">
                        {deps.into_iter().map(|(id, req)| view! {
                            <li><a href=format!("/plugins/{id}")>{id.clone()}</a> " " <code>{req}</code></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// Every version, highest first.
#[component]
fn Versions(versions: Vec<VersionOut>) -> AnyView {
    view! {
        <section class="panel" id="versions" aria-labelledby="versions-title">
            <h2 id="versions-title">"Versions"</h2>
            <div class="table-wrap">
                <table class="table" id="version-table">
                    <thead><tr>
                        <th scope="col">"Version"</th><th scope="col">"Published"</th>
                        <th scope="col">"Plugin API"</th><th scope="col">"Downloads"</th>
                        <th scope="col">"Size"</th>
                    </tr></thead>
                    <tbody>
                        {versions.into_iter().map(|v| view! {
                            <tr class="version-row" class:yanked=v.yanked data-version=v.version.clone()>
                                <th scope="row">
                                    {if v.yanked {
                                        view! { <span class="version">{v.version.clone()}</span> }.into_any()
                                    } else {
                                        view! { <a class="version" href=v.download_url.clone()
                                            aria-label=format!("Download {}", v.version)>{v.version.clone()}</a> }.into_any()
                                    }}
                                    {v.yanked.then(|| view! { <span class="tag tag-warn">"yanked"</span> })}
                                    {v.prerelease.then(|| view! { <span class="tag tag-muted">"pre-release"</span> })}
                                </th>
                                <td class="nowrap"><time datetime=date(v.published_at)>{date(v.published_at)}</time></td>
                                <td><code>{v.api.clone()}</code></td>
                                <td>{count(v.downloads.max(0) as u64)}</td>
                                <td class="nowrap">{size(v.size)}</td>
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
fn PluginView(d: PluginPageData) -> AnyView {
    let p = d.plugin;
    let latest = offered(&p, &d.versions).cloned();
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
        <div class="plugin-layout">
            <div class="plugin-main">
                <section class="panel" id="readme" aria-labelledby="readme-title">
                    <h2 id="readme-title" class="section-kicker">"README"</h2>
                    {match readme {
                        Some(html) => view! { <article class="readme" inner_html=html></article> }.into_any(),
                        None => view! { <p class="muted">"This plugin has no README."</p> }.into_any(),
                    }}
                </section>
                <section class="panel" id="downloads" aria-labelledby="downloads-title">
                    <h2 id="downloads-title">"Downloads"</h2>
                    <DownloadChart days=d.chart/>
                </section>
                <Versions versions=d.versions/>
            </div>
            <aside class="plugin-side" aria-label="Getting and judging this plugin">
                <GetIt id=p.id.clone() version=latest.clone()/>
                <Facts p=p.clone() version=latest/>
                <Permissions perms/>
                <Dependencies deps/>
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
    let data = Resource::new(id, plugin_page);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <PluginView d/> }.into_any(),
                    Err(e) if e.code == "not_found" => {
                        view! { <NotFound what=format!("The plugin {}", id())/> }.into_any()
                    }
                    Err(error) => view! { <LoadFailed error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(812), "812 B");
        assert_eq!(size(12_700), "12.4 KB");
        assert_eq!(size(3_250_586), "3.1 MB");
    }
}
